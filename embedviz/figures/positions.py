"""Figures of lesson 9 (positions): plain data in, ``go.Figure`` (or a live dict) out.

The live curves are built as plain dicts (``curves_parts``) and sent with
:func:`embedviz.figures.training.live_figure`; the tests check they validate as a ``go.Figure``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedviz.figures.common import base_layout, heatmap_trace, symmetric_range
from embedviz.palette import CATEGORICAL, DIVERGING, FONT_SIZE, NEUTRAL

KIND_COLORS = {"none": CATEGORICAL[7], "sinusoidal": CATEGORICAL[0], "learned": CATEGORICAL[1]}
KIND_DASH = {"none": "dot", "sinusoidal": "solid", "learned": "dash"}
TICK = dict(size=14)


def _token_labels(tokens: Sequence[str]) -> list[str]:
    return [f"{i} {t}" for i, t in enumerate(tokens)]


def sum_of_rows(token_rows: np.ndarray, position_rows: np.ndarray, total: np.ndarray,
                tokens: Sequence[str], kind_name: str, height: int = 400) -> go.Figure:
    """Three ``seq_len x dim`` heatmaps side by side: token rows + position rows = input."""
    titles = ("tokens", "+ positions", "= input")
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles, horizontal_spacing=0.04)
    zmax = symmetric_range(np.concatenate([token_rows, position_rows, total]))
    labels = _token_labels(tokens)
    for j, values in enumerate((token_rows, position_rows, total), start=1):
        trace = heatmap_trace(values, labels, zmax=zmax, show_values=False,
                              hover_name=titles[j - 1].strip("+= "))
        trace.showscale = j == 3
        fig.add_trace(trace, row=1, col=j)
        fig.update_yaxes(autorange="reversed", tickmode="array", showgrid=False,
                         tickvals=list(range(len(labels))),
                         ticktext=labels if j == 1 else [""] * len(labels),
                         tickfont=TICK, row=1, col=j)
        fig.update_xaxes(type="category", showgrid=False, tickfont=TICK,
                         title=dict(text="dimension", font=TICK), row=1, col=j)
    fig.update_annotations(font_size=FONT_SIZE)
    base_layout(fig, None, height)
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=10))
    return fig


def waves(table: np.ndarray, marked: Sequence[int] = (), max_lines: int = 16,
          height: int = 440) -> go.Figure:
    """Each dimension of a sinusoidal table as a wave over the positions, one above the other.

    ``table`` is (positions, dim); dimension j is drawn around height j (sin even, cos odd).
    ``marked`` positions (the sentence's) get dots on every wave."""
    table = np.asarray(table, dtype=float)
    n, d = table.shape
    dims = list(range(min(d, max_lines)))
    pos = np.arange(n)
    fig = go.Figure()
    for j in dims:
        color = CATEGORICAL[0] if j % 2 == 0 else CATEGORICAL[5]
        fig.add_trace(go.Scatter(
            x=pos, y=table[:, j] * 0.45 + j, mode="lines", line=dict(color=color, width=2),
            name="sin (even dims)" if j == 0 else ("cos (odd dims)" if j == 1 else None),
            showlegend=j < 2, customdata=table[:, j],
            hovertemplate=f"dimension {j}<br>position %{{x}}<br>value %{{customdata:.4f}}"
            "<extra></extra>",
        ))
    marked = [p for p in marked if 0 <= p < n]
    if marked:
        xs = [p for j in dims for p in marked]
        ys = [table[p, j] * 0.45 + j for j in dims for p in marked]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name="your sentence's positions",
                                 marker=dict(color="black", size=7), hoverinfo="skip"))
    fig.update_yaxes(tickmode="array", tickvals=dims, ticktext=[str(j) for j in dims],
                     title=dict(text="dimension"), tickfont=TICK, showgrid=False)
    fig.update_xaxes(title=dict(text="position"), tickfont=TICK)
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0,
                                  font=dict(size=14)))
    return base_layout(fig, None, height)


def position_similarities(sims: Sequence[np.ndarray], titles: Sequence[str],
                          height: int = 380) -> go.Figure:
    """(n, n) position-by-position cosine heatmaps side by side, one shared colour scale.

    Too many cells for numbers: the values are on hover."""
    fig = make_subplots(rows=1, cols=len(sims), subplot_titles=list(titles),
                        horizontal_spacing=0.06)
    for j, sim in enumerate(sims, start=1):
        n = len(sim)
        fig.add_trace(go.Heatmap(
            z=np.asarray(sim, dtype=float), x=list(range(n)), y=list(range(n)),
            colorscale=DIVERGING, zmin=-1, zmax=1, showscale=j == len(sims),
            colorbar=dict(tickfont=TICK, len=0.9),
            hovertemplate="positions %{y} and %{x}<br>cosine %{z:.4f}<extra></extra>",
        ), row=1, col=j)
        fig.update_yaxes(autorange="reversed", tickfont=TICK, showgrid=False, row=1, col=j,
                         scaleanchor=f"x{j if j > 1 else ''}", constrain="domain")
        fig.update_xaxes(tickfont=TICK, showgrid=False, row=1, col=j, constrain="domain",
                         title=dict(text="position", font=TICK))
    fig.update_annotations(font_size=FONT_SIZE)
    base_layout(fig, None, height)
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=10))
    return fig


def curves_parts(histories: Mapping[str, object], names: Mapping[str, str]) -> tuple[list, dict]:
    """Traces and layout of two stacked panels: each model's loss, each model's held-out
    accuracy with the 50 % chance line. ``histories`` maps a kind to a ``History``."""
    data = []
    for kind, h in histories.items():
        style = dict(color=KIND_COLORS[kind], width=3, dash=KIND_DASH[kind])
        data.append(dict(type="scatter", x=list(h.steps), y=list(h.loss), mode="lines",
                         xaxis="x", yaxis="y", name=names[kind], legendgroup=kind,
                         line=style, hovertemplate=f"{names[kind]}<br>step %{{x}}<br>"
                         "loss %{y:.4f}<extra></extra>"))
        data.append(dict(type="scatter", x=list(h.steps), y=list(h.accuracy), mode="lines",
                         xaxis="x2", yaxis="y2", name=names[kind], legendgroup=kind,
                         showlegend=False, line=style,
                         hovertemplate=f"{names[kind]}<br>step %{{x}}<br>held-out accuracy "
                         "%{y:.1%}<extra></extra>"))
    notes = [
        dict(text="<b>Loss ↓</b>", x=0, xref="paper", y=1.0, yref="paper", xanchor="left",
             yanchor="bottom", showarrow=False, font=dict(size=16)),
        dict(text="<b>Held-out accuracy ↑</b>", x=0, xref="paper", y=0.43, yref="paper",
             xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=16)),
        dict(text="chance 50 %", xref="x2 domain", x=1, yref="y2", y=0.5, xanchor="right",
             yanchor="bottom", showarrow=False, font=dict(size=14, color="#555")),
    ]
    layout = dict(
        xaxis=dict(domain=[0, 1], anchor="y", rangemode="tozero", tickfont=TICK),
        yaxis=dict(domain=[0.58, 0.98], rangemode="tozero", tickfont=TICK),
        xaxis2=dict(domain=[0, 1], anchor="y2", rangemode="tozero", tickfont=TICK,
                    title=dict(text="step", standoff=4)),
        yaxis2=dict(domain=[0, 0.41], range=[0.3, 1.02], tickformat=".0%", tickfont=TICK),
        shapes=[dict(type="line", xref="x2 domain", x0=0, x1=1, yref="y2", y0=0.5, y1=0.5,
                     line=dict(color=NEUTRAL, dash="dash", width=2))],
        annotations=notes,
        legend=dict(orientation="h", x=0, y=-0.16, yanchor="top", font=dict(size=14)),
        margin=dict(l=10, r=10, t=30, b=10),
    )
    return data, layout


def curves_figure(histories, names, height: int = 440) -> go.Figure:
    """:func:`curves_parts` as a validated figure."""
    data, layout = curves_parts(histories, names)
    fig = base_layout(go.Figure(), None, height)
    fig.update_layout(layout)
    fig.add_traces(data)
    return fig


def accuracy_by_start(starts: Sequence[int], accuracy: Mapping[str, Sequence[float | None]],
                      names: Mapping[str, str], height: int = 400) -> go.Figure:
    """Held-out accuracy of each model against the position its sentences start at (the
    models were trained at start 0). ``None`` (no row in the learned table) leaves a gap."""
    fig = go.Figure()
    labels = [str(s) for s in starts]
    for kind, values in accuracy.items():
        y = [np.nan if v is None else v for v in values]
        fig.add_trace(go.Scatter(
            x=labels, y=y, mode="lines+markers", name=names[kind],
            line=dict(color=KIND_COLORS[kind], width=3, dash=KIND_DASH[kind]),
            marker=dict(size=9), hovertemplate=f"{names[kind]}<br>start %{{x}}<br>accuracy "
            "%{y:.1%}<extra></extra>",
        ))
    fig.add_hline(y=0.5, line=dict(color=NEUTRAL, dash="dash", width=2))
    fig.update_xaxes(title=dict(text="position the sentences start at (trained at 0)"),
                     tickfont=TICK, type="category")
    fig.update_yaxes(title=dict(text="held-out accuracy"), tickformat=".0%", range=[0.3, 1.0],
                     tickfont=TICK)
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0,
                                  font=dict(size=14)))
    return base_layout(fig, None, height)


def distance_profile(means: Mapping[str, np.ndarray], height: int = 380) -> go.Figure:
    """Mean similarity of two positions against their distance, one line per table."""
    fig = go.Figure()
    colors = [CATEGORICAL[0], CATEGORICAL[1], CATEGORICAL[2]]
    for (name, m), color in zip(means.items(), colors):
        fig.add_trace(go.Scatter(x=np.arange(len(m)), y=m, mode="lines", name=name,
                                 line=dict(width=3, color=color),
                                 hovertemplate=f"{name}<br>distance %{{x}}<br>mean cosine "
                                 "%{y:.3f}<extra></extra>"))
    fig.update_xaxes(title=dict(text="distance |p − q| between positions"), tickfont=TICK)
    fig.update_yaxes(title=dict(text="mean cosine"), tickfont=TICK)
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0,
                                  font=dict(size=14)))
    return base_layout(fig, None, height)


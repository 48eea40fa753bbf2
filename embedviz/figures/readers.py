"""Figures of lesson 10: an RNN reading a sentence, and one word's vectors in context.

Plain data in, ``go.Figure`` out (the two live charts as plain dicts for
:func:`embedviz.figures.training.live_figure`, validated by the tests).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from embedviz.figures.common import base_layout, heatmap_trace, matrix_heatmap, symmetric_range
from embedviz.palette import CATEGORICAL, FONT_SIZE, HIGHLIGHT, NEUTRAL, category_colors

MAX_CELL_COLUMNS = 12  # numbers written in heatmap cells up to this many columns (>= 14 px)
TICK = dict(size=14)


def short(text: str, n: int = 28) -> str:
    """A label cut to ``n`` characters (Plotly draws text as text, never as HTML)."""
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def position_labels(tokens: Sequence[str], ids: Sequence[int]) -> list[str]:
    return [f"{t}: {short(tok, 14)} ({k})" for t, (tok, k) in enumerate(zip(tokens, ids))]


def walk_figure(x: np.ndarray, h: np.ndarray, tokens: Sequence[str], ids: Sequence[int],
                is_pad: Sequence[bool], current: int) -> go.Figure:
    """Side by side, one row per position: the embedding layer's (seq, dim) output, the rows
    the RNN reads, and the (seq, hidden) state after each token; the current step framed.
    A padding row's state says it is the previous one carried over."""
    dim, hidden = x.shape[1], h.shape[1]
    gap = 0.06
    split = (1 - gap) * dim / (dim + hidden)
    labels = [f"{lab}{'  (masked)' if pad else ''}"
              for lab, pad in zip(position_labels(tokens, ids), is_pad)]
    show = dim + hidden <= 10  # more columns: numbers on hover (cells under 14-px text)
    left = heatmap_trace(x, labels, [f"d{j}" for j in range(dim)], zmax=symmetric_range(x),
                         show_values=show, hover_name="x (embedding output)")
    right = heatmap_trace(h, labels, [f"h{j}" for j in range(hidden)], zmax=1.0,
                          show_values=show, hover_name="h (state)")
    right.update(xaxis="x2")
    for trace in (left, right):
        trace.update(showscale=False, textfont=dict(size=14))
    fig = go.Figure([left, right])
    n = len(tokens)
    fig.update_layout(
        xaxis=dict(domain=[0, split], type="category", side="top", tickfont=TICK,
                   showgrid=False),
        xaxis2=dict(domain=[split + gap, 1], type="category", side="top", tickfont=TICK,
                    showgrid=False),
        yaxis=dict(autorange="reversed", tickmode="array", tickvals=list(range(n)),
                   ticktext=labels, tickfont=TICK, showgrid=False),
    )
    fig.add_shape(type="rect", xref="x2 domain", yref="y", x0=0, x1=1, y0=current - 0.5,
                  y1=current + 0.5, line=dict(color=HIGHLIGHT, width=4))
    fig.add_shape(type="rect", xref="x domain", yref="y", x0=0, x1=1, y0=current - 0.5,
                  y1=current + 0.5, line=dict(color=HIGHLIGHT, width=4))
    return base_layout(fig, None, int(min(460, 70 + 36 * n)))


def step_figure(rows: dict[str, np.ndarray], title: str | None = None) -> go.Figure:
    """One RNN step as stacked vectors of different lengths (blank where a vector ends):
    the input row, the previous state, the two sums and the new state."""
    width = max(len(v) for v in rows.values())
    values = np.full((len(rows), width), np.nan)
    for i, v in enumerate(rows.values()):
        values[i, : len(v)] = v
    show = width <= MAX_CELL_COLUMNS
    fig = go.Figure(heatmap_trace(
        values, list(rows), [str(j) for j in range(width)], zmax=max(1.0, symmetric_range(values)),
        show_values=show, hover_name="value",
    ))
    if show:  # NaN cells are blank, not "nan"
        fig.data[0].text = np.where(np.isnan(values), "", fig.data[0].text)
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=list(range(len(rows))),
                     ticktext=list(rows), tickfont=TICK, showgrid=False)
    fig.update_xaxes(type="category", showgrid=False, tickfont=TICK,
                     title=dict(text="component", font=TICK))
    return base_layout(fig, title, 90 + 52 * len(rows))


def prediction_figure(p_positive: np.ndarray, tokens: Sequence[str], n_real: int,
                      flip: int | None) -> go.Figure:
    """P(positive) after each real token, with the 50 % line and the flip marked."""
    p = np.asarray(p_positive[:n_real], dtype=float)
    labels = [f"{t}: {short(tok, 14)}" for t, tok in enumerate(tokens[:n_real])]
    colors = [CATEGORICAL[2] if v >= 0.5 else CATEGORICAL[5] for v in p]
    fig = go.Figure(go.Bar(
        x=labels, y=p, marker=dict(color=colors), text=[f"{v:.0%}" for v in p],
        textposition="outside", textfont=dict(size=FONT_SIZE),
        hovertemplate="after %{x}<br>P(positive) %{y:.3f}<extra></extra>", showlegend=False,
    ))
    fig.add_hline(y=0.5, line=dict(color=NEUTRAL, dash="dash", width=2),
                  annotation_text="50 %", annotation_font_size=14)
    if flip is not None:
        fig.add_vline(x=flip - 0.5, line=dict(color=HIGHLIGHT, width=3))
    fig.update_yaxes(range=[0, 1.12], tickformat=".0%", title=dict(text="P(positive)"),
                     tickfont=TICK)
    fig.update_xaxes(type="category", tickfont=TICK, title=dict(text="after this token"))
    return base_layout(fig, "What the head would say if the sentence ended here", 400)


# ---------------------------------------------------------------- live charts (plain dicts)


def curves_parts(steps: Sequence[int], loss: Sequence[float],
                 accuracy: Sequence[float], bag_accuracy: float) -> tuple[list, dict]:
    """Two stacked panels: the training loss, and the validation accuracy with the bag's."""
    data = [
        dict(type="scatter", x=list(steps), y=list(loss), mode="lines", xaxis="x", yaxis="y",
             line=dict(color=CATEGORICAL[0], width=3), name="loss", showlegend=False,
             hovertemplate="step %{x}<br>loss %{y:.4f}<extra></extra>"),
        dict(type="scatter", x=list(steps), y=list(accuracy), mode="lines", xaxis="x2",
             yaxis="y2", line=dict(color=CATEGORICAL[2], width=3), name="RNN",
             showlegend=False,
             hovertemplate="step %{x}<br>validation accuracy %{y:.1%}<extra></extra>"),
    ]
    notes = [
        dict(text="<b>Training loss ↓</b>", x=0, xref="paper", y=1.0, yref="paper",
             xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=16)),
        dict(text="<b>Validation accuracy ↑</b>", x=0, xref="paper", y=0.44, yref="paper",
             xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=16)),
        dict(text=f"bag of embeddings {bag_accuracy:.0%}", xref="x2 domain", x=1, yref="y2",
             y=bag_accuracy, xanchor="right", yanchor="top", showarrow=False,
             font=dict(size=14, color="#555")),
    ]
    shapes = [dict(type="line", xref="x2 domain", x0=0, x1=1, yref="y2", y0=bag_accuracy,
                   y1=bag_accuracy, line=dict(color=NEUTRAL, dash="dash", width=2))]
    layout = dict(
        xaxis=dict(domain=[0, 1], anchor="y", rangemode="tozero", tickfont=TICK),
        yaxis=dict(domain=[0.6, 0.98], rangemode="tozero", tickfont=TICK),
        xaxis2=dict(domain=[0, 1], anchor="y2", rangemode="tozero", tickfont=TICK,
                    title=dict(text="step", standoff=4)),
        yaxis2=dict(domain=[0, 0.42], range=[0.4, 1.02], tickformat=".0%", tickfont=TICK),
        annotations=notes, shapes=shapes, margin=dict(l=10, r=10, t=30, b=10),
    )
    return data, layout


def probes_parts(probes: Sequence[str], rnn: Sequence[float],
                 bag: Sequence[float]) -> tuple[list, dict]:
    """P(positive) of each probe sentence: the RNN now, and lesson 3's bag of embeddings."""
    names = [short(p, 30) for p in probes]  # (keep the labels short: a half-width chart)
    data = [
        dict(type="bar", orientation="h", y=names, x=[float(v) for v in rnn], name="RNN (live)",
             marker=dict(color=CATEGORICAL[0]), text=[f"{v:.0%}" for v in rnn],
             textposition="auto", textfont=dict(size=14),
             hovertemplate="%{y}<br>RNN: P(positive) %{x:.3f}<extra></extra>"),
        dict(type="bar", orientation="h", y=names, x=[float(v) for v in bag],
             name="bag of embeddings", marker=dict(color=NEUTRAL),
             text=[f"{v:.0%}" for v in bag], textposition="auto", textfont=dict(size=14),
             hovertemplate="%{y}<br>bag: P(positive) %{x:.3f}<extra></extra>"),
    ]
    layout = dict(
        barmode="group", bargap=0.25,
        xaxis=dict(range=[0, 1], tickformat=".0%", tickfont=TICK),
        yaxis=dict(autorange="reversed", type="category", tickfont=TICK),
        legend=dict(orientation="h", x=0, y=-0.1, yanchor="top", font=dict(size=14)),
        shapes=[dict(type="line", xref="x", x0=0.5, x1=0.5, yref="paper", y0=0, y1=1,
                     line=dict(color="#555", dash="dash", width=2))],
        margin=dict(l=10, r=10, t=50, b=10),
    )
    return data, layout


# ---------------------------------------------------------------- static vs contextual


def sense_colors(senses: Sequence[str]) -> dict[str, str]:
    return category_colors(senses)


def occurrence_labels(sentence_of: Sequence[int], senses: Sequence[str]) -> list[str]:
    return [f"S{s + 1} ({senses[s]})" if senses[s] else f"S{s + 1}" for s in sentence_of]


def cosine_figure(sim: np.ndarray, labels: Sequence[str], title: str) -> go.Figure:
    """Cosine between the occurrences (diverging scale, -1..1), numbers when they fit."""
    fig = matrix_heatmap(sim, labels, labels, zmax=1.0, show_values=len(labels) <= 8,
                         hover_name="cosine", title=title,
                         height=int(min(440, 120 + 40 * len(labels))))
    fig.update_xaxes(tickfont=TICK, tickangle=-30)
    fig.update_yaxes(tickfont=TICK)
    fig.data[0].textfont = dict(size=14)
    return fig


def occurrences_scatter(coords: np.ndarray, labels: Sequence[str], senses: Sequence[str],
                        static: np.ndarray | None, hover: Sequence[str], title: str,
                        axis_titles: Sequence[str] = ("PC 1", "PC 2")) -> go.Figure:
    """The occurrences in 2-D (one colour per sense), and the static row as a star."""
    colors = sense_colors(senses)
    fig = go.Figure()
    for sense in dict.fromkeys(senses):
        idx = [i for i, s in enumerate(senses) if s == sense]
        fig.add_trace(go.Scatter(
            x=coords[idx, 0], y=coords[idx, 1], mode="markers+text", name=sense or "occurrence",
            text=[labels[i] for i in idx], textposition="top center", textfont=dict(size=14),
            customdata=[html.escape(hover[i]) for i in idx],  # a student's sentence, as text
            marker=dict(size=16, color=colors.get(sense, CATEGORICAL[0]),
                        line=dict(color="white", width=1)),
            hovertemplate="%{customdata}<extra></extra>",
        ))
    if static is not None:
        fig.add_trace(go.Scatter(
            x=[static[0]], y=[static[1]], mode="markers+text", name="static row",
            text=["static row"], textposition="bottom center", textfont=dict(size=14),
            marker=dict(symbol="star", size=22, color="#000000"),
            hovertemplate="the token table's row (the same in every sentence)<extra></extra>",
        ))
    span = np.ptp(np.vstack([coords, [static]]) if static is not None else coords, axis=0)
    low = np.min(coords, axis=0) if static is None else np.minimum(coords.min(0), static)
    high = np.max(coords, axis=0) if static is None else np.maximum(coords.max(0), static)
    pad = 0.18 * np.where(span > 0, span, 1.0)  # room for the labels beside the points
    fig.update_xaxes(title=dict(text=axis_titles[0]), tickfont=TICK, zeroline=False,
                     range=[low[0] - pad[0], high[0] + pad[0]])
    fig.update_yaxes(title=dict(text=axis_titles[1]), tickfont=TICK, zeroline=False,
                     range=[low[1] - pad[1], high[1] + pad[1]])
    fig = base_layout(fig, title, 440)
    fig.update_layout(legend=dict(orientation="v", x=1.01, y=1, font=dict(size=14)))
    return fig


def drift_figure(drift: np.ndarray, labels: Sequence[str], senses: Sequence[str],
                 same: np.ndarray | None = None, other: np.ndarray | None = None) -> go.Figure:
    """Per layer: each occurrence's cosine to the static row (thin lines), and the mean
    cosine between occurrences of the same sense and of different senses (thick)."""
    colors = sense_colors(senses)
    layers = [f"{i}" for i in range(drift.shape[1])]
    fig = go.Figure()
    for i, (lab, sense) in enumerate(zip(labels, senses)):
        fig.add_trace(go.Scatter(
            x=layers, y=drift[i], mode="lines+markers", name=lab, showlegend=False,
            line=dict(color=colors.get(sense, CATEGORICAL[0]), width=2),
            hovertemplate=f"{short(lab)}<br>layer %{{x}}<br>cosine to the static row "
                          "%{y:.3f}<extra></extra>",
        ))
    for values, name, dash in ((same, "mean cosine, same sense", "solid"),
                               (other, "mean cosine, other sense", "dot")):
        if values is not None:
            fig.add_trace(go.Scatter(
                x=layers, y=values, mode="lines", name=name,
                line=dict(color="#000000", width=4, dash=dash),
                hovertemplate=f"{name}<br>layer %{{x}}: %{{y:.3f}}<extra></extra>",
            ))
    fig.update_xaxes(title=dict(text="layer (0 = after the embedding layer)"), type="category",
                     tickfont=TICK)
    fig.update_yaxes(title=dict(text="cosine"), tickfont=TICK)
    fig = base_layout(fig, "Through the layers", 440)
    fig.update_layout(legend=dict(orientation="h", y=-0.22, yanchor="top", x=0,
                                  font=dict(size=14)), margin=dict(b=20))
    return fig

"""Figures of lesson 6 (Start from GloVe): plain data in, figures out.

The two live charts (the curves, the accuracy bars) are built as plain dicts by ``*_parts``
and sent with :func:`embedviz.figures.training.live_figure` (no validation per tick; the
tests check the dicts validate as ``go.Figure``). The before/after map and the drift bars
are drawn when the page runs, not every tick, so they are ordinary ``go.Figure`` s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from embedviz.figures.common import base_layout
from embedviz.palette import CATEGORICAL, FONT_SIZE, NEUTRAL, SMALL_FONT

START_COLORS = {"random": CATEGORICAL[7], "frozen": CATEGORICAL[0], "finetuned": CATEGORICAL[1]}
KIND_COLORS = {"positive": CATEGORICAL[2], "negative": CATEGORICAL[5], "neutral": NEUTRAL,
               "never in a batch": CATEGORICAL[3]}


def _panel_title(text: str, top: float) -> dict:
    return dict(text=f"<b>{text}</b>", x=0, xref="paper", y=top, yref="paper",
                xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=FONT_SIZE))


def curves_parts(curves: Mapping[str, Mapping[str, tuple]], titles: Mapping[str, str]
                 ) -> tuple[list, dict]:
    """Loss (top) and accuracy (bottom) of every start over steps, in one figure.

    ``curves[start]["train" | "val"]`` is ``(steps, loss, accuracy)``; validation is drawn
    solid, training dashed, one colour per start (``titles`` names them)."""
    data = []
    for start, sets in curves.items():
        color = START_COLORS[start]
        for which, dash in (("val", "solid"), ("train", "dash")):
            steps, loss, acc = sets[which]
            label = f"{titles[start]}, {'validation' if which == 'val' else 'training'}"
            common = dict(type="scatter", mode="lines", x=list(steps), legendgroup=start,
                          line=dict(color=color, width=3 if which == "val" else 2, dash=dash))
            data.append(dict(common, y=list(loss), xaxis="x", yaxis="y", name=titles[start],
                             showlegend=which == "val",
                             hovertemplate=f"{label}<br>step %{{x}}<br>loss %{{y:.4f}}"
                             "<extra></extra>"))
            data.append(dict(common, y=list(acc), xaxis="x2", yaxis="y2", name=label,
                             showlegend=False,
                             hovertemplate=f"{label}<br>step %{{x}}<br>accuracy %{{y:.1%}}"
                             "<extra></extra>"))
    layout = dict(
        xaxis=dict(domain=[0, 1], anchor="y", rangemode="tozero", showticklabels=False),
        yaxis=dict(domain=[0.56, 0.92], rangemode="tozero", tickfont=dict(size=SMALL_FONT)),
        xaxis2=dict(domain=[0, 1], anchor="y2", rangemode="tozero", matches="x",
                    title=dict(text="step", standoff=4), tickfont=dict(size=SMALL_FONT)),
        yaxis2=dict(domain=[0, 0.44], range=[0.4, 1.02], tickformat=".0%",
                    tickfont=dict(size=SMALL_FONT)),
        annotations=[
            _panel_title("Loss ↓ · solid: validation", 0.94),
            _panel_title("Accuracy ↑ · dashed: training", 0.45),
        ],
        showlegend=False,  # the colours are named under the bars beside it
        margin=dict(l=10, r=10, t=40, b=10),
        uirevision="curves",
    )
    return data, layout


def accuracy_bars_parts(values: Mapping[str, tuple[float, float]], titles: Mapping[str, str],
                        n_all: int, n_unseen: int) -> tuple[list, dict]:
    """Validation accuracy now, on all sentences and on those with a word training never
    showed: ``values[start] = (all, unseen)``, grouped by start."""
    groups = ["all", "unseen<br>words"]  # how many of each: in the hover and the caption
    data = []
    for start, (acc_all, acc_unseen) in values.items():
        xs = [acc_all, acc_unseen]
        data.append(dict(
            type="bar", orientation="h", y=groups, x=[None if np.isnan(x) else x for x in xs],
            name=titles[start], marker=dict(color=START_COLORS[start]),
            text=["–" if np.isnan(x) else f"{x:.0%}" for x in xs], textposition="outside",
            textfont=dict(size=FONT_SIZE), cliponaxis=False,
            hovertemplate=f"{titles[start]}<br>%{{y}}<br>accuracy %{{x:.1%}}<extra></extra>",
        ))
    layout = dict(
        barmode="group", bargap=0.2,
        xaxis=dict(range=[0, 1.18], tickformat=".0%", tickvals=[0, 0.5, 1],
                   tickfont=dict(size=SMALL_FONT)),
        yaxis=dict(tickfont=dict(size=FONT_SIZE), autorange="reversed"),
        legend=dict(orientation="h", yanchor="top", y=-0.1, x=0, font=dict(size=FONT_SIZE),
                    traceorder="normal"),
        margin=dict(l=10, r=10, t=40, b=10),
    )
    return data, layout


def parts_figure(data: list, layout: dict, height: int) -> go.Figure:
    """``*_parts`` as a validated figure (what the tests check the live dicts against)."""
    fig = base_layout(go.Figure(data=data, layout=layout), None, height)
    return fig.update_layout(margin=layout["margin"])


def before_after_map(before: np.ndarray, after: np.ndarray, words: Sequence[str],
                     kinds: Sequence[str], axis_titles: tuple[str, str], title: str,
                     height: int = 460) -> go.Figure:
    """Each word at its GloVe position (hollow) and after fine-tuning (filled), an arrow
    between, in one fixed 2-D projection; ``before``/``after`` are (n, 2)."""
    fig = go.Figure()
    for kind, color in KIND_COLORS.items():
        idx = [i for i, k in enumerate(kinds) if k == kind]
        if not idx:
            continue
        names = [words[i] for i in idx]
        fig.add_trace(go.Scatter(
            x=before[idx, 0], y=before[idx, 1], mode="markers", legendgroup=kind,
            showlegend=False, marker=dict(symbol="circle-open", size=12, color=color,
                                          line=dict(width=2)),
            customdata=names, hovertemplate="<b>%{customdata}</b> in GloVe<extra></extra>",
        ))
        fig.add_trace(go.Scatter(
            x=after[idx, 0], y=after[idx, 1], mode="markers+text", name=kind,
            legendgroup=kind, text=names, textposition="top center",
            textfont=dict(size=SMALL_FONT, color=color),
            marker=dict(size=12, color=color, line=dict(width=1, color="white")),
            customdata=names, hovertemplate="<b>%{customdata}</b> fine-tuned<extra></extra>",
        ))
    for i in range(len(words)):
        if np.allclose(before[i], after[i]):
            continue
        fig.add_annotation(x=after[i, 0], y=after[i, 1], ax=before[i, 0], ay=before[i, 1],
                           xref="x", yref="y", axref="x", ayref="y", text="", showarrow=True,
                           arrowhead=2, arrowsize=1.2, arrowwidth=1.5,
                           arrowcolor=KIND_COLORS.get(kinds[i], NEUTRAL), opacity=0.7)
    fig.update_xaxes(title=dict(text=axis_titles[0]), tickfont=dict(size=SMALL_FONT),
                     zerolinecolor="#DDD")
    fig.update_yaxes(title=dict(text=axis_titles[1]), tickfont=dict(size=SMALL_FONT),
                     zerolinecolor="#DDD", scaleanchor="x", scaleratio=1)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.18, x=0,
                                  font=dict(size=FONT_SIZE)))
    fig = base_layout(fig, title, height)
    return fig.update_layout(margin=dict(l=10, r=10, t=50, b=90))


def drift_bars(moved: Sequence[tuple[str, float, int]], kinds: Mapping[str, str], title: str,
               height: int = 420) -> go.Figure:
    """The words that moved most: ``(word, distance from the start, lookups in batches)``."""
    words = [w for w, _, _ in moved]
    dist = [d for _, d, _ in moved]
    counts = [c for _, _, c in moved]
    fig = go.Figure(go.Bar(
        x=dist, y=words, orientation="h", customdata=counts,
        marker=dict(color=[KIND_COLORS.get(kinds.get(w, "neutral"), NEUTRAL) for w in words]),
        text=[f"{d:.2f}" for d in dist], textposition="auto", textfont=dict(size=SMALL_FONT),
        hovertemplate="<b>%{y}</b><br>moved %{x:.4f}<br>looked up %{customdata:,} times in "
        "batches<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed", type="category", tickfont=dict(size=FONT_SIZE))
    fig.update_xaxes(title=dict(text="distance moved"),
                     tickfont=dict(size=SMALL_FONT), rangemode="tozero")
    return base_layout(fig, title, height)

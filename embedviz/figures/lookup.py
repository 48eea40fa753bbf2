"""Figures of lesson 1: the matrix with its looked-up rows, the output, IDs on a line."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from embedviz.figures.common import base_layout, matrix_heatmap, symmetric_range
from embedviz.palette import CATEGORICAL, HIGHLIGHT, SEQUENTIAL

FOLLOW = "#000000"  # the frame of the one token a student follows through the pipeline


def _frame_row(fig: go.Figure, pos: int, color: str, width: float, dash: str = "solid") -> None:
    fig.add_shape(type="rect", xref="paper", yref="y", x0=0, x1=1, y0=pos - 0.5, y1=pos + 0.5,
                  line=dict(color=color, width=width, dash=dash))


def embedding_matrix(
    weight: np.ndarray, itos: Sequence[str], rows: Sequence[int], looked_up: Sequence[int],
    follow: int | None = None,
) -> go.Figure:
    """The ``vocab x dim`` matrix (the chosen ``rows`` of it), looked-up rows framed; the row of
    ID ``follow`` (a token the student follows) framed in black."""
    rows = list(rows)
    hit = set(looked_up)
    labels = [f"{'▶ ' if r in hit else ''}{r}: {itos[r]}" for r in rows]
    sub = weight[rows]
    fig = matrix_heatmap(
        sub,
        labels,
        [f"d{j}" for j in range(weight.shape[1])],
        zmax=symmetric_range(weight),
        show_values=sub.size <= 300,
        hover_name="weight",
    )
    for pos, r in enumerate(rows):
        if r in hit:
            _frame_row(fig, pos, HIGHLIGHT, 3)
        if r == follow:
            _frame_row(fig, pos, FOLLOW, 5, "dot")
    return fig


def output_matrix(output: np.ndarray, tokens: Sequence[str], ids: Sequence[int],
                  weight: np.ndarray | None = None, follow: int | None = None) -> go.Figure:
    """The ``seq_len x dim`` output: one row per position, labelled with token and ID.

    Pass the ``weight`` it was looked up from to colour both on the same scale: a lookup
    copies numbers, so the same number gets the same colour in both pictures."""
    labels = [f"pos {i}: {t} (id {k})" for i, (t, k) in enumerate(zip(tokens, ids))]
    fig = matrix_heatmap(
        output,
        labels,
        [f"d{j}" for j in range(output.shape[1])],
        zmax=symmetric_range(output if weight is None else weight),
        show_values=output.size <= 300,
        hover_name="value",
    )
    if follow is not None and 0 <= follow < len(ids):  # ``follow`` is a position here
        _frame_row(fig, follow, FOLLOW, 5, "dot")
    return fig


def integer_line(ids: dict[str, int]) -> go.Figure:
    """Words placed on a number line at their integer IDs."""
    words = sorted(ids, key=ids.get)
    fig = go.Figure(
        go.Scatter(
            x=[ids[w] for w in words],
            y=[0] * len(words),
            mode="markers+text",
            text=[f"{w}<br>{ids[w]}" for w in words],
            textposition=["top center" if i % 2 else "bottom center" for i in range(len(words))],
            marker=dict(size=18, color=CATEGORICAL[: len(words)]),
            hovertemplate="%{text}<extra></extra>",
        )
    )
    lo, hi = min(ids.values()), max(ids.values())
    pad = max(5, (hi - lo) * 0.18)  # room for a label centred on the first and last point
    fig.update_xaxes(range=[lo - pad, hi + pad], zeroline=True, title="token ID")
    fig.update_yaxes(visible=False, range=[-1.2, 1.2])
    fig.update_traces(cliponaxis=False)  # a label near the edge is drawn whole, never cut
    return base_layout(fig, height=220)


def cosine_heatmap(matrix: np.ndarray, labels: Sequence[str], title: str | None = None) -> go.Figure:
    """Cosine similarities in [-1, 1] with every value written out."""
    return matrix_heatmap(
        matrix, list(labels), list(labels), title=title, zmax=1.0, show_values=True,
        hover_name="cosine", height=120 + 45 * len(labels),
    )


def feature_table(values: np.ndarray, words: Sequence[str], features: Sequence[str]) -> go.Figure:
    """The hand-made embedding: words x named features, values 0..1."""
    return matrix_heatmap(
        values, list(words), list(features), colorscale=SEQUENTIAL, zmid=None,
        show_values=True, hover_name="value", height=120 + 45 * len(words),
    )

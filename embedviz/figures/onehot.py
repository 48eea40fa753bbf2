"""Figures of lesson 2 (one-hot x W = lookup): matrices side by side, and the cost chart.

Plain arrays in, ``go.Figure`` out. Rows that belong to the same token ID are outlined in the
same colour in every matrix, so the eye can follow row ``ids[i]`` of W into row ``i`` of the
result.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedviz.figures.common import base_layout, matrix_heatmap, symmetric_range
from embedviz.palette import CATEGORICAL, FONT_SIZE, HIGHLIGHT, NEUTRAL, OKABE_ITO

# Outline colours: the palette without yellow (invisible on white) and black (reads as grid).
OUTLINE_COLORS = [c for c in CATEGORICAL if c not in ("#F0E442", "#000000")]
ONEHOT_COLOR, LOOKUP_COLOR, SHARED_COLOR = HIGHLIGHT, OKABE_ITO[0], NEUTRAL


@dataclass
class Panel:
    """One matrix of a side-by-side picture."""

    values: np.ndarray  # (rows, cols)
    title: str
    row_labels: Sequence[str]
    col_labels: Sequence[str]
    outlines: dict[int, str] = field(default_factory=dict)  # row position -> colour
    zmax: float = 1.0  # colour range is [-zmax, zmax], zero is white
    value_format: str = ".2f"
    blank_zeros: bool = False  # write nothing in cells that are exactly 0


def id_colors(ids: Sequence[int]) -> dict[int, str]:
    """One colour per distinct token ID, in order of first appearance."""
    colors: dict[int, str] = {}
    for i in ids:
        colors.setdefault(int(i), OUTLINE_COLORS[len(colors) % len(OUTLINE_COLORS)])
    return colors


def _plain(label: str, n: int = 14) -> str:
    """Plotly reads labels as a little HTML: escape them, and keep them short."""
    label = str(label)
    return html.escape(label if len(label) <= n else label[: n - 1] + "…")


def _cell_text(panel: Panel) -> np.ndarray:
    text = np.vectorize(lambda v: format(v, panel.value_format))(panel.values)
    if panel.blank_zeros:
        text = np.where(panel.values == 0, "", text)
    return text


def side_by_side(
    panels: Sequence[Panel], operators: Sequence[str], title: str | None = None
) -> go.Figure:
    """Matrices in a row with operators between them; equal cell sizes, first rows aligned."""
    n_rows = max(p.values.shape[0] for p in panels)
    widths = [max(p.values.shape[1], 2) for p in panels]
    fig = make_subplots(
        rows=1,
        cols=len(panels),
        column_widths=[w / sum(widths) for w in widths],
        subplot_titles=[p.title for p in panels],
        horizontal_spacing=min(0.07, 0.3 / max(1, len(panels) - 1)),
    )
    cells = sum(p.values.size for p in panels)
    for k, p in enumerate(panels, start=1):
        rows, cols = p.values.shape
        show = cells <= 1200 and p.values.size <= 600
        trace = matrix_heatmap(
            p.values,
            [_plain(r) for r in p.row_labels],
            [_plain(c) for c in p.col_labels],
            zmax=p.zmax,
            show_values=show,
            value_format=p.value_format,
        ).data[0]
        trace.showscale = False
        if show:
            trace.text = _cell_text(p)
        fig.add_trace(trace, row=1, col=k)
        fig.update_yaxes(
            range=[n_rows - 0.5, -0.5],
            tickmode="array",
            tickvals=list(range(rows)),
            ticktext=[_plain(r) for r in p.row_labels],
            showgrid=False,
            zeroline=False,
            row=1,
            col=k,
        )
        fig.update_xaxes(type="category", showgrid=False, tickangle=-60 if cols > 8 else 0,
                         row=1, col=k)
        for r, color in p.outlines.items():
            fig.add_shape(
                type="rect", x0=-0.5, x1=cols - 0.5, y0=r - 0.5, y1=r + 0.5,
                line=dict(color=color, width=3), row=1, col=k,
            )
    _add_operators(fig, panels, operators, n_rows)
    for ann in fig.layout.annotations[: len(panels)]:  # the subplot titles
        ann.font = dict(size=FONT_SIZE)
    cell = 34 if n_rows <= 12 else 24 if n_rows <= 24 else 18
    fig = base_layout(fig, title, height=int(110 + cell * n_rows + (40 if title else 0)))
    fig.update_layout(margin=dict(t=80 if title else 50, b=10))
    return fig


def _add_operators(fig: go.Figure, panels: Sequence[Panel], operators: Sequence[str],
                   n_rows: int) -> None:
    for k, op in enumerate(operators, start=1):
        if k >= len(panels) or not op:
            continue
        left = fig.layout[f"xaxis{k if k > 1 else ''}"].domain[1]
        right = fig.layout[f"xaxis{k + 1}"].domain[0]
        rows = min(panels[k - 1].values.shape[0], panels[k].values.shape[0])
        fig.add_annotation(
            x=(left + right) / 2, y=1 - (rows / 2) / n_rows, xref="paper", yref="paper",
            text=f"<b>{html.escape(op)}</b>", showarrow=False, font=dict(size=FONT_SIZE + 10),
        )


# ------------------------------------------------------------------------------ forward


def forward_figure(
    X: np.ndarray,
    W: np.ndarray,
    via_matmul: np.ndarray,
    via_lookup: np.ndarray,
    ids: Sequence[int],
    row_labels: Sequence[str],
    shown: Sequence[int] | None = None,
) -> go.Figure:
    """``X (n, V) × W (V, d) = X @ W`` next to ``W[ids]``, rows linked by colour.

    ``row_labels`` names every row of W (``"2 · cat"``); ``shown`` picks which rows of W (and
    columns of X) to draw when V is too large to draw whole.
    """
    V, d = W.shape
    shown = list(range(V)) if shown is None else list(shown)
    at = {row: pos for pos, row in enumerate(shown)}
    colors = id_colors(ids)
    pos_labels = [f"{p}: {row_labels[i]}" for p, i in enumerate(ids)]
    zmax = symmetric_range(W[shown]) if len(shown) else 1.0
    left_out = V - len(shown)
    x_title = f"X = one_hot(ids)  ({len(ids)} × {V:,})"
    w_title = f"W  ({V:,} × {d})"
    if left_out:
        x_title += f"<br><sub>only the batch's columns; the other {left_out:,} are all 0</sub>"
        w_title += f"<br><sub>only the batch's rows of {V:,}</sub>"
    ids_outlines = {p: colors[int(i)] for p, i in enumerate(ids)}
    panels = [
        Panel(X[:, shown], x_title, pos_labels, [str(i) for i in shown], ids_outlines,
              zmax=1.0, value_format=".0f", blank_zeros=True),
        Panel(W[shown], w_title, [row_labels[i] for i in shown], [str(j) for j in range(d)],
              {at[int(i)]: c for i, c in colors.items() if int(i) in at}, zmax=zmax),
        Panel(via_matmul, f"X @ W  ({len(ids)} × {d})", pos_labels,
              [str(j) for j in range(d)], ids_outlines, zmax=zmax),
        Panel(via_lookup, f"W[ids]  ({len(ids)} × {d})", pos_labels,
              [str(j) for j in range(d)], ids_outlines, zmax=zmax),
    ]
    return side_by_side(panels, ["×", "=", "≡"])


# ----------------------------------------------------------------------------- backward


def backward_figure(
    grad_out: np.ndarray,
    via_matmul: np.ndarray,
    via_embedding: np.ndarray,
    ids: Sequence[int],
    row_labels: Sequence[str],
    shown: Sequence[int] | None = None,
) -> go.Figure:
    """dY, then ``X.T @ dY`` and nn.Embedding's gradient of W, then their difference."""
    V, d = via_matmul.shape
    shown = list(range(V)) if shown is None else list(shown)
    at = {row: pos for pos, row in enumerate(shown)}
    colors = id_colors(ids)
    cols = [str(j) for j in range(d)]
    zmax = symmetric_range(np.concatenate([grad_out.ravel(), via_matmul.ravel()]))
    rows_of_w = [row_labels[i] for i in shown]
    w_outlines = {at[int(i)]: c for i, c in colors.items() if int(i) in at}
    diff = via_matmul - via_embedding
    suffix = f"<br><sub>the batch's rows of {V:,}</sub>" if len(shown) < V else ""
    panels = [
        Panel(grad_out, f"dY = dL/dY  ({len(ids)} × {d})",
              [f"{p}: {row_labels[i]}" for p, i in enumerate(ids)], cols,
              {p: colors[int(i)] for p, i in enumerate(ids)}, zmax=zmax, value_format=".0f"),
        Panel(via_matmul[shown], f"X.T @ dY  (autograd, matmul){suffix}", rows_of_w, cols,
              w_outlines, zmax=zmax, value_format=".0f", blank_zeros=True),
        Panel(via_embedding[shown], f"nn.Embedding: W.grad{suffix}", rows_of_w, cols,
              w_outlines, zmax=zmax, value_format=".0f", blank_zeros=True),
        Panel(diff[shown], "difference", rows_of_w, cols, w_outlines, zmax=zmax,
              value_format=".0f", blank_zeros=True),
    ]
    return side_by_side(panels, ["→", "vs", "="])


# ------------------------------------------------------------------------------ sparse


def sparse_figure(
    rows: Sequence[int],
    values: np.ndarray,
    coalesced_rows: Sequence[int],
    coalesced_values: np.ndarray,
    row_labels: Sequence[str],
) -> go.Figure:
    """What ``sparse=True`` stores: one (row, values) entry per position, then coalesced."""
    colors = id_colors(rows)
    d = values.shape[1]
    cols = [str(j) for j in range(d)]
    zmax = symmetric_range(np.concatenate([values.ravel(), coalesced_values.ravel()]))
    entries = [f"→ row {row_labels[r]}" for r in rows]
    summed = [f"row {row_labels[r]}" for r in coalesced_rows]
    panels = [
        Panel(values, f"W.grad.values(): {len(rows)} entries", entries, cols,
              {k: colors[int(r)] for k, r in enumerate(rows)}, zmax=zmax, value_format=".0f"),
        Panel(coalesced_values, f"after .coalesce(): {len(coalesced_rows)} rows", summed, cols,
              {k: colors[int(r)] for k, r in enumerate(coalesced_rows)}, zmax=zmax,
              value_format=".0f"),
    ]
    return side_by_side(panels, ["→"])


# -------------------------------------------------------------------------------- cost


def cost_figure(
    vocab_sizes: Sequence[int],
    onehot_multiply_adds: Sequence[float],
    lookup_copies: Sequence[float],
    onehot_input_bytes: Sequence[float],
    lookup_index_bytes: Sequence[float],
    weight_bytes: Sequence[float],
    chosen_vocab: int,
    marks: dict[str, int] | None = None,
) -> go.Figure:
    """Work and memory of both paths as the vocabulary grows, on log-log axes."""
    fig = make_subplots(
        rows=1, cols=2, horizontal_spacing=0.12,
        subplot_titles=["Work per forward pass", "Memory per forward pass"],
    )
    v = list(vocab_sizes)
    lines = [
        (1, onehot_multiply_adds, "one-hot: multiply-adds (n·V·d)", ONEHOT_COLOR, "solid"),
        (1, lookup_copies, "lookup: numbers copied (n·d)", LOOKUP_COLOR, "solid"),
        (2, onehot_input_bytes, "one-hot: X alone (n·V floats)", ONEHOT_COLOR, "dash"),
        (2, lookup_index_bytes, "lookup: the IDs (n int64)", LOOKUP_COLOR, "dash"),
        (2, weight_bytes, "W itself, both paths (V·d floats)", SHARED_COLOR, "dot"),
    ]
    for col, ys, name, color, dash in lines:
        fig.add_trace(go.Scatter(
            x=v, y=list(ys), name=name, mode="lines", line=dict(color=color, width=3, dash=dash),
            hovertemplate="V = %{x:,}<br>%{y:.3s}<extra>" + name + "</extra>",
        ), row=1, col=col)
    for col in (1, 2):
        fig.add_vline(x=chosen_vocab, line=dict(color=NEUTRAL, width=2, dash="dash"),
                      row=1, col=col)
    for label, x in (marks or {}).items():
        fig.add_vline(x=x, line=dict(color=NEUTRAL, width=1), row=1, col=2,
                      annotation_text=html.escape(label), annotation_position="top left",
                      annotation_font_size=FONT_SIZE - 2)
    fig.update_xaxes(type="log", title_text="vocabulary size V", exponentformat="SI")
    fig.update_yaxes(type="log", exponentformat="SI", row=1, col=1,
                     title_text="operations")
    fig.update_yaxes(type="log", exponentformat="SI", row=1, col=2,
                     title_text="bytes", ticksuffix="B")
    fig = base_layout(fig, None, height=460)
    fig.update_layout(
        margin=dict(t=40, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0),
    )
    for ann in fig.layout.annotations[:2]:
        ann.font = dict(size=FONT_SIZE)
    return fig


def timing_figure(labels: Sequence[str], onehot_seconds: Sequence[float],
                  lookup_seconds: Sequence[float]) -> go.Figure:
    """Measured time per call of both paths, grouped bars on a log axis."""
    fig = go.Figure([
        go.Bar(x=list(labels), y=[s * 1e3 for s in onehot_seconds], name="one_hot(ids) @ W",
               marker_color=ONEHOT_COLOR, text=[_ms(s) for s in onehot_seconds],
               textposition="outside", hovertemplate="%{x}: %{y:.4f} ms<extra>one-hot</extra>"),
        go.Bar(x=list(labels), y=[s * 1e3 for s in lookup_seconds], name="nn.Embedding",
               marker_color=LOOKUP_COLOR, text=[_ms(s) for s in lookup_seconds],
               textposition="outside", hovertemplate="%{x}: %{y:.4f} ms<extra>lookup</extra>"),
    ])
    fig.update_yaxes(type="log", title_text="ms per call (log)")
    fig = base_layout(fig, None, height=380)
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.12, x=0),
                      margin=dict(t=60))
    return fig


def _ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:.3g} ms" if ms >= 0.01 else f"{ms * 1e3:.3g} µs"

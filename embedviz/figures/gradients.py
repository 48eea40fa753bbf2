"""Figures of lesson 4 (gradients touch only the batch's rows).

Plain arrays in, ``go.Figure`` out. The gradient and the change of the table are drawn with
every row in row-ID order, so the picture *is* the sparsity: a white row is exactly zero, a
coloured one is not. The words of the interesting rows are written at the side, pushed apart
so they never overlap, each with a thin line to its row.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedviz.figures.common import base_layout, matrix_heatmap, symmetric_range
from embedviz.palette import FONT_SIZE, HIGHLIGHT, NEUTRAL, OKABE_ITO, SEQUENTIAL, SMALL_FONT
from embedviz.text import PAD_ID

OPT_SHORT = {
    "sgd": "SGD", "momentum": "Momentum", "adam": "Adam", "adamw": "AdamW",
    "sparse_adam": "SparseAdam",
}
OPT_STYLE = {  # colour and marker: told apart without colour too
    "sgd": (OKABE_ITO[0], "circle"),
    "momentum": (OKABE_ITO[1], "square"),
    "adam": (OKABE_ITO[2], "diamond"),
    "adamw": (OKABE_ITO[3], "triangle-up"),
    "sparse_adam": (OKABE_ITO[7], "x"),
}
CLEAR = "rgba(0,0,0,0)"  # not a colour: lets the white background through (exactly zero)
FRAME_COLOR = OKABE_ITO[7]  # black
BATCH_COLOR = HIGHLIGHT  # rows of the batch being stepped
EARLIER_COLOR = OKABE_ITO[0]  # rows of earlier batches only
MAX_DRAWN_ROWS = 300
LABEL_PX = 19  # height of one side label
LABEL_FONT = SMALL_FONT
CHAR_PX = 8  # width of one label character


def short(word: str, n: int = 14) -> str:
    return word if len(word) <= n else word[: n - 1] + "…"


def plain(text: str) -> str:
    """Plotly reads labels as a little HTML: a student's word must stay text."""
    return html.escape(short(str(text)))


def rows_to_draw(vocab_size: int, keep, max_rows: int = MAX_DRAWN_ROWS) -> np.ndarray:
    """Every row ID if the table is small enough to draw, else the rows in ``keep``, [PAD]
    and [UNK], and evenly spaced others, in ID order."""
    if vocab_size <= max_rows:
        return np.arange(vocab_size)
    keep = np.union1d(np.asarray(keep, dtype=np.int64), [0, 1])[:max_rows]
    rest = np.setdiff1d(np.arange(vocab_size), keep)
    n = max_rows - len(keep)
    if n > 0 and len(rest):
        keep = np.union1d(keep, rest[np.unique(np.linspace(0, len(rest) - 1, n).round())
                                     .astype(int)])
    return keep


def spread(targets: Sequence[float], gap: float, lo: float, hi: float) -> list[float]:
    """Positions as close to ``targets`` (sorted) as possible, ``gap`` apart, in [lo, hi]."""
    out: list[float] = []
    for t in targets:
        out.append(max(t, lo) if not out else max(t, out[-1] + gap))
    for i in reversed(range(len(out))):
        limit = hi if i == len(out) - 1 else out[i + 1] - gap
        out[i] = max(lo, min(out[i], limit))
    return out


def _geometry(n_rows: int) -> tuple[float, int]:
    """Pixels per row and the plot's height in pixels: tall enough to see single rows."""
    px = float(np.clip(700 / max(n_rows, 1), 3, 24))
    return px, int(max(320, px * n_rows))


def side_labels(
    positions: Sequence[int], texts: Sequence[str], colors: Sequence[str], *,
    n_rows: int, px_per_row: float, x_from: float, x_to: float, yref: str = "y",
) -> tuple[list[dict], list[dict], int]:
    """Annotations at paper-x ``x_to`` with leader lines from ``x_from`` to their rows.

    Labels that do not fit the height are left out, last ones first (order = priority);
    returns (annotations, shapes, number left out)."""
    gap = LABEL_PX / px_per_row  # in rows
    fits = int((n_rows - 1) / gap) + 1 if gap > 0 else len(positions)
    order = list(range(len(positions)))[:fits]
    order.sort(key=lambda i: positions[i])
    ys = spread([positions[i] for i in order], gap, -0.3, n_rows - 0.7)
    notes, lines = [], []
    for i, y in zip(order, ys):
        notes.append(dict(x=x_to, y=y, xref="paper", yref=yref, xanchor="left",
                          yanchor="middle", showarrow=False, text=texts[i],
                          font=dict(size=LABEL_FONT, color=colors[i])))
        lines.append(dict(type="line", xref="paper", yref=yref, x0=x_from, x1=x_to - 0.004,
                          y0=positions[i], y1=y, line=dict(color=colors[i], width=1)))
    return notes, lines, len(positions) - len(order)


def _row_ticks(rows: np.ndarray) -> tuple[list[int], list[str]]:
    """A few row-ID ticks on the left, to read where in the table a row is."""
    n = len(rows)
    step = max(1, int(np.ceil(n / 6 / 10)) * 10) if n > 12 else 1
    pos = list(range(0, n, step))
    return pos, [str(int(rows[p])) for p in pos]


# ---------------------------------------------------------------- the gradient


def gradient_figure(
    grad: np.ndarray,
    words: Sequence[str],
    counts: Mapping[int, int],
    rows: Sequence[int] | None = None,
    title: str | None = None,
) -> go.Figure:
    """The table's gradient (vocab x dim) and each row's gradient norm, rows aligned.

    ``counts`` maps row ID -> times the batch looked it up; those rows are outlined and
    labelled (with ``×n`` when repeated). Exact zeros are white: the diverging scale is
    centred on zero."""
    V, d = grad.shape
    rows = np.arange(V) if rows is None else np.asarray(rows)
    n = len(rows)
    norms = np.linalg.norm(grad.astype(np.float64), axis=1)  # (vocab,)
    labels = [f"{int(r)} · {plain(words[r])}" for r in rows]
    heat = matrix_heatmap(grad[rows], labels, [str(j) for j in range(d)], show_values=False,
                          zmax=symmetric_range(grad[rows]), hover_name="gradient").data[0]
    small = n <= 60  # gaps between cells only where cells are large enough to need them
    heat.update(showscale=False, ygap=1 if small else 0, xgap=1 if small and d <= 32 else 0)
    bars = go.Bar(
        x=norms[rows], y=list(range(n)), orientation="h", width=1.0,
        marker=dict(color=BATCH_COLOR, line=dict(width=0)), customdata=labels,
        hovertemplate="row %{customdata}<br>gradient norm %{x:.3g}<extra></extra>",
    )
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.7, 0.3],
                        horizontal_spacing=0.045,
                        subplot_titles=[f"∂loss/∂W  ({V:,} × {d})", "gradient norm per row"])
    fig.add_trace(heat, row=1, col=1)
    fig.add_trace(bars, row=1, col=2)
    px, plot_px = _geometry(n)
    at = {int(r): p for p, r in enumerate(rows)}
    looked = [r for r in sorted(counts) if r in at]
    marks = [dict(type="rect", xref="x domain", yref="y", x0=1.012, x1=1.04,
                  y0=at[r] - 0.5, y1=at[r] + 0.5, fillcolor=BATCH_COLOR, line=dict(width=0))
             for r in looked if r != PAD_ID]  # a mark right of each looked-up row
    texts, colors, pos = [], [], []
    for r in sorted(looked, key=lambda r: (r != PAD_ID, -counts[r], r)):  # priority order
        times = f" ×{counts[r]}" if counts[r] > 1 else ""
        zero = " (no gradient)" if r == PAD_ID else ""
        texts.append(f"{plain(words[r])}{times}{zero}")
        colors.append(NEUTRAL if r == PAD_ID else BATCH_COLOR)
        pos.append(at[r])
    notes, lines, left_out = side_labels(pos, texts, colors, n_rows=n, px_per_row=px,
                                         x_from=1.0, x_to=1.03)
    width_px = CHAR_PX * max([9, *(len(html.unescape(t)) for t in texts)]) + 40  # "+NN more"
    tickvals, ticktext = _row_ticks(rows)
    fig.update_yaxes(range=[n - 0.5, -0.5], autorange=False, tickmode="array",
                     tickvals=tickvals, ticktext=ticktext, showgrid=False, zeroline=False)
    fig.update_yaxes(title_text="row ID", title_standoff=4, row=1, col=1)
    fig.update_xaxes(type="category", showgrid=False, tickfont=dict(size=SMALL_FONT),
                     title_text="dimension", row=1, col=1)
    fig.update_xaxes(rangemode="tozero", tickformat=".2g", row=1, col=2)
    for a in fig.layout.annotations:  # the subplot titles
        a.font = dict(size=FONT_SIZE)
    if left_out:
        notes.append(dict(x=1.03, y=0.0, xref="paper", yref="paper", yanchor="top",
                          xanchor="left", showarrow=False, text=f"+{left_out} more",
                          font=dict(size=LABEL_FONT, color=NEUTRAL)))
    fig.update_layout(annotations=list(fig.layout.annotations) + notes,
                      shapes=marks + lines, showlegend=False, bargap=0)
    fig = base_layout(fig, title, height=plot_px + (110 if title else 80))
    fig.update_layout(margin=dict(l=60, r=width_px, t=80 if title else 40, b=50))
    return fig


def repeat_figure(
    per_lookup: np.ndarray, lookup_labels: Sequence[str], grad_row: np.ndarray, word: str,
    row: int, max_dims: int = 8,
) -> go.Figure:
    """A repeated token: each lookup's gradient, their sum, and the table's gradient row."""
    d = min(per_lookup.shape[1], max_dims)
    total = per_lookup.sum(axis=0, dtype=np.float32)  # (dim,) float32, in lookup order
    values = np.vstack([per_lookup[:, :d], total[None, :d], grad_row[None, :d]])
    labels = [html.escape(s) for s in lookup_labels] + ["sum of the lookups",
                                                  f"row {row} of W.grad"]
    shown = f"first {d} of {per_lookup.shape[1]} dimensions" if d < per_lookup.shape[1] \
        else f"{d} dimensions"
    fig = matrix_heatmap(values, labels, [str(j) for j in range(d)],
                         title=f"“{plain(word)}”: {len(per_lookup)} lookups, {shown}",
                         value_format=".3g", show_values=True, hover_name="gradient",
                         zmax=symmetric_range(values))
    fig.update_traces(showscale=False, textfont=dict(size=SMALL_FONT))
    n = len(labels)
    fig.add_shape(type="line", xref="paper", yref="y", x0=0, x1=1, y0=n - 2.5, y1=n - 2.5,
                  line=dict(color=FRAME_COLOR, width=2))
    fig.update_layout(height=90 + 42 * n, margin=dict(l=10, r=10, t=50, b=10))
    return fig


# ---------------------------------------------------------------- what each optimizer moved


def change_figure(
    change_norm: Mapping[str, np.ndarray],
    words: Sequence[str],
    batch_rows: Sequence[int],
    seen_before: Sequence[int],
    rows: Sequence[int] | None = None,
    selected: str | None = None,
    title: str | None = None,
) -> go.Figure:
    """|ΔW| of every row (rows) for each optimizer (columns), beside a strip saying which
    rows the current batch and the earlier batches looked up. White: exactly unchanged."""
    names = list(change_norm)
    V = len(next(iter(change_norm.values())))
    rows = np.arange(V) if rows is None else np.asarray(rows)
    n = len(rows)
    batch = set(map(int, batch_rows))
    before = set(map(int, seen_before)) - batch
    kind = np.array([3 if r == PAD_ID else 2 if r in batch else 1 if r in before else 0
                     for r in rows.tolist()])
    kind_text = np.array(["[PAD] row", "no batch so far", "an earlier batch", "this batch"])
    kind_text = ["the [PAD] row" if k == 3 else kind_text[k] for k in kind]
    labels = [f"{int(r)} · {plain(words[r])}" for r in rows]
    strip = go.Heatmap(
        z=kind[:, None], x=["looked up"], y=list(range(n)), zmin=0, zmax=3, showscale=False,
        colorscale=[[0, CLEAR], [0.25, CLEAR], [0.25, EARLIER_COLOR],
                    [0.5, EARLIER_COLOR], [0.5, BATCH_COLOR], [0.75, BATCH_COLOR],
                    [0.75, NEUTRAL], [1, NEUTRAL]],
        customdata=np.array([[f"{lab}: {k}"] for lab, k in zip(labels, kind_text)]),
        hovertemplate="row %{customdata}<extra></extra>", xgap=0, ygap=0,
    )
    norms = np.stack([np.asarray(change_norm[k], dtype=np.float64)[rows] for k in names], 1)
    with np.errstate(divide="ignore"):
        logs = np.where(norms > 0, np.log10(np.where(norms > 0, norms, 1.0)), np.nan)
    lo = np.floor(np.nanmin(logs)) if np.isfinite(logs).any() else -6.0
    hi = np.ceil(np.nanmax(logs)) if np.isfinite(logs).any() else 0.0
    hi = max(hi, lo + 1)
    ticks = list(range(int(lo), int(hi) + 1))
    said = np.where(norms > 0, np.char.mod("%.3g", norms), "0: unchanged")
    custom = np.dstack([np.array(labels, dtype=object)[:, None].repeat(len(names), 1),
                        said.astype(object)])
    heat = go.Heatmap(
        z=logs, x=[OPT_SHORT.get(k, k) for k in names], y=list(range(n)), zmin=lo, zmax=hi,
        colorscale=SEQUENTIAL, hoverongaps=True, customdata=custom, xgap=2,
        ygap=1 if n <= 60 else 0,
        hovertemplate="row %{customdata[0]}<br>%{x}: |ΔW| = %{customdata[1]}<extra></extra>",
        colorbar=dict(title=dict(text="|ΔW| of the row (white: exactly 0)", side="top"),
                      tickvals=ticks, ticktext=[f"1e{t}" for t in ticks], orientation="h",
                      len=0.6, x=0.55, xanchor="center", y=-0.01, yanchor="top",
                      thickness=14),
    )
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.1, 0.9],
                        horizontal_spacing=0.015)
    fig.add_trace(strip, row=1, col=1)
    fig.add_trace(heat, row=1, col=2)
    px, plot_px = _geometry(n)
    at = {int(r): p for p, r in enumerate(rows)}
    marked = [r for r in rows.tolist() if r in batch] + [r for r in rows.tolist() if r in before]
    marked = [PAD_ID] + [r for r in marked if r != PAD_ID]
    texts = [plain(words[r]) for r in marked]
    colors = [NEUTRAL if r == PAD_ID else BATCH_COLOR if r in batch else EARLIER_COLOR
              for r in marked]
    notes, lines, left_out = side_labels([at[r] for r in marked], texts, colors, n_rows=n,
                                         px_per_row=px, x_from=1.0, x_to=1.03)
    shapes = lines
    if selected in names:
        k = names.index(selected)
        shapes.append(dict(type="rect", xref="x2", yref="paper", x0=k - 0.5, x1=k + 0.5, y0=0,
                           y1=1, fillcolor=CLEAR, line=dict(color=FRAME_COLOR, width=3)))
    if left_out:
        notes.append(dict(x=1.03, y=0.0, xref="paper", yref="paper", yanchor="top",
                          xanchor="left", showarrow=False, text=f"+{left_out} more",
                          font=dict(size=LABEL_FONT, color=NEUTRAL)))
    tickvals, ticktext = _row_ticks(rows)
    fig.update_yaxes(range=[n - 0.5, -0.5], autorange=False, tickmode="array",
                     tickvals=tickvals, ticktext=ticktext, showgrid=False, zeroline=False)
    fig.update_yaxes(title_text="row ID", title_standoff=4, row=1, col=1)
    fig.update_xaxes(side="top", showgrid=False, type="category")
    fig.update_xaxes(tickfont=dict(size=SMALL_FONT), row=1, col=1)
    width_px = CHAR_PX * max([9, *(len(html.unescape(t)) for t in texts)]) + 40  # "+NN more"
    fig.update_layout(annotations=notes, shapes=shapes, showlegend=False)
    fig = base_layout(fig, title, height=plot_px + (180 if title else 140))
    fig.update_layout(margin=dict(l=60, r=width_px, t=90 if title else 50, b=90))
    return fig


def steps_figure(
    changed: Mapping[str, Sequence[int]], batch_rows: Sequence[int], vocab_size: int,
    selected: str | None = None, title: str | None = None,
) -> go.Figure:
    """Rows changed at each step by each optimizer, with the batch's own rows for scale."""
    steps = list(range(1, len(batch_rows) + 1))
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=steps, y=list(batch_rows), name="rows in the step's batch",
        marker=dict(color=NEUTRAL, opacity=0.3),
        hovertemplate="step %{x}: %{y} rows in the batch<extra></extra>",
    ))
    for k, (name, counts) in enumerate(changed.items()):
        color, symbol = OPT_STYLE.get(name, (NEUTRAL, "circle"))
        dodge = (k - (len(changed) - 1) / 2) * 0.05  # equal counts would hide each other
        fig.add_trace(go.Scatter(
            x=[t + dodge for t in steps], y=list(counts), name=OPT_SHORT.get(name, name),
            mode="lines+markers",
            line=dict(color=color, width=4 if name == selected else 2),
            marker=dict(symbol=symbol, size=11 if name == selected else 8, color=color),
            customdata=steps,
            hovertemplate=f"{OPT_SHORT.get(name, name)}, step %{{customdata}}: %{{y}} rows "
            "changed<extra></extra>",
        ))
    fig.add_hline(y=vocab_size - 1, line=dict(color=NEUTRAL, dash="dot", width=1))
    fig.add_annotation(  # on a log axis an annotation's y is log10 of the value
        x=0, xref="paper", y=np.log10(max(vocab_size - 1, 1)), yanchor="top", xanchor="left",
        text=f"every row but [PAD] ({vocab_size - 1:,})", showarrow=False,
        font=dict(size=SMALL_FONT, color=NEUTRAL))
    fig.update_xaxes(title_text="step", tickmode="array", tickvals=steps)
    top = np.log10(max(vocab_size - 1, 2) * 1.6)
    fig.update_yaxes(title_text="rows changed (log scale)", type="log", range=[-0.05, top],
                     tickvals=[v for v in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
                               if v < vocab_size * 1.5])
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0), bargap=0.5)
    fig = base_layout(fig, title, height=380)
    fig.update_layout(margin=dict(l=10, r=10, t=50 if title else 20, b=10))
    return fig

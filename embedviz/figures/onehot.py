"""Figures of lesson 2 (one-hot x W = lookup): matrices side by side, and the cost chart.

Plain arrays in, ``go.Figure`` out. Rows that belong to the same token ID are outlined in the
same colour in every matrix, so the eye can follow row ``ids[i]`` of W into row ``i`` of the
result.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedviz.figures.common import base_layout, heatmap_trace, symmetric_range
from embedviz.palette import CATEGORICAL, FONT_SIZE, HIGHLIGHT, NEUTRAL, OKABE_ITO, SMALL_FONT

# Outline colours: the palette without yellow (invisible on white) and black (reads as grid).
OUTLINE_COLORS = [c for c in CATEGORICAL if c not in (OKABE_ITO[6], OKABE_ITO[7])]  # not yellow, black
ONEHOT_COLOR, LOOKUP_COLOR, SHARED_COLOR = HIGHLIGHT, OKABE_ITO[0], NEUTRAL


@dataclass
class Panel:
    """One matrix of a side-by-side picture."""

    values: np.ndarray  # (rows, cols)
    title: str
    subtitle: str  # smaller second line: the shape, and what the matrix is
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


def _short(label: str, n: int = 14) -> str:
    label = str(label)
    return label if len(label) <= n else label[: n - 1] + "…"


def _plain(label: str) -> str:
    """Plotly reads labels as a little HTML: escape them, and keep them short."""
    return html.escape(_short(label))


def _cell_text(panel: Panel) -> np.ndarray:
    text = np.vectorize(lambda v: format(v, panel.value_format))(panel.values)
    if panel.blank_zeros:
        text = np.where(panel.values == 0, "", text)
    return text


ASSUMED_WIDTH_PX = 560  # the plot area on a 1024-px projector with the sidebar open: decides
# which cells can write their values at 14 px (the rest show them on hover, and say so)
GAP_WIDTH_PX = 620  # gaps for labels and operators are sized for this narrower plot (a 1024-px
# projector with the sidebar open), so they never overlap on a classroom screen
CHAR_PX = 9  # an average tick-label character at SMALL_FONT
OPERATOR_PX = 44
TITLE_CHAR_PX = 9.5
SUBTITLE_CHAR_PX = 7
MIN_TEXT_CELL_PX = 34  # "-0.3" at 14 px; narrower cells show colour only (values on hover)


def side_by_side(
    panels: Sequence[Panel], operators: Sequence[str], title: str | None = None
) -> go.Figure:
    """Matrices in a row with operators between them; equal cell sizes, first rows aligned.

    A panel whose row labels repeat an earlier panel's shows none; the gap before a panel
    is sized for its labels plus the operator, so the two never overlap.
    """
    n_rows = max(p.values.shape[0] for p in panels)
    domains = _domains(panels, operators)
    cells = sum(p.values.size for p in panels)
    traces, axes, notes, outlines = [], {}, [], []
    hidden = []  # panels whose cells are too narrow for their numbers
    for k, (p, (x0, x1)) in enumerate(zip(panels, domains), start=1):
        rows, cols = p.values.shape
        cell_px = (x1 - x0) * ASSUMED_WIDTH_PX / cols
        min_px = MIN_TEXT_CELL_PX / 2 if p.value_format == ".0f" else MIN_TEXT_CELL_PX
        show = cells <= 1200 and p.values.size <= 600 and cell_px >= min_px
        if not show:
            hidden.append(p.title)
        if p.value_format == ".2f" and cell_px < 48:  # "-0.25" needs ~48 px at 14 px
            p = replace(p, value_format=".1f")
        trace = heatmap_trace(
            p.values, [_plain(r) for r in p.row_labels], [_plain(c) for c in p.col_labels],
            zmax=p.zmax, show_values=show, value_format=p.value_format,
        )
        trace.update(showscale=False, xaxis=f"x{k}", yaxis=f"y{k}")
        if show:
            trace.text = _cell_text(p)
        traces.append(trace)
        suffix = "" if k == 1 else str(k)
        axes[f"xaxis{suffix}"] = dict(
            domain=[x0, x1], anchor=f"y{k}", type="category", showgrid=False,
            tickangle=-60 if cols > 8 else 0, tickfont=dict(size=SMALL_FONT),
        )
        axes[f"yaxis{suffix}"] = dict(
            anchor=f"x{k}", range=[n_rows - 0.5, -0.5], tickmode="array",
            tickvals=list(range(rows)), ticktext=[_plain(r) for r in p.row_labels],
            showgrid=False, zeroline=False, showticklabels=_labels_shown(panels, k - 1),
            tickfont=dict(size=SMALL_FONT),
        )
        notes.append(dict(x=(x0 + x1) / 2, y=1, xref="paper", yref="paper", yanchor="bottom",
                          xanchor="center", text=f"{p.title}<br><span style='font-size:{SMALL_FONT}px'>{p.subtitle}</span>",
                          showarrow=False,
                          font=dict(size=FONT_SIZE)))
        outlines += [dict(type="rect", x0=-0.5, x1=cols - 0.5, y0=r - 0.5, y1=r + 0.5,
                          xref=f"x{k}", yref=f"y{k}", line=dict(color=color, width=3))
                     for r, color in p.outlines.items()]
        if k > 1 and k - 2 < len(operators) and operators[k - 2]:
            above = min(rows, panels[k - 2].values.shape[0])
            notes.append(dict(  # in pixels from the previous panel: right at any screen width
                x=domains[k - 2][1], xshift=OPERATOR_PX / 2, y=1 - (above / 2) / n_rows,
                xref="paper", yref="paper", xanchor="center",
                showarrow=False, text=f"<b>{html.escape(operators[k - 2])}</b>",
                font=dict(size=FONT_SIZE + 8),
            ))
    # below the column numbers (tilted when a panel has many columns), not on them
    ticks_px = max(56 if p.values.shape[1] > 8 else 26 for p in panels)
    if hidden:
        notes.append(dict(x=0, y=0, xref="paper", yref="paper", yanchor="top", yshift=-ticks_px,
                          xanchor="left", showarrow=False, font=dict(size=SMALL_FONT, color="#555"),
                          text=f"Numbers of {', '.join(_plain(h) for h in hidden)}: hover a cell "
                          "(too small to write at a readable size)"))
    fig = go.Figure(traces)
    fig.update_layout(**axes, annotations=notes, shapes=outlines)  # one update: plotly is slow
    cell = 34 if n_rows <= 12 else 24 if n_rows <= 24 else 20
    fig = base_layout(fig, title, height=int(120 + cell * n_rows + (40 if title else 0)))
    fig.update_layout(margin=dict(t=75 + (40 if title else 0),
                                  b=ticks_px + 30 if hidden else 10))
    return fig


def _labels_shown(panels: Sequence[Panel], k: int) -> bool:
    """Rows are aligned across panels, so labels that repeat an earlier panel's are left out."""
    return all(list(panels[k].row_labels) != list(p.row_labels) for p in panels[:k])


def _domains(panels: Sequence[Panel], operators: Sequence[str]) -> list[tuple[float, float]]:
    """Horizontal extent of each panel: widths in proportion to columns, gaps for labels."""
    gaps = []
    for k in range(1, len(panels)):
        label_px = 0
        if _labels_shown(panels, k):
            longest = max((len(_short(r)) for r in panels[k].row_labels), default=0)
            label_px = CHAR_PX * min(longest, 16) + 12
        op = operators[k - 1] if k - 1 < len(operators) else ""
        gaps.append((label_px + (OPERATOR_PX if op else 16)) / GAP_WIDTH_PX)
    free = max(0.3, 1 - sum(gaps))
    # widths in proportion to columns, but never narrower than the panel's title
    cols = [max(p.values.shape[1], 2) for p in panels]
    titles = [min(free / len(panels), max(len(p.title) * TITLE_CHAR_PX,
                                          len(p.subtitle) * SUBTITLE_CHAR_PX) / ASSUMED_WIDTH_PX)
              for p in panels]  # a title may widen its panel, up to an equal share

    def widths_at(unit: float) -> list[float]:  # `unit` is the width of one column
        return [max(unit * c, t) for c, t in zip(cols, titles)]

    lo, hi = 0.0, free / min(cols)
    for _ in range(40):  # bisect for the column width that fills the free space
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if sum(widths_at(mid)) < free else (lo, mid)
    widths = widths_at(lo)
    scale = min(1.0, free / sum(widths))
    out, x = [], 0.0
    for k, w in enumerate(widths):
        x1 = x + w * scale
        out.append((x, min(1.0, x1)))
        x = x1 + (gaps[k] if k < len(gaps) else 0)
    return out


# ------------------------------------------------------------------------------ forward


def forward_panels(
    X: np.ndarray,
    W: np.ndarray,
    via_matmul: np.ndarray,
    via_lookup: np.ndarray,
    ids: Sequence[int],
    row_labels: Sequence[str],
    shown: Sequence[int] | None = None,
    include_x: bool = True,
) -> list[Panel]:
    """The panels of :func:`forward_figure`: ``X``, ``W``, ``X @ W``, ``W[ids]``.

    ``row_labels`` names every row of W (``"2 · cat"``); ``shown`` picks which rows of W (and
    columns of X) to draw when V is too large to draw whole. Without ``include_x`` the
    picture starts at W (draw X with :func:`onehot_figure` when it is too wide to sit beside).
    """
    V, d = W.shape
    shown = list(range(V)) if shown is None else list(shown)
    at = {row: pos for pos, row in enumerate(shown)}
    colors = id_colors(ids)
    pos_labels = _position_labels(ids, row_labels)
    ids_outlines = {p: colors[int(i)] for p, i in enumerate(ids)}
    zmax = symmetric_range(W[shown]) if len(shown) else 1.0
    cols = [str(j) for j in range(d)]
    n = len(ids)
    w_sub = f"{V:,} × {d}" + (f", {len(shown)} drawn" if len(shown) < V else "")
    panels = [
        Panel(W[shown], "W", w_sub, [row_labels[i] for i in shown], cols,
              {at[int(i)]: c for i, c in colors.items() if int(i) in at}, zmax=zmax),
        Panel(via_matmul, "X @ W", f"{n} × {d}", pos_labels, cols, ids_outlines, zmax=zmax),
        Panel(via_lookup, "W[ids]", f"{n} × {d}", pos_labels, cols, ids_outlines, zmax=zmax),
    ]
    if include_x:
        panels.insert(0, _onehot_panel(X, ids, row_labels, shown))
    return panels


def forward_figure(
    X: np.ndarray,
    W: np.ndarray,
    via_matmul: np.ndarray,
    via_lookup: np.ndarray,
    ids: Sequence[int],
    row_labels: Sequence[str],
    shown: Sequence[int] | None = None,
    include_x: bool = True,
) -> go.Figure:
    """``X (n, V) × W (V, d) = X @ W`` next to ``W[ids]``, rows linked by colour.

    ``row_labels`` names every row of W (``"2 · cat"``); ``shown`` picks which rows of W (and
    columns of X) to draw when V is too large to draw whole. Without ``include_x`` the
    picture starts at W (draw X with :func:`onehot_figure` when it is too wide to sit beside).
    """
    panels = forward_panels(X, W, via_matmul, via_lookup, ids, row_labels, shown, include_x)
    return side_by_side(panels, ["×", "=", "≡"] if include_x else ["→", "≡"])


def textbook_figures(
    X: np.ndarray, W: np.ndarray, via_matmul: np.ndarray, via_lookup: np.ndarray,
    ids: Sequence[int], row_labels: Sequence[str],
) -> tuple[go.Figure, go.Figure]:
    """The small worked example in two rows, ``X × W`` then ``X @ W ≡ W[ids]``: four
    matrices in one row left cells too narrow to write their numbers (issue #27)."""
    panels = forward_panels(X, W, via_matmul, via_lookup, ids, row_labels)
    return side_by_side(panels[:2], ["×"]), side_by_side(panels[2:], ["≡"])


def onehot_figure(
    X: np.ndarray, ids: Sequence[int], row_labels: Sequence[str],
    shown: Sequence[int] | None = None,
) -> go.Figure:
    """The one-hot matrix alone: one row per position, a single 1 in the ID's column."""
    shown = list(range(X.shape[1])) if shown is None else list(shown)
    return side_by_side([_onehot_panel(X, ids, row_labels, shown)], [])


def _onehot_panel(X: np.ndarray, ids: Sequence[int], row_labels: Sequence[str],
                  shown: Sequence[int]) -> Panel:
    colors = id_colors(ids)
    V = X.shape[1]
    sub = f"{len(ids)} × {V:,}"
    if len(shown) < V:
        sub += f", {len(shown)} drawn"
    return Panel(X[:, shown], "X = one_hot(ids)", sub, _position_labels(ids, row_labels),
                 [str(i) for i in shown],
                 {p: colors[int(i)] for p, i in enumerate(ids)}, zmax=1.0, value_format=".0f",
                 blank_zeros=True)


def _position_labels(ids: Sequence[int], row_labels: Sequence[str]) -> list[str]:
    return [f"{p}: {_short(row_labels[int(i)], 11)}" for p, i in enumerate(ids)]


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
    shape = f"{V:,} × {d}" + (f", {len(shown)} drawn" if len(shown) < V else "")
    panels = [
        Panel(grad_out, "dY = dL/dY", f"{len(ids)} × {d}, to both",
              _position_labels(ids, row_labels), cols,
              {p: colors[int(i)] for p, i in enumerate(ids)}, zmax=zmax, value_format=".0f"),
        Panel(via_matmul[shown], "X.T @ dY", f"{shape}, matmul", rows_of_w,
              cols, w_outlines, zmax=zmax, value_format=".0f", blank_zeros=True),
        Panel(via_embedding[shown], "nn.Embedding W.grad", f"{shape}, scatter-add", rows_of_w,
              cols, w_outlines, zmax=zmax, value_format=".0f", blank_zeros=True),
        Panel(diff[shown], "difference", "matmul − lookup", rows_of_w, cols, w_outlines,
              zmax=zmax, value_format=".0f"),
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
    entries = [f"→ {row_labels[r]}" for r in rows]
    summed = [row_labels[r] for r in coalesced_rows]
    panels = [
        Panel(values, "W.grad.values()", f"{len(rows)} entries, one per position", entries,
              cols, {k: colors[int(r)] for k, r in enumerate(rows)}, zmax=zmax,
              value_format=".0f"),
        Panel(coalesced_values, "after .coalesce()", f"{len(coalesced_rows)} row{'s' if len(coalesced_rows) != 1 else ''}, repeats added",
              summed, cols, {k: colors[int(r)] for k, r in enumerate(coalesced_rows)},
              zmax=zmax, value_format=".0f"),
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
    """Work and memory of both paths as the vocabulary grows, on log-log axes.

    The curves are drawn over ``vocab_sizes``; the chosen V is a dashed line with a dot on
    every curve (the curves' values there are interpolated on the log grid, so pass a grid
    that contains ``chosen_vocab`` for exact dots).
    """
    fig = make_subplots(
        rows=1, cols=2, horizontal_spacing=0.14,
        subplot_titles=["Work per forward pass", "Memory per forward pass"],
    )
    v = np.asarray(vocab_sizes, dtype=float)
    lines = [
        (1, onehot_multiply_adds, "one-hot: multiply-adds (n·V·d)", ONEHOT_COLOR, "solid"),
        (1, lookup_copies, "lookup: numbers copied (n·d)", LOOKUP_COLOR, "solid"),
        (2, onehot_input_bytes, "one-hot: X alone (n·V floats)", ONEHOT_COLOR, "dash"),
        (2, lookup_index_bytes, "lookup: the IDs (n int64)", LOOKUP_COLOR, "dash"),
        (2, weight_bytes, "W itself, both paths (V·d floats)", SHARED_COLOR, "dot"),
    ]
    for col, ys, name, color, dash in lines:
        ys = np.asarray(ys, dtype=float)
        at_chosen = float(np.exp(np.interp(np.log(chosen_vocab), np.log(v), np.log(ys))))
        fig.add_trace(go.Scatter(
            x=v, y=ys, name=name, mode="lines", line=dict(color=color, width=3, dash=dash),
            hovertemplate="V = %{x:,.0f}<br>%{y:,.0f}<extra>" + name + "</extra>",
        ), row=1, col=col)
        fig.add_trace(go.Scatter(
            x=[chosen_vocab], y=[at_chosen], mode="markers", showlegend=False,
            marker=dict(color=color, size=11), hoverinfo="skip",
        ), row=1, col=col)
    for col in (1, 2):
        fig.add_vline(x=chosen_vocab, line=dict(color=NEUTRAL, width=2, dash="dash"),
                      row=1, col=col)
    for label, x in (marks or {}).items():
        for col, axis in ((1, ""), (2, "2")):
            if x != chosen_vocab:
                fig.add_vline(x=x, line=dict(color=NEUTRAL, width=1), row=1, col=col)
            fig.add_annotation(x=np.log10(x), y=0.98, xref=f"x{axis}", yref=f"y{axis} domain",
                               xanchor="right", yanchor="top", text=html.escape(label) + " →",
                               showarrow=False, font=dict(size=SMALL_FONT, color=NEUTRAL))
    x_ticks = _powers_of_ten(v.min(), v.max())
    fig.update_xaxes(type="log", title_text="vocabulary size V", tickvals=x_ticks,
                     ticktext=[_count_words(t) for t in x_ticks])
    ops = np.concatenate([np.asarray(onehot_multiply_adds, float), np.asarray(lookup_copies, float)])
    mem = np.concatenate([np.asarray(b, float) for b in (onehot_input_bytes, lookup_index_bytes,
                                                          weight_bytes)])
    op_ticks, mem_ticks = _powers_of_ten(ops.min(), ops.max()), _powers_of_ten(mem.min(), mem.max())
    fig.update_yaxes(type="log", row=1, col=1, title_text="operations", tickvals=op_ticks,
                     ticktext=[_count_words(t) for t in op_ticks])
    fig.update_yaxes(type="log", row=1, col=2, title_text="memory", tickvals=mem_ticks,
                     ticktext=[_byte_words(t) for t in mem_ticks])
    fig = base_layout(fig, None, height=520)
    fig.update_layout(
        margin=dict(t=50, b=10),
        legend=dict(orientation="h", yanchor="top", y=-0.2, x=0),
    )
    for ann in fig.layout.annotations[:2]:
        ann.font = dict(size=FONT_SIZE)
    return fig


def _powers_of_ten(lo: float, hi: float) -> list[float]:
    """Every power of ten from below ``lo`` to above ``hi``; every other one if many."""
    a, b = int(np.floor(np.log10(max(lo, 1)))), int(np.ceil(np.log10(max(hi, 1))))
    step = 1 if b - a <= 7 else 2
    return [10.0**k for k in range(a, b + 1, step)]


def _count_words(x: float) -> str:
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "k")):
        if x >= size:
            sep = "" if word == "k" else " "
            return f"{x / size:g}{sep}{word}"
    return f"{x:g}"


def _byte_words(x: float) -> str:
    for size, unit in ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB")):
        if x >= size:
            return f"{x / size:g} {unit}"
    return f"{x:g} B"


def timing_figure(
    labels: Sequence[str],
    onehot_seconds: Sequence[float],
    lookup_seconds: Sequence[float],
    sparse_seconds: Sequence[float | None] | None = None,
) -> go.Figure:
    """Measured time per call of each path, grouped bars on a log axis (None: no bar)."""
    series = [("one_hot(ids) @ W", onehot_seconds, ONEHOT_COLOR),
              ("nn.Embedding", lookup_seconds, LOOKUP_COLOR)]
    if sparse_seconds is not None:
        series.append(("nn.Embedding(sparse=True)", sparse_seconds, OKABE_ITO[2]))
    fig = go.Figure([
        go.Bar(x=list(labels), y=[None if s is None else s * 1e3 for s in secs], name=name,
               marker_color=color, text=[_ms(s) for s in secs], textposition="outside",
               cliponaxis=False, hovertemplate="%{x}: %{y:.4f} ms<extra>" + name + "</extra>")
        for name, secs, color in series
    ])
    fig.update_yaxes(type="log", dtick=1, title_text="ms per call (log scale)")
    fig = base_layout(fig, None, height=400)
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=1.15, x=0),
                      margin=dict(t=70))
    return fig


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return ""
    ms = seconds * 1e3
    return f"{ms:.3g} ms" if ms >= 0.01 else f"{ms * 1e3:.3g} µs"

"""Figures of lesson 8 (how many numbers per word?): the sweep, real tables, the calculator.

Plain data in, ``go.Figure`` out. Dimensions are drawn on a log-2 axis (2, 4, ..., 128), so
each step to the right doubles d.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedviz.figures.common import base_layout
from embedviz.palette import FONT_SIZE, NEUTRAL, OKABE_ITO, SMALL_FONT

WORDS_COLOR, REVIEWS_COLOR = OKABE_ITO[0], OKABE_ITO[1]
TRAIN_COLOR, VALIDATION_COLOR = OKABE_ITO[0], OKABE_ITO[5]
HEIGHT = 400


def _dim_axis(fig: go.Figure, dims: Sequence[int], **where) -> None:
    fig.update_xaxes(type="log", tickvals=list(dims), ticktext=[str(d) for d in dims],
                     title_text="dimension d",
                     tickfont=dict(size=SMALL_FONT), **where)


def _legend_on_top(fig: go.Figure) -> None:
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0,
                                  font=dict(size=SMALL_FONT)))


def words_quality_figure(
    dims: Sequence[int], accuracy: Sequence[float], chance: float, steps: int
) -> go.Figure:
    """Neighbour accuracy of skip-gram against the dimension, with the chance level."""
    fig = go.Figure(go.Scatter(
        x=list(dims), y=list(accuracy), mode="lines+markers", name="neighbour accuracy",
        line=dict(color=WORDS_COLOR, width=3), marker=dict(size=12),
        hovertemplate="d = %{x}<br>neighbour accuracy %{y:.1%}<extra></extra>",
    ))
    fig.add_hline(y=chance, line=dict(color=NEUTRAL, dash="dash", width=2),
                  annotation_text=f"chance ≈ {chance:.0%}", annotation_position="bottom right",
                  annotation_font=dict(size=SMALL_FONT, color=NEUTRAL))
    _dim_axis(fig, dims)
    fig.update_yaxes(range=[0, 1.1], tickformat=".0%", title_text="neighbour accuracy")
    fig.update_yaxes(tickfont=dict(size=SMALL_FONT))
    return base_layout(fig, f"Words: skip-gram, {steps:,} steps per d", height=340)


def classifier_figure(
    dims: Sequence[int], train: Sequence[float], validation: Sequence[float], title: str
) -> go.Figure:
    """Training and validation accuracy against the dimension; the gap between them shaded
    (a training accuracy far above the validation one is overfitting)."""
    fig = go.Figure([
        go.Scatter(x=list(dims), y=list(validation), mode="lines+markers",
                   name="validation (held-out reviews)", marker=dict(size=11),
                   line=dict(color=VALIDATION_COLOR, width=3),
                   hovertemplate="d = %{x}<br>validation %{y:.1%}<extra></extra>"),
        go.Scatter(x=list(dims), y=list(train), mode="lines+markers", fill="tonexty",
                   fillcolor="rgba(0,114,178,0.12)", name="training (its own reviews)",
                   marker=dict(size=11, symbol="square"), line=dict(color=TRAIN_COLOR, width=3),
                   hovertemplate="d = %{x}<br>training %{y:.1%}<extra></extra>"),
    ])
    _dim_axis(fig, dims)
    low = min(min(train), min(validation))
    fig.update_yaxes(range=[max(0.0, low - 0.05), 1.02], tickformat=".0%", title_text="accuracy")
    fig = base_layout(fig, title, height=HEIGHT)
    _legend_on_top(fig)
    fig.update_layout(margin=dict(t=90))
    return fig


def cost_figure(
    dims: Sequence[int],
    words_parameters: Sequence[int],
    reviews_parameters: Sequence[int],
    words_ms: Sequence[float],
    reviews_ms: Sequence[float],
) -> go.Figure:
    """Left: the table's parameters V x d (log scale); right: measured ms per training step."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.16,
                        subplot_titles=["Table parameters V × d", "CPU time per step (ms)"])
    series = [("skip-gram, things", words_parameters, words_ms, WORDS_COLOR, "circle"),
              ("classifier, reviews", reviews_parameters, reviews_ms, REVIEWS_COLOR, "square")]
    for name, params, ms, color, symbol in series:
        style = dict(line=dict(color=color, width=3), marker=dict(size=10, symbol=symbol))
        fig.add_trace(go.Scatter(x=list(dims), y=list(params), mode="lines+markers", name=name,
                                 hovertemplate="d = %{x}<br>%{y:,} parameters<extra></extra>",
                                 **style), row=1, col=1)
        fig.add_trace(go.Scatter(x=list(dims), y=list(ms), mode="lines+markers", name=name,
                                 showlegend=False, **style,
                                 hovertemplate="d = %{x}<br>%{y:.2f} ms per step<extra></extra>"),
                      row=1, col=2)
    for col in (1, 2):
        _dim_axis(fig, dims, row=1, col=col)
    fig.update_yaxes(type="log", dtick=1, exponentformat="SI", row=1, col=1,
                     title_text="parameters", tickfont=dict(size=SMALL_FONT))
    top = max(max(words_ms), max(reviews_ms))
    fig.update_yaxes(row=1, col=2, rangemode="tozero", range=[0, top * 1.15],
                     title_text="ms", tickfont=dict(size=SMALL_FONT))
    fig = base_layout(fig, None, height=HEIGHT)
    fig.update_layout(margin=dict(t=40), legend=dict(
        orientation="h", yanchor="top", y=-0.25, x=0, font=dict(size=SMALL_FONT)))
    for ann in fig.layout.annotations:
        ann.font = dict(size=FONT_SIZE)
    return fig


def real_tables_figure(
    names: Sequence[str], parameters: Sequence[int], shares: Sequence[float]
) -> go.Figure:
    """Real models' token tables: parameters on a log axis, each bar saying its share of
    all the model's parameters."""
    fig = go.Figure(go.Bar(
        x=list(parameters), y=list(names), orientation="h", marker_color=OKABE_ITO[0],
        text=[f"{_count_words(p)} · {_percent(s)}" for p, s in
              zip(parameters, shares)],
        textposition="outside", textfont=dict(size=SMALL_FONT), cliponaxis=False,
        constraintext="none",
        customdata=list(shares),
        hovertemplate="%{y}<br>%{x:,} parameters<br>%{customdata:.1%} of the model"
        "<extra></extra>",
    ))
    top = max(parameters)
    fig.update_xaxes(type="log", dtick=1, exponentformat="SI", range=[6.5, math.log10(top) + 1.1],
                     title_text="table V × d (log) · share of the model", tickfont=dict(size=SMALL_FONT))
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=SMALL_FONT))
    return base_layout(fig, None, height=HEIGHT)


def _percent(share: float) -> str:
    return f"{share:.0%}" if share >= 0.01 else f"{share:.1%}"


def precision_figure(
    precisions: Sequence[str], tied_mb: Sequence[float], untied_mb: Sequence[float]
) -> go.Figure:
    """Megabytes of the embedding tables at each precision: one tied table or two untied."""
    fig = go.Figure([
        go.Bar(x=list(precisions), y=list(tied_mb), name="tied: one V × d table",
               marker_color=OKABE_ITO[2], text=[_mb(m) for m in tied_mb],
               textposition="outside", textfont=dict(size=SMALL_FONT), cliponaxis=False,
               constraintext="none", hovertemplate="%{x}: %{y:,.3f} MB<extra>tied</extra>"),
        go.Bar(x=list(precisions), y=list(untied_mb), name="untied: input + output tables",
               marker_color=OKABE_ITO[3], text=[_mb(m) for m in untied_mb],
               textposition="outside", textfont=dict(size=SMALL_FONT), cliponaxis=False,
               constraintext="none", hovertemplate="%{x}: %{y:,.3f} MB<extra>untied</extra>"),
    ])
    fig.update_yaxes(title_text="megabytes (10⁶ bytes)", range=[0, max(untied_mb) * 1.2],
                     tickfont=dict(size=SMALL_FONT))
    fig.update_xaxes(tickfont=dict(size=FONT_SIZE))
    fig = base_layout(fig, None, height=380)
    _legend_on_top(fig)
    fig.update_layout(barmode="group", margin=dict(t=60))
    return fig


def _mb(x: float) -> str:
    if x >= 1000:
        return f"{x / 1000:.3g} GB"
    return f"{x:.3g} MB" if x >= 0.01 else f"{x * 1000:.3g} KB"


def _count_words(x: float) -> str:
    for size, word in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if x >= size:
            return f"{x / size:,.1f}{word}"
    return f"{x:,.0f}"

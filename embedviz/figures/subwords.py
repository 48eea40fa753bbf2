"""Figures of lesson 7: [UNK]'s one row, BPE merge by merge, the trade-off, neighbours."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedviz.figures.common import base_layout, matrix_heatmap
from embedviz.palette import FONT_SIZE, NEUTRAL, OKABE_ITO

SMALL = 14  # the smallest text on a chart (projector)
HEIGHT = 400


def unknown_cosine(cosine: np.ndarray, words: Sequence[str]) -> go.Figure:
    """Cosine between the rows the unknown words look up: every cell is the [UNK] row."""
    fig = matrix_heatmap(
        cosine, list(words), list(words), zmax=1.0, hover_name="cosine",
        show_values=len(words) <= 6, height=min(HEIGHT, 150 + 60 * len(words)),
    )
    fig.update_traces(textfont=dict(size=FONT_SIZE), colorbar=dict(tickfont=dict(size=SMALL)))
    fig.update_xaxes(tickfont=dict(size=SMALL))
    fig.update_yaxes(tickfont=dict(size=SMALL))
    return fig


def merge_curve(ks: np.ndarray, tokens: np.ndarray, vocab: np.ndarray, k: int) -> go.Figure:
    """Tokens in the whole text fall and the vocabulary grows, one merge at a time."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    k = int(min(k, len(ks) - 1))
    fig.add_trace(go.Scatter(
        x=ks, y=tokens, name="tokens in the text", line=dict(color=OKABE_ITO[0], width=3),
        hovertemplate="after %{x} merges<br>%{y:,} tokens in the text<extra></extra>",
    ), secondary_y=False)
    fig.add_trace(go.Scatter(
        x=ks, y=vocab, name="vocabulary size (rows)", line=dict(color=OKABE_ITO[1], width=3,
                                                               dash="dash"),
        hovertemplate="after %{x} merges<br>%{y:,} rows in the table<extra></extra>",
    ), secondary_y=True)
    fig.add_trace(go.Scatter(
        x=[k], y=[tokens[k]], mode="markers", showlegend=False,
        marker=dict(size=14, color=OKABE_ITO[0], line=dict(color="black", width=2)),
        hoverinfo="skip",
    ), secondary_y=False)
    fig.add_trace(go.Scatter(
        x=[k], y=[vocab[k]], mode="markers", showlegend=False,
        marker=dict(size=14, color=OKABE_ITO[1], symbol="square",
                    line=dict(color="black", width=2)), hoverinfo="skip",
    ), secondary_y=True)
    fig.add_vline(x=k, line=dict(color=NEUTRAL, width=1))
    fig.update_xaxes(title_text="merges applied", tickfont=dict(size=SMALL))
    fig.update_yaxes(title_text="tokens in the text", secondary_y=False, rangemode="tozero",
                     tickfont=dict(size=SMALL), title_font=dict(color=OKABE_ITO[0]))
    fig.update_yaxes(title_text="vocabulary size", secondary_y=True, rangemode="tozero",
                     tickfont=dict(size=SMALL), title_font=dict(color=OKABE_ITO[1]),
                     showgrid=False, nticks=6)
    base_layout(fig, None, HEIGHT)
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0,
                                  font=dict(size=SMALL)), margin=dict(t=70))
    return fig


def trade_off(names: Sequence[str], vocab_sizes: Sequence[int], per_sentence: Sequence[float],
              unk_shares: Sequence[float], dim: int) -> go.Figure:
    """Rows of the table against tokens per sentence: symbols and BPE on one line, whole
    words as a point of their own (with their share of [UNK])."""
    rows = list(zip(names, vocab_sizes, per_sentence, unk_shares))
    fig = go.Figure()
    for is_words, colour in ((False, OKABE_ITO[2]), (True, OKABE_ITO[5])):
        part = [r for r in rows if (r[0] == "whole words") == is_words]
        if not part:
            continue
        labels = [n.replace("BPE, ", "").replace(" merges", "") for n, *_ in part]
        labels = [f"{lab} ({u:.1%} [UNK])" if u > 0 else lab
                  for lab, (*_, u) in zip(labels, part)]
        fig.add_trace(go.Scatter(
            x=[r[1] for r in part], y=[r[2] for r in part],
            mode="markers+text" if is_words else "lines+markers+text",
            name="whole words" if is_words else "symbols, then BPE merges",
            text=labels,
            textposition="bottom left" if is_words else
            ["top right"] * (len(part) - 1) + ["middle right"],
            textfont=dict(size=SMALL), marker=dict(size=14, color=colour),
            line=dict(color=NEUTRAL, width=2),
            hovertext=[f"{n}<br>{v:,} rows × {dim} = {v * dim:,} numbers<br>{t:.1f} tokens "
                       f"per sentence<br>[UNK]: {u:.1%} of the tokens" for n, v, t, u in part],
            hoverinfo="text",
        ))
    lo, hi = min(vocab_sizes), max(vocab_sizes)
    ticks = [t for t in (10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000) if lo / 2 <= t <= hi * 3]
    fig.update_xaxes(type="log", range=[np.log10(lo / 1.6), np.log10(hi * 2.2)],
                     tickvals=ticks, ticktext=[f"{t:,}" for t in ticks],
                     title_text="vocabulary size: rows of the table (log)",
                     tickfont=dict(size=SMALL))
    fig.update_yaxes(title_text="tokens per held-out sentence", rangemode="tozero",
                     tickfont=dict(size=SMALL))
    base_layout(fig, None, HEIGHT)
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0,
                                  font=dict(size=SMALL)), margin=dict(t=60))
    return fig


def neighbours(left_title: str, left: Sequence, right_title: str, right: Sequence) -> go.Figure:
    """Two lists of (token, cosine) as bars side by side, nearest at the top."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=(left_title, right_title),
                        horizontal_spacing=0.22)
    for col, items, colour in ((1, left, OKABE_ITO[0]), (2, right, NEUTRAL)):
        words = [n.word for n in items][::-1]
        scores = [n.score for n in items][::-1]
        fig.add_trace(go.Bar(
            x=scores, y=list(range(len(words))), orientation="h", marker_color=colour,
            text=[f"{s:.2f}" for s in scores], textposition="auto",
            textfont=dict(size=SMALL), customdata=words,
            hovertemplate="%{customdata}: cosine %{x:.3f}<extra></extra>", showlegend=False,
        ), row=1, col=col)
        fig.update_yaxes(tickmode="array", tickvals=list(range(len(words))), ticktext=words,
                         tickfont=dict(size=SMALL), row=1, col=col)
        fig.update_xaxes(title_text="cosine", range=[0, 1], tickfont=dict(size=SMALL),
                         row=1, col=col)
    for a in fig.layout.annotations:
        a.font = dict(size=FONT_SIZE)
    base_layout(fig, None, HEIGHT)
    fig.update_layout(margin=dict(t=50))
    return fig

"""Figures of lesson 5 (Explore the space): plain data in, ``go.Figure`` out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from embedviz.figures.common import base_layout, matrix_heatmap
from embedviz.palette import (
    CATEGORICAL,
    FONT_SIZE,
    HIGHLIGHT,
    NEUTRAL,
    SEQUENTIAL,
    SMALL_FONT,
    category_colors,
)

MAX_LABELLED = 80  # above this many points, words appear on hover only


def _category_of(words: Sequence[str], categories: dict[str, str] | None) -> list[str]:
    return [(categories or {}).get(w) or "other" for w in words]


def space_scatter(
    coords: np.ndarray,
    words: Sequence[str],
    categories: dict[str, str] | None = None,
    *,
    labels: bool = True,
    highlight: str | None = None,
    neighbours: Sequence[str] = (),
    pairs: Sequence[tuple[str, str]] = (),
    axis_titles: Sequence[str] = ("axis 1", "axis 2", "axis 3"),
    title: str | None = None,
    height: int = 620,
) -> go.Figure:
    """Words as points, one colour per category; 2-D or 3-D from ``coords`` (n, 2 or 3).

    ``highlight`` (a searched word) is drawn as a large star and ``neighbours`` ringed, with
    the other points faded; words are written on the points when ``labels`` and n is small.
    ``pairs`` (france, paris) are joined by thin lines: parallel lines are what makes
    analogies such as paris - france + italy work.
    """
    coords = np.asarray(coords, dtype=float)
    n, dims = coords.shape
    if dims not in (2, 3) or n != len(words):
        raise ValueError("coords must be (n_words, 2) or (n_words, 3)")
    cats = _category_of(words, categories)
    colors = category_colors(cats)
    focus = {highlight, *neighbours} - {None}
    write = labels and n <= MAX_LABELLED
    order = sorted(set(cats), key=lambda c: (c == "other", c))
    fig = go.Figure()
    if pairs:
        fig.add_trace(_pair_lines(coords, list(words), pairs))
    for cat in order:
        idx = [i for i, c in enumerate(cats) if c == cat]
        fig.add_trace(_points(coords[idx], [words[i] for i in idx], cat, colors[cat],
                              write, focus))
    if focus:
        idx = [i for i, w in enumerate(words) if w in focus and w != highlight]
        if idx:
            fig.add_trace(_marked(coords[idx], [words[i] for i in idx],
                                  f"{len(idx)} nearest on the map", "circle-open", 18, "#000000",
                                  write=n <= MAX_LABELLED))  # crowded maps: on hover only
        idx = [i for i, w in enumerate(words) if w == highlight]
        if idx:
            fig.add_trace(_marked(coords[idx], [words[i] for i in idx], highlight,
                                  "diamond" if dims == 3 else "star", 22, HIGHLIGHT))
    _axes(fig, dims, axis_titles)
    fig.update_layout(legend=dict(title="category", itemsizing="constant",
                                  font=dict(size=FONT_SIZE)))
    return base_layout(fig, title, height)


def _scatter(coords, **kwargs):
    if coords.shape[1] == 3:
        marker = kwargs.get("marker", {})
        marker["size"] = max(4, marker.get("size", 10) * 0.6)  # 3-D markers draw larger
        return go.Scatter3d(x=coords[:, 0], y=coords[:, 1], z=coords[:, 2], **kwargs)
    return go.Scatter(x=coords[:, 0], y=coords[:, 1], **kwargs)


def _points(coords, words, cat, color, write, focus):
    faded = bool(focus)
    return _scatter(
        coords,
        mode="markers+text" if write else "markers",
        name=cat,
        text=["" if w in focus else w for w in words],  # marked words are labelled apart
        textposition="top center",
        textfont=dict(size=SMALL_FONT, color=NEUTRAL if faded else "#333333"),
        marker=dict(size=10, color=color, opacity=0.35 if faded else 0.85,
                    line=dict(width=0.5, color="#FFFFFF")),
        customdata=[[w, cat] for w in words],
        hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
    )


def _pair_lines(coords, words, pairs):
    """One trace of segments a -> b, separated by gaps (None), for the pairs on the map."""
    where = {w: i for i, w in enumerate(words)}
    points = []
    for a, b in pairs:
        if a in where and b in where:
            points += [coords[where[a]], coords[where[b]], [None] * coords.shape[1]]
    xyz = np.array(points, dtype=object).reshape(-1, coords.shape[1])
    line = dict(color=NEUTRAL, width=1.5)
    if coords.shape[1] == 3:
        return go.Scatter3d(x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2], mode="lines", line=line,
                            name="pairs", hoverinfo="skip")
    return go.Scatter(x=xyz[:, 0], y=xyz[:, 1], mode="lines", line=line, name="pairs",
                      hoverinfo="skip")


def _marked(coords, words, name, symbol, size, color, write=True):
    return _scatter(
        coords,
        mode="markers+text" if write else "markers",
        name=name,
        text=words,
        textposition="bottom center",
        textfont=dict(size=FONT_SIZE, color="#000000"),
        marker=dict(size=size, symbol=symbol, color=color, line=dict(width=2, color=color)),
        hovertemplate="<b>%{text}</b><extra>" + name + "</extra>",
    )


def _axes(fig: go.Figure, dims: int, titles: Sequence[str]) -> None:
    if dims == 3:
        # the camera a little farther than Plotly's (1.25, 1.25, 1.25), and the legend above
        # the scene, so axis titles and edge labels are not cut on a 1024-px screen
        fig.update_layout(scene=dict(xaxis_title=titles[0], yaxis_title=titles[1],
                                     zaxis_title=titles[2],
                                     camera=dict(eye=dict(x=1.7, y=1.7, z=1.2))),
                          legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    else:
        fig.update_xaxes(title=titles[0], zeroline=False)
        fig.update_yaxes(title=titles[1], zeroline=False)


def explained_variance_bars(ratios: np.ndarray, kept: int, title: str | None = None):
    """Share of the spread along each principal component; the kept ones in colour."""
    ratios = np.asarray(ratios, dtype=float)
    names = [f"PC{i + 1}" for i in range(len(ratios))]
    colors = [CATEGORICAL[0] if i < kept else NEUTRAL for i in range(len(ratios))]
    fig = go.Figure(go.Bar(
        x=names, y=ratios * 100, marker_color=colors,
        text=[f"{r:.1%}" for r in ratios], textposition="outside", cliponaxis=False,
        hovertemplate="%{x}: %{y:.2f}% of the variance<extra></extra>",
    ))
    fig.update_yaxes(title="% of variance", rangemode="tozero",
                     range=[0, max(5.0, float(ratios.max(initial=0)) * 100 * 1.25)])
    fig.update_xaxes(type="category")
    return base_layout(fig, title, 320)


def score_bars(
    words: Sequence[str], scores: Sequence[float], metric: str, title: str | None = None
) -> go.Figure:
    """Nearest first, at the top: cosine similarity or euclidean distance of each word."""
    scores = np.asarray(scores, dtype=float)
    label = "cosine similarity" if metric == "cosine" else "euclidean distance"
    y = list(range(len(words)))
    fig = go.Figure(go.Bar(
        x=scores, y=y, orientation="h", marker_color=CATEGORICAL[0],
        text=[f"{s:.3f}" for s in scores], textposition="auto",
        customdata=list(words),
        hovertemplate="%{customdata}: %{x:.4f}<extra>" + label + "</extra>",
    ))
    fig.update_yaxes(autorange="reversed", tickmode="array", tickvals=y, ticktext=list(words))
    fig.update_xaxes(title=label)
    if metric == "cosine" and len(scores) and scores.min() >= 0:
        fig.update_xaxes(range=[0, 1])
    return base_layout(fig, title, int(max(220, 70 + 32 * len(words))))


def similarity_heatmap(
    words: Sequence[str], values: np.ndarray, metric: str, title: str | None = None
) -> go.Figure:
    """Every pair of the chosen words: cosine (diverging, -1..1) or distance (sequential)."""
    if metric == "cosine":
        return matrix_heatmap(values, words, words, title=title, zmax=1.0,
                              hover_name="cosine similarity")
    return matrix_heatmap(values, words, words, title=title, colorscale=SEQUENTIAL, zmid=None,
                          hover_name="euclidean distance")

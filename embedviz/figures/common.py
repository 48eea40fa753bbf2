"""Layout and heatmap pieces every lesson's figures share."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from embedviz.palette import DIVERGING, FONT_FAMILY, FONT_SIZE, SMALL_FONT

# A heatmap writes its numbers in the cells only when there are few enough of them to be
# written at 14 px on a 1024-px projector (else the numbers are on hover, and pages say so).
MAX_ROWS_WITH_NUMBERS, MAX_COLS_WITH_NUMBERS = 16, 10


def base_layout(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """Large fonts, white background, tight margins: the same look on every chart."""
    fig.update_layout(
        title=dict(text=title, font=dict(size=FONT_SIZE + 2)) if title else None,
        font=dict(size=FONT_SIZE, family=FONT_FAMILY),
        template="plotly_white",
        margin=dict(l=10, r=10, t=50 if title else 10, b=10),
        height=height,
        hoverlabel=dict(font_size=FONT_SIZE),
    )
    return fig


class SpecFigure(go.Figure):
    """A figure that is already a plain, valid Plotly dict: for charts redrawn every live tick.

    ``st.plotly_chart`` (like ``plotly.io.to_json``) turns a figure into a dict with
    ``to_dict()``, which deep-copies every trace and property (about 3 ms a chart here), and
    a freshly made ``go.Figure`` validates each property on the way in (as much again). A live
    chart is rebuilt every refresh from trusted builders whose output the tests validate, so
    this figure skips both: it keeps the dict and hands it over as it is. It is for showing,
    not for editing (``update_layout`` and the property attributes are not available).
    """

    def __init__(self, spec: dict):  # noqa: D107 - deliberately not BaseFigure.__init__
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def to_plotly_json(self) -> dict:
        return self._spec


FONT_KEYS = ("font", "textfont", "tickfont", "insidetextfont", "outsidetextfont")


def scaled_fonts(spec, factor: float):
    """A copy of a figure's dict with every explicit font size (and the base one) times
    ``factor``: presenter mode's larger text, without rebuilding the figure."""
    if isinstance(spec, dict):
        out = {}
        for k, v in spec.items():
            if k in FONT_KEYS and isinstance(v, dict) and isinstance(v.get("size"), (int, float)):
                v = {**v, "size": round(v["size"] * factor, 1)}
            out[k] = scaled_fonts(v, factor) if isinstance(v, (dict, list)) else v
        return out
    if isinstance(spec, list):
        return [scaled_fonts(v, factor) if isinstance(v, (dict, list)) else v for v in spec]
    return spec


def symmetric_range(values: np.ndarray) -> float:
    """Half-width of a colour range centred on zero (never 0, so a zero matrix still draws)."""
    m = float(np.nanmax(np.abs(values))) if np.size(values) else 0.0
    return m if m > 0 else 1.0


def heatmap_trace(
    values: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str] | None = None,
    *,
    colorscale: str = DIVERGING,
    zmid: float | None = 0.0,
    zmax: float | None = None,
    show_values: bool | None = None,
    value_format: str = ".2f",
    hover_name: str = "value",
) -> go.Heatmap:
    """The heatmap trace of :func:`matrix_heatmap`, for figures that place several matrices."""
    values = np.asarray(values, dtype=float)
    n_rows, n_cols = values.shape
    if col_labels is None:
        col_labels = [str(j) for j in range(n_cols)]
    if show_values is None:  # numbers only where a cell can hold them at 14 px
        show_values = n_rows <= MAX_ROWS_WITH_NUMBERS and n_cols <= MAX_COLS_WITH_NUMBERS
    # Plotly merges duplicate category labels, so rows are placed by position and labelled.
    return go.Heatmap(
        z=values,
        x=list(col_labels),
        y=list(range(n_rows)),
        colorscale=colorscale,
        zmid=zmid if zmax is None else None,
        zmin=-zmax if zmax is not None else None,
        zmax=zmax,
        text=np.vectorize(lambda v: format(v, value_format))(values) if show_values else None,
        texttemplate="%{text}" if show_values else None,
        textfont=dict(size=SMALL_FONT) if show_values else None,
        customdata=np.array([[r] * n_cols for r in row_labels], dtype=object),
        hovertemplate=f"row %{{customdata}}<br>column %{{x}}<br>{hover_name} %{{z:.4f}}<extra></extra>",
        xgap=1,
        ygap=1,
    )


def matrix_heatmap(
    values: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str] | None = None,
    *,
    title: str | None = None,
    colorscale: str = DIVERGING,
    zmid: float | None = 0.0,
    zmax: float | None = None,
    show_values: bool | None = None,
    value_format: str = ".2f",
    height: int | None = None,
    hover_name: str = "value",
) -> go.Figure:
    """A labelled matrix heatmap, first row at the top, numbers written in small matrices."""
    n_rows = np.shape(values)[0]
    fig = go.Figure(heatmap_trace(
        values, row_labels, col_labels, colorscale=colorscale, zmid=zmid, zmax=zmax,
        show_values=show_values, value_format=value_format, hover_name=hover_name,
    ))
    fig.update_yaxes(
        autorange="reversed",
        tickmode="array",
        tickvals=list(range(n_rows)),
        ticktext=list(row_labels),
        showgrid=False,
    )
    fig.update_xaxes(showgrid=False, type="category")
    if height is None:
        height = int(min(900, max(220, 60 + 26 * n_rows)))
    return base_layout(fig, title, height)

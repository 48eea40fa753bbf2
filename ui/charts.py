"""Showing a Plotly figure the same way on every page.

Streamlit's chart theme replaces a figure's fonts with its own 12-px grey ones; the figure
builders in ``embedviz/figures`` already set projector-sized fonts (16 px, never below 14), so
charts are drawn with ``theme=None``. In presenter mode every font is 25 % larger. Every page
shows its charts through :func:`show_chart`. While a live view plays (``ui.live.show_live``)
its charts are not selectable: a click on a point studies that word once paused.

Charts with words (issue #30): before each chart a visually hidden line says what it shows now
(``alt``: the page's own words, or ``ui.a11y.chart_summary`` of the figure), and under it a
"Data as a table" toggle lays the figure's traces out as a table (built only when switched
on; not while a live view plays, when the summary alone follows the chart).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from embedviz.figures.common import SpecFigure, scaled_fonts
from ui import a11y, live
from ui.teacher import presenter

CHART_CONFIG = {"displaylogo": False}
PRESENTER_SCALE = 1.25


def show_chart(fig: go.Figure, *, key: str, where=None, alt: str | None = None, **kwargs):
    """``st.plotly_chart`` with the app's fonts kept (no Streamlit theme) and a stable key;
    ``where`` is a container or column to draw in (default: the current one); ``alt`` is a
    one-line summary for screen readers (default: derived from the figure)."""
    kwargs.setdefault("config", CHART_CONFIG)
    spec = fig.to_dict()  # a SpecFigure's own dict: free; a go.Figure's: a copy, ~ms
    place = where or st
    looping = live.looping()
    a11y.summary_text(alt or a11y.chart_summary(spec), where=place)
    if looping:  # redrawn in place while playing: no selection, a key per refresh
        key = live.chart_key(key)
        kwargs.pop("on_select", None)
        kwargs.pop("selection_mode", None)
    if presenter():
        fig = SpecFigure(scaled_fonts(spec, PRESENTER_SCALE))
    shown = place.plotly_chart(fig, theme=None, key=key, **kwargs)
    if not looping:
        if place.toggle("Data as a table", key=f"{key}__table"):
            place.dataframe(a11y.chart_table(spec), hide_index=True)
    return shown

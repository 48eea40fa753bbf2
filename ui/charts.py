"""Showing a Plotly figure the same way on every page.

Streamlit's chart theme replaces a figure's fonts with its own 12-px grey ones; the figure
builders in ``embedviz/figures`` already set projector-sized fonts (16 px, never below 14), so
charts are drawn with ``theme=None``. In presenter mode every font is 25 % larger. Every page
shows its charts through :func:`show_chart`. While a live view plays (``ui.live.show_live``)
its charts are not selectable: a click on a point studies that word once paused.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from embedviz.figures.common import SpecFigure, scaled_fonts
from ui import live
from ui.teacher import presenter

CHART_CONFIG = {"displaylogo": False}
PRESENTER_SCALE = 1.25


def show_chart(fig: go.Figure, *, key: str, where=None, **kwargs):
    """``st.plotly_chart`` with the app's fonts kept (no Streamlit theme) and a stable key;
    ``where`` is a container or column to draw in (default: the current one)."""
    kwargs.setdefault("config", CHART_CONFIG)
    if live.looping():  # redrawn in place while playing: no selection, a key per refresh
        key = live.chart_key(key)
        kwargs.pop("on_select", None)
        kwargs.pop("selection_mode", None)
    if presenter():
        fig = SpecFigure(scaled_fonts(fig.to_dict(), PRESENTER_SCALE))
    return (where or st).plotly_chart(fig, theme=None, key=key, **kwargs)

"""Showing a Plotly figure the same way on every page.

Streamlit's chart theme replaces a figure's fonts with its own 12-px grey ones; the figure
builders in ``embedviz/figures`` already set projector-sized fonts (16 px, never below 14), so
charts are drawn with ``theme=None``. In presenter mode every font is 25 % larger. Every page
shows its charts through :func:`show_chart`; a live view's charts are updated in place
(``ui.live_chart``). While a live view plays its charts are not clickable: a click on a point
studies that word once paused.

Charts with words (issue #30): before each chart a visually hidden line says what it shows now
(``alt``: the page's own words, or ``ui.a11y.chart_summary`` of the figure), and under it a
"Data as a table" toggle lays the figure's traces out as a table (built only when switched
on). A live view's chart (redrawn in place every refresh) has neither yet: see
docs/accessibility.md.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from embedviz.figures.common import SpecFigure, scaled_fonts
from ui import a11y, live, live_chart
from ui.teacher import presenter

CHART_CONFIG = {"displaylogo": False}
PRESENTER_SCALE = 1.25


def show_chart(fig: go.Figure, *, key: str, where=None, alt: str | None = None, **kwargs):
    """``st.plotly_chart`` with the app's fonts kept (no Streamlit theme) and a stable key;
    ``where`` is a container or column to draw in (default: the current one); ``alt`` is a
    one-line summary for screen readers (default: derived from the figure).

    Inside a live view (``ui.live.show_live``) the chart is a live chart (``ui.live_chart``):
    the browser keeps it and updates it in place.
    A chart with ``on_select`` then calls it when a point with a word is clicked (paused only)."""
    kwargs.setdefault("config", CHART_CONFIG)
    if presenter():
        fig = SpecFigure(scaled_fonts(fig.to_dict(), PRESENTER_SCALE))
    if live.in_view():
        on_select = kwargs.get("on_select")
        key = live_chart.element_key(key)
        live_chart.show(fig.to_dict(), key=live.chart_key(key), where=where, config=kwargs["config"],
                        on_click=on_select if callable(on_select) and not live.looping() else None,
                        url=live.url_values())
        return None
    spec = fig.to_dict()  # a SpecFigure's own dict: free; a go.Figure's: a copy, ~ms
    place = where or st
    a11y.summary_text(alt or a11y.chart_summary(spec), where=place)
    shown = place.plotly_chart(fig, theme=None, key=key, **kwargs)
    if place.toggle("Data as a table", key=f"{key}__table"):
        place.dataframe(a11y.chart_table(spec), hide_index=True)
    return shown

"""Showing a Plotly figure the same way on every page.

Streamlit's chart theme replaces a figure's fonts with its own 12-px grey ones; the figure
builders in ``embedviz/figures`` already set projector-sized fonts, so charts are drawn with
``theme=None``. Every page shows its charts through :func:`show_chart` (one place to change
how charts look, e.g. larger fonts in presenter mode).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

CHART_CONFIG = {"displaylogo": False}


def show_chart(fig: go.Figure, *, key: str, **kwargs):
    """``st.plotly_chart`` with the app's fonts kept (no Streamlit theme) and a stable key."""
    kwargs.setdefault("config", CHART_CONFIG)
    return st.plotly_chart(fig, theme=None, key=key, **kwargs)

"""The chart of a live view, updated in place in the browser (issue #28).

``st.plotly_chart`` gives a chart whose figure changed a new identity, so the browser removes
the drawn chart and draws a new one: on a slow machine the student sees a blank frame at every
refresh. The live chart is a Streamlit custom component (``st.components.v2``) that keeps one
Plotly chart per element and moves it to each new figure with ``Plotly.react``
(``ui/assets/live_chart.js``). Each message is the whole figure (JSON bytes, written by
``orjson``): Streamlit may drop a component's message when a newer one arrives while the
browser is busy, so a message that only said what changed since an earlier one could not
always be used (measured: on a 4× slowed browser a third of such patches were lost, and the
chart stood still for seconds).

Plotly.js is the ``plotly.min.js`` of the installed ``plotly`` package (the version the figure
builders are tested with), served by the app itself: nothing is downloaded from the internet.
The chart keeps the student's zoom across refreshes (``uirevision``), and a click on a point
whose ``customdata`` is a word calls ``on_click`` (lesson 3 studies that word).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import orjson
import plotly
import streamlit as st

from embedviz.figures.common import SpecFigure
from ui import streamlit_internals as internals

PROJECT = "embedviz"
NAME = f"{PROJECT}.live_chart"
FILES = {  # served at /_stcore/bidi-components/embedviz.<name>/<file>
    "live_chart": (Path(__file__).parent, "assets"),
    "plotly": (Path(plotly.__file__).parent, "package_data"),  # plotly.min.js
}
CONFIG = {"displaylogo": False, "responsive": True}
DEFAULT_HEIGHT = 450  # Plotly's own default, for a figure without a height

_mount: Callable | None = None


def _component() -> Callable | None:
    """The component's mount function, or None if this Streamlit cannot serve it."""
    global _mount
    if not internals.serve_component_files(PROJECT, FILES):
        return None
    if _mount is None:
        # isolate_styles=False: Plotly puts its styles in the page's <head>, which a shadow
        # root would not see
        _mount = st.components.v2.component(NAME, js="live_chart.js", isolate_styles=False)
    return _mount


def element_key(key: str) -> str:
    """The component's key for the chart ``key`` (Streamlit refuses "__" in it)."""
    return key.replace("__", "--")


def clicked_word(key: str) -> str | None:
    """The word (``customdata``) of the point last clicked on the live chart ``key``."""
    value = st.session_state.get(element_key(key))
    word = value.get("click") if hasattr(value, "get") else None
    return word if isinstance(word, str) else None


def _plain(value):
    """What orjson cannot write itself: arrays of Python objects (words), NumPy scalars."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot send a {type(value).__name__} to the browser")


def message(figure: dict, **fields) -> bytes:
    """The bytes the browser gets: ``{"fig": figure, **fields}`` as JSON (NaN as null)."""
    return orjson.dumps({"fig": figure, **fields}, default=_plain,
                        option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


def figure_of(data: bytes) -> dict:
    """The figure a message carries (what the browser draws; for the tests and the bench)."""
    return orjson.loads(data)["fig"]


def show(figure: dict, *, key: str, on_click: Callable[[], None] | None = None, where=None,
         config: dict | None = None, url: dict | None = None):
    """Draw ``figure`` (a Plotly dict) as the live chart ``key`` (an :func:`element_key`), in
    ``where`` (default: here). ``url``: query parameters the browser writes into its address
    bar (at most every 2 s), so that a reload while playing opens the view where it is."""
    mount = _component()
    if mount is None:  # fallback (logged once): a plain chart, drawn anew each refresh
        (where or st).plotly_chart(SpecFigure(figure), theme=None, key=key,
                                   config=config or CONFIG)
        return
    layout = dict(figure.get("layout") or {})
    layout.setdefault("uirevision", key)  # the student's zoom survives a refresh
    height = int(layout.get("height") or DEFAULT_HEIGHT)
    data = message({"data": figure.get("data", []), "layout": layout},
                   config={**CONFIG, **(config or {})}, height=height,
                   clickable=on_click is not None, **({"url": url} if url else {}))
    callbacks = {"on_click_change": on_click} if on_click is not None else {}
    with where if where is not None else nullcontext():
        mount(key=key, data=data, height=height, **callbacks)

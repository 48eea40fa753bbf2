"""Turn unexpected exceptions into a plain message (never a traceback on screen)."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable

import streamlit as st

log = logging.getLogger("embedviz")
FRIENDLY_PREFIX = "Something went wrong"


def strict() -> bool:
    """Tests set EMBEDVIZ_STRICT=1 so that errors fail them instead of being shown politely."""
    return os.environ.get("EMBEDVIZ_STRICT") == "1"


def show_unexpected(exc: Exception) -> None:
    log.exception("unexpected error on a page")
    st.error(
        f"{FRIENDLY_PREFIX} while drawing this part of the lesson ({type(exc).__name__}). "
        "Try other settings or press Reset; the rest of the app keeps working."
    )


class PageEnd(BaseException):  # noqa: N818 - like Streamlit's StopException, not an error
    """Raised by :func:`end_page`; ``app.py`` catches it around the page's run."""


def end_page() -> None:
    """End the page's run here, at the page's top level (not inside a fragment).

    Pages call this instead of ``st.stop()``. ``app.py`` runs every page inside a "Working…"
    spinner; after ``st.stop()`` Streamlit drops every message the run still sends, the
    spinner's "clear" included, so a page that stopped after more than half a second (when
    the spinner had appeared) kept a spinner counting forever (issue #27, lesson 4). This
    exception unwinds the page like ``st.stop()`` but leaves the run free to finish.
    """
    raise PageEnd


def guarded(func: Callable) -> Callable:
    """Decorator for a page body or fragment: show a message instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - st.stop/st.rerun are BaseExceptions, they pass
            if strict():
                raise
            show_unexpected(exc)

    return wrapper

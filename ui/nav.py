"""The path through the lessons: every lesson ends with a link to the next one."""

from __future__ import annotations

import streamlit as st

from embedviz import lessons


def next_lesson_link() -> None:
    """A link to the lesson after the current one, in embedviz/lessons.py's order."""
    current = lessons.by_url_path(st.session_state.get("_current_url_path"))  # set by app.py
    if current is None:
        return
    st.divider()
    nxt = lessons.next_lesson(current)
    if nxt is not None:
        st.page_link(nxt.file, label=f"Next: {nxt.label}", icon=":material/arrow_forward:")
    else:
        st.markdown("This is the last lesson.")

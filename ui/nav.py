"""The path through the lessons: every lesson ends with a link to the next one."""

from __future__ import annotations

import streamlit as st


def next_lesson_link() -> None:
    """A link to the lesson after the current one (``app.py`` lists them in order)."""
    lessons = st.session_state.get("_lessons") or []
    current = st.session_state.get("_current_url_path")
    paths = [p.url_path for p in lessons]
    if current not in paths:
        return
    i = paths.index(current)
    st.divider()
    if i + 1 < len(lessons):
        nxt = lessons[i + 1]
        st.page_link(nxt, label=f"Next: {nxt.title}", icon=":material/arrow_forward:")
    else:
        st.markdown("This is the last lesson.")

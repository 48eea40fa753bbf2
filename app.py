"""embedviz: how an embedding layer works, live in PyTorch. This file only routes."""

import time
from pathlib import Path

import streamlit as st
import torch

import ui.process  # noqa: F401 - once per process: heavy imports, then gc.freeze()
from embedviz import lessons
from ui import a11y, class_mode, live, teacher
from ui.guard import PageEnd, guarded

run_started = time.thread_time()  # a full run (a fragment's refresh does not run this file)

torch.set_num_threads(1)  # many students share two cores: one thread per session's work
ui.process.start_up()  # once per process: the heavy shared results start in the background

st.set_page_config(
    page_title="embedviz: embedding layers, live", page_icon="🧮", layout="wide",
    initial_sidebar_state="collapsed" if st.query_params.get(teacher.PRESENT) == "true" else "auto",
)

st.html(Path(__file__).with_name("ui") / "projector.css")  # more room for charts at 1024-1365 px

LESSONS = [  # one page per lesson, in order, as embedviz/lessons.py describes them
    st.Page(lesson.file, title=lesson.label, icon=lesson.icon, url_path=lesson.url_path)
    for lesson in lessons.LESSONS
]
HOME = st.Page(lessons.HOME_FILE, title="Start here", icon=":material/home:", default=True)

# Hidden: the sidebar draws the same pages as plain links (ui.a11y, issue #30); the router and
# every deep link (/words, /train?...) work as before.
page = st.navigation({"embedviz": [HOME], "Lessons": LESSONS}, position="hidden")
st.session_state["_lessons"] = LESSONS  # the tests find the pages here
st.session_state["_current_url_path"] = page.url_path  # ui.nav.next_lesson_link reads it
with st.sidebar:
    a11y.sidebar_navigation(HOME, {"Lessons": LESSONS})
    teacher.sidebar_switch()
    class_mode.sidebar()  # issue #29: start or join a class (docs/class-mode.md)
    st.caption(
        "Every setting is in the page's URL: copy the address bar to share exactly this view."
    )
    builder = st.container()
a11y.skip_links()  # the first Tab in the page (its quiz link: from the page's last run)
class_mode.top_of_page()  # a class's messages, the teacher's join screen and race board
link_problems = st.container(key="link_problems")  # above the page: the link's bad values
with link_problems:
    first_values = teacher.start_of_run(page.url_path)
a11y.start_of_run()
try:
    with st.spinner("Working…", show_time=True):  # shown only for a run over half a second
        a11y.anchor(a11y.LESSON_ANCHOR)  # "Skip to the lesson's controls" lands here
        try:
            guarded(page.run)()
        except PageEnd:  # the page ended early (ui.guard.end_page): the spinner still clears
            pass
finally:  # also when the page stops or reruns: the class's pace leaves page runs out
    live.record_page_run(time.thread_time() - run_started)
teacher.report_bad_link_values(first_values)  # not after st.stop(): the next full run does
with builder:
    teacher.link_builder()

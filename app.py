"""embedviz: how an embedding layer works, live in PyTorch. This file only routes."""

import time
from pathlib import Path

import streamlit as st
import torch

import ui.process  # noqa: F401 - once per process: heavy imports, then gc.freeze()
from ui import live, teacher
from ui.guard import PageEnd, guarded

run_started = time.thread_time()  # a full run (a fragment's refresh does not run this file)

torch.set_num_threads(1)  # many students share two cores: one thread per session's work

st.set_page_config(
    page_title="embedviz: embedding layers, live", page_icon="🧮", layout="wide",
    initial_sidebar_state="collapsed" if st.query_params.get(teacher.PRESENT) == "true" else "auto",
)

st.html(Path(__file__).with_name("ui") / "projector.css")  # more room for charts at 1024-1365 px

LESSONS = [
    st.Page("lessons/1_words_to_vectors.py", title="1 · Words to vectors", icon=":material/text_fields:", url_path="words"),
    st.Page("lessons/2_onehot_lookup.py", title="2 · One-hot × W = lookup", icon=":material/grid_on:", url_path="onehot"),
    st.Page("lessons/3_train_live.py", title="3 · Train it live", icon=":material/play_circle:", url_path="train"),
    st.Page("lessons/4_gradients.py", title="4 · Gradients touch only the batch", icon=":material/gradient:", url_path="gradients"),
    st.Page("lessons/5_explore_space.py", title="5 · Explore the space", icon=":material/scatter_plot:", url_path="space"),
    st.Page("lessons/6_pretrained_start.py", title="6 · Start from GloVe: frozen or fine-tuned?", icon=":material/ac_unit:", url_path="pretrained"),
    st.Page("lessons/7_unknown_words.py", title="7 · Words it has never seen", icon=":material/extension:", url_path="subwords"),
    st.Page("lessons/8_embedding_size.py", title="8 · How many numbers per word?", icon=":material/straighten:", url_path="sizes"),
    st.Page("lessons/9_positions.py", title="9 · Where is each word?", icon=":material/format_list_numbered:", url_path="positions"),
    st.Page("lessons/10_what_reads.py", title="10 · What reads the vectors", icon=":material/menu_book:", url_path="readers"),
]
HOME = st.Page("lessons/0_home.py", title="Start here", icon=":material/home:", default=True)

page = st.navigation({"embedviz": [HOME], "Lessons": LESSONS})
st.session_state["_lessons"] = LESSONS  # the home page links every lesson from this list
st.session_state["_current_url_path"] = page.url_path  # ui.nav.next_lesson_link reads it
with st.sidebar:
    teacher.sidebar_switch()
    st.caption(
        "Every setting is in the page's URL: copy the address bar to share exactly this view."
    )
    builder = st.container()
link_problems = st.container()  # above the page: filled once the page has read the URL
first_values = teacher.start_of_run(page.url_path)
try:
    with st.spinner("Working…", show_time=True):  # shown only for a run over half a second
        try:
            guarded(page.run)()
        except PageEnd:  # the page ended early (ui.guard.end_page): the spinner still clears
            pass
finally:  # also when the page stops or reruns: the class's pace leaves page runs out
    live.record_page_run(time.thread_time() - run_started)
with link_problems:
    teacher.report_bad_link_values(first_values)
with builder:
    teacher.link_builder()

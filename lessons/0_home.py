"""Start here: the lessons as a path, each with the question it answers."""

import streamlit as st

from embedviz import lessons

st.title("embedviz: how an embedding layer works")
st.markdown(
    "Every language model starts the same way: **text → tokens → token IDs → rows of a "
    "learned matrix → vectors**. This app makes each step visible and live, in real PyTorch "
    "(`torch.nn.Embedding`). Every number you see is computed on the server for your own "
    "session, while you watch: nothing is a drawing."
)

total = lessons.total_minutes()
st.caption(f"{len(lessons.LESSONS)} lessons, about {total // 60} h {total % 60:02d} min in all. "
           "Take them in order: each builds on the one before.")
for lesson in lessons.LESSONS:
    with st.container(border=True):
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.page_link(lesson.file, label=lesson.label, icon=lesson.icon)
        left.markdown(lesson.question)
        right.caption(f"about {lesson.minutes} min"
                      + ("  \nuses your lesson-3 model" if lesson.uses_lesson_3_model else ""))
st.caption(
    "For teachers: every setting lives in the page's URL, so a link you share opens exactly "
    "the view you prepared: same link, same seed, same numbers. The sidebar has a presenter "
    "mode for projectors and builds locked links that let students change only what you "
    "choose."
)

"""Start here: the lessons as a path, each with the question it answers."""

import streamlit as st

st.title("embedviz: how an embedding layer works")
st.markdown(
    "Every language model starts the same way: **text → tokens → token IDs → rows of a "
    "learned matrix → vectors**. This app makes each step visible and live, in real PyTorch "
    "(`torch.nn.Embedding`). Every number you see is computed on the server for your own "
    "session, while you watch: nothing is a drawing."
)

# (question the lesson answers, minutes, whether it uses the model you train in lesson 3)
PATH = {
    "words": ("How does a sentence become a matrix of numbers?", 10, False),
    "onehot": ("Why is a lookup the same as multiplying one-hot vectors by W, and cheaper?",
               10, False),
    "train": ("How does training put words of the same kind near each other?", 15, False),
    "gradients": ("Which rows does one training step change, and which optimizers move others?",
                  10, True),
    "space": ("What does the learned space look like, and what do GloVe's 400,000 words show?",
              15, True),
    "pretrained": ("Should a model start from GloVe, and should those vectors stay frozen?",
                   15, False),
    "subwords": ("What happens to a word the vocabulary has never seen?", 15, False),
    "sizes": ("How many numbers per word are enough, and what do they cost?", 10, False),
    "positions": ("How does a model know where each word stands?", 15, False),
    "readers": ("What reads the vectors next, and can one row per word be enough?", 15, False),
}

lessons = st.session_state.get("_lessons", [])
total = sum(PATH.get(p.url_path, ("", 0, False))[1] for p in lessons)
st.caption(f"{len(lessons)} lessons, about {total // 60} h {total % 60:02d} min in all. Take "
           "them in order: each builds on the one before.")
for page in lessons:
    question, minutes, uses_model = PATH.get(page.url_path, ("", 0, False))
    with st.container(border=True):
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.page_link(page, label=page.title, icon=page.icon)
        left.markdown(question)
        right.caption(f"about {minutes} min" + ("  \nuses your lesson-3 model" if uses_model
                                                else ""))
st.caption(
    "For teachers: every setting lives in the page's URL, so a link you share opens exactly "
    "the view you prepared: same link, same seed, same numbers. The sidebar has a presenter "
    "mode for projectors and builds locked links that let students change only what you "
    "choose."
)

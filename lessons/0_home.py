"""Start here: what the app teaches and a link to every lesson."""

import streamlit as st

st.title("embedviz: how an embedding layer works")
st.markdown(
    """
Every language model starts the same way: **text → tokens → token IDs → rows of a learned
matrix → vectors**. This app makes each step visible and live, in real PyTorch
(`torch.nn.Embedding`): every number you see is computed in your own session, in your
browser tab, while you watch.
"""
)
SUMMARIES = [
    "Type a sentence and follow it to a `seq_len × dim` matrix. Why not integer IDs or one-hot vectors?",
    "Multiplying one-hot vectors by W gives exactly the looked-up rows, forward and backward, at a fraction of the cost.",
    "Train a small embedding layer yourself and watch the space organise itself into meaning.",
    "The backward pass touches only the rows of the batch's tokens, but momentum, Adam and weight decay move others.",
    "Project the learned space (PCA, t-SNE), find neighbours and analogies, on your model and on GloVe.",
]
for page, summary in zip(st.session_state.get("_lessons", []), SUMMARIES):
    with st.container(border=True):
        st.page_link(page, label=page.title, icon=page.icon)
        st.markdown(summary)
st.caption(
    "For teachers: every setting lives in the page's URL, so a link you share opens exactly "
    "the view you prepared. Same link, same seed, same numbers."
)

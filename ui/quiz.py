"""Predict-then-reveal: the student commits to an answer about the live model first."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import streamlit as st

from ui.text import md_escape


def predict_then_reveal(
    key: str,
    question: str,
    options: Sequence,
    correct,
    explanation: str,
    *,
    context: Hashable = None,
    multi: bool = False,
    format_func: Callable = str,
) -> bool:
    """Ask ``question``; after Reveal, say whether the answer was right and explain.

    ``correct`` is one option, or with ``multi=True`` the set of right options (the student
    ticks all that apply and gets a score). ``context`` is anything that defines the question
    (the sentence, the model step): when it changes the question is asked afresh.
    ``explanation`` is Markdown written by the page from computed numbers. Returns whether the
    answer has been revealed.
    """
    state = st.session_state
    if state.get(f"{key}__context") != repr(context):
        state[f"{key}__context"] = repr(context)
        state[f"{key}__revealed"] = False
        # Set, not deleted: a deleted widget value comes back from the browser, which still
        # shows the old pick; a value set here is sent to the browser, so the new question
        # starts with nothing picked.
        state[f"{key}__choice"] = [] if multi else None
    revealed = state.get(f"{key}__revealed", False)
    with st.container(border=True):
        st.markdown(f"**Predict, then reveal.** {question}")
        if multi:
            choice = st.multiselect(
                "Your prediction", options, key=f"{key}__choice", disabled=revealed,
                format_func=format_func, placeholder="Pick every answer you expect",
                select_all=False,  # no hedging: the student commits to each answer
            )
        else:
            choice = st.radio(  # a radio's options are Markdown: show each as text
                "Your prediction", options, index=None, key=f"{key}__choice",
                disabled=revealed, format_func=lambda x: md_escape(format_func(x)),
                horizontal=len(options) <= 5,
            )
        left, right = st.columns(2)
        # Callbacks run before the script, so the buttons already show the new state.
        left.button("Reveal", key=f"{key}__reveal", disabled=revealed or not choice,
                    type="primary", on_click=_set_revealed, args=(key, True))
        right.button("Ask again", key=f"{key}__again", disabled=not revealed,
                     on_click=_set_revealed, args=(key, False))
        if revealed:
            _verdict(choice, correct, multi, format_func)
            st.markdown(explanation)
    return revealed


def _set_revealed(key: str, revealed: bool) -> None:
    st.session_state[f"{key}__revealed"] = revealed
    if not revealed:
        st.session_state.pop(f"{key}__choice", None)


def _verdict(choice, correct, multi: bool, format_func: Callable) -> None:
    label = lambda x: md_escape(format_func(x))  # noqa: E731 - option labels may be tokens
    if multi:
        picked, right = set(choice or []), set(correct)
        hits, misses, extra = picked & right, right - picked, picked - right
        if not misses and not extra:
            st.success(f"Exactly right: all {len(right)}.")
        else:
            parts = [f"{len(hits)} of {len(right)} right"]
            if misses:
                parts.append("missed " + ", ".join(label(x) for x in sorted(misses)))
            if extra:
                parts.append("not these: " + ", ".join(label(x) for x in sorted(extra)))
            st.warning("; ".join(parts) + ".")
    elif choice == correct:
        st.success(f"Right: {label(correct)}.")
    else:
        st.warning(f"Not quite: the answer is {label(correct)}.")

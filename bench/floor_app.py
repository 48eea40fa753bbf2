"""The cheapest live view this app can run: the floor of ``bench/train_tick.py`` part 3.

The live view of every lesson (``ui.live.show_live``) on the same 0.5-s interval as lesson
3's, playing from the start, that trains nothing and draws one metric. What the server spends
per tick here is the cost of a refresh itself (the loop waking, one delta replaced in place,
the message hashed and sent), which no live page can go below.
Started by the bench as ``streamlit run bench/floor_app.py`` from the repo root (same config).
"""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ui import live  # noqa: E402

st.button("Play", key="train__play")  # what the client presses, as on lesson 3
st.session_state.setdefault("floor__playing", True)
st.session_state.setdefault("floor__interval", 0.5)
count = st.session_state.setdefault("floor__count", [0])


def view() -> None:
    count[0] += 1
    st.metric("Step", f"{count[0]:,}")


live.show_live("floor", view, one_element=True)  # as lesson 3 draws its one chart

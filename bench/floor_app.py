"""The cheapest live view Streamlit can run: the floor of ``bench/train_tick.py`` part 3.

A fragment on the same 0.5-s timer as lesson 3's that trains nothing and draws one metric.
What the server spends per tick here is Streamlit's own cost of a fragment run (the rerun
message, the script runner, one delta, the session messages), which no page can go below.
Started by the bench as ``streamlit run bench/floor_app.py`` from the repo root (same config).
"""

import streamlit as st

st.button("Play", key="train__play")  # what the client presses, as on lesson 3


@st.fragment(run_every=0.5)
def live_view() -> None:
    st.metric("Step", "0")


live_view()

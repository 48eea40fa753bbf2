"""ui/live.py's live loop reads Streamlit's run requests the way Streamlit's script runner
does (no server, no timing): between refreshes, the loop stops sleeping exactly when the
runner would stop the run at its next element."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

from ui import live

TIMER = RerunData(fragment_id_queue=["live-view"], is_auto_rerun=True)  # the browser's timer
CLICK = RerunData(query_string="train_seed=3")  # a widget outside the fragment: a full rerun
IN_FRAGMENT = RerunData(fragment_id_queue=["live-view"], is_fragment_scoped_rerun=True)


def requests_after(*reruns: RerunData, stop: bool = False) -> ScriptRequests:
    requests = ScriptRequests()
    for r in reruns:
        requests.request_rerun(r)
    if stop:
        requests.request_stop()
    return requests


@pytest.mark.parametrize("case", [
    "nothing", "timer", "timer, timer", "click", "timer, click", "click, timer",
    "fragment-scoped", "stop", "timer, stop",
])
def test_the_loop_wakes_exactly_when_streamlit_would_stop_the_run(monkeypatch, case):
    reruns = {"nothing": (), "timer": (TIMER,), "timer, timer": (TIMER, TIMER),
              "click": (CLICK,), "timer, click": (TIMER, CLICK), "click, timer": (CLICK, TIMER),
              "fragment-scoped": (IN_FRAGMENT,), "stop": (), "timer, stop": (TIMER,)}[case]
    requests = requests_after(*reruns, stop="stop" in case)
    monkeypatch.setattr(live, "get_script_run_ctx", lambda: SimpleNamespace(script_requests=requests))
    seen = live.rerun_waiting()
    # what the script runner decides at its next element (this consumes the request)
    assert seen == (requests.on_scriptrunner_yield() is not None), case
    assert seen == (case not in ("nothing", "timer", "timer, timer")), case


def test_a_chart_redrawn_by_the_loop_gets_a_key_per_refresh():
    assert not live.looping() and live.chart_key("train__space") == "train__space"
    with live._in_refresh(0):
        assert live.looping() and live.chart_key("train__space") == "train__space-0"
    with live._in_refresh(7):
        assert live.chart_key("train__space") == "train__space-7"
    assert not live.looping() and live.chart_key("train__space") == "train__space"

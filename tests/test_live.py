"""ui/live.py's live loop reads Streamlit's run requests the way Streamlit's script runner
does (no server, no timing): between refreshes, the loop stops sleeping exactly when the
runner would stop the run at its next element, and Streamlit filing a request wakes it."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

from ui import live
from ui import streamlit_internals as internals

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
    monkeypatch.setattr(internals, "get_script_run_ctx", lambda: SimpleNamespace(script_requests=requests))
    seen = live.rerun_waiting()
    # what the script runner decides at its next element (this consumes the request)
    assert seen == (requests.on_scriptrunner_yield() is not None), case
    assert seen == (case not in ("nothing", "timer", "timer, timer")), case


def test_a_chart_redrawn_by_the_loop_keeps_its_key_when_streamlit_forgets_the_last_one(
        monkeypatch):
    forgotten = []
    monkeypatch.setattr(internals, "forget_key", lambda key: forgotten.append(key) or True)
    assert not live.looping() and live.chart_key("train--space") == "train--space"
    with live._in_refresh(7):
        assert live.looping() and live.chart_key("train--space") == "train--space"
    assert forgotten == ["train--space"]  # only a loop's refresh forgets the last one
    monkeypatch.setattr(internals, "forget_key", lambda key: False)  # a Streamlit that cannot
    with live._in_refresh(7):
        assert live.chart_key("train--space") == "train--space-7"  # a key per refresh


def test_the_step_reaches_the_url_only_from_a_playing_loop():
    with live._in_refresh(None):  # the page's own draw: the URL is the page's business
        live.step_in_url("train_to", 120)
        assert live.in_view() and live.url_values() is None
    with live._in_refresh(3):
        assert live.url_values() is None
        live.step_in_url("train_to", 120)
        assert live.url_values() == {"train_to": 120}
        live.step_in_url("train_to", None)  # a run its link cannot rebuild
        assert live.url_values() is None
    with live._in_refresh(4):
        assert live.url_values() is None  # asked again at each refresh
    assert not live.in_view()


def test_between_refreshes_the_loop_sleeps_until_a_request_reaches_its_run(monkeypatch):
    """No polling: the loop looks again only when Streamlit files a request with the run (a
    timer's rerun: it sleeps on; a click: it returns), and the filing does what it did."""
    requests, pristine = ScriptRequests(), ScriptRequests()
    monkeypatch.setattr(internals, "get_script_run_ctx", lambda: SimpleNamespace(script_requests=requests))
    looks, looked = [], threading.Event()
    reads = internals.rerun_waiting

    def looking() -> bool:
        looks.append(reads())
        looked.set()
        return looks[-1]

    monkeypatch.setattr(internals, "rerun_waiting", looking)
    loop = threading.Thread(target=live._wait, args=(time.monotonic() + 600,), daemon=True)
    loop.start()
    assert looked.wait(30) and looks == [False]  # it looked once, then went to sleep
    looked.clear()
    assert requests.request_rerun(TIMER) is pristine.request_rerun(TIMER) is True
    assert looked.wait(30)  # the filing woke it
    seen = len(looks)
    loop.join(0.3)  # six looks if it polled every WAKE_EVERY s
    assert loop.is_alive() and looks[-1] is False  # a timer's rerun does not stop a run
    assert len(looks) == seen  # and nothing else woke it
    assert requests.request_rerun_batch([CLICK]) is pristine.request_rerun_batch([CLICK]) is True
    loop.join(30)
    assert not loop.is_alive() and looks[-1] is True  # a click's rerun ends the sleep
    assert requests._rerun_data == pristine._rerun_data  # the same request as without the hook
    requests.request_stop(), pristine.request_stop()
    assert requests.request_rerun(CLICK) is pristine.request_rerun(CLICK) is False


def test_without_streamlits_request_queue_the_loop_still_sleeps_to_its_time(monkeypatch):
    monkeypatch.setattr(internals, "get_script_run_ctx", lambda: SimpleNamespace())
    assert internals.woken_by_requests() is None
    until = time.monotonic() + 0.1
    live._wait(until)
    assert time.monotonic() >= until

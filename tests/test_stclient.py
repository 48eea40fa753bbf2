"""bench/stclient.py reads Streamlit's messages as the browser does (no server, no timing)."""

import sys
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from stclient import StClient, widget_state_from_element  # noqa: E402


def fmsg(**run) -> ForwardMsg:
    m = ForwardMsg()
    if run:
        m.metadata.run.script_run_id = run["rid"]
        m.metadata.run.fragment_ids.extend(run.get("frags", []))
    return m


def new_session(rid, frags=()):
    m = fmsg(rid=rid, frags=list(frags))
    m.new_session.page_script_hash = "main"
    m.new_session.main_script_hash = "main"
    return m


def delta(path, fill, frag=""):
    m = ForwardMsg()
    m.metadata.delta_path.extend(path)
    m.delta.fragment_id = frag
    fill(m.delta.new_element)
    return m


def finished(rid, status, frags=()):
    m = fmsg(rid=rid, frags=list(frags))
    m.script_finished = status
    return m


def metric(label, body):
    def fill(el):
        el.metric.label, el.metric.body = label, body
    return fill


def button(key):
    def fill(el):
        el.button.id, el.button.label = f"$$ID-abc-{key}", "▶ Play"
    return fill


def feed(c, *msgs):
    for m in msgs:
        c._handle(m, m.SerializeToString())


def test_widget_values_like_the_browser():
    m = ForwardMsg()
    sb = m.delta.new_element.selectbox
    sb.id = "$$ID-1-train_corpus"
    sb.options.extend(["Six kinds", "Reviews"])
    sb.default = 0
    assert widget_state_from_element(m.delta.new_element, None).string_value == "Six kinds"
    sl = ForwardMsg().delta.new_element
    sl.slider.id = "$$ID-2-train_lr"
    sl.slider.options.extend(["0.001", "0.005"])
    sl.slider.default.append(1)
    assert list(widget_state_from_element(sl, None).string_array_value.data) == ["0.005"]
    ni = ForwardMsg().delta.new_element
    ni.number_input.id, ni.number_input.default = "$$ID-3-train_seed", 0
    ni.number_input.value, ni.number_input.set_value = 7, True
    assert widget_state_from_element(ni, None).int_value == 7
    b = ForwardMsg().delta.new_element
    b.button.id = "$$ID-4-train__play"
    assert widget_state_from_element(b, None) is None  # a button holds only a trigger


def test_runs_metrics_stale_elements_and_cache():
    c = StClient("http://127.0.0.1:1", follow_auto_rerun=False)
    big = delta([0, 9], metric("Chart", "x" * 10))
    big.hash, big.metadata.cacheable = "h1", True
    feed(c, new_session("r1"), delta([0, 0], button("train__play")),
         delta([0, 1, 0], metric("Step", "0"), frag="f"), big,
         finished("r1", ForwardMsg.FINISHED_SUCCESSFULLY))
    assert c.runs[0].delivered and c.metric("Step") == "0"
    assert c.find_widget("train__play")[1].kind == "button"
    assert "h1" in c.cache
    ref = ForwardMsg()
    ref.ref_hash = "h1"
    ref.metadata.delta_path.extend([0, 9])
    feed(c, new_session("r2", ["f"]), delta([0, 1, 0], metric("Step", "10"), frag="f"), ref,
         finished("r2", ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY, ["f"]))
    assert c.runs[1].is_fragment and c.runs[1].metrics == {"Step": "10", "Chart": "x" * 10}
    assert c.find_widget("train__play")  # outside the fragment: not stale
    assert not c.errors
    feed(c, new_session("r3"), delta([0, 0], button("train__play")),
         finished("r3", ForwardMsg.FINISHED_SUCCESSFULLY))
    assert c.metric("Step") is None  # a full run clears what it did not draw again
    missing = ForwardMsg()
    missing.ref_hash = "nope"
    feed(c, missing)
    assert c.errors and "cache miss" in c.errors[0]


def test_rerun_message_is_what_the_browser_sends():
    c = StClient("http://127.0.0.1:1")
    c.page_name, c.query_string = "train", "train_seed=3"
    first = c._rerun_msg().rerun_script
    assert first.page_name == "train" and not first.page_script_hash
    assert not first.widget_states.widgets
    nav = ForwardMsg()
    nav.navigation.page_script_hash = "page-hash"
    feed(c, nav, new_session("r1"), delta([0, 0], button("train__play")))
    auto = c._rerun_msg(fragment_id="f", auto=True).rerun_script
    assert auto.page_script_hash == "page-hash" and not auto.page_name
    assert auto.fragment_id == "f" and auto.is_auto_rerun
    assert auto.query_string == "train_seed=3"
    assert auto.context_info.url.endswith("/train")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))

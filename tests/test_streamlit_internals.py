"""ui/streamlit_internals.py: the private parts of Streamlit the live views use are there and
behave as they did when the module was written. On a Streamlit whose internals differ these
tests fail (an upgrade is a decision), and the app logs one warning per fallback."""

from __future__ import annotations

import inspect
import logging
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import streamlit as st
from streamlit.runtime.scriptrunner_utils import script_requests
from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequests
from streamlit.runtime.scriptrunner_utils.shared_run_state import SharedRunState

from ui import live_chart
from ui import streamlit_internals as internals

ROOT = Path(__file__).resolve().parents[1]


def test_the_installed_streamlit_is_one_these_internals_were_read_from():
    assert internals.version_supported(), (st.__version__, internals.SUPPORTED)
    pinned = re.search(r"^streamlit>=([\d.]+),<([\d.]+)$",
                       (ROOT / "requirements.in").read_text(), re.M)
    assert pinned, "requirements.in must pin streamlit to the versions the internals fit"
    low, high = pinned.groups()
    assert ".".join(low.split(".")[:2]) in internals.SUPPORTED
    assert high == f"{low.split('.')[0]}.{int(low.split('.')[1]) + 1}"


def test_the_run_requests_read_by_the_loop_are_there():
    requests = ScriptRequests()
    assert requests._state == script_requests.ScriptRequestType.CONTINUE
    assert hasattr(requests, "_rerun_data") and hasattr(requests._rerun_data, "fragment_id_queue")
    params = inspect.signature(script_requests._fragment_run_should_not_preempt_script).parameters
    assert list(params) == ["fragment_id_queue", "is_fragment_scoped_rerun"]
    for name in internals._FILING:
        assert callable(getattr(requests, name)), name


def test_the_timer_message_and_the_run_context_fields_are_there():
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

    msg = ForwardMsg()
    msg.stop_auto_rerun.fragment_ids.append("f")
    assert list(msg.stop_auto_rerun.fragment_ids) == ["f"]
    fields = set(ScriptRunContext.__dataclass_fields__)
    assert {"fragment_ids_this_run", "shared", "script_requests"} <= fields
    assert list(inspect.signature(ScriptRunContext.enqueue).parameters) == ["self", "msg"]


def test_forgetting_a_key_lets_the_same_key_be_drawn_again_in_one_run(monkeypatch):
    from streamlit.elements.lib.utils import _register_element_id
    from streamlit.errors import StreamlitDuplicateElementKey

    shared = SharedRunState()
    ctx = SimpleNamespace(shared=shared)
    monkeypatch.setattr(internals, "get_script_run_ctx", lambda: ctx)
    element = "$$ID-0123abcd-train--space"  # how Streamlit names a keyed element
    _register_element_id(ctx, "bidi_component", element)
    _register_element_id(ctx, "button", "$$ID-99-train--play")
    with pytest.raises(StreamlitDuplicateElementKey):  # what the loop would hit
        _register_element_id(ctx, "bidi_component", element)
    assert internals.forget_key("train--space")
    _register_element_id(ctx, "bidi_component", element)  # a refresh draws it again
    assert "$$ID-99-train--play" in shared.widget_ids_this_run  # the others stay


def test_the_live_charts_files_are_served_as_an_installed_components_would_be():
    from streamlit.components.v2.component_manager import BidiComponentManager

    manager = BidiComponentManager()
    for name, (root, folder) in live_chart.FILES.items():
        from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest

        manager.register_from_manifest(
            ComponentManifest(name=live_chart.PROJECT, version="1",
                              components=[ComponentConfig(name=name, asset_dir=folder)]),
            Path(root))
    root = Path(manager.get_component_path(live_chart.NAME))
    assert (root / "live_chart.js").is_file()
    plotly_root = Path(manager.get_component_path(f"{live_chart.PROJECT}.plotly"))
    assert (plotly_root / "plotly.min.js").stat().st_size > 1_000_000  # the real Plotly.js
    definition = manager.build_definition_with_validation(
        component_key=live_chart.NAME, html=None, css=None, js="live_chart.js")
    assert definition.js_url == "live_chart.js" and not definition.js_content


def test_a_streamlit_without_these_parts_falls_back_and_says_so_once(monkeypatch, caplog):
    monkeypatch.setattr(internals, "get_script_run_ctx", lambda: SimpleNamespace())
    monkeypatch.setattr(internals, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="embedviz"):
        assert internals.forget_key("k") is False
        assert internals.forget_key("k") is False
        assert internals.rerun_waiting() is False
        assert internals.woken_by_requests() is None
        internals.stop_timer()
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 4, warnings  # one per fallback, not one per call
    assert all("ui/streamlit_internals.py" in w for w in warnings)

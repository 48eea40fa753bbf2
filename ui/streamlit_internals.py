"""Every private part of Streamlit the live views use, in one place (issue #28).

Streamlit has no public API for what a live loop needs: a fragment run that keeps redrawing
until the student clicks, and a chart updated in place. Each function below says which private
part it reads, what it does when that part is missing (a *fallback*: the app keeps working,
less well), and logs one warning the first time a fallback is taken. The parts were read from
Streamlit ``SUPPORTED`` (``requirements.in`` pins it); ``tests/test_streamlit_internals.py``
fails on a Streamlit whose parts differ, so an upgrade is a decision, not a surprise.

What the loop uses, and why:

- the run's request queue (``ScriptRequests``: ``_state``, ``_rerun_data``, the module's
  ``_fragment_run_should_not_preempt_script``): is a click's rerun waiting?
  (:func:`rerun_waiting`); and its three filing methods (``request_rerun``,
  ``request_rerun_batch``, ``request_stop``), wrapped on this run's instance to wake the loop
  when a request arrives (:func:`woken_by_requests`);
- the run context's ``fragment_ids_this_run`` and ``enqueue`` with a ``stop_auto_rerun``
  message: stop the browser's timer for the fragment the loop now paces (:func:`stop_timer`);
- the run's sets of element ids and keys (``ctx.shared.widget_ids_this_run``,
  ``widget_user_keys_this_run``): the loop draws the live chart with the same key at every
  refresh of one run, which Streamlit refuses unless the last refresh's key is forgotten first
  (:func:`forget_key`). The same key is what lets the browser keep the chart and update it in
  place instead of drawing a new one (no blank frame);
- the custom-component manager's ``register_from_manifest``: serve the live chart's script
  and Plotly's own ``plotly.min.js`` (from the installed ``plotly`` package, never a CDN) the
  way Streamlit serves an installed component's files (:func:`serve_component_files`).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

SUPPORTED = ("1.67",)  # the Streamlit versions (major.minor) these parts were read from

log = logging.getLogger("embedviz")
_warned: set[str] = set()
_warned_lock = threading.Lock()

try:  # Streamlit's run requests (see :func:`rerun_waiting`)
    from streamlit.runtime.scriptrunner_utils import script_requests as _requests
except ImportError:  # pragma: no cover - a Streamlit without them
    _requests = None


def fallback(name: str, why: str) -> None:
    """Log one warning per process the first time the fallback ``name`` is taken."""
    with _warned_lock:
        if name in _warned:
            return
        _warned.add(name)
    log.warning("Streamlit %s: %s (ui/streamlit_internals.py was written for Streamlit %s)",
                st.__version__, why, ", ".join(SUPPORTED))


def version_supported() -> bool:
    return ".".join(st.__version__.split(".")[:2]) in SUPPORTED


# ---------------------------------------------------------------- the run's requests


def rerun_waiting() -> bool:
    """A rerun that stops this run is waiting: Streamlit acts on it at the next element.

    Reads the run's request queue as the script runner does (``tests/test_live.py`` checks
    it against the runner's own decision). Fallback: False (a click waits for the next
    refresh, at most an interval)."""
    try:
        requests = get_script_run_ctx().script_requests
        kind = requests._state
        if kind == _requests.ScriptRequestType.STOP:
            return True
        data = requests._rerun_data
        return (kind == _requests.ScriptRequestType.RERUN
                and not _requests._fragment_run_should_not_preempt_script(
                    data.fragment_id_queue, data.is_fragment_scoped_rerun))
    except Exception:  # noqa: BLE001 - a Streamlit without these internals
        fallback("rerun_waiting", "cannot read the run's requests: a click waits for the "
                 "live view's next refresh")
        return False


_FILING = ("request_rerun", "request_rerun_batch", "request_stop")  # how requests reach a run


def woken_by_requests() -> threading.Event | None:
    """An event set each time Streamlit files a request with this run (a rerun, a stop), or
    None (fallback: the loop looks every ``ui.live.WAKE_EVERY`` s).

    The run's ``ScriptRequests`` gets its three filing methods wrapped, on this run's
    instance only, so that each also sets the event after doing exactly what it did
    (``tests/test_live.py`` checks both)."""
    try:
        requests = get_script_run_ctx().script_requests
        event = getattr(requests, "_embedviz_filed", None)
        if event is None:
            methods = [getattr(requests, name) for name in _FILING]
            event = threading.Event()
            for name, method in zip(_FILING, methods):
                setattr(requests, name, _then_set(method, event))
            requests._embedviz_filed = event
        return event
    except AttributeError:  # a Streamlit whose runs are asked differently
        fallback("woken_by_requests", "cannot hear requests arrive: the live loop looks "
                 "for a click every 50 ms instead")
        return None


def _then_set(method: Callable, event: threading.Event) -> Callable:
    @functools.wraps(method)
    def filed(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        finally:
            event.set()
    return filed


# ---------------------------------------------------------------- the browser's timer


def stop_timer() -> None:
    """Tell the browser to stop this fragment's timer (the ``stop_auto_rerun`` message Streamlit
    itself sends for a fragment that is gone). Fallback: the timer keeps sending reruns, which
    wait in the server (a message each)."""
    try:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        ctx = get_script_run_ctx()
        ids = list(ctx.fragment_ids_this_run or [])
        if ids:
            msg = ForwardMsg()
            msg.stop_auto_rerun.fragment_ids.extend(ids)
            ctx.enqueue(msg)
    except Exception:  # noqa: BLE001 - a Streamlit without these internals
        fallback("stop_timer", "cannot stop a fragment's timer: its reruns wait in the server")


# ---------------------------------------------------------------- one key, many refreshes


def forget_key(key: str) -> bool:
    """Forget that this run already drew an element with the key ``key`` (and its id), so the
    loop's next refresh may draw it again under the same key. Returns False if it cannot
    (fallback: the caller gives each refresh its own key, and the browser draws a new chart
    each refresh, with a blank frame on a slow machine)."""
    try:
        shared = get_script_run_ctx().shared
        suffix = f"-{key}"
        for found, matches in ((shared.widget_user_keys_this_run, lambda v: v == key),
                               (shared.widget_ids_this_run, lambda v: v.endswith(suffix))):
            with found._lock:
                found._data.difference_update([v for v in found._data if matches(v)])
        return True
    except Exception:  # noqa: BLE001 - a Streamlit without these internals
        fallback("forget_key", "cannot draw one element twice in a run: the live chart "
                 "gets a new key (and is drawn anew) at every refresh")
        return False


# ---------------------------------------------------------------- files of a component

def serve_component_files(project: str, folders: dict[str, tuple[Path, str]]) -> bool:
    """Serve each folder as an installed component's ``asset_dir`` would be, at
    ``/_stcore/bidi-components/{project}.{name}/<file>``: ``folders`` maps a name to
    ``(package root, folder inside it)``. Returns False if it cannot (fallback: the caller
    draws a plain ``st.plotly_chart``).

    Streamlit finds such folders in the ``pyproject.toml`` of installed packages; the app is
    not installed, so the same manifest is handed to the runtime's component manager."""
    try:
        from streamlit.components.v2.get_bidi_component_manager import (
            get_bidi_component_manager,
        )
        from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest

        manager = get_bidi_component_manager()  # the runtime's (AppTest starts one per test)
        for name, (root, folder) in folders.items():
            if manager.get_component_asset_root(f"{project}.{name}") is not None:
                continue
            manifest = ComponentManifest(name=project, version="1",
                                         components=[ComponentConfig(name=name, asset_dir=folder)])
            manager.register_from_manifest(manifest, Path(root))
        return True
    except Exception:  # noqa: BLE001 - a Streamlit without these internals
        fallback("serve_component_files", "cannot serve the live chart's files: live charts "
                 "are drawn with st.plotly_chart (a new chart each refresh)")
        return False

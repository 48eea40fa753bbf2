"""Live views (Play) that share the server fairly: see ``embedviz/classroom.py``.

A page that trains while playing keeps ``{prefix}__playing`` and ``{prefix}__interval`` in
session state, declares its fragment with ``run_every=state[f"{prefix}__interval"]`` and
decorates it with :func:`in_turn` (one refresh at a time per server), starts each fragment run
with :func:`train_tick` (the server's pace, the steps, divergence) and ends it with
:func:`end_tick` (the refresh counted, the busy-server line), and calls :func:`stop_live` when
the student pauses.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from embedviz.classroom import REGISTRY, TORCH_TURN, Pace, pace_for


def _session_id() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def live_pace(wanted_steps_per_tick: int, current_interval: float | None) -> Pace:
    """Count this session as live and return the pace the server can afford now."""
    return REGISTRY.tick(_session_id(), wanted_steps_per_tick, current_interval)


def page_opened() -> None:
    """The live page ran for this session (counted for ``ABOUT_TO_PLAY`` seconds)."""
    REGISTRY.opened(_session_id())


def starting_pace(wanted_steps_per_tick: int) -> Pace:
    """The pace a session gets if it starts playing now (nothing recorded)."""
    REGISTRY.opened(_session_id())
    return pace_for(REGISTRY.count(), wanted_steps_per_tick, REGISTRY.tick_cost,
                    REGISTRY.step_cost)


def record_page_run(cpu_seconds: float) -> None:
    """A full run of a page took ``cpu_seconds`` in this thread (``app.py`` says so)."""
    REGISTRY.record_page_run(cpu_seconds)


def stop_live() -> None:
    REGISTRY.stop(_session_id())


def cpu_clock() -> float:
    """CPU time of this script thread (what one session's work costs the server)."""
    return time.thread_time()


def pace_caption(pace: Pace) -> None:
    """One line for the student when the server is busy (nothing when it is not)."""
    if pace.live_views <= 1 or (pace.interval <= 0.5 and not pace.slowed):
        return
    speed = (f"training runs at {pace.steps_per_second:.0f} steps/s instead of "
             f"{pace.wanted_steps_per_second:.0f}" if pace.slowed else
             f"it trains {pace.steps_per_tick} steps per refresh, so training keeps its speed")
    st.caption(f":material/groups: {pace.live_views} students are training on this server: "
               f"the picture refreshes every {pace.interval:g} s and {speed}.")


@dataclass
class Tick:
    """One refresh of a live view: its pace (None when paused) and its training."""

    pace: Pace | None
    steps: int = 0
    step_seconds: float = 0.0  # CPU time of the steps, in this thread


def model_lock(prefix: str) -> threading.RLock:
    """The session's lock on its model: a click starts a new run of the page while the last
    tick may still be training (Streamlit's fast reruns), so whatever steps the model (a tick,
    Step, "train to step") takes this lock first."""
    return st.session_state.setdefault(f"{prefix}__lock", threading.RLock())


def in_turn(prefix: str) -> Callable:
    """Decorator for a live view's fragment: each run (training and drawing) is one turn of the
    server's ``TORCH_TURN``, one live refresh at a time per server.

    Many threads doing small pieces of work at once cost the server more than the same work
    done in turns: each hand-over of Python's GIL is a switch between threads. The session's
    :func:`model_lock` is taken first, as a click's run does before it trains."""
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def in_its_turn(*args, **kwargs):
            with model_lock(prefix), TORCH_TURN:
                return view(*args, **kwargs)
        return in_its_turn
    return decorate


def train_tick(prefix: str, model, wanted_steps_per_tick: int) -> Tick:
    """The training part of a live view's refresh, the same on every page that plays.

    ``model`` has ``step(k)``, ``diverged``; the page keeps ``{prefix}__playing`` and
    ``{prefix}__interval`` in session state and declares its fragment with that interval.
    While playing: ask the server for the pace; if the interval must change, rerun the whole
    page (which declares the fragment again); train the pace's steps (under the session's
    :func:`model_lock`); on a blow-up stop playing and rerun the page to show why.
    """
    state = st.session_state
    if not state.get(f"{prefix}__playing") or model.diverged:
        return Tick(None)
    pace = live_pace(wanted_steps_per_tick, state.get(f"{prefix}__interval"))
    if pace.interval != state.get(f"{prefix}__interval"):
        state[f"{prefix}__interval"] = pace.interval
        st.rerun()  # the whole page: the fragment's timer takes the new interval
    start = cpu_clock()
    with model_lock(prefix):
        done = model.step(pace.steps_per_tick)
    tick = Tick(pace, done, cpu_clock() - start)
    if model.diverged:
        state[f"{prefix}__playing"] = False
        stop_live()
        st.rerun()  # the whole page: stop the timer, show the message
    return tick


def end_tick(tick: Tick) -> None:
    """After the drawing: record the refresh (the server reads what it cost), and say so when
    the server is busy (at the end of the view, so that nothing optional shifts the charts
    above it)."""
    if tick.pace is not None:
        REGISTRY.record(tick.steps, tick.step_seconds)
        pace_caption(tick.pace)


def pause(prefix: str) -> None:
    """Stop this session's Play (a Step, a Reset or a new model does it first)."""
    st.session_state[f"{prefix}__playing"] = False
    stop_live()


def step_once(prefix: str, key: str) -> None:
    """The Step button: pause, then one training step of ``state[key]`` under its lock."""
    pause(prefix)
    model = st.session_state.get(key)
    if model is not None:
        with model_lock(prefix):
            model.step(1)


def reset(prefix: str, key: str) -> None:
    """The Reset button: pause and drop ``state[key]``; :func:`session_model` builds it anew
    from step 0 and says so."""
    pause(prefix)
    st.session_state[f"{prefix}__reset"] = True
    st.session_state.pop(key, None)


def session_model(prefix: str, key: str, built_for: Hashable, build: Callable[[], Any], *,
                  rebuilt: Callable[[Any], str], fresh: str, building: str,
                  forget: Iterable[str] = ()) -> Any:
    """This session's live model, ``state[key]``, made by ``build()`` and made again from step 0
    whenever ``built_for`` (what defines it: its settings) changes.

    A rebuild says why: ``rebuilt(old_model)`` after a setting changed, ``fresh`` after Reset.
    It stops Play and forgets the ``forget`` keys that belonged to the old model (a look-ahead,
    a question). If ``build`` raises, nothing is stored and the exception reaches the page.
    """
    state = st.session_state
    model = state.get(key)
    if model is not None and state.get(f"{prefix}__built_for") == built_for:
        return model
    if model is not None:
        st.info(rebuilt(model))
    elif state.pop(f"{prefix}__reset", False):
        st.success(fresh)
    with st.spinner(building):
        model = build()
    state[key], state[f"{prefix}__built_for"] = model, built_for
    state[f"{prefix}__playing"] = False
    for k in forget:
        state.pop(k, None)
    return model

"""Live views (Play) that share the server fairly: see ``embedviz/classroom.py``.

A page that trains while playing declares its fragment with ``run_every=declared_interval()``
and, at the top of each fragment run, calls :func:`live_pace` to learn how many steps to train
(and whether the interval must change: then it reruns the whole page, which declares the
fragment again). It reports what the refresh cost with :func:`record_cost` and calls
:func:`stop_live` when the student pauses.
"""

from __future__ import annotations

import time

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from embedviz.classroom import REGISTRY, Pace, pace_for


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
    return pace_for(REGISTRY.count(), wanted_steps_per_tick, REGISTRY.draw_cost,
                    REGISTRY.step_cost)


def record_cost(draw_seconds: float, steps: int, step_seconds: float) -> None:
    REGISTRY.record(draw_seconds, steps, step_seconds)


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

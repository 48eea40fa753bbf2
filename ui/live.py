"""Live views (Play) that share the server fairly: see ``embedviz/classroom.py``.

A page that trains while playing calls :func:`live_pace` at the top of its fragment run and
:func:`stop_live` when the student pauses; it trains ``round(speed * pace.steps_factor)``
steps per refresh and uses ``pace.interval`` as the fragment's ``run_every``.
"""

from __future__ import annotations

from streamlit.runtime.scriptrunner import get_script_run_ctx

from embedviz.classroom import REGISTRY, Pace, pace_for


def _session_id() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def live_pace() -> Pace:
    """Count this session as live and return the refresh interval the server can afford."""
    return REGISTRY.tick(_session_id())


def current_pace() -> Pace:
    """The pace a session would get if it started playing now (nothing recorded)."""
    return pace_for(REGISTRY.count() + 1)


def stop_live() -> None:
    REGISTRY.stop(_session_id())


def pace_caption(pace: Pace) -> str:
    """One line for the student when the server is busy (empty when it is not)."""
    if pace.live_views <= 1 or pace.steps_factor <= 1:
        return ""
    return (f"{pace.live_views} live views on this server: the picture refreshes every "
            f"{pace.interval:.1f} s and trains {pace.steps_factor:.1f}× the steps per refresh, "
            "so training runs at the same speed.")

"""Live views (Play) that share the server fairly: see ``embedviz/classroom.py``.

A page that trains while playing keeps ``{prefix}__playing`` and ``{prefix}__interval`` in
session state and draws its view with :func:`show_live`. The view is decorated with
:func:`in_turn` (one refresh at a time per server), starts each refresh with
:func:`train_tick` (the server's pace, the steps, divergence), ends it with :func:`end_tick`
(the refresh counted, the busy-server line), keys its charts with :func:`chart_key`, and the
page calls :func:`stop_live` when the student pauses.

While playing, one run of the view's fragment redraws it in place every interval
(:func:`show_live`): a refresh costs the server the view's own work only, not a new script
run (the browser's rerun message, a script thread, the session and run messages).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from embedviz.classroom import BASE_INTERVAL, REGISTRY, TORCH_TURN, Pace, pace_for
from ui import class_mode
from ui import streamlit_internals as internals

MAX_PLAY_SECONDS = 600.0  # Play pauses by itself after ten minutes (a forgotten tab)
WAKE_EVERY = 0.05  # s: how often the loop looks for a click's rerun if Streamlit cannot wake it


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


def pace_line(pace: Pace) -> str:
    """One line for the student when the server is busy ("" when it is not)."""
    if pace.live_views <= 1 or (pace.interval <= 0.5 and not pace.slowed):
        return ""
    speed = (f"training runs at {pace.steps_per_second:.0f} steps/s instead of "
             f"{pace.wanted_steps_per_second:.0f}" if pace.slowed else
             f"it trains {pace.steps_per_tick} steps per refresh, so training keeps its speed")
    return (f":material/groups: {pace.live_views} students are training on this server: "
            f"the picture refreshes every {pace.interval:g} s and {speed}.")


@dataclass
class Tick:
    """One refresh of a live view: its pace (None when paused) and its training."""

    prefix: str
    pace: Pace | None
    steps: int = 0
    step_seconds: float = 0.0  # CPU time of the steps, in this thread


def model_lock(prefix: str) -> threading.RLock:
    """The session's lock on its model: a click starts a new run of the page while the last
    tick may still be training (Streamlit's fast reruns), so whatever steps the model (a tick,
    Step, "train to step") takes this lock first."""
    return st.session_state.setdefault(f"{prefix}__lock", threading.RLock())


def in_turn(prefix: str) -> Callable:
    """Decorator for a live view: each refresh (training and drawing) is one turn of the
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
    ``{prefix}__interval`` in session state and draws the view with :func:`show_live`.
    While playing: ask the server for the pace and keep its interval (the loop of
    :func:`show_live` waits that long before the next refresh: no run of the whole page);
    train the pace's steps (under the session's :func:`model_lock`); on a blow-up stop
    playing and rerun the page to show why.
    """
    state = st.session_state
    if not state.get(f"{prefix}__playing"):
        return Tick(prefix, None)
    if not class_mode.play_allowed()[0]:  # issue #29: the teacher paused the class (it says so)
        pause(prefix)
        st.rerun()
    if model.diverged:  # Play pressed on a model that blew up: nothing to train, stop playing
        state[f"{prefix}__playing"] = False
        stop_live()
        return Tick(prefix, None)
    pace = live_pace(wanted_steps_per_tick, state.get(f"{prefix}__interval"))
    state[f"{prefix}__interval"] = pace.interval  # the loop of :func:`show_live` reads it
    start = cpu_clock()
    with model_lock(prefix):
        done = model.step(pace.steps_per_tick)
    tick = Tick(prefix, pace, done, cpu_clock() - start)
    if model.diverged:
        state[f"{prefix}__playing"] = False
        stop_live()
        st.rerun()  # the whole page: stop the timer, show the message
    return tick


def end_tick(tick: Tick) -> None:
    """After the drawing: record the refresh (the server reads what it cost) and keep the
    busy-server line, which :func:`show_live` writes under the view (so that nothing optional
    shifts the charts, and a line that did not change is not sent again)."""
    if tick.pace is not None:
        REGISTRY.record(tick.steps, tick.step_seconds)
        st.session_state[f"{tick.prefix}__pace_line"] = pace_line(tick.pace)


# ---------------------------------------------------------------- the live loop

_loop = threading.local()  # in this thread: .view (drawing a live view), .tick (the loop's
# refresh number, None for the page's own draw), .url (see :func:`step_in_url`)


def in_view() -> bool:
    """True while a live view is drawn (by the page's run or by the loop of :func:`show_live`):
    its charts are live charts (``ui.live_chart``), updated in place in the browser."""
    return getattr(_loop, "view", False)


def looping() -> bool:
    """True inside a refresh drawn by the loop of :func:`show_live` (not the first draw)."""
    return getattr(_loop, "tick", None) is not None


def chart_key(key: str) -> str:
    """A chart's key in a refresh: the same key at every refresh, so that the browser keeps
    the chart and updates it in place. Streamlit wants each key once per run, so the loop's
    earlier refresh is forgotten first; a Streamlit that cannot forget gets a key per refresh
    (the chart is then drawn anew each time)."""
    if not looping() or internals.forget_key(key):
        return key
    return f"{key}-{_loop.tick}"


def step_in_url(param: str, step: int | None) -> None:
    """While the loop plays, keep ``param=step`` in the browser's address bar (the view's live
    chart carries it; the browser writes it at most every 2 s): a reload, or the address
    copied, opens the model at that step instead of step 0 (issue #26). ``None``: the run
    cannot be rebuilt from its link (it changed its rate midway), leave the URL alone.
    Costs the server a few bytes in a message it sends anyway."""
    if looping():
        _loop.url = {param: int(step)} if step is not None else None


def url_values() -> dict | None:
    """What :func:`step_in_url` asked for in this refresh (read by ``ui.charts``)."""
    return getattr(_loop, "url", None) if looping() else None


@contextmanager
def _in_refresh(n: int | None):
    _loop.view, _loop.tick, _loop.url = True, n, None
    try:
        yield
    finally:
        _loop.view, _loop.tick = False, None


def show_live(prefix: str, view: Callable[[], None], *, one_element: bool = False) -> None:
    """Draw the live view ``view`` in a fragment: once, and while playing again every interval.

    The page's run draws it once and declares the fragment with ``run_every`` (the browser's
    timer). The timer's first run of the fragment then stays: it redraws the view in place
    every ``{prefix}__interval`` s (read at each refresh, so the server's pace applies at once)
    until the student clicks anything (Streamlit stops a run for a rerun at its next element;
    between refreshes the loop sleeps until a request reaches the run, :func:`_wait`), the
    view stops playing, the tab closes, or ``MAX_PLAY_SECONDS`` pass. Before its first
    refresh it stops the browser's timer (:func:`_stop_timer`; a rerun the timer sent
    meanwhile waits: Streamlit does not stop a fragment's run for a rerun of a fragment).
    Without a browser (AppTest) every run draws once.

    Every message is serialized, hashed and sent by the server: a view that draws exactly one
    element (``one_element``, lesson 3's chart) replaces it in place, one message a refresh;
    any other view is drawn in a new container each refresh. The busy-server line of
    :func:`end_tick` is written under the view, and again only when it changes.
    """
    state = st.session_state
    if state.pop(f"{prefix}__timed_out", False):
        st.info(f"Play paused by itself after {MAX_PLAY_SECONDS / 60:.0f} minutes, so that a "
                "forgotten tab does not keep the server busy. Press Play to go on.")
    playing = bool(state.get(f"{prefix}__playing"))
    if playing:
        state.setdefault(f"{prefix}__interval", BASE_INTERVAL)
    page_run = True  # False once the page's run has drawn the view: later runs are the timer's

    def live_view() -> None:
        main, line = st.empty(), st.empty()  # the same layout once or in a loop
        shown = None

        def refresh(n: int | None) -> None:
            nonlocal shown
            with (main if one_element else main.container()), _in_refresh(n):
                view()
            text = state.get(f"{prefix}__pace_line", "") if state.get(f"{prefix}__playing") else ""
            if text != shown:
                if text:
                    line.caption(text)
                else:
                    line.empty()
                shown = text

        if page_run or not state.get(f"{prefix}__playing") or not _has_browser():
            refresh(None)
            return
        internals.stop_timer()  # this run keeps the time now
        n, until = 0, time.monotonic() + MAX_PLAY_SECONDS
        while state.get(f"{prefix}__playing"):
            started = time.monotonic()
            refresh(n)
            n += 1
            if started > until:
                pause(prefix)
                state[f"{prefix}__timed_out"] = True
                st.rerun()  # the whole page: Play shows as paused, the timer stops
            _wait(started + state.get(f"{prefix}__interval", BASE_INTERVAL))

    st.fragment(run_every=state.get(f"{prefix}__interval") if playing else None)(live_view)()
    page_run = False


def _has_browser() -> bool:
    """False under AppTest (no browser, no timer): each run then draws the view once."""
    return not st.get_option("global.appTest")


def _wait(until: float) -> None:
    """Sleep until ``until``, waking early when a click's rerun (or a stop) is waiting.

    The loop sleeps once per refresh: Streamlit wakes it when a request is filed with this
    run (``ui.streamlit_internals.woken_by_requests``). Each wake-up of a thread costs the
    server CPU time, and looking every ``WAKE_EVERY`` s (what it does if that hook is missing)
    wakes it ten times in a 0.5-s refresh."""
    woken = internals.woken_by_requests()
    while (left := until - time.monotonic()) > 0:
        if woken is not None:
            woken.clear()  # before looking: a request filed from here on sets it again
        if rerun_waiting():
            return
        if woken is None:
            time.sleep(min(WAKE_EVERY, left))
        else:
            woken.wait(left)


def rerun_waiting() -> bool:
    """A rerun that stops this run is waiting (``ui.streamlit_internals``)."""
    return internals.rerun_waiting()


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

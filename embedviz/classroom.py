"""Sharing one server with a class: how often a live view may refresh (issue #10).

One Streamlit process serves every student and does about one core of Python work (the GIL).
A live view (lesson 3 playing, inside ``st.fragment(run_every=...)``) costs the server, per
second, its redraws plus its training:

    cost per second = tick_cost / interval + steps_per_second * step_cost

where ``tick_cost`` is everything the server does for one redraw except the training (our
figures, Streamlit's script run, its marshalling and sending, in every thread) and
``step_cost`` one training step. A server asked for more than it has falls behind every
student at once: each refresh arrives later than the page promised, and clicks and page loads
wait behind them. (When each refresh was a run of the fragment on the browser's timer, it was
worse: Streamlit drops the output of a run that a newer one overtakes, so almost nothing
reached anyone.) So the live views together may use only ``SERVER_BUDGET`` of a core (the
rest is for page loads, clicks and t-SNE), and as the class grows the pace gives way in this
order:

1. the picture refreshes less often (interval 0.5 s up to ``SLOW_INTERVAL``), with more
   steps per refresh so training runs at the speed the student chose;
2. then training slows down, but never below ``MIN_STEPS_PER_SECOND``;
3. only then does the interval stretch further, up to ``MAX_INTERVAL``.

**The costs are measured while the server runs** (:meth:`LiveRegistry.record`). Each step's
CPU time is measured in its thread, and so is each full run of a page (a page load, a click).
Every ``WINDOW`` seconds the registry reads the whole process's CPU time: what it spent beyond
the training and the page runs, divided by the refreshes in that window, is ``tick_cost``. So
Streamlit's own work for a refresh in every thread counts, and a faster or slower machine gets
its own pace. A window busy with page runs counts for less (none at all once they are half
of it): their messages are sent outside their thread, so it says little about a refresh.
Both costs are averages over about ``1 / WEIGHT`` windows (ten seconds): a burst moves them
little.

**An interval changes only when it must, or when it is worth it.** A picture whose pace flips
back and forth is restless to watch. The interval goes up at once when the class needs it; it
comes down only when the lower one fits in ``COME_DOWN_MARGIN`` of the budget and the view has
kept its interval for ``HOLD_SECONDS``. So a class whose size or cost wobbles never flips back and forth, and a burst
(thirty students loading the page at once) does not leave the class slow for the rest of the
lesson.

One more rule makes training itself twice as cheap with a class: **one trainer at a time**
(:data:`TORCH_TURN`). PyTorch lets go of the GIL in every operation, and a training step of
these small models is some forty operations of a few microseconds. With forty students'
threads training at once, every operation ends in a wait for the GIL and a hand-over between
threads: forty students each looping "ten steps and a redraw" took twice the wall time and
three times the CPU per loop that they take in turns (``python bench/train_tick.py --parts
7``). Taking turns, a thread that waits sleeps on its turn instead. The turns are handed over
in the order they were asked for, a few steps at a time (:data:`TURN_STEPS`), so a long run
(a link that opens at step 2,000) never keeps a class's live views waiting for long.

This module is plain Python (no Streamlit): the pages reach it through ``ui.live``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

BASE_INTERVAL = 0.5  # seconds between refreshes for a student alone
# The steps the pace moves in. 1.4 s, not 1.5: a refresh arrives a little after its interval,
# so at 1.5 s a class would miss "a redraw at least every 1.5 s" even when the server could
# still keep it.
INTERVALS = (0.5, 0.75, 1.0, 1.25, 1.4, 2.0, 2.5, 3.0)
SLOW_INTERVAL = 1.0  # refreshes slow down to this before training does
MAX_INTERVAL = INTERVALS[-1]
MIN_STEPS_PER_SECOND = 10.0  # training never slows below this while the pace can help it
SERVER_BUDGET = 0.75  # share of one core all live views together may use
TICK_COST = 0.010  # s of server CPU per refresh besides training, before any is measured
STEP_COST = 0.0009  # s per training step (batch 128, dim 16), before any is measured
WINDOW = 2.0  # seconds between two readings of the process's CPU time
MIN_TICKS = 4  # refreshes a window needs before it says what a refresh costs
WEIGHT = 0.2  # weight of one window in the averages: about ten seconds of memory
PAGE_SENDING = 2.0  # a page run's CPU in all threads, per second of CPU in its own thread
COME_DOWN_MARGIN = 0.85  # a lower interval must fit in this share of the budget ...
HOLD_SECONDS = 10.0  # ... and the view must have kept its interval this long
STALE_AFTER = 4.0  # a view not seen for this long (plus its interval) no longer counts
ABOUT_TO_PLAY = 30.0  # a session that opened the live page this recently counts as live too


@dataclass(frozen=True)
class Pace:
    interval: float  # seconds between refreshes of this view
    steps_per_tick: int  # training steps per refresh
    live_views: int  # live views on this server right now (this one included)
    wanted_steps_per_second: float  # what the student's speed setting asks for

    @property
    def steps_per_second(self) -> float:
        return self.steps_per_tick / self.interval

    @property
    def slowed(self) -> bool:
        """True when the server had to slow training below what the student chose."""
        return self.steps_per_second < self.wanted_steps_per_second - 1e-9


def server_load(n: int, interval: float, steps_per_second: float, tick_cost: float,
                step_cost: float) -> float:
    """Share of a core that ``n`` live views refreshing every ``interval`` s use."""
    return n * (tick_cost / interval + steps_per_second * step_cost)


def pace_for(
    live_views: int,
    wanted_steps_per_tick: int,
    tick_cost: float = TICK_COST,
    step_cost: float = STEP_COST,
    budget: float = SERVER_BUDGET,
) -> Pace:
    """The interval and steps per refresh for one of ``live_views`` views (see the module)."""
    n = max(1, int(live_views))
    wanted = max(1, int(wanted_steps_per_tick)) / BASE_INTERVAL  # steps per second asked for
    floor = min(wanted, MIN_STEPS_PER_SECOND)

    def fits(interval: float, steps_per_second: float) -> bool:
        return server_load(n, interval, steps_per_second, tick_cost, step_cost) <= budget

    def pace(interval: float, steps_per_second: float) -> Pace:
        steps = math.ceil(steps_per_second * interval - 1e-9)  # never below the floor
        steps = max(1, min(steps, math.floor(wanted * interval + 1e-9)))  # never faster
        return Pace(interval, steps, n, wanted)

    for interval in (i for i in INTERVALS if i <= SLOW_INTERVAL):  # 1. refresh less often
        if fits(interval, wanted):
            return pace(interval, wanted)
    # 2. train more slowly, at the slow interval: the most steps that fit, at least the floor
    spare = budget / n - tick_cost / SLOW_INTERVAL
    affordable = spare / step_cost if step_cost > 0 else wanted
    if affordable >= floor:
        return pace(SLOW_INTERVAL, min(wanted, affordable))
    for interval in (i for i in INTERVALS if i > SLOW_INTERVAL):  # 3. then refresh slower
        if fits(interval, floor):
            return pace(interval, floor)
    return pace(MAX_INTERVAL, floor)


def _at_interval(pace: Pace, interval: float) -> Pace:
    """``pace``'s training speed (as near as whole steps go) at another interval."""
    steps = max(1, min(math.ceil(pace.steps_per_second * interval - 1e-9),
                       math.floor(pace.wanted_steps_per_second * interval + 1e-9)))
    return Pace(interval, steps, pace.live_views, pace.wanted_steps_per_second)


class LiveRegistry:
    """Which sessions have a live view refreshing right now, and what a refresh costs.

    Thread-safe; one per server (sessions are threads of one process). It keeps only counts,
    times and costs: never a student's model. ``clock`` and ``cpu`` (the process's CPU time)
    can be given for tests.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 cpu: Callable[[], float] = time.process_time) -> None:
        self._lock = threading.Lock()
        self._clock, self._cpu = clock, cpu
        self._seen: dict[str, float] = {}  # session -> time of its last refresh
        self._opened: dict[str, float] = {}  # session -> when it last opened the live page
        self._held: dict[str, tuple[float, float]] = {}  # session -> (its interval, since when)
        self.tick_cost = TICK_COST
        self.step_cost = STEP_COST
        self._window = (clock(), cpu())  # start of the window: (time, process CPU)
        self._ticks = self._steps = 0  # in this window
        self._step_seconds = 0.0
        self._page_seconds = 0.0  # CPU of full page runs in this window (not refreshes)

    def tick(self, session: str, wanted_steps_per_tick: int, current_interval: float | None = None,
             now: float | None = None) -> Pace:
        """Record a refresh of ``session``'s live view and return the pace to use.

        The interval goes up as soon as the server needs it. While ``current_interval`` (the
        running view's) is longer than needed, it stays, and only the steps per refresh follow
        the class, until a lower one fits with room to spare and the view has kept its interval
        for ``HOLD_SECONDS`` (see the module). A new Play starts from the pace of the class.
        """
        now = self._clock() if now is None else now
        with self._lock:
            self._forget_stale(now)
            self._seen[session] = now
            n = len(self._seen.keys() | self._opened.keys())
            tick_cost, step_cost = self.tick_cost, self.step_cost
            held_interval, since = self._held.get(session, (None, now))
            if held_interval != current_interval:
                since = now
        pace = pace_for(n, wanted_steps_per_tick, tick_cost, step_cost)
        if current_interval is not None and pace.interval < current_interval:
            calm = pace_for(n, wanted_steps_per_tick, tick_cost, step_cost,
                            budget=SERVER_BUDGET * COME_DOWN_MARGIN)
            if now - since >= HOLD_SECONDS and calm.interval < current_interval:
                pace = calm  # held long enough, with room to spare: come down
            else:
                pace = _at_interval(pace, current_interval)
        with self._lock:
            if pace.interval != current_interval:
                since = now
            self._held[session] = (pace.interval, since)
        return pace

    def record(self, steps: int, step_seconds: float, now: float | None = None) -> None:
        """A refresh happened: it trained ``steps`` steps in ``step_seconds`` of CPU time.

        Every ``WINDOW`` seconds (with at least ``MIN_TICKS`` refreshes in it) the process's
        CPU time updates both averages (see the module)."""
        now = self._clock() if now is None else now
        with self._lock:
            self._ticks += 1
            self._steps += max(0, steps)
            self._step_seconds += max(0.0, step_seconds)
            start, cpu_start = self._window
            if now - start < WINDOW or self._ticks < MIN_TICKS:
                return
            cpu_now = self._cpu()
            if self._steps > 0 and self._step_seconds > 0:
                self.step_cost += WEIGHT * (self._step_seconds / self._steps - self.step_cost)
            used = max(cpu_now - cpu_start, 1e-9)
            spent = used - self._step_seconds - self._page_seconds
            # a window busy with page runs says little about a refresh: their messages are
            # sent outside their thread (in ``spent``), at about their own cost again. It
            # counts for less, and not at all once page runs are half of it
            weight = WEIGHT * max(0.0, 1.0 - PAGE_SENDING * self._page_seconds / used)
            self.tick_cost += weight * (max(0.0, spent) / self._ticks - self.tick_cost)
            self._window = (now, cpu_now)
            self._ticks = self._steps = 0
            self._step_seconds = self._page_seconds = 0.0

    def record_page_run(self, cpu_seconds: float) -> None:
        """A full run of a page (a page load, a click: not a refresh) took ``cpu_seconds`` in
        its thread. It is left out of what a refresh costs: thirty students loading the page
        at once are a burst, not the class's pace."""
        with self._lock:
            self._page_seconds += max(0.0, cpu_seconds)

    def opened(self, session: str, now: float | None = None) -> None:
        """``session`` opened (or reran) the live page: it will likely press Play soon.

        Counting these students before they play lets the first Play of a class get the
        pace of the whole class, instead of every student's interval changing as classmates
        press Play one after the other."""
        now = self._clock() if now is None else now
        with self._lock:
            self._opened[session] = now

    def stop(self, session: str) -> None:
        """The session paused (or left): it no longer counts as refreshing."""
        with self._lock:
            self._seen.pop(session, None)
            self._held.pop(session, None)

    def count(self, now: float | None = None) -> int:
        """Live views, and sessions that opened the live page within ``ABOUT_TO_PLAY`` s."""
        now = self._clock() if now is None else now
        with self._lock:
            self._forget_stale(now)
            return len(self._seen.keys() | self._opened.keys())

    def _forget_stale(self, now: float) -> None:
        for s, seen in list(self._seen.items()):
            if now - seen > STALE_AFTER + MAX_INTERVAL:
                del self._seen[s]
                self._held.pop(s, None)
        for s, seen in list(self._opened.items()):
            if now - seen > ABOUT_TO_PLAY:
                del self._opened[s]


REGISTRY = LiveRegistry()  # the server's one registry


class Turns:
    """A lock handed over in the order it was asked for (first come, first served).

    Python's own ``Lock`` lets the thread that just released it take it again at once, so a
    long run could keep a class waiting. The owner may take it again inside its own turn
    (a callback that trains): that only counts, it never deadlocks."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiting: deque[threading.Lock] = deque()

    def __enter__(self) -> Turns:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return self
            if self._owner is None:
                self._owner, self._depth = me, 1
                return self
            baton = threading.Lock()
            baton.acquire()
            self._waiting.append(baton)
        baton.acquire()  # released by the thread before us: the turn is ours
        with self._mutex:
            self._owner, self._depth = me, 1
        return self

    def __exit__(self, *exc) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            self._owner = None
            if self._waiting:
                self._owner = -1  # handed over: nobody else may take it in between
                self._waiting.popleft().release()

    @property
    def waiting(self) -> int:
        """Threads waiting for their turn now."""
        with self._mutex:
            return len(self._waiting)


TORCH_TURN = Turns()  # the server's one turn at training: see the module's docstring
TURN_STEPS = 16  # training steps per turn: a live tick takes 5-30, a long run many turns

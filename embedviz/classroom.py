"""Sharing one server with a class: how often a live view may refresh (issue #10).

One Streamlit process serves every student, and it does about one core of Python work. Each
live view (a page training in a ``st.fragment(run_every=...)``) costs the server a few
milliseconds per refresh. When many students play at once, refreshing every 0.5 s would ask
for more than the server has, the browser timers would fire before the last run was sent, and
Streamlit would throw that work away. So the server counts the live views and stretches the
refresh interval with their number, training proportionally more steps per refresh so a
student's steps per second hold.

This module is plain Python (no Streamlit): the pages call it through ``ui.live``.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

BASE_INTERVAL = 0.5  # seconds between refreshes for a student alone
MAX_INTERVAL = 3.0  # never slower than this
SERVER_TICK_BUDGET = 0.5  # share of one core the live views may use in all
TICK_COST = 0.012  # seconds of server time one refresh costs at the defaults (bench/train_tick.py)
STALE_AFTER = 4.0  # a view not seen for this long (plus its interval) no longer counts


@dataclass(frozen=True)
class Pace:
    interval: float  # seconds between refreshes of this view
    steps_factor: float  # train this many times the steps a student asked for per refresh
    live_views: int  # live views on this server right now (this one included)


def pace_for(live_views: int, tick_cost: float = TICK_COST, base: float = BASE_INTERVAL) -> Pace:
    """The refresh interval for ``live_views`` views that each cost ``tick_cost`` s a refresh.

    All views together may use ``SERVER_TICK_BUDGET`` of a core: n views refreshing every
    ``interval`` seconds cost ``n * tick_cost / interval``. The interval is rounded up to a
    tenth of a second so it changes in steps, not on every count.
    """
    n = max(1, int(live_views))
    needed = n * tick_cost / SERVER_TICK_BUDGET
    interval = min(MAX_INTERVAL, max(base, math.ceil(needed * 10) / 10))
    return Pace(interval=interval, steps_factor=interval / base, live_views=n)


class LiveRegistry:
    """Which sessions have a live view refreshing right now (thread-safe, one per server)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, float]] = {}  # session -> (last refresh, interval)

    def tick(self, session: str, now: float | None = None, tick_cost: float = TICK_COST) -> Pace:
        """Record a refresh of ``session``'s live view and return the pace to use next."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._forget_stale(now)
            previous = self._seen.get(session, (now, BASE_INTERVAL))[1]
            pace = pace_for(len(self._seen | {session: None}), tick_cost)
            self._seen[session] = (now, max(previous, pace.interval))
            return pace

    def stop(self, session: str) -> None:
        """The session paused (or left): it no longer counts."""
        with self._lock:
            self._seen.pop(session, None)

    def count(self, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._forget_stale(now)
            return len(self._seen)

    def _forget_stale(self, now: float) -> None:
        for s, (seen, interval) in list(self._seen.items()):
            if now - seen > STALE_AFTER + interval:
                del self._seen[s]


REGISTRY = LiveRegistry()  # the server's one registry (sessions are threads of one process)

"""Where a class's state lives: one small interface, two stores.

- :class:`MemoryStore`: a dictionary in this process (the default; Community Cloud runs one
  process, and nothing has to be installed);
- :class:`RedisStore`: a Redis server every replica reaches (``REDIS_URL``; compose and the
  Kubernetes manifests run one).

Every key is written with a time to live, so nothing outlives its class. Values are strings.
A store that cannot be reached raises :class:`StoreDown`; the pages catch it, say so, and the
lessons go on without the class features.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Protocol


class StoreDown(RuntimeError):
    """The class store cannot be reached (Redis down, wrong URL)."""


class Store(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl: int, *, only_new: bool = False) -> bool:
        """Set ``key`` for ``ttl`` s; with ``only_new`` only if it does not exist. True if set."""

    def incr(self, key: str, ttl: int) -> int:
        """Add one to the counter ``key`` (0 if new); a new counter lives ``ttl`` s."""

    def hset(self, key: str, field: str, value: str, ttl: int, *, only_new: bool = False) -> bool:
        """Set one field of the hash ``key`` (which then lives ``ttl`` s); True if set."""

    def hgetall(self, key: str) -> dict[str, str]: ...

    def delete_prefix(self, prefix: str) -> None:
        """Delete every key that starts with ``prefix``."""


class MemoryStore:
    """The in-process store: a dictionary behind a lock; expired keys are dropped when read
    and, every ``SWEEP_EVERY`` writes, all at once (so an abandoned class leaves nothing)."""

    SWEEP_EVERY = 1000

    def __init__(self, clock=time.monotonic) -> None:
        self._data: dict[str, tuple[object, float]] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._writes = 0

    def _live(self, key: str):
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= self._clock():
            del self._data[key]
            return None
        return item[0]

    def _wrote(self) -> None:
        self._writes += 1
        if self._writes % self.SWEEP_EVERY == 0:
            now = self._clock()
            for k in [k for k, (_, until) in self._data.items() if until <= now]:
                del self._data[k]

    def get(self, key: str) -> str | None:
        with self._lock:
            value = self._live(key)
            return value if isinstance(value, str) else None

    def set(self, key: str, value: str, ttl: int, *, only_new: bool = False) -> bool:
        with self._lock:
            if only_new and self._live(key) is not None:
                return False
            self._data[key] = (value, self._clock() + ttl)
            self._wrote()
            return True

    def incr(self, key: str, ttl: int) -> int:
        with self._lock:
            value = self._live(key)
            until = self._data[key][1] if value is not None else self._clock() + ttl
            n = int(value or 0) + 1
            self._data[key] = (str(n), until)
            self._wrote()
            return n

    def hset(self, key: str, field: str, value: str, ttl: int, *, only_new: bool = False) -> bool:
        with self._lock:
            table = self._live(key)
            table = dict(table) if isinstance(table, dict) else {}
            if only_new and field in table:
                return False
            table[field] = value
            self._data[key] = (table, self._clock() + ttl)
            self._wrote()
            return True

    def hgetall(self, key: str) -> dict[str, str]:
        with self._lock:
            table = self._live(key)
            return dict(table) if isinstance(table, dict) else {}

    def delete_prefix(self, prefix: str) -> None:
        with self._lock:
            for k in [k for k in self._data if k.startswith(prefix)]:
                del self._data[k]

    def __len__(self) -> int:  # keys held, expired ones included until swept (for tests)
        return len(self._data)


class RedisStore:
    """The same interface over Redis (``redis`` client). Short timeouts: a store that is down
    costs a page at most ``TIMEOUT`` s before it says so."""

    TIMEOUT = 0.5  # s, to connect and for each command

    def __init__(self, url: str) -> None:
        import redis

        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        self._r = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=self.TIMEOUT,
            socket_timeout=self.TIMEOUT, health_check_interval=30)

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except self._errors as e:
            raise StoreDown(f"the class store (Redis) cannot be reached: {type(e).__name__}") from e

    def get(self, key: str) -> str | None:
        return self._call(self._r.get, key)

    def set(self, key: str, value: str, ttl: int, *, only_new: bool = False) -> bool:
        return bool(self._call(self._r.set, key, value, ex=ttl, nx=only_new))

    def incr(self, key: str, ttl: int) -> int:
        def run():
            p = self._r.pipeline()
            p.incr(key)
            p.expire(key, ttl, nx=True)  # a new counter gets its time to live, an old keeps its
            return p.execute()[0]
        return int(self._call(run))

    def hset(self, key: str, field: str, value: str, ttl: int, *, only_new: bool = False) -> bool:
        def run():
            p = self._r.pipeline()
            if only_new:
                p.hsetnx(key, field, value)
            else:
                p.hset(key, field, value)
            p.expire(key, ttl)
            return p.execute()[0]
        done = self._call(run)
        return bool(done) or not only_new

    def hgetall(self, key: str) -> dict[str, str]:
        return self._call(self._r.hgetall, key)

    def delete_prefix(self, prefix: str) -> None:
        def run():
            keys = list(self._r.scan_iter(match=_glob_escape(prefix) + "*", count=500))
            if keys:
                self._r.delete(*keys)
        self._call(run)


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


_store: Store | None = None
_store_lock = threading.Lock()


def default_store() -> Store:
    """This process's store: Redis when ``REDIS_URL`` is set, else the in-process one."""
    global _store
    with _store_lock:
        if _store is None:
            url = os.environ.get("REDIS_URL", "").strip()
            _store = RedisStore(url) if url else MemoryStore()
        return _store

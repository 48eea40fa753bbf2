"""The class stores the tests run against: the in-process one and a real ``redis-server``.

``redis_url`` starts Debian's ``redis-server`` on a free port (no disk, no persistence) for the
test session and stops it after; without the binary or the ``redis`` client those tests are
skipped with the reason (``.ci/run`` installs both). Never a mock.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url():
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server): the Redis "
                    "store's tests need a real one")
    try:
        import redis
    except ImportError:
        pytest.skip("the redis client is not installed (pip install -r requirements-dev.txt)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(params=["memory", "redis"])
def store(request):
    from server.store import MemoryStore, RedisStore

    if request.param == "memory":
        return MemoryStore()
    url = request.getfixturevalue("redis_url")
    import redis

    redis.Redis.from_url(url).flushdb()
    return RedisStore(url)

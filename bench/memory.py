"""What the server process holds as the lessons are opened (python bench/memory.py).

Starts ``streamlit run app.py``, opens every lesson in turn with one protocol-level student
(``bench/stclient.py``), and prints the process's resident memory (RSS, from /proc) and the
page's load time after each, against the baseline of the idle server measured in the same
run. A second pass opens the lessons again (warm: everything shared is already built), and
a last line gives the RSS after ``--students`` more students opened lesson 3 and trained 200
steps each (what each student's own model adds).

Options: ``--port 8596``, ``--students 10``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from stclient import StClient  # noqa: E402
from train_tick import start_server  # noqa: E402

from embedviz.lessons import LESSONS  # noqa: E402 - train_tick put the repository on the path

ROUTES = [lesson.url_path for lesson in LESSONS]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def open_all(url: str, pid: int, label: str) -> None:
    c = StClient(url, label)
    await c.connect()
    for route in ROUTES:
        t0 = time.perf_counter()
        run = await c.load_page(route, timeout=300)
        took = time.perf_counter() - t0
        print(f"   {label:5s} /{route:11s} page {took:6.2f} s | RSS {rss_mb(pid):7.0f} MB"
              + ("" if not c.errors else f" | errors: {c.errors[:1]}"), flush=True)
        del run
    await c.close()


async def students(url: str, n: int) -> None:
    async def one(i: int) -> None:
        c = StClient(url, f"s{i}")
        await c.connect()
        await c.load_page("train", f"train_seed={100 + i}&train_to=200")
        await c.close()

    await asyncio.gather(*(one(i) for i in range(n)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8596)
    ap.add_argument("--students", type=int, default=10)
    args = ap.parse_args()
    proc = start_server(args.port)
    url = f"http://127.0.0.1:{args.port}"
    try:
        time.sleep(2)
        idle = rss_mb(proc.pid)
        print(f"{time.strftime('%Y-%m-%d')}: baseline, the idle server: RSS {idle:.0f} MB")
        asyncio.run(open_all(url, proc.pid, "cold"))
        cold = rss_mb(proc.pid)
        asyncio.run(open_all(url, proc.pid, "warm"))
        before = rss_mb(proc.pid)
        asyncio.run(students(url, args.students))
        after = rss_mb(proc.pid)
        print(f"every lesson opened: RSS {cold:.0f} MB, {cold / idle:.1f}x the idle server; "
              f"{args.students} more students at step 200 of lesson 3 add "
              f"{(after - before) / args.students:.1f} MB each (sessions stay in memory until "
              "their tabs close)")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()

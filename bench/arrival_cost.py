"""What one student's first page costs the server, by part, against a baseline (issue #26).

    python bench/arrival_cost.py [--against /tmp/base] [--students 10] [--page train]

A class arriving at once waits because one process must do every first page's work within
the same few seconds. This measures that work as the server's CPU time (from /proc, all its
threads), which a busy shared machine disturbs much less than wall time: two servers run side
by side (this checkout, and the baseline checkout given by ``--against``, e.g. ``git worktree
add /tmp/base bb33cff``), and students open the page on one, then the other, in turns, one
at a time. Each first page is two parts, as in a browser:

1. the HTML and Streamlit's static files (the requests a real Chromium made for the page,
   recorded once, ``bench/assets.py``);
2. the websocket and the page's first script run (``bench/stclient.py``).

Printed per server: CPU ms per student for each part (median [min-max]), bytes on the wire,
wall time; and the ratio branch / baseline of each part. ``40 × CPU per first page`` is the
CPU a class of 40 needs while it arrives. Both servers are first left to finish their start-up
(warming) until they idle, so this is a first page on a server that has started.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from assets import fetch_all, record  # noqa: E402
from classroom import rss_and_cpu, start_server, stop_server  # noqa: E402
from stclient import StClient  # noqa: E402


def cpu(pid: int) -> float:
    """The server process's CPU seconds (all its threads; not a worker process it started:
    that one computes shared results on the other core, not first pages)."""
    return rss_and_cpu([pid])[1]


def wait_until_quiet(pid: int, share: float = 0.05, window: float = 2.0,
                     longest: float = 300.0) -> float:
    """Sleep until the server used under ``share`` of a core for ``window`` s (its start-up
    warming over); returns the seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < longest:
        c = cpu(pid)
        time.sleep(window)
        if cpu(pid) - c < share * window:
            break
    return time.monotonic() - t0


async def first_page(url: str, pid: int, page: str, query: str, paths: list[str]) -> dict:
    settle = 0.3  # let the server finish sending before reading its CPU
    c0 = cpu(pid)
    t0 = time.monotonic()
    got = await fetch_all(url, [f"/{page}?{query}", *paths[1:]])
    t1 = time.monotonic()
    await asyncio.sleep(settle)
    c1 = cpu(pid)
    client = StClient(url, "arrival")
    t2 = time.monotonic()
    await client.connect()
    await client.load_page(page, query)
    t3 = time.monotonic()
    await asyncio.sleep(settle)
    c2 = cpu(pid)
    await client.close()
    return dict(static_cpu=c1 - c0, script_cpu=c2 - c1, static_wall=t1 - t0,
                script_wall=t3 - t2, wire=got.wire_bytes, errors=client.errors)


def med(xs: list[float]) -> str:
    return f"{1000 * statistics.median(xs):.0f} [{1000 * min(xs):.0f}-{1000 * max(xs):.0f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--against", type=Path, default=Path("/tmp/base"))
    ap.add_argument("--students", type=int, default=10)
    ap.add_argument("--page", default="train")
    ap.add_argument("--port", type=int, default=8596)
    args = ap.parse_args()
    roots = {"branch": ROOT, "baseline": args.against}
    procs = {}
    try:
        for i, (name, root) in enumerate(roots.items()):
            procs[name] = start_server(args.port + i, root)
        urls = {name: f"http://127.0.0.1:{args.port + i}" for i, name in enumerate(roots)}
        paths = record(f"{urls['baseline']}/{args.page}?{args.page}_seed=0")  # also warms it
        record(f"{urls['branch']}/{args.page}?{args.page}_seed=0")
        print(f"{len(paths)} requests a first page of /{args.page} makes (Chromium)")
        for name, p in procs.items():
            print(f"{name}: quiet after {wait_until_quiet(p.pid):.0f} s more")
        rows: dict[str, list[dict]] = {n: [] for n in roots}

        async def run() -> None:
            for k in range(args.students):
                for name in (("branch", "baseline") if k % 2 == 0 else ("baseline", "branch")):
                    rows[name].append(await first_page(
                        urls[name], procs[name].pid, args.page, f"{args.page}_seed={k + 1}",
                        paths))

        asyncio.run(run())
    finally:
        for p in procs.values():
            stop_server(p)
    print(f"server CPU per first page of /{args.page}, ms, median [min-max] over "
          f"{args.students} students each, in turns:")
    for name, rs in rows.items():
        print(f"  {name:<9} static files {med([r['static_cpu'] for r in rs])}, page run "
              f"{med([r['script_cpu'] for r in rs])}, both "
              f"{med([r['static_cpu'] + r['script_cpu'] for r in rs])}; "
              f"{statistics.mean(r['wire'] for r in rs) / 2**20:.2f} MB on the wire; wall: "
              f"static {med([r['static_wall'] for r in rs])}, page "
              f"{med([r['script_wall'] for r in rs])}; "
              f"errors {sum(len(r['errors']) for r in rs)}")
    b, a = rows["branch"], rows["baseline"]
    for part in ("static_cpu", "script_cpu"):
        ratios = [x[part] / y[part] for x, y in zip(b, a) if y[part] > 0]
        print(f"  ratio branch / baseline, {part}: {statistics.median(ratios):.2f} "
              f"[{min(ratios):.2f}-{max(ratios):.2f}]")
    tot = [(x["static_cpu"] + x["script_cpu"]) / (y["static_cpu"] + y["script_cpu"])
           for x, y in zip(b, a)]
    print(f"  ratio branch / baseline, both: {statistics.median(tot):.2f} "
          f"[{min(tot):.2f}-{max(tot):.2f}]")
    for name, rs in rows.items():
        per = statistics.median([r["static_cpu"] + r["script_cpu"] for r in rs])
        print(f"  {name}: 40 students arriving need {40 * per:.1f} s of server CPU")


if __name__ == "__main__":
    main()

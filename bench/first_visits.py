"""After a restart, how soon does each lesson's first visit show a chart? (issue #26)

    python bench/first_visits.py [--app-root /tmp/base] [--port 8598] [--pages sizes,...]

Starts the app (``serve.py`` if the checkout has it, else ``app.py``, as
``bench/classroom.py`` does), and as soon as ``/_stcore/health`` answers opens every page once,
one after the other, each in a new session (``bench/stclient.py``, no static files): the time
to the first run's end, the time to the page's first chart, and what the server was still
computing (a progress bar on the page). A page whose first chart comes after its first run
(a result computed in the background) is followed until the chart arrives or ``--follow`` s.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from classroom import start_server, stop_server  # noqa: E402
from stclient import StClient  # noqa: E402

PAGES = ["words", "onehot", "train", "gradients", "space", "pretrained", "subwords",
         "sizes", "positions", "readers"]


async def visit(url: str, page: str, follow: float) -> dict:
    c = StClient(url, page or "home")
    t0 = time.monotonic()
    await c.connect()
    run = await c.load_page(page)
    first_run = time.monotonic() - t0
    progress = c.elements_in.get("progress", 0)
    deadline = time.monotonic() + follow
    while not c.charts_in and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    chart = c.charts_in[0][0] - t0 if c.charts_in else None
    await c.close()
    return dict(page=page or "(home)", first_run=first_run, chart=chart, progress=progress,
                status=run.status, errors=c.errors)


async def main_async(args, url: str) -> list[dict]:
    return [await visit(url, p, args.follow) for p in args.pages]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--app-root", type=Path, default=ROOT)
    ap.add_argument("--port", type=int, default=8598)
    ap.add_argument("--pages", type=lambda s: s.split(","), default=PAGES)
    ap.add_argument("--follow", type=float, default=90)
    args = ap.parse_args()
    t = time.monotonic()
    proc = start_server(args.port, args.app_root)
    print(f"server from {args.app_root} answered /_stcore/health after "
          f"{time.monotonic() - t:.1f} s")
    try:
        rows = asyncio.run(main_async(args, f"http://127.0.0.1:{args.port}"))
    finally:
        stop_server(proc)
    print(f"{'page':<12} {'first run':>10} {'first chart':>12} {'progress bars':>14}  errors")
    for r in rows:
        chart = "none" if r["chart"] is None else f"{r['chart']:.2f} s"
        print(f"{r['page']:<12} {r['first_run']:>8.2f} s {chart:>12} {r['progress']:>14}  "
              f"{'; '.join(r['errors'])[:80]}")
    late = [r for r in rows if r["chart"] is None or r["chart"] > 3]
    print(("PASS" if not late else "FAIL") + ": first chart within 3 s on "
          f"{len(rows) - len(late)} of {len(rows)} pages"
          + (f" (not: {', '.join(r['page'] for r in late)})" if late else ""))


if __name__ == "__main__":
    main()

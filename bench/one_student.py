"""Can one student slow everyone? Lesson 7 with a long pasted text (issue #26).

    python bench/one_student.py [--app-root /tmp/base] [--chars 100000] [--loads 6]

Starts the app from a checkout (``bench/classroom.py``'s server), warms lesson 7 once, then
student A pastes a text of ``--chars`` characters (distinct made-up words, seeded: the
expensive kind of text for learning merges) into lesson 7's own-text box, and while A's
request is under way student B opens lesson 7 ``--loads`` times (a new session each, the
built-in text: its merges are computed already). Printed: how long A's run took, B's page
loads (median, max) against B's loads before A pasted, and the server's CPU in that time.
Run it on the baseline and on this checkout to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from classroom import rss_and_cpu, start_server, stop_server  # noqa: E402
from stclient import StClient  # noqa: E402

OWN_TEXT = "Your own text (paste it)"  # lesson 7's choice, as its select box shows it


def long_text(chars: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    words, n = [], 0
    while n < chars:
        w = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10)))
        words.append(w + ("." if rng.random() < 0.1 else ""))
        n += len(w) + 2
    return " ".join(words)[:chars]


async def load(url: str) -> float:
    c = StClient(url, "B")
    t = time.monotonic()
    await c.connect()
    await c.load_page("subwords")
    took = time.monotonic() - t
    await c.close()
    return took


async def run(url: str, args) -> dict:
    await load(url)  # warm: the built-in text's merges, the imports
    before = [await load(url) for _ in range(3)]
    a = StClient(url, "A")
    await a.connect()
    await a.load_page("subwords")
    await a.set_widget("sub_text", lambda w: setattr(w, "string_value", OWN_TEXT))
    text = long_text(args.chars)
    t0 = time.monotonic()
    a_run = asyncio.ensure_future(a.set_widget(
        "sub__own_text", lambda w: setattr(w, "string_value", text), timeout=300))
    await asyncio.sleep(0.5)
    during = []
    for _ in range(args.loads):
        during.append(await load(url))
    await a_run
    a_took = time.monotonic() - t0
    await a.close()
    return dict(before=before, during=during, a=a_took)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--app-root", type=Path, default=ROOT)
    ap.add_argument("--port", type=int, default=8597)
    ap.add_argument("--chars", type=int, default=100_000)
    ap.add_argument("--loads", type=int, default=6)
    args = ap.parse_args()
    proc = start_server(args.port, args.app_root)
    try:
        c0 = rss_and_cpu([proc.pid])[1]
        res = asyncio.run(run(f"http://127.0.0.1:{args.port}", args))
        cpu = rss_and_cpu([proc.pid])[1] - c0
    finally:
        stop_server(proc)
    b, d = res["before"], res["during"]
    print(f"app from {args.app_root}: A pasted {args.chars:,} characters; A's run took "
          f"{res['a']:.2f} s (with the background worker, A's page shows progress instead)")
    print(f"  B's lesson 7 loads before: median {statistics.median(b):.2f} s, max {max(b):.2f} s;"
          f" while A's text is learned: median {statistics.median(d):.2f} s, max {max(d):.2f} s"
          f" ({statistics.median(d) / statistics.median(b):.1f}x)")
    print(f"  the server process's CPU over the whole run: {cpu:.1f} s (a worker process "
          "it started is not counted: it uses the other core)")


if __name__ == "__main__":
    main()

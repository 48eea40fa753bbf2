"""A classroom of students on one server, at the protocol level (run: ``python bench/classroom.py``).

    python bench/classroom.py --sessions 40 --seconds 60 [--space 10]
                              [--url http://127.0.0.1:PORT [--pid PID ...]] [--port 8599]

Without ``--url`` it starts the app (``streamlit run app.py`` from the repo root, this Python),
waits for ``/_stcore/health`` and stops it at the end; with ``--url`` it targets a running
server (nginx in front of replicas, say) and reads the server's RSS/CPU only for ``--pid``s.

Each student is a :class:`bench.stclient.StClient` (one websocket, Streamlit's protobuf
messages, what the browser sends; see that module). A student opens ``/train?train_seed=<k>``
(page-load time: websocket opened -> script_finished of that run), presses Play (button key
``train__play``) and then follows the fragment's auto-rerun timer as the browser does: a
fragment rerun every ``interval`` s whether or not the last one finished. (Since the live view
redraws in place, ``ui.live.show_live``, the timer's first rerun stays and redraws every
interval; the timer's further reruns wait in the server and cost little.) A redraw is a live
chart with its Step, as it arrives. ``--space K`` of the
students instead open lesson 5 (``/space?space_method=t-SNE&space_seed=<k>``) and change the
seed every ``--space-every`` s. A late student opens ``/train`` at ``--late-at`` s (default:
half-way) and its page-load time is reported.

Printed: the machine and date, one table per group of students, the server's peak RSS (sum
over its process tree, from /proc) and CPU seconds per delivered tick, PASS/FAIL against the
classroom targets, a determinism check of two students' last (step, loss) against an offline
``embedviz.training.Trainer`` with the same settings, and this client's own CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from assets import Fetched, fetch_all, record  # noqa: E402
from stclient import StClient  # noqa: E402

BASE_INTERVAL = 0.5  # embedviz.classroom.BASE_INTERVAL: a student alone (no pace line)
TARGETS = dict(p95=1.5, p95_space=3.0, delivered=0.90, steps=10.0, late=5.0,
               rss=1.5 * 2**30, arrival=3.0)
PLAY_KEY = "train__play"
STEP, LOSS = "Step", "Loss (recent)"


# ---- the server ------------------------------------------------------------------------------
def start_server(port: int, root: Path = ROOT) -> subprocess.Popen:
    entry = "serve.py" if (root / "serve.py").exists() else "app.py"  # as the README starts it
    cmd = [sys.executable, "-m", "streamlit", "run", entry, "--server.port", str(port),
           "--server.headless", "true"]
    log = open(f"/tmp/classroom-server-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}): see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                        timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise SystemExit("the server did not answer /_stcore/health within 90 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# ---- /proc: the server's process tree --------------------------------------------------------
PAGE = os.sysconf("SC_PAGE_SIZE")
HZ = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(d))
    return kids


def tree(pids: list[int]) -> list[int]:
    kids, out, todo = _children(), [], list(pids)
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def rss_and_cpu(pids: list[int]) -> tuple[int, float]:
    """(RSS bytes, utime+stime seconds) summed over the processes (their threads included)."""
    rss, cpu = 0, 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            rss += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * PAGE
        except OSError:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / HZ  # utime, stime
    return rss, cpu


@dataclass
class Monitor:
    roots: list[int]
    peak_rss: int = 0
    samples: list[tuple[float, int, float]] = field(default_factory=list)

    def sample(self) -> tuple[int, float]:
        rss, cpu = rss_and_cpu(tree(self.roots))
        self.peak_rss = max(self.peak_rss, rss)
        self.samples.append((time.monotonic(), rss, cpu))
        return rss, cpu

    async def run(self, every: float = 0.5) -> None:
        while True:
            self.sample()
            await asyncio.sleep(every)


# ---- students --------------------------------------------------------------------------------
def _int(text: str | None) -> int | None:
    return int(text.replace(",", "")) if text and re.fullmatch(r"[\d,]+", text) else None


@dataclass
class Student:
    name: str
    seed: int
    page: str  # "train" or "space"
    client: StClient | None = None
    load_time: float | None = None
    play_sent: float | None = None  # when Play was pressed
    play_time: float | None = None  # when the Play run came back
    redraws: list[tuple[float, int, str]] = field(default_factory=list)  # (t, step, loss)
    space_runs: list[float] = field(default_factory=list)  # seconds per reseed run
    failed: str | None = None
    assets: Fetched | None = None  # the page's static files, fetched before the websocket
    ws_time: float | None = None  # websocket opened -> the first run finished

    def on_redraw(self, c: StClient, at: float, numbers: dict[str, str]) -> None:
        if self.page != "train" or self.play_sent is None:
            return
        step = _int(numbers.get(STEP))
        if step is not None:
            self.redraws.append((at, step, numbers.get(LOSS, "")))


async def open_page(s: Student, c: StClient, url: str, page: str, query: str,
                    assets: list[str]) -> None:
    """What a browser does for a first page: the HTML and static files (``assets``, the
    paths a real Chromium fetched), then the websocket and the page's first run. Sets
    ``s.load_time`` (all of it), ``s.assets`` and ``s.ws_time``."""
    t0 = time.monotonic()
    if assets:
        s.assets = await fetch_all(url, [f"/{page}?{query}", *assets[1:]])
    t1 = time.monotonic()
    await c.connect()
    await c.load_page(page, query)
    s.ws_time = time.monotonic() - t1
    s.load_time = time.monotonic() - t0


async def train_student(s: Student, url: str, end: float, assets: list[str]) -> None:
    c = s.client = StClient(url, s.name, on_redraw=s.on_redraw)
    try:
        await open_page(s, c, url, "train", f"train_seed={s.seed}", assets)
        if time.monotonic() < end:
            s.play_sent = time.monotonic()
            await c.click(PLAY_KEY)
            s.play_time = time.monotonic()
            if c.label_of(PLAY_KEY) == "▶ Play":
                c.errors.append("Play did not start playing (the button still says Play)")
        await asyncio.sleep(max(0.0, end - time.monotonic()))
    except Exception as exc:  # noqa: BLE001 - a student's failure is a result, not a crash
        s.failed = f"{type(exc).__name__}: {exc}"
    finally:
        c.stop_auto_reruns()


async def space_student(s: Student, url: str, end: float, every: float,
                        assets: list[str]) -> None:
    c = s.client = StClient(url, s.name)
    try:
        await open_page(s, c, url, "space", f"space_method=t-SNE&space_seed={s.seed}", assets)
        seed = s.seed
        while time.monotonic() + every < end:
            await asyncio.sleep(every)
            seed += 1000
            t = time.monotonic()
            await c.set_widget("space_seed", lambda w, v=seed: setattr(w, "int_value", v))
            s.space_runs.append(time.monotonic() - t)
        await asyncio.sleep(max(0.0, end - time.monotonic()))
    except Exception as exc:  # noqa: BLE001
        s.failed = f"{type(exc).__name__}: {exc}"


async def late_student(s: Student, url: str, at: float, end: float,
                       assets: list[str]) -> None:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    c = s.client = StClient(url, s.name)
    try:
        await open_page(s, c, url, "train", f"train_seed={s.seed}", assets)
        await asyncio.sleep(max(0.0, end - time.monotonic()))
    except Exception as exc:  # noqa: BLE001
        s.failed = f"{type(exc).__name__}: {exc}"


# ---- numbers ---------------------------------------------------------------------------------
def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def promised_interval(c: StClient, at: float) -> float:
    """The refresh interval the page told the student at time ``at``: its last busy-server line
    ("the picture refreshes every 1.5 s") before then, else the base interval (the page writes
    no line, or takes it away, while it refreshes at the base interval)."""
    said = [text for t, text in c.pace_lines if t <= at]
    m = re.search(r"refreshes every ([\d.]+) s", said[-1]) if said else None
    return float(m.group(1)) if m else BASE_INTERVAL


def promised_refreshes(s: Student) -> float:
    """How many refreshes the page promised between the student's first and last redraw: each
    gap between two redraws counts as gap / (the interval promised then)."""
    t = [r[0] for r in s.redraws]
    return sum((b - a) / promised_interval(s.client, b) for a, b in zip(t, t[1:]))


def train_stats(students: list[Student], end: float) -> dict:
    intervals, rates, steps_rates, changes, full_runs, play_waits = [], [], [], [], [], []
    requested = started = early = 0
    delivered = promised = 0.0
    for s in students:
        c = s.client
        if c is None or s.play_sent is None:
            continue
        t = [r[0] for r in s.redraws]
        intervals += [b - a for a, b in zip(t, t[1:])]
        span = end - s.play_sent
        rates.append(len(s.redraws) / span if span > 0 else 0.0)
        # training the student saw: the last Step shown, per second since pressing Play
        steps_rates.append(s.redraws[-1][1] / span if s.redraws and span > 0 else 0.0)
        if s.play_time is not None:
            play_waits.append(s.play_time - s.play_sent)
        msgs = [v for tm, v in c.auto_rerun_msgs if tm >= s.play_sent]
        changes.append(sum(1 for a, b in zip(msgs, msgs[1:]) if a != b))
        full_runs.append(sum(1 for r in c.runs if not r.is_fragment and r.started >= s.play_sent))
        frag = [r for r in c.runs if r.is_fragment and r.started >= s.play_sent]
        requested += len(c.fragment_reruns_sent)
        started += len(frag)
        early += sum(r.status == "early_for_rerun" for r in frag)
        delivered += max(0, len(s.redraws) - 1)  # gaps between redraws: refreshes that arrived
        promised += promised_refreshes(s)
    return dict(
        n=len(students), intervals=intervals,
        rate=statistics.mean(rates) if rates else 0.0,
        p50=pct(intervals, 0.5), p95=pct(intervals, 0.95),
        max=max(intervals) if intervals else float("nan"),
        requested=requested, started=started, delivered=delivered, promised=promised,
        early=early,
        steps=statistics.mean(steps_rates) if steps_rates else 0.0,
        steps_min=min(steps_rates) if steps_rates else 0.0,
        loads=[s.load_time for s in students if s.load_time is not None],
        errors=[e for s in students for e in errs(s)],
        notes=[n for s in students if s.client for n in s.client.notes],
        intervals_used=sorted({v for s in students if s.client
                               for v in s.client.intervals_seen}),
        changes=changes, full_runs=full_runs, play_waits=play_waits,
    )


def errs(s: Student) -> list[str]:
    out = [f"{s.name}: {e}" for e in (s.client.errors if s.client else [])]
    if s.failed:
        out.append(f"{s.name}: {s.failed}")
    return out


def fmt(x: float, spec: str = ".2f") -> str:
    return "–" if x != x else format(x, spec)


# ---- determinism -----------------------------------------------------------------------------
def offline_check(s: Student) -> str:
    """The student's last delivered (step, loss) against an offline Trainer with the page's
    settings (read from the widget values the page sent this client) and the same seed."""
    from embedviz import corpora
    from embedviz.embedding import INITS
    from embedviz.model import MODEL_KINDS
    from embedviz.training import OPTIMIZERS, TrainConfig, Trainer

    if not s.redraws:
        return f"{s.name}: no delivered redraw to check"
    _, step, loss = s.redraws[-1]
    c = s.client

    def label(key, mapping):
        text = c.widget_value(key)
        return next(k for k, v in mapping.items() if v == text)

    def num(key, kind=float):
        v = c.widget_value(key)
        v = v[0] if isinstance(v, list) else v
        return kind(0 if v == "off" else float(v))

    corpus_name = label("train_corpus", {**corpora.BUILTIN, corpora.USER: "Your own text (paste or upload)"})
    corpus = corpora.load_builtin(corpus_name)
    model = label("train_model", MODEL_KINDS)
    if model == "classifier" and not corpus.is_labelled:
        model = "skipgram"
    cfg = TrainConfig(
        corpus=corpus.name, model=model, dim=num("train_dim", int), init=label("train_init", INITS),
        init_scale=num("train_init_scale"), optimizer=label("train_optimizer", OPTIMIZERS),
        lr=num("train_lr"), weight_decay=num("train_weight_decay"),
        batch_size=num("train_batch", int), window=num("train_window", int),
        negatives=num("train_negatives", int), subsample=num("train_subsample"),
        seed=num("train_seed", int),
    )
    t = Trainer(cfg, corpus)
    t.step(step)
    off = "–" if t.history.loss[-1] != t.history.loss[-1] else f"{t.history.loss[-1]:.3f}"
    ok = t.step_count == step and off == loss
    return (f"{s.name} (seed {cfg.seed}): server step {step:,} loss {loss}; offline step "
            f"{t.step_count:,} loss {off}: {'match' if ok else 'MISMATCH'}")


# ---- main ------------------------------------------------------------------------------------
async def classroom(args, url: str, monitor: Monitor | None) -> dict:
    n_space = min(args.space, args.sessions)
    students = [Student(f"s{k:02d}", k, "space" if k > args.sessions - n_space else "train")
                for k in range(1, args.sessions + 1)]
    late = Student("late", args.sessions + 1, "train")
    if not args.cold:  # the teacher opened the page first: imports done, caches warm
        t = time.monotonic()
        c = StClient(url, "warm-up")
        await c.connect()
        await c.load_page("train", "train_seed=0")
        await c.close()
        print(f"warm-up page load (not counted): {time.monotonic() - t:.2f} s")
    mon_task = asyncio.ensure_future(monitor.run()) if monitor else None
    t_start = time.monotonic()
    end = t_start + args.ramp + args.seconds
    cpu0 = monitor.sample()[1] if monitor else None
    tasks = []
    for i, s in enumerate(students):
        await asyncio.sleep(args.ramp / max(1, len(students)) if i else 0)
        coro = (train_student(s, url, end, args.asset_paths) if s.page == "train"
                else space_student(s, url, end, args.space_every, args.asset_paths))
        tasks.append(asyncio.ensure_future(coro))
    late_at = t_start + args.ramp + (args.late_at if args.late_at is not None
                                     else args.seconds / 2)
    tasks.append(asyncio.ensure_future(late_student(late, url, late_at, end, args.asset_paths)))
    await asyncio.gather(*tasks)
    t_end = time.monotonic()
    cpu1 = monitor.sample()[1] if monitor else None
    if mon_task:
        mon_task.cancel()
    client_cpu = time.process_time()
    for s in [*students, late]:
        if s.client:
            s.client.stop_auto_reruns()
    await asyncio.sleep(0.5)  # let runs in flight land before closing
    for s in [*students, late]:
        if s.client:
            await s.client.close()
    return dict(students=students, late=late, t=(t_start, t_end), cpu=(cpu0, cpu1),
                client_cpu=client_cpu, wall=t_end - t_start)


def report(args, url: str, res: dict, monitor: Monitor | None) -> bool:
    students, late = res["students"], res["late"]
    train = [s for s in students if s.page == "train"]
    space = [s for s in students if s.page == "space"]
    t_end = res["t"][1]
    st = train_stats(train, t_end)
    print()
    print(f"classroom bench, {datetime.datetime.now().isoformat(timespec='seconds')}, "
          f"{platform.node()}: nproc {os.cpu_count()}, CPU {cpu_model()}, "
          f"load average {os.getloadavg()[0]:.2f} (1 min) at the end")
    print(f"server {url} (app from {args.app_root}); {args.sessions} students ({len(train)} on /train, {len(space)} on "
          f"/space), {args.seconds:g} s after a {args.ramp:g} s ramp"
          f"{' (cold server)' if args.cold else ''}; late student at "
          f"{(args.late_at if args.late_at is not None else args.seconds / 2):g} s; "
          f"auto-rerun interval(s) seen: {', '.join(f'{i:g} s' for i in st['intervals_used']) or '–'}")
    print()
    hdr = (f"{'group':<8} {'students':>8} {'redraws/s':>10} {'p50 gap':>8} {'p95 gap':>8} "
           f"{'max gap':>8} {'delivered':>22} {'steps/s':>12} {'page load':>16} {'errors':>6}")
    print(hdr)
    print("-" * len(hdr))
    deliv, promised, started = st["delivered"], st["promised"], st["started"]
    dfrac = deliv / promised if promised else float("nan")
    print(f"{'train':<8} {st['n']:>8} {fmt(st['rate']):>10} {fmt(st['p50']):>7}s "
          f"{fmt(st['p95']):>7}s {fmt(st['max']):>7}s "
          f"{fmt(100 * dfrac, '.0f'):>4}% ({deliv:.0f} of {promised:.0f}, {started} run) "
          f"{fmt(st['steps'], '.1f'):>5} (min {fmt(st['steps_min'], '.0f')}) "
          f"{fmt(pct(st['loads'], .5)):>5}s/{fmt(max(st['loads'], default=float('nan'))):>5}s max "
          f"{len(st['errors']):>6}")
    if space:
        runs = [x for s in space for x in s.space_runs]
        loads = [s.load_time for s in space if s.load_time is not None]
        serr = [e for s in space for e in errs(s)]
        print(f"{'space':<8} {len(space):>8} {'reseeds: ' + str(len(runs)):>10} "
              f"{'run p50 ' + fmt(pct(runs, .5)) + 's':>17} {'p95 ' + fmt(pct(runs, .95)) + 's':>9} "
              f"{'max ' + fmt(max(runs, default=float('nan'))) + 's':>22} "
              f"{'':>12} {fmt(pct(loads, .5)):>5}s/{fmt(max(loads, default=float('nan'))):>5}s max "
              f"{len(serr):>6}")
    else:
        serr = []
    lerr = errs(late)
    print(f"{'late':<8} {1:>8} {'':>10} {'':>8} {'':>8} {'':>8} {'':>22} {'':>12} "
          f"{fmt(late.load_time if late.load_time is not None else float('nan')):>16}s "
          f"{len(lerr):>6}")
    arrivals = [s for s in students if s.load_time is not None]
    arr = [s.load_time for s in arrivals]
    print()
    print(f"arrival: first page of the {len(arrivals)} students arriving over {args.ramp:g} s: "
          f"p50 {fmt(pct(arr, .5))} s, p95 {fmt(pct(arr, .95))} s, "
          f"max {fmt(max(arr, default=float('nan')))} s (HTML and static files, then the "
          "websocket and the page's first run)")
    fetched = [s.assets for s in arrivals if s.assets is not None]
    if fetched:
        secs = [f.seconds for f in fetched]
        ws = [s.ws_time for s in arrivals if s.ws_time is not None]
        codes: dict = {}
        for f in fetched:
            for k, v in f.encodings.items():
                codes[k] = codes.get(k, 0) + v
        bad = sum(f.static_failures for f in fetched)
        print(f"  static files: p50 {fmt(pct(secs, .5))} s, p95 {fmt(pct(secs, .95))} s; "
              f"{fetched[0].requests} requests, "
              f"{statistics.mean(f.wire_bytes for f in fetched) / 2**20:.2f} MB on the wire "
              f"per student (encodings: {', '.join(f'{k} {v}' for k, v in codes.items())}; "
              f"{bad} static files not 200); websocket -> first run finished: "
              f"p50 {fmt(pct(ws, .5))} s, p95 {fmt(pct(ws, .95))} s")
        if bad:
            st["errors"].append(f"{bad} static-file responses were not 200")
    print()
    print("gap = time between consecutive redraws of one student (pooled); delivered = redraws"
          " that arrived / redraws the page promised (each gap / the refresh interval the page"
          " said then; and the fragment runs the server started:"
          f" {st['requested']} timer reruns sent, {st['early']} runs ended early for a full rerun);"
          " steps/s = last Step shown / seconds since Play.")
    if st["changes"]:
        print(f"while playing, per student: auto-rerun interval changes mean "
              f"{statistics.mean(st['changes']):.1f} (max {max(st['changes'])}), full-page runs "
              f"mean {statistics.mean(st['full_runs']):.1f} (max {max(st['full_runs'])}); "
              f"Play click -> its run finished: p50 {fmt(pct(st['play_waits'], .5))} s, "
              f"max {fmt(max(st['play_waits'], default=float('nan')))} s")

    rss = monitor.peak_rss if monitor else None
    cpu0, cpu1 = res["cpu"]
    ticks = sum(len(s.redraws) for s in train)  # delivered redraws (fragment and full runs)
    if monitor:
        cpu = cpu1 - cpu0
        print(f"server: peak RSS {rss / 2**20:,.0f} MB (process tree {monitor.roots}); CPU "
              f"{cpu:.1f} s over {res['wall']:.0f} s ({cpu / res['wall']:.2f} cores), "
              f"{1000 * cpu / ticks if ticks else float('nan'):.1f} ms per delivered tick "
              f"({ticks} ticks; includes page loads{' and /space' if space else ''})")
        plays = [s.play_sent for s in train if s.play_sent]
        if plays:  # steady state: every student playing, page loads over (but the late one)
            w0 = max(plays)
            inside = [x for x in monitor.samples if x[0] >= w0]
            wticks = sum(1 for s in train for r in s.redraws if r[0] >= inside[0][0]) \
                if len(inside) >= 2 else 0
            if wticks:
                wcpu = inside[-1][2] - inside[0][2]
                span = inside[-1][0] - inside[0][0]
                print(f"server, steady window (all playing, {span:.0f} s): CPU {wcpu:.1f} s "
                      f"({wcpu / span:.2f} cores), {1000 * wcpu / wticks:.1f} ms per delivered "
                      f"tick ({wticks} ticks{'; /space students included' if space else ''})")
    else:
        print("server: RSS/CPU not read (give --pid with --url)")
    print(f"client: {res['client_cpu']:.1f} s CPU for {res['wall']:.0f} s "
          f"({res['client_cpu'] / res['wall']:.2f} cores), "
          f"{sum(s.client.msgs_in for s in [*students, late] if s.client):,} messages, "
          f"{sum(s.client.bytes_in for s in [*students, late] if s.client) / 2**20:,.1f} MB in")

    all_errors = st["errors"] + serr + lerr
    for e in all_errors[:15]:
        print("  error:", e)
    if len(all_errors) > 15:
        print(f"  ... {len(all_errors) - 15} more errors")
    for n in sorted(set(st["notes"]))[:5]:
        print("  app's own error message (not counted):", n[:160])

    p95_target = TARGETS["p95_space"] if space else TARGETS["p95"]
    checks = [
        (f"p95 gap {fmt(st['p95'])} s <= {p95_target:g} s", st["p95"] <= p95_target),
        (f"delivered {fmt(100 * dfrac, '.0f')}% >= {TARGETS['delivered']:.0%}",
         dfrac >= TARGETS["delivered"]),
        (f"steps/s {fmt(st['steps'], '.1f')} >= {TARGETS['steps']:g}",
         st["steps"] >= TARGETS["steps"]),
        (f"arrival p95 {fmt(pct(arr, .95))} s <= {TARGETS['arrival']:g} s",
         pct(arr, .95) <= TARGETS["arrival"]),
        (f"late page {fmt(late.load_time or float('nan'))} s <= {TARGETS['late']:g} s",
         late.load_time is not None and late.load_time <= TARGETS["late"]),
        (f"peak RSS {rss / 2**30:.2f} GB <= 1.5 GB" if rss else "peak RSS not measured",
         rss is None or rss <= TARGETS["rss"]),
        (f"errors {len(all_errors)} == 0", not all_errors),
    ]
    ok = all(c for _, c in checks)
    print()
    print(("PASS" if ok else "FAIL") + ": " + "; ".join(
        f"{'ok' if c else 'FAIL'} {text}" for text, c in checks))
    return ok


def html_assets(url: str) -> list[str]:
    """Without a browser (``--cold``, to keep the server cold): the page and the files its
    HTML names (scripts, preloads, stylesheets), not the chunks its scripts load later."""
    with urllib.request.urlopen(f"{url}/train", timeout=30) as r:
        html = r.read().decode("utf-8", "replace")
    return ["/train", *dict.fromkeys("/" + m.lstrip("./") for m in re.findall(
        r'(?:src|href)="(\./static/[^"]+|\./favicon[^"]*)"', html))]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--space", type=int, default=0, help="students on lesson 5 instead")
    ap.add_argument("--space-every", type=float, default=10, help="seconds between reseeds")
    # under bench/replicas.sh run, its EMBEDVIZ_URL and EMBEDVIZ_PIDS are the defaults
    ap.add_argument("--url", default=os.environ.get("EMBEDVIZ_URL"),
                    help="an existing server (default: $EMBEDVIZ_URL, else start the app)")
    ap.add_argument("--pid", type=int, nargs="+", action="extend",
                    default=[int(p) for p in os.environ.get("EMBEDVIZ_PIDS", "").split()],
                    help="server process(es) to measure with --url (repeatable; default: "
                    "$EMBEDVIZ_PIDS)")
    ap.add_argument("--port", type=int, default=8599)
    ap.add_argument("--app-root", type=Path, default=ROOT,
                    help="start the app from this checkout (a baseline: `git worktree add "
                    "/tmp/base <rev>`), measured by this bench")
    ap.add_argument("--ramp", type=float, default=10,
                    help="seconds over which students arrive (issue #26: a class within 10 s)")
    ap.add_argument("--no-assets", dest="assets", action="store_false",
                    help="open pages by websocket only, without the HTML and static files a "
                    "browser fetches first (recorded once with Chromium)")
    ap.add_argument("--late-at", type=float, default=None,
                    help="seconds after the ramp when the late student arrives (default: half)")
    ap.add_argument("--cold", action="store_true",
                    help="no warm-up page load before the students arrive")
    ap.add_argument("--check", type=int, default=2, help="students to check offline")
    args = ap.parse_args()

    proc = None
    if args.url:
        url, roots = args.url, args.pid
    else:
        proc = start_server(args.port, args.app_root)
        url, roots = f"http://127.0.0.1:{args.port}", [proc.pid]
    monitor = Monitor(roots) if roots else None
    try:
        args.asset_paths = []
        if args.assets:  # a real Chromium opens lesson 3 once (this also warms the server)
            t = time.monotonic()
            args.asset_paths = (html_assets(url) if args.cold
                                else record(f"{url}/train?train_seed=0"))
            print(f"{'from the HTML' if args.cold else 'recorded with Chromium'}: "
                  f"{len(args.asset_paths)} HTTP requests for a first page of /train "
                  f"({time.monotonic() - t:.1f} s)")
        res = asyncio.run(classroom(args, url, monitor))
    finally:
        if proc is not None:
            stop_server(proc)
    ok = report(args, url, res, monitor)
    train = [s for s in res["students"] if s.page == "train"]
    if args.check and train:
        print()
        print("determinism (last delivered Step/Loss vs an offline Trainer, same settings):")
        for s in train[: args.check]:
            try:
                print("  " + offline_check(s))
            except Exception as exc:  # noqa: BLE001
                print(f"  {s.name}: check failed: {type(exc).__name__}: {exc}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

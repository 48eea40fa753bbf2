"""Benchmark of lesson 3's live training (run: ``python bench/train_tick.py``), one thread.

Every figure is printed next to a baseline measured in the same run, as min / median / max
over interleaved repeats (a shared machine is noisy):

1. steps/s at batch 512 (SGD and Adam, skip-gram on the "things" corpus) against a bare
   hand-written PyTorch loop of the same maths and batches (no history, snapshots, checks),
   in this thread's CPU time;
2. our code's part of one redraw (both live charts built and turned into JSON the way
   ``st.plotly_chart`` does it), the fast path the page uses (``SpecFigure``) against the
   validated ``go.Figure`` path it replaced;
3. the whole server's CPU for one live tick at the defaults: a real ``streamlit run app.py``,
   one protocol-level student (``bench/stclient.py``) pressing Play on ``/train``; the
   server process's CPU time (``/proc``) divided by the ticks that reached the student, so
   Streamlit's own work (script runner, marshalling, protobuf, websocket) is counted;
   baselines: the same number of training steps alone, in-process, and the floor, what an
   empty live view costs the same server (``bench/floor_app.py``, measured the same way,
   interleaved) plus those steps in a bare PyTorch loop;
4. the neighbour accuracy of lesson 3's defaults at steps 100-500 over seeds 0-4 (baseline:
   the random table at step 0), the figure docs/decisions.md quotes for "when do the kinds group";
5. seconds to a neighbour accuracy of 0.9 against gensim's Word2Vec (skip-gram, same
   dimension, window, negatives and subsampling, one worker) on the same corpus;
6. the memory one session keeps: process RSS growth per session, in fresh processes,
   against the tensors the trainer counts;
7. a class training in one process: N threads (students), each its own trainer, each
   looping "10 steps, then 5 ms of pure Python" (a redraw), CPU and wall time per loop; the
   trainers taking turns (``embedviz.classroom.TORCH_TURN``, what the app does) against the
   baseline of all threads holding PyTorch at once (the same steps without the turn).

8. the ten steps of a tick back to back against the same steps after half a second of idle
   (a live tick's situation: a sleep, then training on cold caches), CPU time of this thread;
   with ``--against REV``, the training side of a tick (the steps and the accuracy the page
   shows) in this tree against REV's, in fresh processes taking turns.

Options: ``--quick`` (fewer repeats), ``--skip-server``, ``--port 8597``, ``--seconds 20``,
``--parts 1,2,7`` (only those parts), ``--against REV`` (part 3 also measures the app of a git
revision, in turns with this one; part 8 the training side of a tick in that revision's code,
in alternating processes).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embedviz.figures import training as figs  # noqa: E402
from embedviz.projection_fixed import fit_fixed_basis, grow_half_width  # noqa: E402
from embedviz.training import TrainConfig, Trainer, neighbour_accuracy  # noqa: E402

torch.set_num_threads(1)
PAGE_DEFAULTS = TrainConfig(lr=0.005, batch_size=128)  # what lessons/3_train_live.py opens with
SPEED = 10  # steps per tick, the page's default


def spread(xs) -> str:
    xs = sorted(xs)
    return f"{xs[len(xs) // 2]:.2f} [{xs[0]:.2f}-{xs[-1]:.2f}]"


def cpu() -> float:
    return time.thread_time()


# ---------------------------------------------------------------- 1. steps per second


def trainer_rate(cfg: TrainConfig, n: int) -> float:
    t = Trainer(cfg)
    t.step(20)  # warm-up
    start = cpu()
    t.step(n)
    return n / (cpu() - start)


def bare_loop_rate(cfg: TrainConfig, n: int) -> float:
    """The baseline: the same SGNS maths in a few lines of plain PyTorch, on the same batches
    (drawn inside the timed loop, as the Trainer does), without history, snapshots, checks."""
    t = Trainer(cfg)  # only for its batches and tables
    W, C = t.model.embedding.weight, t.model.context.weight
    opt = torch.optim.Adam([W, C], lr=cfg.lr, fused=True) if cfg.optimizer == "adam" else torch.optim.SGD(
        [W, C], lr=cfg.lr)
    for i in range(n + 20):
        if i == 20:
            start = cpu()
        b = t.sample_batch()
        u, v, neg = W[b.centers], C[b.contexts], C[b.negatives]
        loss = -(F.logsigmoid((u * v).sum(1))
                 + F.logsigmoid(-torch.bmm(neg, u.unsqueeze(2)).squeeze(2)).sum(1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return n / (cpu() - start)


# ---------------------------------------------------------------- 2. our part of a redraw


def tick_parts(trainer: Trainer, basis, rows, words, state: dict):
    """What the page's fragment computes for one redraw (after training): its one chart."""
    matrix = trainer.last_finite_matrix()
    points = basis.project(matrix[rows])
    state["half"] = grow_half_width(state.get("half"), points)
    recent = trainer.snapshots.matrices[-6:] + [matrix]
    trail = np.stack([basis.project(m[rows]) for m in recent])
    near = trainer.nearest("cat", k=3)  # as lesson 3 draws it
    h = trainer.history
    space = figs.space_parts(points, words, trainer.categories, half_width=state["half"],
                             axis_titles=basis.axis_titles(), trails=trail, focus="cat",
                             neighbours=[w for w, _ in near])
    curves = figs.curves_parts(h.steps, h.loss, h.accuracy, chance=1 / 6,
                               accuracy_label="neighbour accuracy", neighbours=near,
                               categories=trainer.categories, word="cat",
                               latest=(f"{h.loss[-1]:.3f}", f"{trainer.accuracy():.0%}"))
    return figs.live_view_parts(space, curves, f"{trainer.step_count:,}")


def as_streamlit_sends(fig) -> int:
    """What st.plotly_chart does with a figure: to_dict (validating a dict), then JSON."""
    return len(pio.to_json(plotly.tools.return_figure_from_figure_or_data(fig, True),
                           validate=False))


def draw_fast(data, layout) -> int:
    return as_streamlit_sends(figs.live_figure(data, layout, title="step", height=420))


def draw_validated(data, layout) -> int:
    """The baseline: a validated go.Figure of the same view (how the page drew it before
    ``SpecFigure``)."""
    return as_streamlit_sends(figs.base_layout(go.Figure(data=data, layout=layout), "step", 420))


def redraw_costs(rounds: int, per_round: int = 20):
    trainer = Trainer(PAGE_DEFAULTS)
    trainer.step(300)
    rows = np.arange(2, len(trainer.vocab))
    words = [trainer.vocab.itos[i] for i in rows]
    basis = fit_fixed_basis(trainer.embedding_matrix(), rows, 0)
    state: dict = {}
    parts = tick_parts(trainer, basis, rows, words, state)
    draw_fast(*parts), draw_validated(*parts)  # warm-up
    fast, slow, steps, sent = [], [], [], 0
    for _ in range(rounds):  # interleaved: each round times all three
        for name, out in (("fast", fast), ("slow", slow), ("steps", steps)):
            start = cpu()
            for _ in range(per_round):
                if name == "steps":
                    trainer.step(SPEED)
                    continue
                p = tick_parts(trainer, basis, rows, words, state)
                sent = draw_fast(*p) if name == "fast" else draw_validated(*p)
            out.append((cpu() - start) / per_round * 1e3)
    return fast, slow, steps, sent


# ---------------------------------------------------------------- 3. the whole server


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def proc_cpu_seconds(pid: int) -> float:
    """CPU time of every thread the process ``pid`` has run (ended threads included: Streamlit
    starts one per script run), to the nanosecond: the process's CPU-time clock
    (``clock_getcpuclockid``). ``/proc/<pid>/stat`` counts in 10-ms clock ticks, too coarse
    for a window of twenty 12-ms ticks; it is the fallback."""
    clock, ts = ctypes.c_int(), _Timespec()
    if (_LIBC.clock_getcpuclockid(pid, ctypes.byref(clock)) == 0
            and _LIBC.clock_gettime(clock, ctypes.byref(ts)) == 0):
        return ts.tv_sec + ts.tv_nsec * 1e-9
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(port: int, script: str = "app.py", root: Path = ROOT) -> subprocess.Popen:
    import urllib.request

    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.headless", "true"], cwd=root, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the app did not start")


async def server_tick(port: int, pid: int, seconds: float, windows: int):
    sys.path.insert(0, str(ROOT / "bench"))
    from stclient import StClient

    c = StClient(f"http://127.0.0.1:{port}", "tick")
    await c.connect()
    await c.load_page("train", "train_seed=0")
    await asyncio.sleep(2)
    c0, t0 = proc_cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(seconds / windows)
    idle = (proc_cpu_seconds(pid) - c0) / (time.perf_counter() - t0)  # paused, connected
    await c.click("train__play")
    await asyncio.sleep(3)  # the first ticks (warm-up)
    per_tick, per_second, steps = [], [], []
    for _ in range(windows):
        n0 = len(c.redraws)  # live charts that reached the student
        s0, c0, t0 = c.metric("Step"), proc_cpu_seconds(pid), time.perf_counter()
        await asyncio.sleep(seconds / windows)
        n1 = len(c.redraws)
        used, wall = proc_cpu_seconds(pid) - c0, time.perf_counter() - t0
        ticks = max(1, n1 - n0)
        per_tick.append((used - idle * wall) / ticks * 1e3)
        per_second.append(ticks / wall)
        steps.append((int(c.metric("Step").replace(",", "")) - int(s0.replace(",", ""))) / wall)
    await c.click("train__play")  # pause
    await c.close()
    return per_tick, per_second, steps, idle


async def floor_tick(port: int, pid: int, seconds: float, windows: int):
    """Server CPU per delivered tick of ``bench/floor_app.py``, whose live view plays from the
    moment the page opens: the idle server is measured before anyone connects. A tick is a
    metric that reached the client."""
    sys.path.insert(0, str(ROOT / "bench"))
    from stclient import StClient

    await asyncio.sleep(2)
    c0, t0 = proc_cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(seconds / windows)
    idle = (proc_cpu_seconds(pid) - c0) / (time.perf_counter() - t0)  # no session at all
    c = StClient(f"http://127.0.0.1:{port}", "floor")
    await c.connect()
    await c.load_page("", "")
    await asyncio.sleep(3)
    per_tick = []
    for _ in range(windows):
        n0 = c.elements_in["metric"]
        c0, t0 = proc_cpu_seconds(pid), time.perf_counter()
        await asyncio.sleep(seconds / windows)
        n1 = c.elements_in["metric"]
        used, wall = proc_cpu_seconds(pid) - c0, time.perf_counter() - t0
        per_tick.append((used - idle * wall) / max(1, n1 - n0) * 1e3)
    await c.close()
    return per_tick


def one_app_ticks(args, root: Path):
    proc = start_server(args.port, root=root)
    try:
        return asyncio.run(server_tick(args.port, proc.pid, args.seconds / 2, 2))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def worktree(rev: str) -> Path:
    """A temporary checkout of ``rev`` (removed after part 3)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="embedviz-against-")) / "app"
    subprocess.run(["git", "worktree", "add", "--detach", str(path), rev], cwd=ROOT, check=True,
                   capture_output=True)
    return path


# ---------------------------------------------------------------- 4-6


def accuracy_by_step(seeds, checkpoints):
    table = {s: [] for s in checkpoints}
    start = []
    for seed in seeds:
        t = Trainer(TrainConfig(lr=0.005, batch_size=128, seed=seed))
        start.append(t.accuracy())
        for s in checkpoints:
            t.step(s - t.step_count)
            table[s].append(t.accuracy())
    return start, table


def torch_time_to(cfg: TrainConfig, target: float = 0.9, max_steps: int = 5000):
    trainer = Trainer(cfg)
    start = time.perf_counter()
    while trainer.step_count < max_steps:
        trainer.step(10)
        if trainer.accuracy() >= target:
            return time.perf_counter() - start, trainer.step_count
    return float("nan"), trainer.step_count


def gensim_time_to(cfg: TrainConfig, target: float = 0.9, max_epochs: int = 30):
    """Fresh gensim models with 1, 2, ... epochs; the first that reaches ``target``."""
    from gensim.models import Word2Vec

    reference = Trainer(cfg)
    sentences = [list(s) for s in reference.corpus.sentences]
    labelled = [reference.vocab.itos[i] for i in reference.label_rows]
    acc = float("nan")
    for epochs in range(1, max_epochs + 1):
        start = time.perf_counter()
        model = Word2Vec(
            sentences, vector_size=cfg.dim, window=cfg.window, negative=cfg.negatives,
            sample=cfg.subsample, sg=1, min_count=1, workers=1, seed=cfg.seed, epochs=epochs,
        )
        wall = time.perf_counter() - start  # gensim trains in its own thread: wall clock
        acc = neighbour_accuracy(model.wv[labelled], np.arange(len(labelled)),
                                 reference.label_ids)
        if acc >= target:
            return wall, epochs, acc
    return float("nan"), max_epochs, acc


MEMORY_CHILD = """
import json, resource, sys
sys.path.insert(0, {root!r})
import torch
torch.set_num_threads(1)
from embedviz.training import TrainConfig, Trainer
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20
Trainer(TrainConfig(lr=0.005, batch_size=128)).step(50)  # first-use allocations
before = rss()
trainers = [Trainer(TrainConfig(lr=0.005, batch_size=128, seed=s)) for s in range(10)]
for t in trainers:
    t.step(3000)
print(json.dumps(dict(growth=(rss() - before) / 10, counted=trainers[0].memory_bytes() / 2**20)))
"""


def memory_per_session(repeats: int):
    out = []
    for _ in range(repeats):
        r = subprocess.run([sys.executable, "-c", MEMORY_CHILD.format(root=str(ROOT))],
                           capture_output=True, text=True, check=True)
        out.append(json.loads(r.stdout))
    return [o["growth"] for o in out], [o["counted"] for o in out]


# ---------------------------------------------------------------- 7. a class in one process


def python_work(seconds: float) -> None:
    """Pure-Python work that holds the GIL, like Streamlit's marshalling of a redraw."""
    end = time.thread_time() + seconds
    x = 0
    while time.thread_time() < end:
        for i in range(200):
            x += i


def class_loops(n_threads: int, turns: bool, loops_total: int = 400) -> tuple[float, float]:
    """CPU (whole process) and wall ms per loop of ``n_threads`` students training at once."""
    trainers = [Trainer(replace(PAGE_DEFAULTS, seed=i)) for i in range(n_threads)]
    for t in trainers:
        t.step(SPEED)  # warm-up
    loops = max(2, loops_total // n_threads)

    def student(t: Trainer) -> None:
        for _ in range(loops):
            if turns:
                t.step(SPEED)  # the app's path: one trainer at a time
            else:
                for _ in range(SPEED):  # the same steps, all threads in PyTorch at once
                    t._one_step()
            python_work(0.005)

    threads = [threading.Thread(target=student, args=(t,)) for t in trainers]
    cpu0, wall0 = os.times(), time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    cpu1, wall = os.times(), time.perf_counter() - wall0
    n = loops * n_threads
    cpu_s = (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)
    return cpu_s / n * 1e3, wall / n * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip-server", action="store_true")
    ap.add_argument("--port", type=int, default=8597)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--parts", default="1,2,3,4,5,6,7,8", help="comma-separated parts to run")
    ap.add_argument("--against", metavar="REV", help="parts 3 and 8 also run the code of this "
                    "git revision (a temporary worktree), in turns with this one, and print both")
    args = ap.parse_args()
    parts = {int(p) for p in args.parts.split(",") if p.strip()}
    rounds = 3 if args.quick else 5
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}")

    if 1 in parts:
        part_1(rounds)
    if 2 in parts or 3 in parts:
        part_2_3(args, rounds, parts)
    if 4 in parts:
        part_4(args)
    if 5 in parts:
        part_5(args)
    if 6 in parts:
        part_6(args)
    if 7 in parts:
        part_7(rounds)
    if 8 in parts:
        part_8(rounds, against=args.against)


def part_1(rounds: int) -> None:
    print(f"\n1. steps/s at batch 512 (CPU time), skip-gram on 'things', {rounds} interleaved "
          "rounds: median [min-max]")
    for name, lr in (("sgd", 10.0), ("adam", 0.005)):
        cfg = TrainConfig(optimizer=name, lr=lr, batch_size=512)
        ours, bare = [], []
        for _ in range(rounds):
            ours.append(trainer_rate(cfg, 200))
            bare.append(bare_loop_rate(cfg, 200))
        ratio = [a / b for a, b in zip(ours, bare)]
        print(f"   {name:5s}: Trainer {spread(ours)} | baseline bare PyTorch loop "
              f"{spread(bare)} | ratio {spread(ratio)}")



def part_2_3(args, rounds: int, parts: set[int]) -> None:
    print(f"\n2. our part of one redraw (the live chart to JSON as st.plotly_chart does), "
          f"ms of CPU, {rounds} interleaved rounds")
    fast, slow, steps, sent = redraw_costs(rounds)
    bare_steps = [SPEED / bare_loop_rate(PAGE_DEFAULTS, SPEED) * 1e3 for _ in range(rounds * 4)]
    print(f"   page's path (SpecFigure): {spread(fast)} | baseline validated go.Figure: "
          f"{spread(slow)} | ratio baseline/page {spread([b / a for a, b in zip(fast, slow)])}")
    print(f"   the {SPEED} training steps of a tick at the defaults: {spread(steps)} ms; "
          f"{sent / 1024:.0f} KiB of JSON per redraw")

    if 3 in parts and not args.skip_server:
        print(f"\n3. the whole server per live tick at the defaults (1 student on /train, "
              f"speed {SPEED}, {args.seconds:g} s of Play in 4 windows), ms of server CPU")
        per_tick, per_s, rate, idle, floor, other = [], [], [], [], [], []
        tree = worktree(args.against) if args.against else None
        try:
            for _ in range(2):  # interleaved: the app, the floor app (and the other app), twice
                a, b, c, d = one_app_ticks(args, ROOT)
                per_tick += a
                per_s += b
                rate += c
                idle.append(d)
                proc = start_server(args.port, "bench/floor_app.py")
                try:
                    floor += asyncio.run(floor_tick(args.port, proc.pid, args.seconds / 2, 2))
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
                if tree is not None:
                    other += one_app_ticks(args, tree)[0]
        finally:
            if tree is not None:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                               check=False)
        if other:
            print(f"   the app of {args.against}, in turns with this one: {spread(other)} ms per "
                  f"tick | this app {spread(per_tick)} | ratio this/that, window by window "
                  f"{spread([a / b for a, b in zip(per_tick, other)])}")
        base = statistics.median(steps)
        bare = statistics.median(bare_steps)
        lowest = statistics.median(floor) + bare
        print(f"   server CPU per delivered tick: {spread(per_tick)} ms (idle server "
              f"{statistics.median(idle) * 1e3:.0f} ms/s subtracted) | baseline the {SPEED} "
              f"steps alone {base:.2f} ms | ratio {spread([t / base for t in per_tick])}")
        print(f"   delivered ticks/s {spread(per_s)}, training steps/s {spread(rate)}")
        print(f"   the floor: an empty live view (bench/floor_app.py, one metric) "
              f"{spread(floor)} ms + {SPEED} steps of the bare PyTorch loop {bare:.2f} ms = "
              f"{lowest:.2f} ms | ratio tick/floor {spread([t / lowest for t in per_tick])}")



def part_4(args) -> None:
    seeds = range(3 if args.quick else 5)
    checkpoints = [100, 150, 200, 250, 300, 350, 400, 500]
    print(f"\n4. lesson 3's defaults (skip-gram, Adam 0.005, batch 128, dim 16): neighbour "
          f"accuracy over seeds {seeds.start}-{seeds.stop - 1}, median [min-max]")
    start, table = accuracy_by_step(seeds, checkpoints)
    print(f"   baseline step 0 (random table): {spread(start)}; chance 1/6 = 0.17")
    for s in checkpoints:
        print(f"   step {s:4d}: {spread(table[s])}")



def part_5(args) -> None:
    print("\n5. time to neighbour accuracy 0.9 on 'things' (dim 16, window 2, 5 negatives), wall")
    cfg = TrainConfig(lr=0.005, batch_size=512)
    ours, gens = [], []
    for _ in range(2 if args.quick else 3):
        wall, n = torch_time_to(cfg)
        gwall, epochs, gacc = gensim_time_to(cfg)
        ours.append(wall)
        gens.append(gwall)
    print(f"   embedviz skip-gram (Adam, lr 0.005, batch 512): {spread(ours)} s, {n} steps | "
          f"baseline gensim Word2Vec sg=1, 1 worker: {spread(gens)} s ({epochs} epochs, "
          f"accuracy {gacc:.2f}) | ratio {spread([a / b for a, b in zip(ours, gens)])}")



def part_6(args) -> None:
    print("\n6. memory one session keeps (10 sessions of 3,000 steps, fresh processes)")
    growth, counted = memory_per_session(2 if args.quick else 3)
    print(f"   process RSS growth per session: {spread(growth)} MB | baseline the tensors "
          f"the trainer counts (model, optimizer, snapshots): {spread(counted)} MB")


def part_7(rounds: int) -> None:
    print(f"\n7. a class training in one process: N threads, each 'train {SPEED} steps, then 5 ms "
          f"of Python', {rounds} interleaved rounds; ms per loop, median [min-max]")
    for n in (1, 4, 16, 40):
        free_cpu, free_wall, turn_cpu, turn_wall = [], [], [], []
        for _ in range(rounds):
            c, w = class_loops(n, turns=False)
            free_cpu.append(c)
            free_wall.append(w)
            c, w = class_loops(n, turns=True)
            turn_cpu.append(c)
            turn_wall.append(w)
        print(f"   {n:2d} students: taking turns wall {spread(turn_wall)}, CPU {spread(turn_cpu)} "
              f"| baseline all at once wall {spread(free_wall)}, CPU {spread(free_cpu)} "
              f"| ratio wall baseline/turns {spread([f / t for f, t in zip(free_wall, turn_wall)])}")


def part_8(rounds: int, per_round: int = 10, against: str | None = None) -> None:
    print(f"\n8. the {SPEED} steps of a tick at the defaults, warm (back to back) and after 0.5 s "
          f"of idle (as a live tick runs), ms of this thread's CPU, {rounds} interleaved rounds")
    trainer = Trainer(PAGE_DEFAULTS)
    trainer.step(50)
    warm, cold = [], []
    for _ in range(rounds):
        for idle, out in ((0.0, warm), (0.5, cold)):
            times = []
            for _ in range(per_round):
                time.sleep(idle)
                start = cpu()
                trainer.step(SPEED)
                times.append((cpu() - start) * 1e3)
            out.append(statistics.median(times))
    print(f"   after 0.5 s idle: {spread(cold)} ms | baseline back to back: {spread(warm)} ms | "
          f"ratio {spread([c / w for c, w in zip(cold, warm)])}")
    if against:
        tick_training_against(against, rounds, per_round)


TICK_TRAINING = """
import statistics, sys, time
sys.path.insert(0, ".")
import torch
torch.set_num_threads(1)
from embedviz.training import TrainConfig, Trainer
t = Trainer(TrainConfig(lr=0.005, batch_size=128))  # lesson 3's defaults (PAGE_DEFAULTS)
t.step(50)
medians = []
for idle in (0.0, 0.5):
    times = []
    for _ in range({per_round}):
        time.sleep(idle)
        start = time.thread_time()
        t.step({speed})
        t.accuracy()  # the number above the curve, asked at every refresh
        times.append((time.thread_time() - start) * 1e3)
    medians.append(statistics.median(times))
print(*medians)
"""


def tick_training_against(rev: str, rounds: int, per_round: int) -> None:
    """The training side of a tick (its steps and the accuracy the page shows) in this tree and
    in ``rev``'s, each in a fresh process, the two alternating."""
    code = TICK_TRAINING.format(per_round=per_round, speed=SPEED)
    tree = worktree(rev)
    try:
        got = {ROOT: [], tree: []}
        for _ in range(rounds):
            for root in (ROOT, tree):
                out = subprocess.run([sys.executable, "-c", code], cwd=root, check=True,
                                     capture_output=True, text=True).stdout.split()
                got[root].append([float(x) for x in out])
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    print(f"   the {SPEED} steps and the page's accuracy, this tree against {rev}, alternating "
          f"processes:")
    for i, name in enumerate(("back to back", "after 0.5 s idle")):
        this, that = [r[i] for r in got[ROOT]], [r[i] for r in got[tree]]
        print(f"   {name}: {spread(this)} ms | baseline {rev}: {spread(that)} ms | ratio "
              f"{spread([a / b for a, b in zip(this, that)])}")


if __name__ == "__main__":
    main()

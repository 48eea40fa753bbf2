"""Benchmark of lesson 3's live training (run: ``python bench/train_tick.py``), one thread.

Prints, each against a baseline measured in the same run:

1. steps/s at batch 512 (SGD and Adam, skip-gram on the "things" corpus) next to a bare
   hand-written PyTorch loop of the same maths and batches (no history, snapshots, checks);
   times are given as this thread's CPU time (what a session costs the server, unaffected by
   other processes on a shared host) and as wall-clock time;
2. one live tick as the page does it (k steps + every figure + JSON as Streamlit sends it):
   median and p95, next to the k steps alone; the target is p95 < 50 ms at the defaults;
3. seconds to a neighbour accuracy of 0.9, next to gensim's Word2Vec (skip-gram, same
   dimension, window, negatives and subsampling, one worker) on the same corpus;
4. the memory one session keeps (model, optimizer, batch tables, full snapshot budget).
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import plotly.io as pio
import plotly.tools
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedviz.figures import training as figs  # noqa: E402
from embedviz.projection_fixed import fit_fixed_basis, grow_half_width  # noqa: E402
from embedviz.training import TrainConfig, Trainer, neighbour_accuracy  # noqa: E402

torch.set_num_threads(1)
PAGE_DEFAULTS = TrainConfig(lr=0.005, batch_size=128)  # what lessons/3_train_live.py opens with
SPEED = 10  # steps per tick, the page's default
TICKS = 150


def clocks() -> tuple[float, float]:
    """(wall, CPU of this thread). Other processes on a shared host inflate the wall clock;
    the thread's CPU time is what one session costs the server, so both are reported."""
    return time.perf_counter(), time.thread_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = clocks()
    return wall - start[0], cpu - start[1]


def steps_per_second(trainer: Trainer, n: int = 400) -> tuple[float, float]:
    trainer.step(20)  # warm-up
    start = clocks()
    trainer.step(n)
    wall, cpu = since(start)
    return n / wall, n / cpu


def bare_loop_steps_per_second(cfg: TrainConfig, n: int = 400) -> tuple[float, float]:
    """The baseline: the same SGNS maths in a few lines of plain PyTorch, on the same batches
    (drawn inside the timed loop, as the Trainer does), without history, snapshots, checks."""
    t = Trainer(cfg)  # only for its batches and tables
    W, C = t.model.embedding.weight, t.model.context.weight
    opt = torch.optim.Adam([W, C], lr=cfg.lr) if cfg.optimizer == "adam" else torch.optim.SGD(
        [W, C], lr=cfg.lr)
    for i in range(n + 20):
        if i == 20:
            start = clocks()
        b = t.sample_batch()
        u, v, neg = W[b.centers], C[b.contexts], C[b.negatives]
        loss = -(F.logsigmoid((u * v).sum(1))
                 + F.logsigmoid(-torch.bmm(neg, u.unsqueeze(2)).squeeze(2)).sum(1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    wall, cpu = since(start)
    return n / wall, n / cpu


def one_tick(trainer: Trainer, basis, rows, words, state: dict) -> int:
    """What the page's fragment does each refresh; returns the bytes sent."""
    trainer.step(SPEED)
    matrix = trainer.last_finite_matrix()
    points = basis.project(matrix[rows])
    state["half"] = grow_half_width(state.get("half"), points)
    recent = trainer.snapshots.matrices[-6:] + [matrix]
    trail = np.stack([basis.project(m[rows]) for m in recent])
    near = trainer.nearest("cat", k=6)
    h = trainer.history
    acc = trainer.accuracy()
    space = figs.space_parts(points, words, trainer.categories, half_width=state["half"],
                             axis_titles=basis.axis_titles(), trails=trail, focus="cat",
                             neighbours=[w for w, _ in near[:3]])
    curves = figs.curves_parts(h.steps, h.loss, h.accuracy, chance=1 / 6,
                               accuracy_label=f"neighbour accuracy {acc:.2f}", neighbours=near,
                               categories=trainer.categories, word="cat")
    charts = [figs.live_figure(*space, title=f"step {trainer.step_count}", height=700),
              figs.live_figure(*curves, height=760)]
    # what st.plotly_chart does with a figure: to_dict, then JSON
    return sum(len(pio.to_json(plotly.tools.return_figure_from_figure_or_data(f, True),
                               validate=False)) for f in charts)


def tick_times(cfg: TrainConfig) -> tuple[list, list, int]:
    """(wall, cpu) seconds of each tick, and of the same number of steps alone."""
    trainer = Trainer(cfg)
    rows = np.arange(2, len(trainer.vocab))
    words = [trainer.vocab.itos[i] for i in rows]
    basis = fit_fixed_basis(trainer.embedding_matrix(), rows, 0)
    state: dict = {}
    one_tick(trainer, basis, rows, words, state)  # warm-up (plotly's first figure)
    ticks, steps_only, sent = [], [], 0
    for _ in range(TICKS):
        start = clocks()
        sent = one_tick(trainer, basis, rows, words, state)
        ticks.append(since(start))
        start = clocks()
        trainer.step(SPEED)
        steps_only.append(since(start))
    return ticks, steps_only, sent


def p95(xs: list[float]) -> float:
    return float(np.percentile(xs, 95))


def torch_time_to(cfg: TrainConfig, target: float = 0.9, max_steps: int = 5000):
    trainer = Trainer(cfg)
    start = clocks()
    while trainer.step_count < max_steps:
        trainer.step(10)
        if trainer.accuracy() >= target:
            return *since(start), trainer.step_count
    return float("nan"), float("nan"), trainer.step_count


def gensim_time_to(cfg: TrainConfig, target: float = 0.9, max_epochs: int = 30):
    """Fresh gensim models with 1, 2, ... epochs; the first that reaches ``target``."""
    from gensim.models import Word2Vec

    reference = Trainer(cfg)
    sentences = [list(s) for s in reference.corpus.sentences]
    labelled = [reference.vocab.itos[i] for i in reference.label_rows]
    for epochs in range(1, max_epochs + 1):
        start = clocks()
        model = Word2Vec(
            sentences, vector_size=cfg.dim, window=cfg.window, negative=cfg.negatives,
            sample=cfg.subsample, sg=1, min_count=1, workers=1, seed=cfg.seed, epochs=epochs,
        )
        wall, _ = since(start)  # gensim trains in its own worker thread: wall clock only
        vectors = model.wv[labelled]
        acc = neighbour_accuracy(vectors, np.arange(len(labelled)), reference.label_ids)
        if acc >= target:
            return wall, epochs, acc
    return float("nan"), max_epochs, acc


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def main() -> None:
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("\n1. steps/s at batch 512, skip-gram on 'things' (dim 16, window 2, 5 negatives)")
    for name, lr in (("sgd", 10.0), ("adam", 0.005)):
        cfg = TrainConfig(optimizer=name, lr=lr, batch_size=512)
        bare_wall, bare_cpu = bare_loop_steps_per_second(cfg)
        wall, cpu = steps_per_second(Trainer(cfg))
        print(f"   {name:5s}: Trainer {cpu:5.0f} steps/s of CPU ({wall:4.0f} wall) | baseline bare "
              f"PyTorch loop {bare_cpu:5.0f} ({bare_wall:4.0f} wall) | ratio {cpu / bare_cpu:.2f}")

    print(f"\n2. one live tick at the page defaults ({SPEED} steps of batch "
          f"{PAGE_DEFAULTS.batch_size}, both charts, JSON), {TICKS} ticks")
    ticks, steps_only, sent = tick_times(PAGE_DEFAULTS)
    for i, clock in ((1, "CPU "), (0, "wall")):
        t = [x[i] * 1e3 for x in ticks]
        base = statistics.median(x[i] * 1e3 for x in steps_only)
        med, top = statistics.median(t), p95([x / 1e3 for x in t]) * 1e3
        print(f"   {clock}: tick median {med:5.1f} ms, p95 {top:5.1f} ms (target p95 < 50 ms: "
              f"{'met' if top < 50 else 'NOT met'}) | baseline the {SPEED} steps alone "
              f"{base:5.1f} ms | ratio tick/steps {med / base:.1f}")
    print(f"   {sent / 1024:.0f} KiB of JSON per tick")

    print("\n3. time to neighbour accuracy 0.9 on 'things' (dim 16, window 2, 5 negatives)")
    cfg = TrainConfig(lr=0.005, batch_size=512)
    wall, cpu, steps = torch_time_to(cfg)
    print(f"   embedviz skip-gram (Adam, lr 0.005, batch 512): {wall:.2f} s wall ({cpu:.2f} s "
          f"CPU), {steps} steps")
    gwall, epochs, gacc = gensim_time_to(cfg)
    print(f"   baseline gensim Word2Vec sg=1, 1 worker: {gwall:.2f} s wall ({epochs} epochs, "
          f"accuracy {gacc:.2f}) | ratio embedviz/gensim (wall) {wall / gwall:.2f}")

    print("\n4. memory one session keeps (after 3,000 steps, snapshot budget full)")
    before = rss_mb()
    trainers = [Trainer(PAGE_DEFAULTS) for _ in range(10)]
    for t in trainers:
        t.step(3000)
    per_session = (rss_mb() - before) / len(trainers)
    own = trainers[0].memory_bytes() / 2**20
    print(f"   counted tensors + snapshots: {own:.1f} MB | process RSS growth per session "
          f"(10 sessions): {per_session:.1f} MB")
    big = Trainer(TrainConfig(dim=128, lr=0.005))
    big.step(2000)
    print(f"   at dim 128: counted {big.memory_bytes() / 2**20:.1f} MB "
          f"(snapshots {big.snapshots.nbytes / 2**20:.1f} MB, {len(big.snapshots)} kept)")


if __name__ == "__main__":
    main()

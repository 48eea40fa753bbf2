"""Benchmark of lesson 3's live training (run: ``python bench/train_tick.py``), one thread.

Prints, each against a baseline measured in the same run:

1. steps/s at batch 512 (SGD and Adam, skip-gram on the "things" corpus) next to a bare
   hand-written PyTorch loop of the same maths (no history, snapshots or checks);
2. one live tick as the page does it (k steps + every figure + JSON as Streamlit sends it):
   median and p95, next to the k steps alone; the target is p95 < 50 ms at the defaults;
3. seconds to a neighbour accuracy of 0.9, next to gensim's Word2Vec (skip-gram, same
   dimension, window, negatives and subsampling, one worker) on the same corpus;
4. the memory one session keeps (model, optimizer, batch tables, full snapshot budget).
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import plotly.io as pio
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedviz.figures import training as figs  # noqa: E402
from embedviz.projection_fixed import fit_fixed_basis, grow_half_width  # noqa: E402
from embedviz.training import TrainConfig, Trainer, neighbour_accuracy  # noqa: E402

torch.set_num_threads(1)
PAGE_DEFAULTS = TrainConfig(lr=0.005, batch_size=128)  # what pages/3_train_live.py opens with
SPEED = 10  # steps per tick, the page's default
TICKS = 150


def steps_per_second(trainer: Trainer, n: int = 400) -> float:
    trainer.step(20)  # warm-up
    t0 = time.perf_counter()
    trainer.step(n)
    return n / (time.perf_counter() - t0)


def bare_loop_steps_per_second(cfg: TrainConfig, n: int = 400) -> float:
    """The baseline: the same SGNS maths in a few lines of plain PyTorch."""
    t = Trainer(cfg)  # only for its batches and tables
    W, C = t.model.embedding.weight, t.model.context.weight
    opt = torch.optim.Adam([W, C], lr=cfg.lr) if cfg.optimizer == "adam" else torch.optim.SGD(
        [W, C], lr=cfg.lr)
    batches = [t.sample_batch() for _ in range(n + 20)]
    for i, b in enumerate(batches):
        if i == 20:
            t0 = time.perf_counter()
        u, v, neg = W[b.centers], C[b.contexts], C[b.negatives]
        loss = -(F.logsigmoid((u * v).sum(1))
                 + F.logsigmoid(-torch.bmm(neg, u.unsqueeze(2)).squeeze(2)).sum(1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return n / (time.perf_counter() - t0)


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
    state["space"] = figs.new_or_redraw(state.get("space"), *space,
                                        title=f"step {trainer.step_count}", height=660)
    state["curves"] = figs.new_or_redraw(state.get("curves"), *curves, height=660)
    return sum(len(pio.to_json(state[k], validate=False)) for k in ("space", "curves"))


def tick_times(cfg: TrainConfig) -> tuple[list[float], list[float], int]:
    trainer = Trainer(cfg)
    rows = np.arange(2, len(trainer.vocab))
    words = [trainer.vocab.itos[i] for i in rows]
    basis = fit_fixed_basis(trainer.embedding_matrix(), rows, 0)
    state: dict = {}
    one_tick(trainer, basis, rows, words, state)  # warm-up (plotly's first figure)
    ticks, steps_only, sent = [], [], 0
    for _ in range(TICKS):
        t0 = time.perf_counter()
        sent = one_tick(trainer, basis, rows, words, state)
        ticks.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        trainer.step(SPEED)
        steps_only.append(time.perf_counter() - t0)
    return ticks, steps_only, sent


def p95(xs: list[float]) -> float:
    return float(np.percentile(xs, 95))


def torch_time_to(cfg: TrainConfig, target: float = 0.9, max_steps: int = 5000):
    trainer = Trainer(cfg)
    t0 = time.perf_counter()
    while trainer.step_count < max_steps:
        trainer.step(10)
        if trainer.accuracy() >= target:
            return time.perf_counter() - t0, trainer.step_count
    return float("nan"), trainer.step_count


def gensim_time_to(cfg: TrainConfig, target: float = 0.9, max_epochs: int = 30):
    """Fresh gensim models with 1, 2, ... epochs; the first that reaches ``target``."""
    from gensim.models import Word2Vec

    reference = Trainer(cfg)
    sentences = [list(s) for s in reference.corpus.sentences]
    labelled = [reference.vocab.itos[i] for i in reference.label_rows]
    for epochs in range(1, max_epochs + 1):
        t0 = time.perf_counter()
        model = Word2Vec(
            sentences, vector_size=cfg.dim, window=cfg.window, negative=cfg.negatives,
            sample=cfg.subsample, sg=1, min_count=1, workers=1, seed=cfg.seed, epochs=epochs,
        )
        seconds = time.perf_counter() - t0
        vectors = model.wv[labelled]
        acc = neighbour_accuracy(vectors, np.arange(len(labelled)), reference.label_ids)
        if acc >= target:
            return seconds, epochs, acc
    return float("nan"), max_epochs, acc


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def main() -> None:
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    print("\n1. steps/s at batch 512, skip-gram on 'things' (dim 16, window 2, 5 negatives)")
    for name, lr in (("sgd", 10.0), ("adam", 0.005)):
        cfg = TrainConfig(optimizer=name, lr=lr, batch_size=512)
        bare = bare_loop_steps_per_second(cfg)
        ours = steps_per_second(Trainer(cfg))
        print(f"   {name:5s}: Trainer {ours:7.0f} steps/s | baseline bare PyTorch loop "
              f"{bare:7.0f} steps/s | ratio {ours / bare:.2f}")

    print(f"\n2. one live tick at the page defaults ({SPEED} steps of batch "
          f"{PAGE_DEFAULTS.batch_size}, figures, JSON), {TICKS} ticks")
    ticks, steps_only, sent = tick_times(PAGE_DEFAULTS)
    med, top = statistics.median(ticks) * 1e3, p95(ticks) * 1e3
    base_med = statistics.median(steps_only) * 1e3
    print(f"   tick: median {med:.1f} ms, p95 {top:.1f} ms (target p95 < 50 ms: "
          f"{'met' if top < 50 else 'NOT met'}), {sent / 1024:.0f} KiB of JSON per tick")
    print(f"   baseline: the {SPEED} steps alone, median {base_med:.1f} ms | ratio tick/steps "
          f"{med / base_med:.1f}")

    print("\n3. time to neighbour accuracy 0.9 on 'things' (dim 16, window 2, 5 negatives)")
    cfg = TrainConfig(lr=0.005, batch_size=512)
    secs, steps = torch_time_to(cfg)
    print(f"   embedviz skip-gram (Adam, lr 0.005, batch 512): {secs:.2f} s, {steps} steps")
    gsecs, epochs, gacc = gensim_time_to(cfg)
    print(f"   baseline gensim Word2Vec sg=1, 1 worker: {gsecs:.2f} s ({epochs} epochs, "
          f"accuracy {gacc:.2f}) | ratio embedviz/gensim {secs / gsecs:.2f}")

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

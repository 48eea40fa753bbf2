"""The training part of one live tick on every lesson that plays (python bench/live_ticks.py).

Each live lesson trains its default steps per refresh in a tick: lesson 3 one model 10 steps
(the baseline), lesson 6 three starts 3 steps, lesson 9 three position models 3 steps,
lesson 10 the RNN reader 5 steps; each with its config's defaults. Interleaved rounds (every
lesson once per round) of this thread's CPU time; prints median [min-max] ms per tick and the
ratio to lesson 3's tick measured in the same round. The rest of a tick (drawing, Streamlit)
is measured for lesson 3 by ``bench/train_tick.py`` (part 3) and is alike on every page.

Options: ``--rounds 15``, ``--ticks 10`` (ticks per round and lesson).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from embedviz import positions, pretrained_start, readers  # noqa: E402
from embedviz.training import TrainConfig, Trainer  # noqa: E402

torch.set_num_threads(1)


def lessons():
    """(name, model, steps per tick) with each page's default speed."""
    return [
        ("lesson 3 (baseline)", Trainer(TrainConfig(lr=0.005, batch_size=128)), 10),
        ("lesson 6, three starts", pretrained_start.SideBySide(pretrained_start.StartConfig()), 3),
        ("lesson 9, three order models", positions.OrderTrainer(positions.OrderConfig()), 3),
        ("lesson 10, RNN reader", readers.ReaderTrainer(readers.ReaderConfig()), 5),
    ]


def spread(xs) -> str:
    xs = sorted(xs)
    return f"{xs[len(xs) // 2]:6.2f} [{xs[0]:.2f}-{xs[-1]:.2f}]"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--ticks", type=int, default=10)
    args = ap.parse_args()
    models = lessons()
    for _, m, k in models:
        m.step(k)  # warm-up
    ms = {name: [] for name, _, _ in models}
    for _ in range(args.rounds):
        for name, m, k in models:
            start = time.thread_time()
            for _ in range(args.ticks):
                m.step(k)
            ms[name].append((time.thread_time() - start) / args.ticks * 1e3)
    base = ms[models[0][0]]
    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, one thread, {args.rounds} "
          "interleaved rounds; ms of CPU per tick, median [min-max]; ratio to lesson 3 per round")
    for name, _, k in models:
        ratio = [a / b for a, b in zip(ms[name], base)]
        print(f"  {name:30s} {k:2d} steps/tick  {spread(ms[name])} ms   ratio {spread(ratio)}")


if __name__ == "__main__":
    main()

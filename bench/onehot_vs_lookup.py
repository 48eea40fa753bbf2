"""Benchmark for lesson 2: nn.Embedding against one_hot(ids) @ W (python bench/onehot_vs_lookup.py).

For V in {1k, 10k, 50k} and d in {64, 512}, with a batch of 256 token IDs, it times on one
thread, with the same helper the page uses (``embedviz.onehot.time_paths``: perf_counter,
warm-up, best of repeats):

- forward: ``nn.Embedding(ids)`` (the baseline) and ``one_hot(ids, V).float() @ W``
  (building X included);
- forward + backward: the same with ``.backward(dY)`` into a fresh dense ``W.grad``, and
  (last timing column) ``nn.Embedding(sparse=True)``, whose gradient skips the dense V x d;

and prints the ratio one-hot / lookup, both measured in this run. The batch is 256 tokens
so that X stays small: at V = 50k, X alone is 256 x 50,000 x 4 bytes = 51 MB (it would be
1.6 GB at a batch of 8,192). The last column says at which V the page measures this size
live (its cap keeps a click well under a second).

Options: ``--batch 256``, ``--repeats 5``, ``--vocab 1000 10000 50000``, ``--dims 64 512``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from embedviz.onehot import Cost, live_vocab_size, time_paths  # noqa: E402


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:10.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--vocab", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--dims", type=int, nargs="+", default=[64, 512])
    args = parser.parse_args()
    torch.set_num_threads(1)

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, batch {args.batch} "
          f"tokens, best of {args.repeats} repeats; times in ms per call")
    print("baseline: nn.Embedding (the lookup); ratio = one_hot @ W time / baseline time\n")
    head = (f"{'V':>7} {'d':>4} {'X MB':>6} | {'fwd lookup':>10} {'fwd onehot':>10} "
            f"{'ratio':>8} | {'f+b lookup':>10} {'f+b onehot':>10} {'ratio':>7} | "
            f"{'f+b sparse':>10} | page live V")
    print(head)
    print("-" * len(head))
    start = time.perf_counter()
    for V in args.vocab:
        for d in args.dims:
            t = time_paths(V, d, args.batch, repeats=args.repeats)
            x_mb = Cost(V, d, args.batch).onehot_input_bytes / 1e6
            print(f"{V:>7,} {d:>4} {x_mb:>6.1f} | {fmt_ms(t.lookup_forward)} "
                  f"{fmt_ms(t.onehot_forward)} {t.forward_ratio:>7,.0f}x | "
                  f"{fmt_ms(t.lookup_forward_backward)} {fmt_ms(t.onehot_forward_backward)} "
                  f"{t.forward_backward_ratio:>6,.0f}x | {fmt_ms(t.sparse_lookup_forward_backward)} | "
                  f"{live_vocab_size(V, d, args.batch):,}",
                  flush=True)
    print(f"\ntotal {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()

"""Benchmark for lesson 2: nn.Embedding against one_hot(ids) @ W (python bench/onehot_vs_lookup.py).

For V in {1k, 10k, 50k} and d in {64, 512}, with a batch of 256 token IDs, on one thread,
with the helper the page uses (``embedviz.onehot.time_paths``: perf_counter, warm-up, then
``--repeats`` rounds that time every path in turn, so load from elsewhere falls on all):

- forward: ``nn.Embedding(ids)`` (the baseline) and ``one_hot(ids, V) @ W`` with X built
  directly in float32 (the fair one-hot path);
- forward + backward: the same with ``.backward(dY)`` into a fresh dense ``W.grad``, and
  ``nn.Embedding(sparse=True)``, whose gradient skips the dense V x d;
- the textbook ``F.one_hot(ids, V).float()`` against the direct float32 build (X alone):
  it makes an int64 matrix first, so it is slower and needs 12 bytes a number for a moment.

Each ratio is printed as median [min-max] over the rounds (each round's two times are taken
moments apart). Memory: X in float32, and the int64 detour's peak (int64 X + float32 X).

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

from embedviz.onehot import (  # noqa: E402
    Cost,
    interleaved_seconds,
    live_vocab_size,
    one_hot,
    one_hot_via_int64,
    time_paths,
)


def span(r) -> str:
    return f"{r[1]:>7,.0f} [{r[0]:,.0f}-{r[2]:,.0f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--vocab", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--dims", type=int, nargs="+", default=[64, 512])
    args = parser.parse_args()
    torch.set_num_threads(1)

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, batch {args.batch} "
          f"tokens, {args.repeats} interleaved rounds; ratios median [min-max] over rounds")
    print("baseline: nn.Embedding (the lookup); ratio = one-hot path time / lookup time\n")
    head = (f"{'V':>7} {'d':>4} {'X MB':>6} {'int64 MB':>8} | {'fwd ratio':>22} | "
            f"{'fwd+bwd ratio (dense)':>22} | {'vs sparse=True':>22} | fwd<=f+b | page V")
    print(head)
    print("-" * len(head))
    start = time.perf_counter()
    for V in args.vocab:
        for d in args.dims:
            t = time_paths(V, d, args.batch, repeats=args.repeats)
            c = Cost(V, d, args.batch)
            print(f"{V:>7,} {d:>4} {c.onehot_input_bytes / 1e6:>6.1f} "
                  f"{c.onehot_int64_detour_bytes / 1e6:>8.1f} | "
                  f"{span(t.ratio_range('onehot_forward', 'lookup_forward')):>22} | "
                  f"{span(t.ratio_range('onehot_forward_backward', 'lookup_forward_backward')):>22} | "
                  f"{span(t.ratio_range('onehot_forward_backward', 'sparse_lookup_forward_backward')):>22} | "
                  f"{'yes' if t.consistent else 'NO':>8} | {live_vocab_size(V, d, args.batch):,}",
                  flush=True)

    print("\nBuilding X alone: F.one_hot(ids, V).float() (int64 first) vs direct float32; "
          "ratio = int64 detour time / direct time")
    g = torch.Generator().manual_seed(0)
    for V in args.vocab:
        ids = torch.randint(V, (args.batch,), generator=g)
        s = interleaved_seconds({"direct": lambda ids=ids, V=V: one_hot(ids, V),
                                 "int64": lambda ids=ids, V=V: one_hot_via_int64(ids, V)},
                                args.repeats)
        r = sorted(a / b for a, b in zip(s["int64"], s["direct"]))
        print(f"{V:>7,}: direct {min(s['direct']) * 1e3:7.3f} ms, via int64 "
              f"{min(s['int64']) * 1e3:7.3f} ms, ratio {r[len(r) // 2]:.2f} "
              f"[{r[0]:.2f}-{r[-1]:.2f}]", flush=True)
    print(f"\ntotal {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()

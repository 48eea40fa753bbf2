"""Benchmark for lesson 5: which t-SNE do we run? (python bench/projection.py)

The points are real: the N most frequent alphabetic words of GloVe 6B (50 dimensions), the
same vectors the lesson projects. Everything runs on one thread. For every cell of the grid
(N x perplexity, the perplexity clipped to what N allows by ``fit_perplexity``; a clipped
value already measured is skipped) the baseline, scikit-learn's default
``TSNE(perplexity=p, random_state=seed)``, and the app's t-SNE run alternately, seed by seed,
so both see the same machine load. Printed per cell:

- trustworthiness (scikit-learn, 10 neighbours), mean over the seeds, of the baseline and
  ours, and the difference; target: ours at most 0.01 below the baseline's;
- CPU seconds of each, min/median/max over the seeds;
- the speed-up: baseline CPU / ours CPU of each interleaved pair, median over the pairs;
  target: at least 3x at N >= 1,000 ("-" below, where both take well under a second).

A summary line follows. ``--candidates`` adds the other t-SNEs we tried, each timed against
the same baseline runs. Options: ``--sizes``, ``--perplexities``, ``--seeds`` (a count),
``--candidates``, ``--only TEXT`` (candidates whose name has TEXT), ``--3d``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")  # one thread, like one student's session on the server

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from embedviz.pretrained import load_glove, most_frequent_words  # noqa: E402
from embedviz.projection import fit_perplexity, trustworthiness  # noqa: E402

TOLERANCE = 0.01  # mean trustworthiness may be at most this much below the baseline's
MIN_SPEEDUP = 3.0  # ... and ours at least this much faster (CPU) at N >= SPEED_FROM
SPEED_FROM = 1000


def sklearn_default(x, dims, perplexity, seed):
    from sklearn.manifold import TSNE

    return TSNE(n_components=dims, perplexity=perplexity, random_state=seed).fit_transform(x)


def sklearn_fast(x, dims, perplexity, seed):
    from sklearn.manifold import TSNE

    return TSNE(n_components=dims, perplexity=perplexity, random_state=seed, max_iter=500,
                angle=0.8).fit_transform(x)


def open_tsne(**kwargs):
    def run(x, dims, perplexity, seed):
        from openTSNE import TSNE

        opts = dict(n_components=dims, perplexity=perplexity, random_state=seed,
                    n_jobs=1) | kwargs
        if dims == 3:
            opts["negative_gradient_method"] = "bh"  # FFT is only for 1-D and 2-D
        return np.asarray(TSNE(**opts).fit(x))

    return run


def app_tsne(learning_rate=None):
    """The app's t-SNE; ``learning_rate(n)`` replaces its automatic rule when given."""
    def run(x, dims, perplexity, seed):
        from embedviz.projection import TSNEConfig, tsne

        lr = None if learning_rate is None else learning_rate(len(x))
        return tsne(x, TSNEConfig(dims=dims, perplexity=perplexity, learning_rate=lr,
                                  seed=seed)).coords

    return run


OURS = "embedviz.projection.tsne (the app's choice)"
CANDIDATES = {
    "sklearn BH, 500 it, angle 0.8": sklearn_fast,
    "openTSNE defaults (BH below 10k points)": open_tsne(),
    "openTSNE FFT, 125+250 it, exact kNN": open_tsne(
        negative_gradient_method="fft", early_exaggeration_iter=125, n_iter=250,
        neighbors="exact"
    ),
    "openTSNE BH, 125+250 it, exact kNN": open_tsne(
        negative_gradient_method="bh", early_exaggeration_iter=125, n_iter=250,
        neighbors="exact"
    ),
    "app, old rate max(200, N/12)": app_tsne(lambda n: max(200.0, n / 12)),
    "app, sklearn's formula as is, max(N/48, 50)": app_tsne(lambda n: max(n / 48, 50.0)),
}


def points(glove, n: int, float32: bool = False) -> np.ndarray:
    """(n, 50) the vectors of GloVe's n most frequent words, in float64 unless asked: the app's
    t-SNE computes in float64 (``projection.tsne`` converts its input), so the baseline gets the
    same numbers. Given float32, scikit-learn computes in float32 and lands elsewhere: at 100
    words and perplexity 5 its one deterministic start scores 0.848 instead of 0.779."""
    x = glove.rows(most_frequent_words(glove, n))
    return x if float32 else x.astype(np.float64)


def timed(fn, x, dims, perplexity, seed):
    """(CPU seconds, result). CPU time counts every thread of this process and hardly
    depends on what else the machine runs, so ratios are taken on it."""
    c0 = time.process_time()
    out = fn(x, dims, perplexity, seed)
    return time.process_time() - c0, out


def grid(sizes, perplexities):
    """(N, perplexity used) for every cell, each clipped perplexity once per N."""
    cells = []
    for n in sizes:
        used_here = []
        for p in perplexities:
            used, _ = fit_perplexity(n, p)
            if used not in used_here:
                used_here.append(used)
                cells.append((n, used))
    return cells


def spread(times) -> str:
    lo, mid, hi = np.min(times), np.median(times), np.max(times)
    return f"{lo:5.2f}/{mid:5.2f}/{hi:5.2f}"


HEADER = (f"{'dims':>4s} {'N':>5s} {'perp':>5s}  {'candidate':44s} {'base tw':>7s} "
          f"{'ours tw':>7s} {'diff':>7s}  {'base CPU s min/med/max':>22s}  "
          f"{'ours CPU s min/med/max':>22s} {'speed-up':>8s}  trust  speed")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 300, 1000, 3000])
    parser.add_argument("--perplexities", type=float, nargs="+", default=[5, 15, 30, 50])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..K-1 for every run")
    parser.add_argument("--candidates", action="store_true", help="also the other t-SNEs")
    parser.add_argument("--only", default="", help="candidates whose name has this text")
    parser.add_argument("--3d", dest="three_d", action="store_true", help="add 3-D runs")
    parser.add_argument("--float32", action="store_true",
                        help="feed every t-SNE float32 rows (scikit-learn then computes in "
                        "float32; the app's t-SNE always converts to float64)")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    glove = load_glove()
    runners = {OURS: app_tsne()} | (CANDIDATES if args.candidates else {})
    runners = {k: v for k, v in runners.items() if args.only in k or k == OURS}
    seeds = range(args.seeds)
    print(f"{args.seeds} seeds per cell; trustworthiness: 10 neighbours; target: diff >= "
          f"-{TOLERANCE} and, at N >= {SPEED_FROM}, speed-up >= {MIN_SPEEDUP:g}x")
    print(HEADER)
    results = []  # (dims, n, name, diff, speed-up)
    with threadpool_limits(1):
        warm = points(glove, 50, args.float32)  # imports and first calls: untimed
        for fn in [sklearn_default, *runners.values()]:
            fn(warm, 2, 5.0, 0)
        for dims in [2, 3] if args.three_d else [2]:
            for n, p in grid(args.sizes, args.perplexities):
                x = points(glove, n, args.float32)  # (n, 50)
                base_t, base_tw = [], []
                runs = {name: ([], []) for name in runners}  # name -> (CPU s, trust)
                for seed in seeds:  # interleaved: baseline, then each candidate, per seed
                    t, y = timed(sklearn_default, x, dims, p, seed)
                    base_t.append(t)
                    base_tw.append(trustworthiness(x, y))
                    for name, fn in runners.items():
                        t, y = timed(fn, x, dims, p, seed)
                        runs[name][0].append(t)
                        runs[name][1].append(trustworthiness(x, y))
                for name, (ts, tws) in runs.items():
                    diff = float(np.mean(tws) - np.mean(base_tw))
                    speedup = float(np.median(np.array(base_t) / np.array(ts)))
                    trust_ok = "yes" if diff >= -TOLERANCE else "NO"
                    speed_ok = "-" if n < SPEED_FROM else (
                        "yes" if speedup >= MIN_SPEEDUP else "NO")
                    results.append((dims, n, name, diff, speedup))
                    print(f"{dims:4d} {n:5d} {p:5.1f}  {name:44s} {np.mean(base_tw):7.4f} "
                          f"{np.mean(tws):7.4f} {diff:+7.4f}  {spread(base_t):>22s}  "
                          f"{spread(ts):>22s} {speedup:7.2f}x  {trust_ok:5s}  {speed_ok}",
                          flush=True)
    for name in runners:
        mine = [r for r in results if r[2] == name]
        big = [r for r in mine if r[1] >= SPEED_FROM]
        trust_ok = sum(r[3] >= -TOLERANCE for r in mine)
        speed_ok = sum(r[4] >= MIN_SPEEDUP for r in big)
        worst = min(mine, key=lambda r: r[3])
        speed_text = (f"speed-up >= {MIN_SPEEDUP:g}x in {speed_ok}/{len(big)} cells at "
                      f"N >= {SPEED_FROM} (min {min(r[4] for r in big):.2f}x)" if big else
                      f"no cell at N >= {SPEED_FROM}")
        print(f"summary, {name}: trustworthiness within {TOLERANCE} in {trust_ok}/{len(mine)} "
              f"cells (worst {worst[3]:+.4f} at N={worst[1]}); {speed_text}")


if __name__ == "__main__":
    main()

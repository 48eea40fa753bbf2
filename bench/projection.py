"""Benchmark for lesson 5: which t-SNE do we run? (python bench/projection.py)

The points are real: the N most frequent alphabetic words of GloVe 6B (50 dimensions), the
same vectors the lesson projects. Every candidate runs on one thread and is compared with
scikit-learn's default ``TSNE`` (the baseline) measured in the same run, on the same points:
time, the speed-up ratio against the baseline, and trustworthiness (scikit-learn,
10 neighbours), which must stay no more than 0.01 below the baseline's.

Each candidate runs with ``--seeds`` seeds (t-SNE's result depends on it; the baseline starts
from PCA and does not) and the mean is compared; the worst seed is shown too.
Options: ``--sizes 200 1000 3000`` (default), ``--seeds 2``, ``--3d`` to add 3-D runs.
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

SEED = 0
TOLERANCE = 0.01  # trustworthiness may be at most this much below the baseline's


def sklearn_default(x, dims=2, seed=SEED):
    from sklearn.manifold import TSNE

    return TSNE(n_components=dims, random_state=seed).fit_transform(x)


def sklearn_fast(x, dims=2, seed=SEED):
    from sklearn.manifold import TSNE

    return TSNE(n_components=dims, random_state=seed, max_iter=500, angle=0.8).fit_transform(x)


def open_tsne(**kwargs):
    def run(x, dims=2, seed=SEED):
        from openTSNE import TSNE

        opts = dict(n_components=dims, random_state=seed, n_jobs=1) | kwargs
        if dims == 3:
            opts["negative_gradient_method"] = "bh"  # FFT is only for 1-D and 2-D
        return np.asarray(TSNE(**opts).fit(x))

    return run


def app_choice(x, dims=2, seed=SEED):
    from embedviz.projection import TSNEConfig, tsne

    return tsne(x, TSNEConfig(dims=dims, seed=seed)).coords


CANDIDATES = {
    "openTSNE defaults (BH below 10k points)": open_tsne(),
    "openTSNE FFT, 125+250 it, exact kNN": open_tsne(
        negative_gradient_method="fft", early_exaggeration_iter=125, n_iter=250,
        neighbors="exact"
    ),
    "openTSNE BH, 125+250 it, exact kNN": open_tsne(
        negative_gradient_method="bh", early_exaggeration_iter=125, n_iter=250,
        neighbors="exact"
    ),
    "sklearn BH, 500 it, angle 0.8": sklearn_fast,
    "embedviz.projection.tsne (the app's choice)": app_choice,
}


def timed(fn, x, dims, seed):
    """(CPU seconds, wall seconds, result). CPU time counts every thread of this process
    and hardly depends on what else the machine runs, so ratios are taken on it."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn(x, dims, seed)
    return time.process_time() - c0, time.perf_counter() - t0, out


def main() -> None:
    from sklearn.manifold import trustworthiness

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 3000])
    parser.add_argument("--seeds", type=int, default=2, help="t-SNE seeds per candidate")
    parser.add_argument("--3d", dest="three_d", action="store_true")
    parser.add_argument("--only", default="", help="run only candidates whose name has this")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    glove = load_glove()
    dims_list = [2, 3] if args.three_d else [2]
    with threadpool_limits(1):
        for dims in dims_list:
            for n in args.sizes:
                x = glove.rows(most_frequent_words(glove, n))  # (n, 50)
                t_base, w_base, y = timed(sklearn_default, x, dims, SEED)  # PCA start: no seed
                tw_base = trustworthiness(x, y, n_neighbors=10)
                print(f"\n{dims}-D, N={n}: baseline sklearn TSNE() defaults "
                      f"{t_base:.2f} s CPU ({w_base:.2f} s wall), trustworthiness {tw_base:.4f}")
                print(f"  {'candidate (mean of ' + str(args.seeds) + ' seeds)':46s} {'CPU':>7s} "
                      f"{'wall':>7s} {'speed-up':>9s} {'trust':>7s} {'d trust':>8s} "
                      f"{'worst d':>8s}  ok")
                for name, fn in CANDIDATES.items():
                    if args.only and args.only not in name:
                        continue
                    runs = [timed(fn, x, dims, seed) for seed in range(args.seeds)]
                    t = float(np.mean([r[0] for r in runs]))
                    wall = float(np.mean([r[1] for r in runs]))
                    tws = [trustworthiness(x, y, n_neighbors=10) for _, _, y in runs]
                    tw = float(np.mean(tws))
                    ok = tw >= tw_base - TOLERANCE
                    print(f"  {name:46s} {t:6.2f}s {wall:6.2f}s {t_base / t:8.2f}x {tw:7.4f} "
                          f"{tw - tw_base:+8.4f} {min(tws) - tw_base:+8.4f}  "
                          f"{'yes' if ok else 'NO'}", flush=True)


if __name__ == "__main__":
    main()

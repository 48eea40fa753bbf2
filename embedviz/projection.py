"""Drawing a many-dimensional space on a flat screen: PCA and t-SNE (lesson 5).

- **PCA** rotates the centred points so the first axis follows the direction of greatest
  spread, the second the next (at right angles), and so on; the picture keeps the first 2
  or 3 axes. *Explained variance* says how much of the total spread each kept axis shows:
  what is left out is hidden from the picture. It is the SVD of the centred matrix.
- **t-SNE** forgets global distances and tries to keep each point's *neighbours* near it.
  *Perplexity* is roughly how many neighbours each point cares about; clusters, not
  distances between clusters, are what a t-SNE picture shows. It is random: the seed fixes it.

We run t-SNE with openTSNE (Barnes-Hut, exact neighbours, PCA start, learning rate
max(50, n/5)), chosen with ``bench/projection.py``, which measures it against scikit-learn's
default ``TSNE`` in the same run, on one thread, 3 seeds per cell, GloVe's 50 to 3,000 most
frequent words and perplexity 5 to 50. Its schedule depends on the number of points:

- below 1,000 points, where t-SNE takes well under a second anyway, scikit-learn's: 1,000
  iterations (a quarter with early exaggeration) and Barnes-Hut angle 0.5;
- from 1,000 points, a shorter one: 400 iterations (a third with early exaggeration) and a
  coarser angle of 1.0; 3.6x to 6x faster than scikit-learn there.

Its mean trustworthiness is within 0.01 of scikit-learn's in every cell of that grid.
*Trustworthiness* (scikit-learn) scores from 0 to 1 how many of the picture's nearest
neighbours are true neighbours in the original space.

Also here: the files of TensorFlow's Embedding Projector (``vectors.tsv`` + ``metadata.tsv``)
and the picture's coordinates as CSV.
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from embedviz.seeding import check_seed

MIN_TSNE_POINTS = 5
MIN_PERPLEXITY, MAX_PERPLEXITY = 2.0, 100.0
LARGE_MAP = 1000  # points from which t-SNE runs its short schedule (bench/projection.py)


@dataclass(frozen=True)
class Schedule:
    """How t-SNE runs for a map of a given size (see the module's docstring)."""

    n_iter: int  # iterations in total, unless the student sets them
    early_fraction: float  # share of the iterations spent with early exaggeration
    theta: float  # Barnes-Hut angle: larger is coarser and faster


SMALL_SCHEDULE = Schedule(n_iter=1000, early_fraction=1 / 4, theta=0.5)  # scikit-learn's
LARGE_SCHEDULE = Schedule(n_iter=400, early_fraction=1 / 3, theta=1.0)


def schedule_for(n_points: int) -> Schedule:
    return SMALL_SCHEDULE if n_points < LARGE_MAP else LARGE_SCHEDULE


# -- the points to draw --------------------------------------------------------------------


@dataclass(frozen=True)
class WordMap:
    """The words a picture shows, their vectors and categories."""

    words: list[str]
    matrix: np.ndarray  # (n, dim), a private copy of just these rows
    categories: dict[str, str]  # word -> category ("other" when it has none)
    unknown: list[str]  # words asked for that the source does not know, in order


def choose_points(
    base: Sequence[str],
    extra: Sequence[str],
    index: dict[str, int],
    rows: Callable[[list[int]], np.ndarray],
    categories: dict[str, str] | None = None,
    extra_category: str = "added",
) -> WordMap:
    """``base`` words then the student's ``extra`` ones, each once, if ``index`` knows them.

    ``rows(indices)`` returns those rows of the source matrix, so a memory-mapped source
    is only read where the picture needs it.
    """
    words, unknown, seen = [], [], set()
    for w in [*base, *extra]:
        if w in seen:
            continue
        seen.add(w)
        (words if w in index else unknown).append(w)
    cats = {w: (categories or {}).get(w) or "other" for w in words}
    base_set = set(base)
    cats.update({w: extra_category for w in words if w not in base_set and cats[w] == "other"})
    matrix = np.asarray(rows(np.array([index[w] for w in words], dtype=np.int64)),
                        dtype=np.float32)  # (n, dim)
    return WordMap(words, matrix, cats, unknown)


# -- PCA -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PCABasis:
    """The mean and the principal directions of a set of points."""

    mean: np.ndarray  # (dim,)
    components: np.ndarray  # (n_components, dim), unit rows, most spread first
    explained_variance: np.ndarray  # (n_components,) variance along each component
    explained_variance_ratio: np.ndarray  # (n_components,) share of the total variance

    def project(self, matrix: np.ndarray) -> np.ndarray:
        """Coordinates of points in this basis: (n, dim) -> (n, n_components)."""
        return (np.asarray(matrix, dtype=np.float64) - self.mean) @ self.components.T


def pca_basis(matrix: np.ndarray, n_components: int = 2) -> PCABasis:
    """PCA by SVD of the centred points; each axis's sign is fixed so pictures don't flip."""
    x = np.asarray(matrix, dtype=np.float64)  # (n, dim)
    n, dim = x.shape
    if n < 2:
        raise ValueError("PCA needs at least two points")
    if not 1 <= n_components <= min(n, dim):
        raise ValueError(f"PCA of {n} points in {dim} dimensions keeps 1 to {min(n, dim)} axes")
    mean = x.mean(axis=0)  # (dim,)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)  # vt: (min(n, dim), dim)
    signs = np.sign(vt[np.arange(len(vt)), np.argmax(np.abs(vt), axis=1)])
    vt = vt * np.where(signs == 0, 1.0, signs)[:, None]  # largest loading of each axis > 0
    variance = s**2 / (n - 1)  # (min(n, dim),)
    total = variance.sum()
    ratio = variance / total if total > 0 else np.zeros_like(variance)
    k = n_components
    return PCABasis(mean, vt[:k], variance[:k], ratio[:k])


# -- t-SNE ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TSNEConfig:
    dims: int = 2
    perplexity: float = 30.0
    n_iter: int | None = None  # in total; None: the schedule's for the map's size
    learning_rate: float | None = None  # None: auto_learning_rate(n), max(50, n / 5)
    seed: int = 0


@dataclass(frozen=True)
class TSNEResult:
    coords: np.ndarray  # (n, dims)
    perplexity: float  # the perplexity actually used
    note: str | None  # why it differs from the one asked for, in plain words
    kl_divergence: float | None  # the final cost t-SNE minimised


def max_perplexity(n_points: int) -> float:
    """Each point needs about 3 x perplexity neighbours, so perplexity < (n - 1) / 3."""
    return (n_points - 1) / 3


def fit_perplexity(n_points: int, perplexity: float) -> tuple[float, str | None]:
    """The perplexity t-SNE can use for ``n_points``, and a message if it had to change."""
    if n_points < MIN_TSNE_POINTS:
        raise ValueError(f"t-SNE needs at least {MIN_TSNE_POINTS} points, not {n_points}")
    if not np.isfinite(perplexity) or perplexity <= 0:
        raise ValueError("perplexity is a positive number")
    top = max_perplexity(n_points)
    if perplexity <= top:
        return float(perplexity), None
    used = float(np.floor(top * 10) / 10)
    note = (f"Perplexity {perplexity:g} is too large for {n_points} points: each point would "
            f"need about {3 * perplexity:.0f} neighbours. Using {used:g}, the largest that fits "
            f"(it must stay below (points - 1) / 3).")
    return used, note


AUTO_LEARNING_RATE_RULE = "max(50, N/5)"  # in words, for the page's "auto" choice


def auto_learning_rate(n_points: int) -> float:
    """The step size t-SNE uses unless told otherwise: max(50, n / 5), in openTSNE's units.

    scikit-learn documents max(n / 48, 50) for its own gradient, which is 4 times openTSNE's,
    so the same steps in openTSNE are max(n / 12, 200), our old rule. In our tuning runs 200
    was too large below about 500 points and n / 48 too small at 1,000; n / 5 with
    scikit-learn's floor of 50 came closest. ``bench/projection.py --candidates`` runs both.
    """
    return max(50.0, n_points / 5)


def tsne(
    matrix: np.ndarray,
    cfg: TSNEConfig = TSNEConfig(),
    progress: Callable[[float], None] | None = None,
) -> TSNEResult:
    """t-SNE with openTSNE; ``progress(fraction)`` is called as the iterations advance."""
    import openTSNE  # heavy: only when t-SNE is asked for

    x = np.asarray(matrix, dtype=np.float64)  # (n, dim)
    seed = check_seed(cfg.seed)
    if cfg.dims not in (2, 3):
        raise ValueError("t-SNE draws in 2 or 3 dimensions")
    plan = schedule_for(len(x))
    n_iter = plan.n_iter if cfg.n_iter is None else int(cfg.n_iter)
    if n_iter < 30:
        raise ValueError("t-SNE needs at least 30 iterations")
    perplexity, note = fit_perplexity(len(x), cfg.perplexity)
    lr = cfg.learning_rate or auto_learning_rate(len(x))
    n_early = max(10, round(n_iter * plan.early_fraction))
    n_late = n_iter - n_early
    done = [0]

    def tick(iteration, error, embedding):  # openTSNE's callback, every 25 iterations
        done[0] += 25
        if progress is not None:
            progress(min(1.0, done[0] / n_iter))

    affinities = openTSNE.affinity.PerplexityBasedNN(
        x, perplexity=perplexity, method="exact", n_jobs=1, random_state=seed
    )
    start = openTSNE.initialization.pca(x, n_components=cfg.dims, random_state=seed)
    emb = openTSNE.TSNEEmbedding(
        start, affinities, negative_gradient_method="bh", theta=plan.theta, n_jobs=1,
        random_state=seed, callbacks=tick, callbacks_every_iters=25,
    )
    emb = emb.optimize(n_iter=n_early, exaggeration=12, momentum=0.5, learning_rate=lr)
    emb = emb.optimize(n_iter=n_late, momentum=0.8, learning_rate=lr)
    if progress is not None:
        progress(1.0)
    kl = getattr(emb, "kl_divergence", None)
    return TSNEResult(np.asarray(emb, dtype=np.float64), perplexity, note,
                      None if kl is None else float(kl))


_tsne_cache: OrderedDict[tuple, TSNEResult] = OrderedDict()
_tsne_lock = threading.Lock()
TSNE_CACHE_SIZE = 32  # results of a few KB each, shared by every session


def cache_key(matrix: np.ndarray, *settings) -> tuple:
    """What defines a result: the exact numbers of the matrix, its shape, the settings."""
    x = np.ascontiguousarray(matrix)
    return (hashlib.sha256(x.tobytes()).hexdigest(), x.shape, str(x.dtype), *settings)


def tsne_lookup(matrix: np.ndarray, cfg: TSNEConfig = TSNEConfig()) -> TSNEResult | None:
    """The remembered result for these inputs, or None (nothing is computed)."""
    key = cache_key(matrix, cfg)
    with _tsne_lock:
        return _tsne_cache.get(key)


def tsne_cached(
    matrix: np.ndarray,
    cfg: TSNEConfig = TSNEConfig(),
    progress: Callable[[float], None] | None = None,
) -> TSNEResult:
    """:func:`tsne`, remembered by its inputs: returning to a view is instant.

    (The page cannot use ``st.cache_data`` here: its progress bar, drawn while t-SNE runs,
    would be recorded into the cache and replayed.)
    """
    key = cache_key(matrix, cfg)
    with _tsne_lock:
        if key in _tsne_cache:
            _tsne_cache.move_to_end(key)
            return _tsne_cache[key]
    result = tsne(matrix, cfg, progress)
    result.coords.flags.writeable = False  # shared by every session that asks again
    with _tsne_lock:
        _tsne_cache[key] = result
        while len(_tsne_cache) > TSNE_CACHE_SIZE:
            _tsne_cache.popitem(last=False)
    return result


def trustworthiness(matrix: np.ndarray, coords: np.ndarray, n_neighbors: int = 10) -> float:
    """How far the picture's neighbours are true neighbours (scikit-learn), 0 to 1."""
    from sklearn.manifold import trustworthiness as sk_trustworthiness

    n = len(coords)
    k = min(n_neighbors, (n - 1) // 2 - 1)  # scikit-learn needs k < n / 2
    if k < 1:
        raise ValueError("trustworthiness needs at least 5 points")
    return float(sk_trustworthiness(np.asarray(matrix), np.asarray(coords), n_neighbors=k))


# -- export --------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """One TSV cell: tabs and line breaks would break the columns, so they become spaces."""
    return " ".join(str(text).split()) or " "


def projector_files(
    words: Sequence[str], matrix: np.ndarray, categories: dict[str, str] | None = None
) -> tuple[str, str]:
    """``(vectors.tsv, metadata.tsv)`` for https://projector.tensorflow.org.

    vectors.tsv: one row per word, its numbers separated by tabs, no header. metadata.tsv:
    the words alone (no header), or, with categories, a header row ``word<TAB>category``.
    Numbers are written with 9 significant digits, enough to read float32 back exactly.
    """
    x = np.asarray(matrix, dtype=np.float32)  # (n, dim)
    if x.ndim != 2 or len(x) != len(words):
        raise ValueError("one row of numbers per word")
    out = io.StringIO()
    np.savetxt(out, x, fmt="%.9g", delimiter="\t")
    if categories:
        lines = ["word\tcategory"] + [
            f"{_cell(w)}\t{_cell(categories.get(w) or 'other')}" for w in words
        ]
    else:
        lines = [_cell(w) for w in words]
    return out.getvalue(), "\n".join(lines) + "\n"


def coordinates_csv(
    words: Sequence[str], coords: np.ndarray, categories: dict[str, str] | None = None
) -> str:
    """The picture's points as CSV: ``word,category,x,y[,z]``."""
    coords = np.asarray(coords, dtype=np.float64)  # (n, 2 or 3)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["word", "category", *"xyz"[: coords.shape[1]]])
    for w, row in zip(words, coords):
        writer.writerow([w, (categories or {}).get(w) or "other", *(repr(float(v)) for v in row)])
    return out.getvalue()

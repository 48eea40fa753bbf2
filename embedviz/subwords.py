"""Words it has never seen: ``[UNK]``, byte-pair encoding and WordPiece (lesson 7).

An embedding table has one row per token it knows. A word-level vocabulary sends every word
it has not seen to the single ``[UNK]`` row, so "refrigerator" and "unrefrigerated" get the
same vector and the model cannot tell them apart. Subword vocabularies fix this: a word is
split into pieces the table knows, and each piece has its own row.

**Byte-pair encoding** (Sennrich et al., 2016; GPT-2 uses it on bytes) learns the pieces
from a text:

1. Split the text into words and count them (here with lesson 1's tokenizer:
   lower case, punctuation apart). Write every word as a list of symbols: its characters,
   or its UTF-8 bytes.
2. Count every pair of neighbouring symbols, over all words, weighted by word count.
3. Merge the most frequent pair into one new symbol everywhere, add it to the vocabulary.
4. Repeat from 2 for as many merges as you want.

Encoding a new word replays the learned merges in the order they were learned (the pair with
the earliest merge first), so an unseen word ends up as known pieces. Ties (two pairs with the
same count) go to the pair whose pieces have the smaller IDs, as in Hugging Face
``tokenizers``' ``BpeTrainer``: the tests check that both give the same merges and encodings.

With bytes, each byte is written as one printable character (GPT-2's ``bytes_to_unicode``
map, the one ``tokenizers``' ``ByteLevel`` uses), so the merge loop is the same code for both
alphabets; :func:`show_piece` turns pieces back into bytes for the screen.

**WordPiece** (BERT's tokenizer) splits a word greedily: the longest piece of the vocabulary
that starts the word, then the longest ``##`` continuation piece, and so on.
:func:`wordpiece_split` is that loop, checked against the real all-MiniLM-L6-v2 tokenizer.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from embedviz import corpora
from embedviz.embedding import EmbeddingConfig, make_embedding
from embedviz.similarity import Neighbour, nearest_to_vector, row_norms, similarity_matrix, unit
from embedviz.text import SPECIALS, UNK, UNK_ID, Vocabulary, tokenize

ALPHABETS = {"characters": "characters (Unicode)", "bytes": "bytes (UTF-8, like GPT-2)"}
MAX_TEXT_CHARS = 100_000  # a student's text is cut here (with a message)
MAX_MERGES = 3_000
MAX_SENTENCE_CHARS = 500
UNK_BERT = "[UNK]"  # the real model's unknown token (ID 100 of its vocabulary)

# ---------------------------------------------------------------------------- the texts

BUILTIN_TEXTS = {
    "python": "Python's reference manual (English prose shipped with Python)",
    "things": "Six kinds of things (lesson 3's corpus)",
    "reviews": "Positive and negative reviews (lesson 3's corpus)",
}
PYTHON_TEXT_CHARS = 200_000  # the first part of the manual: enough for thousands of merges


@functools.cache
def builtin_text(name: str) -> str:
    """A built-in text, read once per process."""
    if name == "python":
        import pydoc_data.topics  # the help() texts of Python itself, in its standard library

        topics = pydoc_data.topics.topics
        return "\n".join(topics[k] for k in sorted(topics))[:PYTHON_TEXT_CHARS]
    if name in ("things", "reviews"):
        corpus = corpora.load_builtin(name)
        return "\n".join(" ".join(s) for s in corpus.sentences)
    raise ValueError(f"unknown text {name!r}; choose one of {list(BUILTIN_TEXTS)}")


def word_counts(text: str) -> Counter:
    """How often each word (lesson 1's tokens) occurs in the text."""
    return Counter(tokenize(text))


# ---------------------------------------------------------------------------- word level


@dataclass(frozen=True)
class WordLevel:
    """A sentence through a word-level vocabulary: unknown words all become ``[UNK]``."""

    vocab: Vocabulary
    tokens: list[str]  # the sentence's words, as typed (lower case)
    ids: list[int]  # (seq,) their IDs, UNK_ID for unknown words
    unknown: list[str]  # distinct unknown words, in order
    unknown_vectors: np.ndarray  # (n_unknown, dim) the rows they look up: all the [UNK] row
    unknown_cosine: np.ndarray  # (n_unknown, n_unknown) all 1: the model cannot tell them apart


@functools.lru_cache(maxsize=32)
def text_vocabulary(text: str) -> Vocabulary:
    """The word-level vocabulary of a text (most frequent first), built once per text."""
    return Vocabulary.from_text(text, order="frequency")


def word_level(train_text: str, sentence: str, dim: int = 8, seed: int = 0) -> WordLevel:
    """Build a vocabulary from ``train_text`` and look the sentence's words up in it."""
    vocab = text_vocabulary(train_text)
    table = make_embedding(EmbeddingConfig(vocab_size=len(vocab), dim=dim, seed=seed))
    tokens = tokenize(sentence)
    ids = vocab.encode_tokens(tokens)
    unknown = list(dict.fromkeys(t for t, i in zip(tokens, ids) if i == UNK_ID))
    rows = table.weight.detach().numpy()[vocab.encode_tokens(unknown)]  # (n_unknown, dim)
    return WordLevel(vocab, tokens, ids, unknown, rows, similarity_matrix(rows, "cosine"))


# ---------------------------------------------------------------------------- bytes


def _bytes_to_chars() -> dict[int, str]:
    """GPT-2's map from the 256 bytes to printable characters (as ``tokenizers`` ByteLevel)."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:  # space, control bytes...: moved past 255 so every byte prints as one character
            chars[b] = chr(256 + extra)
            extra += 1
    return chars


BYTE_CHAR = _bytes_to_chars()
CHAR_BYTE = {c: b for b, c in BYTE_CHAR.items()}


def to_symbols(word: str, alphabet: str) -> list[str]:
    """The symbols a word starts as: its characters, or its UTF-8 bytes (one char each)."""
    if alphabet == "characters":
        return list(word)
    if alphabet == "bytes":
        return [BYTE_CHAR[b] for b in word.encode("utf-8")]
    raise ValueError(f"alphabet must be one of {list(ALPHABETS)}, not {alphabet!r}")


def piece_bytes(piece: str) -> bytes:
    """The bytes a byte-level piece stands for."""
    return bytes(CHAR_BYTE[c] for c in piece)


def show_piece(piece: str, alphabet: str) -> str:
    """A piece as a student should read it: text, or for bytes that are not whole
    characters, the bytes in hex (``<F0 9F>``), never garbled characters."""
    if alphabet == "characters" or piece in SPECIALS:
        return piece
    raw = piece_bytes(piece)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "<" + " ".join(f"{b:02X}" for b in raw) + ">"
    return text if text.isprintable() else "<" + " ".join(f"{b:02X}" for b in raw) + ">"


# ---------------------------------------------------------------------------- BPE training


@dataclass(frozen=True)
class BPEConfig:
    alphabet: str = "characters"  # a key of ALPHABETS
    max_merges: int = MAX_MERGES


@dataclass(frozen=True)
class Merge:
    left: str
    right: str
    piece: str  # left + right, the new symbol
    count: int  # how often the pair appeared in the text when it was merged


@dataclass(frozen=True, eq=False)
class BPE:
    """The merges learned from a text, and everything needed to replay the first ``k``."""

    alphabet: str
    base: tuple[str, ...]  # the starting symbols, sorted by code point
    merges: tuple[Merge, ...]  # in the order they were learned
    vocab: tuple[str, ...]  # [PAD], [UNK], base, then each new piece once, in order
    first_tokens: int  # symbols in the whole text before any merge
    stop_reason: str  # why training stopped
    ranks: dict = field(repr=False)  # (left, right) -> merge number
    ids: dict = field(repr=False)  # piece -> ID

    def vocab_size(self, k: int) -> int:
        """Rows of the embedding table after the first ``k`` merges."""
        return len(SPECIALS) + len(self.base) + len({m.piece for m in self.merges[:k]})

    def pieces(self, k: int) -> list[str]:
        """The vocabulary after ``k`` merges, in ID order."""
        return list(self.vocab[: self.vocab_size(k)])

    def text_tokens(self, k: int) -> int:
        """Tokens in the whole training text after the first ``k`` merges."""
        return self.first_tokens - sum(m.count for m in self.merges[:k])

    def curve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For k = 0..all merges: (k, tokens in the whole text, vocabulary size)."""
        ks = np.arange(len(self.merges) + 1)  # (n_merges + 1,)
        counts = np.array([0] + [m.count for m in self.merges])
        new_piece = np.zeros(len(ks), dtype=np.int64)
        seen: set[str] = set()
        for i, m in enumerate(self.merges, start=1):
            new_piece[i] = m.piece not in seen
            seen.add(m.piece)
        start = len(SPECIALS) + len(self.base)
        return ks, self.first_tokens - np.cumsum(counts), start + np.cumsum(new_piece)

    def encode_word(self, word: str, k: int) -> list[str]:
        """A word as pieces, replaying the first ``k`` merges, earliest merge first."""
        known = set(self.base)
        symbols = [s if s in known else UNK for s in to_symbols(word, self.alphabet)]
        while len(symbols) > 1:
            ranked = [(self.ranks.get(p, k), i) for i, p in enumerate(zip(symbols, symbols[1:]))]
            rank, _ = min(ranked)
            if rank >= k:
                break  # no pair of the first k merges is left in the word
            merge = self.merges[rank]
            symbols = merge_pair(symbols, merge.left, merge.right)
        return symbols

    def encode(self, text: str, k: int) -> tuple[list[str], list[int]]:
        """A text's pieces and their IDs after ``k`` merges (words from lesson 1's tokenizer)."""
        pieces = [p for word in tokenize(text) for p in self.encode_word(word, k)]
        return pieces, [self.ids.get(p, UNK_ID) for p in pieces]


def merge_pair(symbols: list[str], left: str, right: str) -> list[str]:
    """Every ``left right`` neighbour pair of ``symbols`` made one symbol, left to right."""
    out, i = [], 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
            out.append(left + right)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def _pairs(symbols: list[str]) -> Counter:
    return Counter(zip(symbols, symbols[1:]))


def train_bpe(counts: Counter, cfg: BPEConfig = BPEConfig(),
              progress: Callable[[float], None] | None = None) -> BPE:
    """Learn up to ``cfg.max_merges`` merges from word counts: the merge loop of the lesson.

    Pair counts are kept up to date as words change (only the words holding the merged pair
    are rewritten), and a heap finds the most frequent pair; an entry whose count is out of
    date is skipped, since every change pushes the pair's current count. ``progress`` is
    told the share of the merges done, every 100 merges.
    """
    words = [to_symbols(w, cfg.alphabet) for w in counts]  # each distinct word, as symbols
    freq = list(counts.values())
    base = sorted({s for w in words for s in w}, key=ord)
    if cfg.alphabet == "bytes":  # all 256 bytes: a byte-level vocabulary never needs [UNK]
        base = sorted(BYTE_CHAR.values(), key=ord)
    vocab = [*SPECIALS, *base]
    ids = {p: i for i, p in enumerate(vocab)}

    pair_count: Counter = Counter()  # (left, right) -> occurrences in the text
    where = defaultdict(set)  # (left, right) -> indices of the words that hold it
    for i, w in enumerate(words):
        for pair, n in _pairs(w).items():
            pair_count[pair] += n * freq[i]
            where[pair].add(i)
    heap = [_entry(p, c, ids) for p, c in pair_count.items()]
    heapq.heapify(heap)

    merges: list[Merge] = []
    stop = f"stopped at the {cfg.max_merges:,} merges asked for"
    while len(merges) < cfg.max_merges:
        best = _pop_best(heap, pair_count)
        if best is None:
            stop = f"the text allows only {len(merges):,} merges: every word is now one token"
            break
        (left, right), count = best
        piece = left + right
        if piece not in ids:  # two different pairs can spell the same piece: one row
            ids[piece] = len(vocab)
            vocab.append(piece)
        merges.append(Merge(left, right, piece, count))
        if progress is not None and len(merges) % 100 == 0:
            progress(len(merges) / cfg.max_merges)
        changed = set()
        for i in sorted(where.pop((left, right))):
            old, new = words[i], merge_pair(words[i], left, right)
            for pair, n in _pairs(old).items():
                pair_count[pair] -= n * freq[i]
                changed.add(pair)
            for pair, n in _pairs(new).items():
                pair_count[pair] += n * freq[i]
                where[pair].add(i)
                changed.add(pair)
            words[i] = new
        for pair in changed:
            if pair_count[pair] > 0:
                heapq.heappush(heap, _entry(pair, pair_count[pair], ids))
            else:
                del pair_count[pair]
                where.pop(pair, None)
    first_tokens = sum(len(to_symbols(w, cfg.alphabet)) * n for w, n in counts.items())
    return BPE(
        alphabet=cfg.alphabet, base=tuple(base), merges=tuple(merges), vocab=tuple(vocab),
        first_tokens=first_tokens, stop_reason=stop,
        ranks=_first_ranks(merges), ids=ids,
    )


def _entry(pair: tuple[str, str], count: int, ids: dict) -> tuple:
    """A heap entry: the most frequent pair first, then the pair with the smaller IDs."""
    return (-count, ids[pair[0]], ids[pair[1]], pair)


def _pop_best(heap: list, pair_count: Counter):
    while heap:
        neg, _, _, pair = heapq.heappop(heap)
        if pair_count.get(pair, 0) == -neg:  # else the entry is out of date: skip it
            return pair, -neg
    return None


def _first_ranks(merges: list[Merge]) -> dict:
    ranks = {}
    for r, m in enumerate(merges):
        ranks.setdefault((m.left, m.right), r)
    return ranks


_trained: dict = {}  # (text digest, alphabet) -> BPE: built once per process, shared read-only
_TRAINED_KEEP = 24  # a few students' own texts besides the built-in ones
_trained_lock = threading.Lock()  # guards the two dicts only: never held while training
_training: dict = {}  # key -> threading.Event: a training of that text is under way


def text_key(text: str, alphabet: str) -> tuple[str, str]:
    """What a text's merges depend on: its exact characters (a digest) and the alphabet."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), alphabet


def bpe_for_text(text: str, alphabet: str,
                 progress: Callable[[float], None] | None = None) -> BPE:
    """The full merge list of a text (``MAX_MERGES``), learned once per process and shared:
    a slider then only replays the first k merges, which costs milliseconds.

    Two callers asking for the same text wait for one training; a caller asking for a text
    already learned (or for another text) never waits for someone else's training."""
    key = text_key(text, alphabet)
    while True:
        with _trained_lock:
            if key in _trained:
                return _trained[key]
            running = _training.get(key)
            if running is None:
                running = _training[key] = threading.Event()
                break
        running.wait()  # the same text, learned by another thread: then read it
    try:
        bpe = train_bpe(word_counts(text), BPEConfig(alphabet, MAX_MERGES), progress)
        with _trained_lock:
            if len(_trained) >= _TRAINED_KEEP:
                _trained.pop(next(iter(_trained)))  # the oldest
            _trained[key] = bpe
        return bpe
    finally:
        with _trained_lock:
            _training.pop(key).set()


@dataclass(frozen=True)
class TextMerges:
    """Everything lesson 7 learns from one text: its merges and the trade-off curve."""

    bpe: BPE
    trade_off: list  # [TradeOffPoint], empty for a text with fewer than five sentences


def learn_text(text: str, alphabet: str,
               progress: Callable[[float], None] | None = None) -> TextMerges:
    """The merges of the whole text and the trade-off (merges of four sentences out of
    five): the long work of lesson 7, run as one shared job (``ui.background``)."""
    def part(lo: float):
        return None if progress is None else (lambda f: progress(lo + f / 2))

    bpe = bpe_for_text(text, alphabet, part(0.0))
    seen, held = held_out_split(text)
    if held and tokenize(seen):
        bpe_for_text(seen, alphabet, part(0.5))  # trade_off reads it from the cache
    return TextMerges(bpe, trade_off(text, alphabet))


# ---------------------------------------------------------------------------- the trade-off


def sentences_of(text: str) -> list[str]:
    """Sentences: lines, cut after ., !, ? (and the CJK full stops)."""
    import re

    parts = re.split(r"(?<=[.!?。！？])\s+|\n+", text)
    return [p for p in (s.strip() for s in parts) if tokenize(p)]


@dataclass(frozen=True)
class TradeOffPoint:
    name: str  # "characters", "BPE, 500 merges", "whole words"
    vocab_size: int  # rows of the embedding table
    tokens_per_sentence: float  # mean over the held-out sentences
    unk_share: float  # share of the held-out tokens that are [UNK]


def held_out_split(text: str, every: int = 5) -> tuple[str, list[str]]:
    """Every ``every``-th sentence is held out (the text the vocabulary never saw)."""
    sents = sentences_of(text)
    held = [s for i, s in enumerate(sents) if i % every == every - 1]
    seen = [s for i, s in enumerate(sents) if i % every != every - 1]
    return "\n".join(seen), held


TRADE_OFF_MERGES = (100, 250, 500, 1_000, 2_000, 3_000)


@functools.lru_cache(maxsize=32)
def trade_off(text: str, alphabet: str) -> list[TradeOffPoint]:
    """Vocabulary size against sequence length and [UNK] share, measured on held-out
    sentences: from single symbols, through BPE, to a vocabulary of whole words."""
    seen, held = held_out_split(text)
    if not held or not tokenize(seen):
        return []
    bpe = bpe_for_text(seen, alphabet)
    merges = [0] + [k for k in TRADE_OFF_MERGES if k <= len(bpe.merges)]
    if len(bpe.merges) not in merges:
        merges.append(len(bpe.merges))
    points = []
    for k in merges:
        ids = [bpe.encode(s, k)[1] for s in held]
        name = alphabet if k == 0 else f"BPE, {k:,} merges"
        points.append(_point(name, bpe.vocab_size(k), ids))
    words = Vocabulary.from_text(seen, order="frequency")
    points.append(_point("whole words", len(words), [words.encode(s).ids for s in held]))
    return points


def _point(name: str, vocab_size: int, ids: list[list[int]]) -> TradeOffPoint:
    n = sum(len(s) for s in ids)
    unk = sum(i == UNK_ID for s in ids for i in s)
    return TradeOffPoint(name, vocab_size, n / len(ids), unk / n if n else 0.0)


# ---------------------------------------------------------------------------- WordPiece


def wordpiece_split(word: str, vocab, prefix: str = "##", unk: str = UNK_BERT,
                    max_chars: int = 100) -> list[str]:
    """BERT's WordPiece on one word: the longest vocabulary piece that starts what is left,
    continuation pieces written with ``##``; a word with no split at all is ``[UNK]``."""
    if len(word) > max_chars:
        return [unk]
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:  # the longest piece first
            piece = word[start:end] if start == 0 else prefix + word[start:end]
            if piece in vocab:
                break
            end -= 1
        if end == start:
            return [unk]  # some part of the word has no piece: the whole word is unknown
        pieces.append(piece)
        start = end
    return pieces


def bert_words(text: str) -> list[str]:
    """The words the real model's WordPiece sees: its own normaliser (lower case, accents
    stripped) and pre-tokeniser (spaces, punctuation, each CJK character)."""
    from embedviz import minilm

    tok = minilm.tokenizer()
    normal = tok.normalizer.normalize_str(text)
    return [w for w, _ in tok.pre_tokenizer.pre_tokenize_str(normal)]


def wordpiece_tokens(text: str) -> list[str]:
    """The text split by :func:`wordpiece_split`, word by word (the teaching version)."""
    vocab = real_vocab()
    return [p for w in bert_words(text) for p in wordpiece_split(w, vocab)]


@functools.cache
def real_vocab() -> dict:
    """The real model's 30,522 tokens -> IDs."""
    from embedviz import minilm

    return minilm.tokenizer().get_vocab()


@dataclass(frozen=True)
class RealSplit:
    tokens: list[str]
    ids: list[int]
    words: list[str]  # the pre-tokenised word each token comes from


def real_split(text: str) -> RealSplit:
    """The real tokenizer's split (no [CLS]/[SEP]), what ``tokenizers`` itself returns."""
    from embedviz import minilm

    enc = minilm.tokenizer().encode(text, add_special_tokens=False)
    words = bert_words(text)
    return RealSplit(list(enc.tokens), list(enc.ids),
                     [words[w] if w is not None and w < len(words) else "" for w in enc.word_ids])


# ---------------------------------------------------------------------------- unseen words


_table_lock = threading.Lock()  # its own lock: a text's training never holds it up


def real_table() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The real token table (30522, 384), its row lengths and its tokens, shared read-only."""
    with _table_lock:
        return _real_table()


@functools.cache
def _real_table():
    from embedviz import minilm

    table = minilm.token_table()  # (30522, 384) read-only
    norms = row_norms(table)  # (30522,)
    norms.flags.writeable = False
    vocab = real_vocab()
    words = [""] * len(vocab)
    for tok, i in vocab.items():
        words[i] = tok
    return table, norms, words


SPECIAL_IDS = (0, 100, 101, 102, 103)  # [PAD] [UNK] [CLS] [SEP] [MASK] of BERT's vocabulary


@dataclass(frozen=True)
class PiecesVector:
    """An unseen word's vector from its pieces' rows (fastText's idea), next to [UNK]'s."""

    word: str
    pieces: list[str]
    ids: list[int]
    vector: np.ndarray  # (384,) the mean of the pieces' rows
    neighbours: list[Neighbour]  # nearest rows to the mean (pieces and specials left out)
    unk_neighbours: list[Neighbour]  # nearest rows to the [UNK] row
    related: str | None  # a known word to compare with
    cos_mean_related: float | None  # cosine(mean of pieces, row of related)
    cos_unk_related: float | None  # cosine([UNK] row, row of related)


def pieces_vector(word: str, related: str | None = None, k: int = 8) -> PiecesVector:
    """Look a word's pieces up in the real token table and average them."""
    table, norms, words = real_table()
    split = real_split(word)
    ids = split.ids
    vector = table[ids].astype(np.float64).mean(axis=0) if ids else np.zeros(table.shape[1])
    exclude = sorted(set(ids) | set(SPECIAL_IDS))
    near = nearest_to_vector(words, table, vector, k, exclude=exclude, norms=norms) if ids else []
    unk_row = table[real_vocab()[UNK_BERT]]
    unk_near = nearest_to_vector(words, table, unk_row, k, exclude=[real_vocab()[UNK_BERT]],
                                 norms=norms)
    rel_id = real_vocab().get(related) if related else None
    cos_mean = cos_unk = None
    if rel_id is not None and ids:
        rel = table[rel_id].astype(np.float64)
        cos_mean = float(unit(vector) @ unit(rel))
        cos_unk = float(unit(unk_row.astype(np.float64)) @ unit(rel))
    return PiecesVector(word, split.tokens, ids, vector, near, unk_near,
                        related if rel_id is not None else None, cos_mean, cos_unk)

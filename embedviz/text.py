"""Text -> tokens -> token IDs (lesson 1, and every lesson after it).

The tokenizer is deliberately simple so a student can predict it:

1. Unicode is normalised (NFKC): "café" typed with a combining accent and "café" typed
   with a precomposed "é" become the same token.
2. Invisible format characters (zero-width spaces and joiners) and control characters are
   treated as spaces, so "cat<zero-width space>dog" is two words, never an invisible token.
3. Text is lower-cased.
4. A token is a run of letters/digits (``\\w+``), one CJK character (Chinese, Japanese and
   Korean are written without spaces; BERT's basic tokenizer splits them the same way), or
   one other visible symbol: punctuation and emoji are tokens of their own.
5. A token longer than ``MAX_TOKEN_CHARS`` is cut to that length.

Real models use subword tokenizers (BPE, WordPiece); lesson 6 shows why. Here a word is a
token, which keeps the lookup table small enough to look at.

A :class:`Vocabulary` maps tokens to IDs. ID 0 is always ``[PAD]`` (fills a sentence up to
a fixed length) and ID 1 is always ``[UNK]`` (any token the vocabulary does not know).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PAD, UNK = "[PAD]", "[UNK]"
PAD_ID, UNK_ID = 0, 1
SPECIALS = (PAD, UNK)
MAX_TOKEN_CHARS = 40

_CJK = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\uac00-\ud7af"  # hangul syllables
)
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+|[^\w\s]", re.UNICODE)


def _is_invisible(ch: str) -> bool:
    # Cc: control characters (NUL, BEL, ESC, ...); Cf: format characters (zero-width ...).
    return unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n\r"


def normalize(text: str) -> str:
    """NFKC, lower case, invisible characters turned into spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if _is_invisible(ch) else ch for ch in text)
    return text.lower()


def tokenize(text: str) -> list[str]:
    """Split text into lower-case word, CJK-character and symbol tokens.

    >>> tokenize("White refrigerator is evil.")
    ['white', 'refrigerator', 'is', 'evil', '.']
    """
    return [tok[:MAX_TOKEN_CHARS] for tok in _TOKEN.findall(normalize(text))]


@dataclass(frozen=True)
class Encoded:
    """One sentence as the embedding layer sees it."""

    tokens: list[str]  # one per position: the text's tokens (unknown ones as typed), then [PAD]
    ids: list[int]  # (seq_len,)
    n_real: int  # how many of the positions hold real tokens (the rest is padding)
    n_truncated: int  # how many tokens were cut off the end to fit the length
    unknown: list[str]  # tokens that became [UNK], in order of appearance


@dataclass
class Vocabulary:
    """Tokens <-> IDs, with ``[PAD]`` = 0 and ``[UNK]`` = 1.

    Build one with :meth:`from_text` or :meth:`from_tokens`. ``itos`` is the list of tokens
    in ID order (index -> string), ``stoi`` the reverse map (string -> index).
    """

    itos: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    stoi: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if tuple(self.itos[:2]) != SPECIALS:
            raise ValueError("a vocabulary starts with [PAD], [UNK]")
        if len(set(self.itos)) != len(self.itos):
            raise ValueError("a vocabulary holds each token once")
        self.stoi = {tok: i for i, tok in enumerate(self.itos)}

    @classmethod
    def from_tokens(
        cls,
        tokens: Iterable[str],
        order: str = "alphabetical",
        max_size: int | None = None,
        min_count: int = 1,
    ) -> Vocabulary:
        """Build a vocabulary from tokens.

        ``order`` is ``"alphabetical"`` (the textbook example: brown, dog, fox, ...) or
        ``"frequency"`` (most frequent first; ties alphabetical). ``max_size`` counts the two
        special tokens; when it cuts, the most frequent tokens are kept whatever the order,
        and the rest become ``[UNK]``.
        """
        if order not in ("alphabetical", "frequency"):
            raise ValueError(f"order must be 'alphabetical' or 'frequency', not {order!r}")
        if max_size is not None and max_size < len(SPECIALS):
            raise ValueError(f"max_size must be at least {len(SPECIALS)}")
        counts = Counter(t for t in tokens if t not in SPECIALS)
        kept = [t for t, c in counts.items() if c >= min_count]
        kept.sort(key=lambda t: (-counts[t], t))  # by frequency, ties alphabetical
        if max_size is not None:
            kept = kept[: max_size - len(SPECIALS)]
        if order == "alphabetical":
            kept.sort()
        return cls(itos=[*SPECIALS, *kept], counts={t: counts[t] for t in kept})

    @classmethod
    def from_text(cls, text: str, **kwargs) -> Vocabulary:
        return cls.from_tokens(tokenize(text), **kwargs)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def __repr__(self) -> str:
        head = ", ".join(f"{t}={i}" for i, t in enumerate(self.itos[:6]))
        return f"Vocabulary(size={len(self)}: {head}{', ...' if len(self) > 6 else ''})"

    def id_of(self, token: str) -> int:
        return self.stoi.get(token, UNK_ID)

    def encode_tokens(self, tokens: Sequence[str]) -> list[int]:
        return [self.id_of(t) for t in tokens]

    def encode(self, text: str, length: int | None = None) -> Encoded:
        """Tokenize, map to IDs, then pad with ``[PAD]`` or truncate to ``length``."""
        tokens = tokenize(text)
        unknown = [t for t in tokens if t not in self.stoi]
        ids = self.encode_tokens(tokens)
        ids, n_real, n_cut = pad_or_truncate(ids, length)
        shown = tokens[:n_real] + [PAD] * (len(ids) - n_real)
        return Encoded(tokens=shown, ids=ids, n_real=n_real, n_truncated=n_cut, unknown=unknown)

    def decode(self, ids: Iterable[int], skip_pad: bool = False) -> list[str]:
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self):
                raise IndexError(f"token ID {i} is outside the vocabulary (0..{len(self) - 1})")
            if not (skip_pad and i == PAD_ID):
                out.append(self.itos[i])
        return out


def pad_or_truncate(ids: Sequence[int], length: int | None) -> tuple[list[int], int, int]:
    """Return ``(ids of exactly `length`, number of real tokens, number cut off)``."""
    ids = list(ids)
    if length is None:
        return ids, len(ids), 0
    if length < 1:
        raise ValueError("the padded length must be at least 1")
    n_cut = max(0, len(ids) - length)
    ids = ids[:length]
    n_real = len(ids)
    return ids + [PAD_ID] * (length - n_real), n_real, n_cut


def cap_text(text: str, max_chars: int) -> tuple[str, bool]:
    """Cut ``text`` to ``max_chars`` characters; say whether it was cut."""
    if len(text) <= max_chars:
        return text, False
    return text[:max_chars], True

"""Lesson 1, "Words to vectors": the whole pipeline text -> tokens -> IDs -> rows -> vectors,
and why integer IDs and one-hot vectors are not enough.

>>> result = words_to_vectors("the cat", "the cat sat", EmbeddingConfig(vocab_size=0, dim=4), 4)
>>> result.output.shape            # (seq_len, dim)
(4, 4)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from embedviz.embedding import EmbeddingConfig, lookup, make_embedding
from embedviz.text import Encoded, Vocabulary


@dataclass(frozen=True)
class Pipeline:
    """Everything lesson 1 draws, computed once from the student's settings."""

    vocab: Vocabulary
    encoded: Encoded
    weight: np.ndarray  # (vocab_size, dim): the whole embedding matrix W
    output: np.ndarray  # (seq_len, dim): the layer's output, row i = W[ids[i]]
    max_abs_diff: float  # max |output - W[ids]|, computed: 0.0 means the lookup is exact

    @property
    def n_numbers(self) -> int:
        return self.output.size


def words_to_vectors(
    sentence: str,
    vocab_text: str,
    cfg: EmbeddingConfig,
    length: int,
    order: str = "alphabetical",
    max_vocab: int | None = None,
) -> Pipeline:
    """Build the vocabulary from ``vocab_text``, then push ``sentence`` through a real layer.

    ``cfg.vocab_size`` is replaced by the size of the vocabulary built here.
    """
    vocab = Vocabulary.from_text(vocab_text, order=order, max_size=max_vocab)
    encoded = vocab.encode(sentence, length=length)
    emb = make_embedding(replace(cfg, vocab_size=len(vocab)))
    out = lookup(emb, encoded.ids)  # (seq_len, dim)
    weight = emb.weight.detach()
    diff = (out - weight[torch.as_tensor(encoded.ids)]).abs().max().item()
    return Pipeline(vocab, encoded, weight.numpy().copy(), out.numpy().copy(), diff)


def rows_to_show(vocab_size: int, ids: list[int], limit: int = 60, context: int = 1) -> list[int]:
    """Which rows of the matrix to draw: all of them if few, else the looked-up rows with
    ``context`` rows around each (and the special rows 0 and 1), in ID order."""
    if vocab_size <= limit:
        return list(range(vocab_size))
    keep = {0, 1}
    for i in ids:
        keep.update(range(max(0, i - context), min(vocab_size, i + context + 1)))
    return sorted(keep)


def one_hot_vectors(ids: list[int], vocab_size: int) -> np.ndarray:
    """``(len(ids), vocab_size)``: a 1 in the column of each ID, zeros elsewhere."""
    return F.one_hot(torch.as_tensor(ids, dtype=torch.long), vocab_size).numpy()


def integer_id_distances(ids: dict[str, int]) -> list[tuple[str, str, int]]:
    """``|id_a - id_b|`` for every pair of words: the 'distance' integer IDs imply."""
    words = list(ids)
    return [
        (a, b, abs(ids[a] - ids[b]))
        for i, a in enumerate(words)
        for b in words[i + 1 :]
    ]


def number_choices(pipeline: Pipeline, dim: int) -> list[int]:
    """Plausible answers to 'how many numbers does this sentence become?' (one is right)."""
    seq_len = len(pipeline.encoded.ids)
    candidates = {
        seq_len * dim,  # the right one
        pipeline.encoded.n_real * dim,  # forgetting the padding
        seq_len,  # one number per token
        len(pipeline.vocab) * dim,  # the whole matrix
        dim,
    }
    return sorted(candidates)

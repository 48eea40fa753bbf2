"""The small models of lesson 3, each built around one real ``nn.Embedding``.

Three ways to teach an embedding table something:

- :class:`SkipGramNS` (word2vec's skip-gram with negative sampling): from a word, tell its
  real neighbours (contexts) from random words (negatives).
- :class:`CBOW` (word2vec's continuous bag of words): from the average of the neighbours,
  tell the real middle word from random words.
- :class:`BagOfEmbeddingsClassifier`: average a sentence's word vectors and classify the
  sentence (positive or negative review); the words' vectors learn what the label needs.

Every model has ``.embedding``, the table the lessons draw (row 0 is ``[PAD]``, kept at zero
and never updated), and ``loss(batch) -> scalar``. The word2vec models also have
``.context``, the second table of "output" vectors, which word2vec throws away after training.

A batch is a small frozen dataclass of LongTensors. ``batch.token_ids()`` lists every row ID
the batch looks up in any table (with repeats), ``batch.embedding_ids()`` only those looked
up in ``.embedding``: the rows of the drawn table that one step's gradient can touch.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from embedviz.embedding import EmbeddingConfig, make_embedding
from embedviz.seeding import torch_generator
from embedviz.text import PAD_ID

MODEL_KINDS = {
    "skipgram": "Skip-gram with negative sampling (word2vec)",
    "cbow": "CBOW: continuous bag of words (word2vec)",
    "classifier": "Bag-of-embeddings sentence classifier",
}
# How lessons 6, 8 and 10 name the classifier they build on, as lesson 3 shows it: lesson 3
# opens on word2vec, and trains this model only once its corpus is set to the reviews.
LESSON3_CLASSIFIER = (
    "the mean of a review's word vectors, then one linear layer: lesson 3's model "
    f"“{MODEL_KINDS['classifier']}”, which it trains once its corpus is set to the reviews "
    "(lesson 3 opens on word2vec)"
)


# ---------------------------------------------------------------- batches


@dataclass(frozen=True)
class SkipGramBatch:
    centers: torch.Tensor  # (batch,) the words whose vectors we train
    contexts: torch.Tensor  # (batch,) a real neighbour of each center
    negatives: torch.Tensor  # (batch, negatives) random words, "not neighbours"

    def token_ids(self) -> torch.Tensor:
        """Every row ID the batch looks up, in either table (with repeats)."""
        return torch.cat([self.centers, self.contexts, self.negatives.flatten()])

    def embedding_ids(self) -> torch.Tensor:
        """The row IDs looked up in ``.embedding``: the centers."""
        return self.centers

    def __len__(self) -> int:
        return len(self.centers)


@dataclass(frozen=True)
class CBOWBatch:
    contexts: torch.Tensor  # (batch, 2 * window) neighbours, [PAD] where the sentence ends
    targets: torch.Tensor  # (batch,) the middle word to recognise
    negatives: torch.Tensor  # (batch, negatives)

    def token_ids(self) -> torch.Tensor:
        return torch.cat([self.contexts.flatten(), self.targets, self.negatives.flatten()])

    def embedding_ids(self) -> torch.Tensor:
        """The row IDs looked up in ``.embedding``: the contexts, [PAD] included."""
        return self.contexts.flatten()

    def __len__(self) -> int:
        return len(self.targets)


@dataclass(frozen=True)
class SentenceBatch:
    ids: torch.Tensor  # (batch, seq_len) token IDs, padded with [PAD] = 0
    labels: torch.Tensor  # (batch,) class index of each sentence

    def token_ids(self) -> torch.Tensor:
        return self.ids.flatten()

    def embedding_ids(self) -> torch.Tensor:
        return self.ids.flatten()

    def __len__(self) -> int:
        return len(self.labels)


# ---------------------------------------------------------------- models


def _context_table(cfg: EmbeddingConfig) -> nn.Embedding:
    """word2vec's output vectors start at zero: only the input vectors start random."""
    table = make_embedding(replace(cfg, init="normal", scale=1.0))
    with torch.no_grad():
        table.weight.zero_()
    return table


def negative_sampling_loss(h: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
    """-log sigmoid(h . positive) - sum log sigmoid(-h . negative), averaged over the batch.

    ``h`` is (batch, dim); ``candidates`` (batch, 1 + negatives, dim) holds each example's real
    neighbour first, then its random words: one lookup and one product for all of them (half
    the operations of scoring the two kinds apart, and a step is mostly per-operation cost)."""
    scores = (candidates * h.unsqueeze(1)).sum(-1)  # (batch, 1 + negatives) dot products
    return -F.logsigmoid(scores * _signs(scores.shape[1])).sum(-1).mean()


@functools.cache
def _signs(n: int) -> torch.Tensor:
    """(n,) +1 for the real neighbour, -1 for each random word: log sigmoid(+-score). Read-only."""
    return torch.tensor([1.0] + [-1.0] * (n - 1))


def candidates(positive: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
    """(batch, 1 + negatives) row IDs: each example's real neighbour, then its random words."""
    return torch.cat([positive.unsqueeze(1), negatives], 1)


class SkipGramNS(nn.Module):
    """Skip-gram with negative sampling: a word's vector should predict its neighbours."""

    def __init__(self, cfg: EmbeddingConfig):
        super().__init__()
        self.embedding = make_embedding(cfg)  # (vocab, dim) input vectors: the ones we draw
        self.context = _context_table(cfg)  # (vocab, dim) output vectors

    def loss(self, batch: SkipGramBatch) -> torch.Tensor:
        h = self.embedding(batch.centers)  # (batch, dim)
        scored = self.context(candidates(batch.contexts, batch.negatives))  # (batch, 1 + k, dim)
        return negative_sampling_loss(h, scored)

    def __repr__(self) -> str:
        v, d = self.embedding.weight.shape
        return f"SkipGramNS(vocab={v}, dim={d})"


class CBOW(nn.Module):
    """Continuous bag of words: the average of the neighbours should predict the middle word."""

    def __init__(self, cfg: EmbeddingConfig):
        super().__init__()
        self.embedding = make_embedding(cfg)  # (vocab, dim)
        self.context = _context_table(cfg)  # (vocab, dim) output vectors

    def loss(self, batch: CBOWBatch) -> torch.Tensor:
        h = masked_mean(self.embedding(batch.contexts), batch.contexts)  # (batch, dim)
        scored = self.context(candidates(batch.targets, batch.negatives))  # (batch, 1 + k, dim)
        return negative_sampling_loss(h, scored)

    def __repr__(self) -> str:
        v, d = self.embedding.weight.shape
        return f"CBOW(vocab={v}, dim={d})"


class BagOfEmbeddingsClassifier(nn.Module):
    """Average the word vectors of a sentence, then a linear layer picks the class."""

    def __init__(self, cfg: EmbeddingConfig, n_classes: int = 2, seed: int = 0):
        super().__init__()
        self.embedding = make_embedding(cfg)  # (vocab, dim)
        self.classify = nn.Linear(cfg.dim, n_classes)  # (dim -> classes), dense
        g = torch_generator(seed)
        with torch.no_grad():  # seeded, never from the global RNG
            bound = 1.0 / cfg.dim**0.5
            self.classify.weight.uniform_(-bound, bound, generator=g)
            self.classify.bias.zero_()

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h = masked_mean(self.embedding(ids), ids)  # (batch, dim)
        return self.classify(h)  # (batch, classes) logits

    def loss(self, batch: SentenceBatch) -> torch.Tensor:
        return F.cross_entropy(self(batch.ids), batch.labels)

    def __repr__(self) -> str:
        v, d = self.embedding.weight.shape
        n = self.classify.out_features
        return f"BagOfEmbeddingsClassifier(vocab={v}, dim={d}, classes={n})"


def masked_mean(vectors: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Mean over positions that are not [PAD]: (batch, seq, dim) -> (batch, dim)."""
    mask = (ids != PAD_ID).unsqueeze(-1).to(vectors.dtype)  # (batch, seq, 1)
    return (vectors * mask).sum(1) / mask.sum(1).clamp(min=1.0)


def build_model(kind: str, cfg: EmbeddingConfig, n_classes: int = 2) -> nn.Module:
    if kind == "skipgram":
        return SkipGramNS(cfg)
    if kind == "cbow":
        return CBOW(cfg)
    if kind == "classifier":
        return BagOfEmbeddingsClassifier(cfg, n_classes=n_classes, seed=cfg.seed)
    raise ValueError(f"unknown model {kind!r}; choose one of {list(MODEL_KINDS)}")


def param_groups(model: nn.Module) -> list[dict]:
    """The model's parameters split by gradient kind: embedding tables built with
    ``sparse=True`` give sparse gradients, everything else dense ones."""
    sparse, dense = [], []
    for module in model.modules():
        own = list(module.parameters(recurse=False))
        if isinstance(module, nn.Embedding) and module.sparse:
            sparse += own
        else:
            dense += own
    groups = [{"params": sparse, "sparse": True}, {"params": dense, "sparse": False}]
    return [g for g in groups if g["params"]]

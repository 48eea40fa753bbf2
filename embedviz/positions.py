"""Lesson 9, "Where is each word?": position embeddings, and what a model does without them.

A transformer reads every token of a text at once, so nothing in its sums and averages says
which token came first. Two sentences with the same tokens in another order ("the tiger
chased the farmer" / "the farmer chased the tiger") give the same *bag* of token vectors.
Position embeddings fix this: a vector per position is **added** to each token's vector,

    x[p] = token_table[id[p]] + position_table[p]          # (seq_len, dim)

and the position table is either a formula (sinusoidal, the original Transformer) or a
learned ``nn.Embedding(max_len, dim)`` (BERT, GPT-2, MiniLM).

This module has:

- :func:`sinusoidal_table`: PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...);
- :func:`bag_of_embeddings`: what a model that only sums token vectors sees;
- :class:`OrderTask`: the task that needs order, built from the built-in ``things`` corpus
  (is this sentence in its original word order, or shuffled?), seeded;
- :class:`OrderModels`: three small transformer layers (self-attention, mean pooling, a
  linear classifier) with no positions, sinusoidal or learned positions, side by side;
- :class:`OrderTrainer`: lesson 3's :class:`~embedviz.training.Trainer` (its ``step``, its
  divergence check and message, ``fork``, :class:`~embedviz.training.History`) training the
  three models at once, on the same batches: they share one trainer;
- the similarity of positions (PE . PE^T), the accuracy beyond the trained length, and the
  real MiniLM position table (512 x 384) from :mod:`embedviz.minilm`.
"""

from __future__ import annotations

import copy
import functools
import math
import threading
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from embedviz.corpora import is_word, load_builtin
from embedviz.embedding import EmbeddingConfig, make_embedding
from embedviz.seeding import check_seed, derived_seed, numpy_rng, torch_generator
from embedviz.similarity import similarity_matrix
from embedviz.text import PAD_ID, Vocabulary, tokenize
from embedviz.training import OPTIMIZERS, History, Snapshots, Trainer, make_optimizer

POSITION_KINDS = {
    "none": "No positions",
    "sinusoidal": "Sinusoidal positions",
    "learned": "Learned positions",
}
ORIGINAL, SHUFFLED = 1, 0  # the order task's two labels
LABEL_NAMES = {ORIGINAL: "original order", SHUFFLED: "shuffled"}
SINUSOID_BASE = 10_000.0  # the Transformer paper's constant
MAX_LENGTHS = (10, 12, 16, 24, 32)  # the learned table's rows (the trained length)


# ---------------------------------------------------------------- the position tables


def sinusoidal_table(n_positions: int, dim: int, start: int = 0) -> torch.Tensor:
    """(n_positions, dim) float32: PE(pos, 2i) = sin(pos / 10000^(2i/dim)), PE(pos, 2i+1) = cos.

    Rows are positions ``start .. start + n_positions - 1``: the formula has a value for any
    position, however far beyond what a model was trained on. Computed as the usual PyTorch
    code does it, with the frequencies as ``exp(-2i * ln(10000) / dim)``."""
    if dim < 2 or dim % 2:
        raise ValueError("the sinusoidal table needs an even dimension (pairs of sin and cos)")
    pos = torch.arange(start, start + n_positions, dtype=torch.float32).unsqueeze(1)  # (n, 1)
    two_i = torch.arange(0, dim, 2, dtype=torch.float32)  # (dim/2,) = 0, 2, 4, ...
    freq = torch.exp(two_i * (-math.log(SINUSOID_BASE) / dim))  # (dim/2,) = 1/10000^(2i/d)
    table = torch.zeros(n_positions, dim)
    table[:, 0::2] = torch.sin(pos * freq)  # even columns
    table[:, 1::2] = torch.cos(pos * freq)  # odd columns
    return table


def wavelengths(dim: int) -> np.ndarray:
    """(dim/2,) how many positions one full wave of each sin/cos pair takes: 2 pi 10000^(2i/d)."""
    return 2 * np.pi * SINUSOID_BASE ** (np.arange(0, dim, 2) / dim)


def position_similarity(table: np.ndarray, metric: str = "dot") -> np.ndarray:
    """(n, n) PE . PE^T (``"dot"``) or the cosine of every pair of position rows."""
    table = np.asarray(table, dtype=np.float64)
    return table @ table.T if metric == "dot" else similarity_matrix(table, "cosine")


def similarity_by_distance(sim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each distance k = |p - q|: the mean and the spread (max - min) of sim[p, p + k].

    A spread of zero at every distance means the similarity depends on the distance only."""
    n = len(sim)
    diagonals = [np.diagonal(sim, k) for k in range(n)]
    means = np.array([d.mean() for d in diagonals])
    spread = np.array([d.max() - d.min() for d in diagonals])
    return means, spread


def most_similar_positions(sim: np.ndarray, position: int, k: int = 2) -> list[int]:
    """The ``k`` positions whose rows are most similar to ``position``'s (itself excluded)."""
    row = np.array(sim[position], dtype=float)
    row[position] = -np.inf
    return [int(i) for i in np.argsort(-row, kind="stable")[:k]]


# ---------------------------------------------------------------- order blindness


def sentence_tokens(text: str) -> list[str]:
    """The word tokens of a text, as the corpus has them (punctuation dropped)."""
    return [t for t in tokenize(text) if is_word(t)]


def bag_of_embeddings(ids, table: torch.Tensor) -> torch.Tensor:
    """(dim,) the sum of a sentence's token vectors, seen as a model that sums them sees it.

    The sum only depends on how many times each token occurs (its *bag*): ``counts @ table``,
    where ``counts`` is (vocab,). Two orderings of the same tokens have the same counts, so
    their sums are the same numbers, bit for bit."""
    ids = torch.as_tensor(ids, dtype=torch.long)
    counts = torch.bincount(ids, minlength=len(table)).to(table.dtype)  # (vocab,)
    return counts @ table  # (dim,)


def reading_order_sum(ids, table: torch.Tensor) -> torch.Tensor:
    """(dim,) the same sum added one token at a time, in reading order, in the table's dtype.
    Float addition rounds after every step, so another order can give other last bits: the
    words are the same, only the rounding differs."""
    total = torch.zeros(table.shape[1], dtype=table.dtype)
    for i in ids:
        total = total + table[int(i)]
    return total


def is_reordering(a: list[str], b: list[str]) -> bool:
    """Do two token lists hold the same tokens, each the same number of times?"""
    return sorted(a) == sorted(b)


# ---------------------------------------------------------------- the order task


@dataclass(frozen=True)
class OrderBatch:
    ids: torch.Tensor  # (batch, seq) token IDs, [PAD] = 0 after each sentence
    labels: torch.Tensor  # (batch,) 1 = original order, 0 = shuffled

    def token_ids(self) -> torch.Tensor:
        return self.ids.flatten()

    def embedding_ids(self) -> torch.Tensor:
        return self.ids.flatten()

    def __len__(self) -> int:
        return len(self.labels)


def shuffle_sentences(ids: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """(batch, seq) each row's real tokens in a random new order, [PAD] kept at the end.

    A random key per token, [PAD] keys set to +inf, and ``argsort``: a uniform permutation of
    each sentence's tokens. When the shuffle happens to give back the same sentence, its
    tokens are rotated by one instead (the task's sentences never have all tokens equal, so
    a rotation always changes them)."""
    real = ids != PAD_ID  # (batch, seq)
    keys = torch.rand(ids.shape, generator=g).masked_fill(~real, float("inf"))
    shuffled = ids.gather(1, keys.argsort(dim=1))  # (batch, seq)
    same = (shuffled == ids).all(dim=1)  # (batch,)
    if same.any():
        lengths = real.sum(1, keepdim=True)  # (batch, 1)
        cols = torch.arange(ids.shape[1]).expand_as(ids)  # (batch, seq)
        rotate = torch.where(real, (cols + 1) % lengths.clamp(min=1), cols)
        shuffled[same] = ids[same].gather(1, rotate[same])
    return shuffled


def pad_rows(rows: list[list[int]]) -> torch.Tensor:
    """(n, longest) the ID lists padded with [PAD] = 0."""
    width = max(len(r) for r in rows)
    return torch.tensor([r + [PAD_ID] * (width - len(r)) for r in rows], dtype=torch.long)


class OrderTask:
    """Is this sentence in its original word order, or shuffled?

    Built from the built-in ``things`` corpus (a few thousand short sentences, 4 to 9 words):

    1. sentences with at least two different words are kept, without duplicates;
    2. a seeded split puts ``held_out_share`` of them aside: the model never trains on them;
    3. a training batch takes random training sentences and shuffles about half of them
       (:func:`shuffle_sentences`); label 1 = original order, 0 = shuffled;
    4. the held-out check has every held-out sentence twice, as written and shuffled once
       (seeded): a model that cannot see order gives both the same answer, so it gets
       exactly one of each pair right, 50 %.

    The corpus has a few deliberately scrambled sentences ("home again sleeps in it barn"),
    labelled "original" here as written: nobody can reach 100 %.
    """

    def __init__(self, max_len: int = 16, seed: int = 0, held_out_share: float = 0.2,
                 max_held_out: int = 200):
        corpus = load_builtin("things")
        self.vocab: Vocabulary = corpus.vocabulary()
        self.max_len = max_len
        unique = dict.fromkeys(s[:max_len] for s in corpus.sentences if len(set(s[:max_len])) > 1)
        sentences = [self.vocab.encode_tokens(s) for s in unique]
        order = numpy_rng(seed).permutation(len(sentences))
        n_out = min(max_held_out, round(held_out_share * len(sentences)))
        self.train_ids = pad_rows([sentences[i] for i in order[n_out:]])  # (n_train, seq)
        held = pad_rows([sentences[i] for i in order[:n_out]])  # (n_out, seq)
        twins = shuffle_sentences(held, torch_generator(derived_seed(seed, 1)))
        self.check = OrderBatch(  # (2 n_out, seq): each sentence as written, then shuffled
            ids=torch.cat([held, twins]),
            labels=torch.cat([torch.full((n_out,), ORIGINAL), torch.full((n_out,), SHUFFLED)]),
        )

    def __repr__(self) -> str:
        return (f"OrderTask(train={len(self.train_ids)}, held_out={len(self.check) // 2}, "
                f"vocab={len(self.vocab)}, max_len={self.max_len})")

    def sample(self, batch_size: int, g: torch.Generator) -> OrderBatch:
        rows = torch.randint(len(self.train_ids), (batch_size,), generator=g)
        ids = self.train_ids[rows]  # (batch, seq)
        shuffle = torch.rand(batch_size, generator=g) < 0.5  # (batch,)
        ids = torch.where(shuffle.unsqueeze(1), shuffle_sentences(ids, g), ids)
        width = int((ids != PAD_ID).sum(1).max())  # drop columns that are all [PAD]
        return OrderBatch(ids=ids[:, :width], labels=(~shuffle).long())


_tasks: dict[tuple, OrderTask] = {}
_tasks_lock = threading.Lock()


def shared_task(max_len: int, seed: int) -> OrderTask:
    """The task for these settings, built once per server and only read by the sessions."""
    with _tasks_lock:
        key = (max_len, check_seed(seed))
        if key not in _tasks:
            _tasks[key] = OrderTask(max_len, seed)
        return _tasks[key]


# ---------------------------------------------------------------- the three models


ADAMW_DECAY = 0.01  # AdamW's weight decay here (torch's default); the others have none


@dataclass(frozen=True)
class OrderConfig:
    """Everything that defines the three models and their training. Same config => same numbers."""

    dim: int = 16
    max_len: int = 16  # rows of the learned position table = the trained length
    optimizer: str = "adam"  # a key of training.OPTIMIZERS
    lr: float = 0.01
    batch_size: int = 64
    seed: int = 0
    init: str = "normal"  # the token table's initialisation (a key of embedding.INITS)
    init_scale: float = 1.0  # token rows about as large as sinusoidal rows (values in [-1, 1])
    position_scale: float = 0.1  # the learned position table's starting spread
    history_points: int = 400

    def __post_init__(self) -> None:
        if self.dim < 2 or self.dim % 2 or self.dim > 128:
            raise ValueError("the dimension must be even, from 2 to 128")
        if self.optimizer not in OPTIMIZERS or self.optimizer == "sparse_adam":
            raise ValueError("pick SGD, momentum, Adam or AdamW")
        if not (self.lr > 0 and math.isfinite(self.lr)) or self.batch_size < 2:
            raise ValueError("the learning rate must be positive and the batch at least 2")
        if not 2 <= self.max_len <= 512:
            raise ValueError("the trained length must be from 2 to 512")
        check_seed(self.seed)


class PositionOutOfRange(IndexError):
    """A learned table has no row for this position: the message says so in plain words."""


def learned_out_of_range_message(max_len: int, position: int) -> str:
    return (f"The learned table has {max_len} rows (positions 0 to {max_len - 1}): there is no "
            f"row for position {position}. nn.Embedding stops with: "
            f"{_embedding_error(max_len, position)}")


@functools.cache
def _embedding_error(rows: int, position: int) -> str:
    """The real message ``nn.Embedding`` gives for a row it does not have."""
    try:
        nn.Embedding(rows, 1)(torch.tensor([position]))
    except IndexError as err:
        return str(err).strip()
    return "no error"  # pragma: no cover - nn.Embedding always refuses


class OrderModels(nn.Module):
    """The lesson's three models side by side: no positions, sinusoidal, learned.

    Each model is one small transformer layer reading a sentence at once:

        x = token_table[ids] (+ position rows)        # (batch, seq, dim)
        x = x + mix(attention(q(x), k(x), v(x)))      # every token looks at every token
        h = mean of x over the real tokens            # (batch, dim)
        logits = classify(h)                          # (batch, 2): shuffled / original

    Without positions every step treats a token the same wherever it stands (attention
    compares every token with every token, the mean ignores order), so a sentence and any
    reordering of it give the same output: that model is order-blind by construction.

    The three models have their own parameters and never mix, but they run in one batched
    pass: each has its own ``nn.Embedding`` token table (all three start equal), and their
    dense layers are stacked along a first axis of size 3 and applied with ``torch.baddbmm``.
    That computes what three separate models would (the optimizers work element by element,
    so one optimizer over the stack is three independent ones) and costs about one small
    model's overhead per step, which is what lets 40 students train three models live.
    """

    kinds = tuple(POSITION_KINDS)

    def __init__(self, vocab_size: int, cfg: OrderConfig):
        super().__init__()
        d, m = cfg.dim, len(self.kinds)
        self.dim, self.max_len = d, cfg.max_len
        tokens = EmbeddingConfig(vocab_size=vocab_size, dim=d, init=cfg.init,
                                 scale=cfg.init_scale, seed=cfg.seed)
        self.tokens = nn.ModuleList(make_embedding(tokens) for _ in self.kinds)
        self.learned_positions = make_embedding(EmbeddingConfig(  # nn.Embedding(max_len, dim)
            vocab_size=cfg.max_len, dim=d, init="normal", scale=cfg.position_scale,
            seed=derived_seed(cfg.seed, 1), padding_idx=None))
        g = torch_generator(derived_seed(cfg.seed, 2))
        self.qkv_w = _linear_weight(g, m, d, 3 * d)  # (3, dim, 3 dim) queries, keys, values
        self.qkv_b = _linear_weight(g, m, d, 3 * d, bias=True)  # (3, 1, 3 dim)
        self.mix_w, self.mix_b = _linear_weight(g, m, d, d), _linear_weight(g, m, d, d, True)
        self.cls_w, self.cls_b = _linear_weight(g, m, d, 2), _linear_weight(g, m, d, 2, True)
        self.last_losses = torch.full((m,), float("nan"))

    @property
    def embedding(self) -> nn.Embedding:
        """The token table of the model without positions (what ``Trainer`` calls the table)."""
        return self.tokens[0]

    def position_rows(self, kind: str, n: int, start: int = 0) -> torch.Tensor | None:
        """(n, dim) the rows added at positions ``start .. start + n - 1`` (None: no positions)."""
        if kind == "none":
            return None
        if kind == "sinusoidal":
            return sinusoidal_table(n, self.dim, start)
        if start + n > self.max_len:
            raise PositionOutOfRange(learned_out_of_range_message(self.max_len, start + n - 1))
        return self.learned_positions(torch.arange(start, start + n))

    def inputs(self, ids: torch.Tensor, start: int = 0) -> torch.Tensor:
        """(3, batch, seq, dim) token + position vectors, one slice per model.

        Where the learned table has no rows (``start + seq > max_len``) its slice is NaN."""
        xs = []
        for kind, table in zip(self.kinds, self.tokens):
            x = table(ids)  # (batch, seq, dim)
            try:
                pos = self.position_rows(kind, ids.shape[1], start)
            except PositionOutOfRange:
                pos = torch.full((ids.shape[1], self.dim), float("nan"))
            xs.append(x if pos is None else x + pos)  # (seq, dim) broadcast over the batch
        return torch.stack(xs)

    def forward(self, ids: torch.Tensor, start: int = 0) -> torch.Tensor:
        """(batch, seq) IDs -> (3, batch, 2) logits; ``start`` shifts every position."""
        m, (b, n), d = len(self.kinds), ids.shape, self.dim
        real = ids != PAD_ID  # (batch, seq)
        x = self.inputs(ids, start)  # (3, batch, seq, dim)
        qkv = torch.baddbmm(self.qkv_b, x.reshape(m, b * n, d), self.qkv_w)  # (3, b*n, 3d)
        q, k, v = qkv.view(m, b, n, 3 * d).chunk(3, dim=-1)  # each (3, batch, seq, dim)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d)  # (3, batch, seq, seq)
        scores = scores.masked_fill(~real.view(1, b, 1, n), float("-inf"))  # never [PAD]
        att = _softmax_keys(scores) @ v  # (3, batch, seq, dim)
        x = x + torch.baddbmm(self.mix_b, att.reshape(m, b * n, d), self.mix_w).view(m, b, n, d)
        mask = real.view(1, b, n, 1).to(x.dtype)
        h = (x * mask).sum(2) / mask.sum(2).clamp(min=1.0)  # (3, batch, dim) mean of real tokens
        return torch.baddbmm(self.cls_b, h, self.cls_w)  # (3, batch, 2)

    def losses(self, batch: OrderBatch) -> torch.Tensor:
        """(3,) each model's cross-entropy on the batch."""
        logits = self(batch.ids)  # (3, batch, 2)
        # Cross-entropy over two classes is the logistic loss of the difference of the two
        # logits (the same number as F.cross_entropy, measured 5x faster at this size).
        margin = logits[..., ORIGINAL] - logits[..., SHUFFLED]  # (3, batch)
        target = batch.labels.to(margin.dtype).expand_as(margin)
        return F.binary_cross_entropy_with_logits(margin, target, reduction="none").mean(1)

    def loss(self, batch: OrderBatch) -> torch.Tensor:
        """The sum of the three losses: each model's parameters get only their own gradient."""
        losses = self.losses(batch)
        self.last_losses = losses.detach()
        return losses.sum()

    def __repr__(self) -> str:
        v, d = self.embedding.weight.shape
        return f"OrderModels(none | sinusoidal | learned, vocab={v}, dim={d}, max_len={self.max_len})"


def _softmax_keys(scores: torch.Tensor) -> torch.Tensor:
    """Softmax over the last axis (the keys), computed on keys padded to a multiple of 16.

    Exactly the same weights (a padded key is -inf, so its exp is 0 and adds nothing), but
    PyTorch's CPU softmax is several times faster when that axis is a multiple of 16
    (measured: 0.09 ms instead of 0.45 ms forward + backward at 3 x 64 x 9 x 9)."""
    n = scores.shape[-1]
    padded = F.pad(scores, (0, -n % 16), value=float("-inf"))
    return torch.softmax(padded, dim=-1)[..., :n]


def _linear_weight(g: torch.Generator, m: int, n_in: int, n_out: int,
                   bias: bool = False) -> nn.Parameter:
    """(m, n_in, n_out) or (m, 1, n_out): PyTorch's default Linear init, from a private
    generator (sessions are threads), the same start for the three models."""
    bound = 1.0 / n_in**0.5
    one = torch.empty(1, 1 if bias else n_in, n_out).uniform_(-bound, bound, generator=g)
    return nn.Parameter(one.repeat(m, 1, 1))


# ---------------------------------------------------------------- one trainer for all three


class OrderTrainer(Trainer):
    """Lesson 3's :class:`~embedviz.training.Trainer`, training the three models at once.

    ``step``, the divergence check and its message, and ``fork`` are the Trainer's own: only
    what differs is set here (the models, the batches, the per-model curves). The Trainer's
    own ``history`` keeps the summed loss; ``histories`` keeps each model's loss and held-out
    accuracy (a :class:`~embedviz.training.History` each, filled by a step callback, the
    accuracy measured once every ``eval_every`` steps). ``Trainer.__init__`` is not called: it
    builds a word2vec model from a corpus."""

    def __init__(self, config: OrderConfig, task: OrderTask | None = None, eval_every: int = 10):
        self.config = config
        self.task = task if task is not None else shared_task(config.max_len, config.seed)
        self.vocab = self.task.vocab
        self.model = OrderModels(len(self.vocab), config)
        decay = ADAMW_DECAY if config.optimizer == "adamw" else 0.0
        self.optimizer = make_optimizer(config.optimizer, self.model.parameters(), config.lr,
                                        decay)
        self.generator = torch_generator(config.seed)  # the batches
        self.step_count, self.diverged, self.message = 0, False, ""
        self.last_batch, self.last_loss = None, float("nan")
        self.sampler_shared = True  # the task's tables are shared read-only
        self.snapshots = Snapshots(every=2**62, capacity=4)  # no replay in this lesson
        self.history = History(max_points=config.history_points, stride=eval_every)
        self.history.start(float("nan"))
        self._checked: tuple[int, dict[str, float]] | None = None
        start = self.accuracies()
        self.histories = {k: History(max_points=config.history_points, stride=eval_every)
                          for k in POSITION_KINDS}
        for kind, h in self.histories.items():
            h.start(start[kind])
        self.callbacks: list = [OrderTrainer._record]
        self.lr_changes: list = []  # the Trainer's record of mid-run rate changes (none here)

    def __repr__(self) -> str:
        return f"OrderTrainer({self.model!r}, step={self.step_count})"

    def fork(self) -> OrderTrainer:
        twin = super().fork()
        twin.histories = {k: copy.deepcopy(h) for k, h in self.histories.items()}
        twin.callbacks = [OrderTrainer._record]
        return twin

    def _record(self) -> None:
        for i, (kind, h) in enumerate(self.histories.items()):
            loss = float(self.model.last_losses[i])
            h.add(self.step_count, loss, lambda kind=kind: self.accuracies()[kind])

    def sample_batch(self) -> OrderBatch:
        return self.task.sample(self.config.batch_size, self.generator)

    def accuracy(self) -> float:
        """Not measured per step for the sum (see ``histories``): NaN."""
        return float("nan")

    @torch.no_grad()
    def accuracies(self, start: int = 0) -> dict[str, float | None]:
        """Each model's share of the held-out check answered right (each sentence as written
        and shuffled), with the sentences starting at position ``start``. None where the
        learned table has no rows for those positions. One batched pass for the three."""
        if start == 0 and self._checked and self._checked[0] == self.step_count:
            return self._checked[1]
        self.model.eval()
        check = self.task.check
        logits = self.model(check.ids, start=start)  # (3, 2 n, 2)
        right = (logits.argmax(-1) == check.labels).double().mean(1)  # (3,)
        found = {k: float(right[i]) for i, k in enumerate(POSITION_KINDS)}
        if start + check.ids.shape[1] > self.config.max_len:
            found["learned"] = None
        if start == 0:
            self._checked = (self.step_count, found)
        return found

    @torch.no_grad()
    def p_original(self, ids: list[int], start: int = 0) -> dict[str, float | None]:
        """Each model's probability that this ID sequence is in its original order (None:
        the learned table has no row for one of its positions)."""
        self.model.eval()
        logits = self.model(torch.tensor([ids], dtype=torch.long), start=start)  # (3, 1, 2)
        p = torch.softmax(logits.double(), -1)[:, 0, ORIGINAL]  # (3,)
        found = {k: float(p[i]) for i, k in enumerate(POSITION_KINDS)}
        if start + len(ids) > self.config.max_len:
            found["learned"] = None
        return found

    @torch.no_grad()
    def position_table(self, kind: str, n: int | None = None) -> np.ndarray | None:
        """(n, dim) the rows a model adds at positions 0..n-1 (None for no positions)."""
        n = self.config.max_len if n is None else n
        rows = self.model.position_rows(kind, n)
        return None if rows is None else rows.detach().numpy().copy()

    @torch.no_grad()
    def token_rows(self, kind: str, ids: list[int]) -> np.ndarray:
        """(len(ids), dim) a model's token vectors for these IDs."""
        table = self.model.tokens[list(POSITION_KINDS).index(kind)]
        return table(torch.tensor(ids, dtype=torch.long)).numpy().copy()


def accuracy_by_start(trainer: OrderTrainer, starts) -> dict[str, list[float | None]]:
    """Held-out accuracy of each model with every sentence moved to begin at ``start``
    (positions ``start .. start + length - 1``). None where the learned table has no row."""
    rows = [trainer.accuracies(start=int(s)) for s in starts]
    return {k: [r[k] for r in rows] for k in POSITION_KINDS}


_ahead: dict[tuple, dict] = {}
_ahead_lock = threading.Lock()


def accuracies_after(trainer: OrderTrainer, steps: int) -> dict[str, float | None]:
    """Each model's held-out accuracy ``steps`` steps after ``trainer``'s current step.

    Trained on a fork, so the run itself does not move. A fresh run (step 0) with the same
    config always gets the same answer, so that one is computed once per server and shared."""
    def ahead() -> dict[str, float | None]:
        twin = trainer.fork()
        twin.step(steps)
        return {**twin.accuracies(), "step": twin.step_count, "diverged": twin.diverged}

    if trainer.step_count:
        return ahead()
    key = (repr(trainer.config), steps)
    with _ahead_lock:
        if key not in _ahead:
            _ahead[key] = ahead()
        return dict(_ahead[key])


# ---------------------------------------------------------------- a real model's positions

_minilm_lock = threading.Lock()
_minilm_similarity: dict[int, np.ndarray] = {}


def minilm_position_table() -> np.ndarray:
    """(512, 384) all-MiniLM-L6-v2's learned position table (read-only, no copy)."""
    from embedviz.minilm import load_minilm

    return load_minilm().position_table


def minilm_position_cosine(n: int = 128) -> np.ndarray:
    """(n, n) cosine of MiniLM's first ``n`` position rows, computed once per process."""
    with _minilm_lock:
        if n not in _minilm_similarity:
            sim = position_similarity(minilm_position_table()[:n], "cosine")
            sim.flags.writeable = False
            _minilm_similarity[n] = sim
        return _minilm_similarity[n]

"""Training an embedding table live, a few steps at a time (lesson 3; lessons 4 and 5 read it).

>>> trainer = Trainer(TrainConfig(corpus="things", model="skipgram", dim=16))
>>> trainer.step(100)            # 100 batches: sample, loss, backward, optimizer step
>>> trainer.history.loss[-1]     # the loss curve, downsampled to a bounded length
>>> trainer.embedding_matrix()   # (vocab, dim) a NumPy copy of the table

Everything random (the initial table, the batches, the negative words, which frequent words
are skipped) comes from generators seeded by ``config.seed``: two trainers with the same
config give bit-identical tables after the same number of steps, whoever else is training.

The trainer knows nothing about Streamlit. It keeps a bounded history (loss and neighbour
accuracy), bounded snapshots of the table for replay, and stops with a message when the
numbers blow up (NaN or infinity).
"""

from __future__ import annotations

import copy
import math
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
from torch import nn

from embedviz.classroom import TORCH_TURN, TURN_STEPS
from embedviz.corpora import BUILTIN, Corpus, load_builtin
from embedviz.embedding import INITS, EmbeddingConfig
from embedviz.model import (
    MODEL_KINDS,
    CBOWBatch,
    SentenceBatch,
    SkipGramBatch,
    build_model,
    param_groups,
)
from embedviz.seeding import check_seed, torch_generator
from embedviz.similarity import nearest_to_vector, similarity_matrix
from embedviz.text import PAD_ID, UNK_ID, Vocabulary

OPTIMIZERS = {
    "sgd": "SGD",
    "momentum": "SGD with momentum (0.9)",
    "adam": "Adam",
    "adamw": "AdamW (decoupled weight decay)",
    "sparse_adam": "SparseAdam (sparse gradients)",
}
MIN_DIM, MAX_DIM = 2, 128
MAX_SENTENCE_LEN = 32  # the classifier's padded length


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run. Same config => same numbers."""

    corpus: str = "things"  # a built-in corpus name, or "user" (then pass the Corpus)
    model: str = "skipgram"  # a key of MODEL_KINDS
    dim: int = 16
    init: str = "normal"  # a key of embedding.INITS
    init_scale: float = 0.1  # `a` of uniform, `sigma` of normal
    optimizer: str = "adam"  # a key of OPTIMIZERS
    lr: float = 0.01
    weight_decay: float = 0.0
    batch_size: int = 256
    window: int = 2  # neighbours on each side (skip-gram, CBOW)
    negatives: int = 5  # random "not neighbour" words per example (skip-gram, CBOW)
    subsample: float = 1e-3  # word2vec's threshold t for skipping frequent words; 0 = off
    seed: int = 0
    snapshot_every: int = 10  # steps between saved tables (doubles when the budget is full)
    snapshot_budget_mb: float = 4.0
    max_snapshots: int = 120
    history_points: int = 400

    def __post_init__(self) -> None:
        problems = []
        if self.model not in MODEL_KINDS:
            problems.append(f"model must be one of {list(MODEL_KINDS)}")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {list(OPTIMIZERS)}")
        if self.init not in INITS:
            problems.append(f"init must be one of {list(INITS)}")
        if not MIN_DIM <= self.dim <= MAX_DIM:
            problems.append(f"dim must be between {MIN_DIM} and {MAX_DIM}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            problems.append("the learning rate must be a positive number")
        if self.weight_decay < 0:
            problems.append("weight decay cannot be negative")
        if self.optimizer == "sparse_adam" and self.weight_decay > 0:
            problems.append("SparseAdam cannot do weight decay: set it to 0 or pick AdamW")
        if self.batch_size < 1 or self.window < 1 or self.negatives < 1:
            problems.append("batch size, window and negatives must be at least 1")
        if self.subsample < 0 or self.snapshot_every < 1 or self.history_points < 4:
            problems.append("subsample >= 0, snapshot_every >= 1, history_points >= 4")
        check_seed(self.seed)
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def sparse(self) -> bool:
        """Only SparseAdam wants sparse gradients from the embedding tables."""
        return self.optimizer == "sparse_adam"

    def changes_from(self, other: TrainConfig | None) -> list[str]:
        """Names of the fields that differ from ``other`` (all of them if there is none)."""
        if other is None:
            return list(asdict(self))
        mine, theirs = asdict(self), vars(other)
        return [k for k in mine if mine[k] != theirs[k]]


# ---------------------------------------------------------------- optimizers


class SparseAdamWithDense(torch.optim.Optimizer):
    """SparseAdam for the sparse embedding tables and Adam for dense layers, stepped together.

    ``torch.optim.SparseAdam`` refuses dense gradients, and a classifier has a dense linear
    layer on top of its sparse table, so each kind of parameter gets the Adam that fits it.
    """

    def __init__(self, sparse_params, dense_params, lr: float):
        self.sparse_adam = torch.optim.SparseAdam(sparse_params, lr=lr)
        self.adam = torch.optim.Adam(dense_params, lr=lr)
        self.defaults = dict(lr=lr)

    @property
    def param_groups(self) -> list[dict]:
        return self.sparse_adam.param_groups + self.adam.param_groups

    @property
    def state(self) -> dict:
        return {**self.sparse_adam.state, **self.adam.state}

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.sparse_adam.zero_grad(set_to_none)
        self.adam.zero_grad(set_to_none)

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        self.sparse_adam.step()
        self.adam.step()
        return loss

    def state_dict(self) -> dict:
        return {"sparse": self.sparse_adam.state_dict(), "dense": self.adam.state_dict()}

    def load_state_dict(self, state_dict: dict) -> None:
        self.sparse_adam.load_state_dict(state_dict["sparse"])
        self.adam.load_state_dict(state_dict["dense"])

    def __getstate__(self) -> dict:  # copy.deepcopy copies both inner optimizers
        return self.__dict__

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"SparseAdamWithDense(lr={self.defaults['lr']})"


def make_optimizer(
    name: str, params, lr: float, weight_decay: float = 0.0
) -> torch.optim.Optimizer:
    """A real ``torch.optim`` optimizer by lesson name.

    ``params`` is an iterable of parameters, or the groups of :func:`model.param_groups`
    (dicts with ``"params"`` and ``"sparse"``). SparseAdam needs the embedding built with
    ``sparse=True`` and has no weight decay; the other optimizers need dense gradients.
    """
    params = list(params)
    if params and isinstance(params[0], dict):
        sparse = [p for g in params if g.get("sparse") for p in g["params"]]
        dense = [p for g in params if not g.get("sparse") for p in g["params"]]
    else:
        sparse, dense = ([], params) if name != "sparse_adam" else (params, [])
    if name == "sparse_adam":
        if weight_decay:
            raise ValueError("SparseAdam cannot do weight decay: set it to 0 or use AdamW")
        if not sparse:
            raise ValueError("SparseAdam needs an embedding built with sparse=True")
        if dense:
            return SparseAdamWithDense(sparse, dense, lr)
        return torch.optim.SparseAdam(sparse, lr=lr)
    if sparse:
        raise ValueError(f"{OPTIMIZERS.get(name, name)} needs dense gradients: build the "
                         "embedding with sparse=False, or use SparseAdam")
    if name == "sgd":
        return torch.optim.SGD(dense, lr=lr, weight_decay=weight_decay)
    if name == "momentum":
        return torch.optim.SGD(dense, lr=lr, momentum=0.9, weight_decay=weight_decay)
    # fused=True: the same update in one kernel per tensor instead of a dozen small ops; with
    # a class training on one server, Adam was a fifth of the server's training time (py-spy)
    if name == "adam":
        return torch.optim.Adam(dense, lr=lr, weight_decay=weight_decay, fused=True)
    if name == "adamw":
        return torch.optim.AdamW(dense, lr=lr, weight_decay=weight_decay, fused=True)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {list(OPTIMIZERS)}")


# ---------------------------------------------------------------- batches from a corpus


def keep_probability(counts: torch.Tensor, t: float) -> torch.Tensor:
    """word2vec's subsampling: a word of frequency f is kept with sqrt(t/f) + t/f (max 1)."""
    if t <= 0:
        return torch.ones_like(counts, dtype=torch.float64)
    f = counts.double() / counts.sum().clamp(min=1)
    ratio = t / f.clamp(min=1e-12)
    return (ratio.sqrt() + ratio).clamp(max=1.0)


class WordPairs:
    """Every (center, context) position pair of the corpus within ``window``, with how often
    each is drawn: subsampling skips frequent words, so pairs with them are drawn less."""

    def __init__(self, sentences: list[list[int]], counts: torch.Tensor, cfg: TrainConfig):
        centers, contexts, around = [], [], []
        w = cfg.window
        for ids in sentences:
            for i, center in enumerate(ids):
                near = ids[max(0, i - w) : i] + ids[i + 1 : i + 1 + w]
                centers += [center] * len(near)
                contexts += near
                around.append([center, *near, *[PAD_ID] * (2 * w - len(near))])
        if not centers:
            raise ValueError("the corpus has no sentence with two words")
        self.centers = torch.tensor(centers)  # (pairs,)
        self.contexts = torch.tensor(contexts)  # (pairs,)
        self.cbow = torch.tensor(around)  # (positions, 1 + 2 * window): target, contexts
        keep = keep_probability(counts, cfg.subsample)  # (vocab,)
        self.pair_weights = keep[self.centers] * keep[self.contexts]  # (pairs,)
        self.target_weights = keep[self.cbow[:, 0]]  # (positions,)
        noise = counts.double() ** 0.75  # word2vec's noise distribution: unigram^(3/4)
        noise[PAD_ID] = 0.0
        self.noise = noise / noise.sum()  # (vocab,)
        self.pair_table = AliasTable(self.pair_weights)
        self.target_table = AliasTable(self.target_weights)
        self.noise_table = AliasTable(self.noise)


class AliasTable:
    """Draws index i with probability ``weights[i] / weights.sum()`` in constant time (Walker's
    alias method, built as in Vose's version).

    Like ``torch.multinomial(weights, n, replacement=True)``, but the table is built once, not
    at every step, and a draw is the same few operations whatever the number of entries: a
    uniform number picks a column (its whole part) and where in the column it falls (its
    fraction); a column holds its own index up to ``prob`` and one other index (its ``alias``)
    above it. Every column is exactly 1/n of the total, so each index's probability is exact
    (the tests add the columns up). A binary search in the cumulative weights (``searchsorted``)
    costs more: each of its steps is a branch the CPU mispredicts half the time.
    """

    def __init__(self, weights: torch.Tensor):
        w = weights.double()
        n = len(w)
        if n == 0 or not torch.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError("sampling weights must be finite, non-negative and not all zero")
        scaled = (w * (n / w.sum())).tolist()  # mean 1: a column holds exactly 1
        prob, alias = [1.0] * n, list(range(n))
        small = [i for i, x in enumerate(scaled) if x < 1.0]
        large = [i for i, x in enumerate(scaled) if x >= 1.0]
        while small and large:
            lo, hi = small.pop(), large.pop()
            prob[lo], alias[lo] = scaled[lo], hi  # column lo: lo up to scaled[lo], then hi
            scaled[hi] -= 1.0 - scaled[lo]  # what hi gave to column lo
            (small if scaled[hi] < 1.0 else large).append(hi)
        # whatever is left holds 1 up to rounding: prob stays 1.0
        self.prob = torch.tensor(prob, dtype=torch.float64)  # (n,)
        self.alias = torch.tensor(alias, dtype=torch.long)  # (n,)

    def __len__(self) -> int:
        return len(self.prob)

    def probabilities(self) -> torch.Tensor:
        """(n,) each index's probability as the table draws it: its own column's share plus
        what other columns give it (for the tests: they equal the normalised weights)."""
        out = self.prob.clone()
        out.index_add_(0, self.alias, 1.0 - self.prob)
        return out / len(self)

    def pick(self, u: torch.Tensor) -> torch.Tensor:
        """The index each uniform number in ``u`` (float64, in [0, 1)) draws, same shape."""
        x = u.reshape(-1) * len(self)
        column = x.long().clamp_(max=len(self) - 1)
        own = x - column < self.prob.index_select(0, column)  # index_select, not []: fewer steps per call
        return torch.where(own, column, self.alias.index_select(0, column)).view(u.shape)


class BatchSampler:
    """Draws batches for one model kind from the trainer's private generator."""

    def __init__(self, corpus: Corpus, vocab: Vocabulary, cfg: TrainConfig):
        self.cfg = cfg
        sentences = [vocab.encode_tokens(s) for s in corpus.sentences]
        counts = torch.zeros(len(vocab), dtype=torch.float64)
        for ids in sentences:
            counts += torch.bincount(torch.tensor(ids, dtype=torch.long), minlength=len(vocab))
        if cfg.model == "classifier":
            if not corpus.is_labelled:
                raise ValueError("the classifier needs a corpus with a label per sentence")
            ids = [s[:MAX_SENTENCE_LEN] for s in sentences]
            length = max(len(s) for s in ids)
            self.sentences = torch.tensor([s + [PAD_ID] * (length - len(s)) for s in ids])
            self.labels = torch.tensor(corpus.labels)  # (sentences,)
        else:
            self.pairs = WordPairs(sentences, counts, cfg)

    def sample(self, g: torch.Generator):
        """One batch."""
        return self.sample_many(g, 1)[0]

    def sample_many(self, g: torch.Generator, n: int) -> list:
        """The next ``n`` batches, drawn at once: the same batches as ``n`` calls of
        :meth:`sample` (each batch takes its random numbers from the generator's stream in
        the same order: the negatives, then the pairs), in a few operations instead of some
        ten per batch (each operation costs a hand-over of the GIL when a class trains)."""
        b, k = self.cfg.batch_size, self.cfg.negatives
        if self.cfg.model == "classifier":
            rows = torch.randint(len(self.labels), (n, b), generator=g)  # (n, batch)
            ids, labels = self.sentences[rows], self.labels[rows]  # (n, batch, seq), (n, batch)
            return [SentenceBatch(ids=i, labels=y) for i, y in zip(ids.unbind(), labels.unbind())]
        p = self.pairs
        u = torch.rand(n, b * k + b, generator=g, dtype=torch.float64)  # a row per batch
        negatives = p.noise_table.pick(u[:, : b * k]).view(n, b, k).unbind()  # n of (b, k)
        if self.cfg.model == "skipgram":
            rows = p.pair_table.pick(u[:, b * k :]).view(-1)  # (n * batch,)
            centers = p.centers.index_select(0, rows).view(n, b).unbind()  # unbind: n views at once
            contexts = p.contexts.index_select(0, rows).view(n, b).unbind()
            return [SkipGramBatch(*batch) for batch in zip(centers, contexts, negatives)]
        around = p.cbow[p.target_table.pick(u[:, b * k :])]  # (n, b, 1 + 2 w)
        return [CBOWBatch(contexts=a[:, 1:], targets=a[:, 0], negatives=neg)
                for a, neg in zip(around.unbind(), negatives)]


_shared_samplers: dict[tuple, BatchSampler] = {}
_shared_lock = threading.Lock()


def shared_sampler(corpus: Corpus, vocab: Vocabulary, cfg: TrainConfig) -> tuple[BatchSampler, bool]:
    """The batch tables for ``cfg``, built once per server for a built-in corpus.

    The tables (every word pair, the sampling tables) depend only on the corpus, the model
    kind, the window and the subsampling; they are only read while sampling, so every
    student training on a built-in corpus shares them (each gets a shallow copy carrying its
    own batch size and negatives; the random draws come from the trainer's own generator).
    A student's own text gets its own tables. Returns ``(sampler, shared)``.
    """
    if corpus.name not in BUILTIN or corpus is not load_builtin(corpus.name):
        return BatchSampler(corpus, vocab, cfg), False
    key = (corpus.name, cfg.model == "classifier", cfg.window, cfg.subsample)
    with _shared_lock:
        tables = _shared_samplers.get(key)
        if tables is None:
            tables = _shared_samplers[key] = BatchSampler(corpus, vocab, cfg)
    mine = copy.copy(tables)
    mine.cfg = cfg
    return mine, True


# ---------------------------------------------------------------- what the trainer keeps


@dataclass
class History:
    """Loss and neighbour accuracy over steps, at most ``max_points`` long.

    Each point averages the loss of ``stride`` steps. When the list is full, neighbouring
    points are merged and the stride doubles, so the curve always covers the whole run.
    The accuracy is measured at every ``accuracy_every``-th point (steps that are multiples of
    ``accuracy_every * stride``; NaN between, which the chart joins) and at step 0: measuring it
    costs a good part of a small training step. An odd ``accuracy_every`` keeps the rule
    after a merge: the points a merge keeps were measured exactly when the rule says so.
    """

    max_points: int = 400  # an even number: points are merged in pairs
    stride: int = 1
    accuracy_every: int = 1  # odd
    steps: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)  # NaN where not defined
    _pending: list[float] = field(default_factory=list, repr=False)

    def start(self, accuracy: float) -> None:
        """The point at step 0: no loss yet, the accuracy of the random table."""
        self.steps, self.loss, self.accuracy = [0], [float("nan")], [accuracy]

    def add(self, step: int, loss: float, accuracy_fn) -> None:
        self._pending.append(loss)
        if len(self._pending) < self.stride:
            return
        self.steps.append(step)
        self.loss.append(math.fsum(self._pending) / len(self._pending))
        measured = step % (self.accuracy_every * self.stride) == 0
        self.accuracy.append(accuracy_fn() if measured else float("nan"))
        self._pending.clear()
        if len(self.steps) - 1 >= self.max_points:  # the step-0 point is not counted
            self._halve()

    def _halve(self) -> None:
        """Merge points (s, 2s), (3s, 4s), ... into 2s, 4s, ...: the step-0 point stays."""
        start = self.steps[:1] == [0]
        head = slice(0, 1 if start else 0)
        steps, loss, acc = (x[head.stop:] for x in (self.steps, self.loss, self.accuracy))
        n = len(steps) // 2 * 2
        self.steps = self.steps[head] + steps[1:n:2]
        self.loss = self.loss[head] + [(a + b) / 2 for a, b in zip(loss[:n:2], loss[1:n:2])]
        self.accuracy = self.accuracy[head] + acc[1:n:2]
        self.stride *= 2

    def __len__(self) -> int:
        return len(self.steps)


@dataclass
class Snapshots:
    """Copies of the table every ``every`` steps for replay, within a memory budget.

    When full, every other snapshot is dropped (step 0 stays) and ``every`` doubles."""

    every: int
    capacity: int
    steps: list[int] = field(default_factory=list)
    matrices: list[np.ndarray] = field(default_factory=list)  # each (vocab, dim) float32

    def maybe_add(self, step: int, matrix_fn) -> None:
        if step % self.every:
            return
        self.steps.append(step)
        self.matrices.append(matrix_fn())
        if len(self.steps) > self.capacity:
            self.every *= 2
            kept = [i for i, s in enumerate(self.steps) if s % self.every == 0]
            self.steps = [self.steps[i] for i in kept]
            self.matrices = [self.matrices[i] for i in kept]

    @property
    def nbytes(self) -> int:
        return sum(m.nbytes for m in self.matrices)

    def __len__(self) -> int:
        return len(self.steps)


# ---------------------------------------------------------------- metrics


def labelled_rows(vocab: Vocabulary, categories) -> tuple[np.ndarray, np.ndarray]:
    """Row IDs of the vocabulary's words that have a category, and that category's index."""
    names = sorted({categories[w] for w in vocab.itos if w in categories})
    rows = [i for i, w in enumerate(vocab.itos) if w in categories]
    labels = [names.index(categories[vocab.itos[i]]) for i in rows]
    return np.array(rows, dtype=np.int64), np.array(labels, dtype=np.int64)


def neighbour_accuracy(matrix: np.ndarray, rows, labels) -> float:
    """Share of labelled words whose nearest labelled word (by cosine) has the same category.

    Only labelled words compete as neighbours, so the score reads "are the kinds grouped?".
    Chance level is about one over the number of categories. NaN if undefined."""
    rows, labels = np.asarray(rows), np.asarray(labels)
    if len(rows) < 2 or len(np.unique(labels)) < 2:
        return float("nan")
    sims = similarity_matrix(np.asarray(matrix)[rows], "cosine")  # (n, n)
    np.fill_diagonal(sims, -np.inf)  # a word is not its own neighbour
    nearest = sims.argmax(axis=1)  # (n,)
    return float((labels[nearest] == labels).mean())


def nearest_words(
    matrix: np.ndarray, vocab: Vocabulary, word: str, k: int = 5
) -> list[tuple[str, float]]:
    """The ``k`` words with the highest cosine similarity to ``word`` ([PAD]/[UNK] skipped)."""
    i = vocab.stoi[word]
    found = nearest_to_vector(vocab.itos, matrix, matrix[i], k, "cosine",
                              exclude=[PAD_ID, UNK_ID, i])
    return [(n.word, n.score) for n in found]


# ---------------------------------------------------------------- the trainer


class Trainer:
    """One student's training run: model, optimizer, batches, history and snapshots."""

    accuracy_every = 5  # the curve's accuracy at every 5th point: 5 times fewer measurements

    def __init__(self, config: TrainConfig, corpus: Corpus | None = None):
        self.config = cfg = config
        self.corpus = corpus if corpus is not None else load_builtin(cfg.corpus)
        self.vocab = self.corpus.vocabulary()
        self.categories = {w: c for w, c in self.corpus.categories.items() if w in self.vocab}
        self.label_rows, self.label_ids = labelled_rows(self.vocab, self.categories)
        emb_cfg = EmbeddingConfig(
            vocab_size=len(self.vocab), dim=cfg.dim, init=cfg.init, scale=cfg.init_scale,
            seed=cfg.seed, padding_idx=PAD_ID, sparse=cfg.sparse,
        )
        n_classes = max(2, len(self.corpus.label_names))
        self.model: nn.Module = build_model(cfg.model, emb_cfg, n_classes=n_classes)
        self.optimizer = make_optimizer(
            cfg.optimizer, param_groups(self.model), cfg.lr, cfg.weight_decay
        )
        self.sampler, self.sampler_shared = shared_sampler(self.corpus, self.vocab, cfg)
        self.generator = torch_generator(cfg.seed)  # batches, negatives, subsampling
        self.step_count = 0
        self.diverged = False
        self.message = ""
        self.last_batch = None
        self.last_loss = float("nan")
        self.callbacks: list = []  # each called as fn(trainer) after every step
        self.lr_changes: list[tuple[int, float, float]] = []  # (step, old rate, new rate)
        self.history = History(max_points=cfg.history_points, accuracy_every=self.accuracy_every)
        per_matrix = max(1, len(self.vocab) * cfg.dim * 4)
        capacity = int(cfg.snapshot_budget_mb * 2**20 // per_matrix)
        self.snapshots = Snapshots(
            every=cfg.snapshot_every, capacity=max(4, min(cfg.max_snapshots, capacity))
        )
        self.snapshots.maybe_add(0, self.embedding_matrix)
        self.history.start(self.accuracy())

    def __repr__(self) -> str:
        return f"Trainer({self.model!r}, optimizer={self.config.optimizer}, step={self.step_count})"

    def fork(self) -> Trainer:
        """An independent copy that can train ahead (to compute a quiz's answer) without
        moving this run: same model, optimizer state, generator state and history."""
        twin = copy.copy(self)
        twin.model, twin.optimizer = copy.deepcopy((self.model, self.optimizer))
        twin.generator = torch.Generator().set_state(self.generator.get_state())
        twin.history = copy.deepcopy(self.history)
        twin.snapshots = Snapshots(self.snapshots.every, self.snapshots.capacity,
                                   list(self.snapshots.steps), list(self.snapshots.matrices))
        twin.callbacks = []
        twin.lr_changes = list(self.lr_changes)
        twin._ahead = []  # batches drawn ahead belong to this run (there are none between steps)
        return twin

    def set_lr(self, lr: float) -> None:
        """Change the learning rate of the running model: training goes on from the current
        weights and optimizer state (Adam keeps its moments), only the step size changes.
        Such a run is no longer reproducible from its settings alone, so it is recorded."""
        new = replace(self.config, lr=lr)  # validates the rate
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.lr_changes.append((self.step_count, self.config.lr, lr))
        self.config = new

    @property
    def reproducible(self) -> bool:
        """True while the settings alone (the link) rebuild this run: no mid-run change."""
        return not self.lr_changes

    def sample_batch(self):
        """The next batch from this trainer's own seeded generator."""
        ahead = getattr(self, "_ahead", None)
        if ahead:
            return ahead.pop()
        return self.sampler.sample(self.generator)

    def _draw_ahead(self, n: int) -> None:
        """Draw the next ``n`` batches at once (:func:`train_in_turns` does, at each turn): the
        same batches as ``n`` draws one by one. Only for the Trainer's own batches."""
        if n > 1 and type(self).sample_batch is Trainer.sample_batch:
            self._ahead = self.sampler.sample_many(self.generator, n)[::-1]

    def step(self, k: int = 1) -> int:
        """Train ``k`` batches (fewer if the numbers blow up). Returns the steps done.

        One trainer at a time per server, a few steps per turn (``embedviz.classroom``)."""
        return train_in_turns(self, k)

    def _one_step(self) -> None:
        batch = self.sample_batch()
        if not self.model.training:  # an accuracy measurement may have set eval()
            self.model.train()
        loss = self.model.loss(batch)
        for group in self.optimizer.param_groups:  # zero_grad(set_to_none=True) without the
            for p in group["params"]:  # profiler hooks it wraps around this loop
                p.grad = None
        loss.backward()
        self.optimizer.step()
        self.step_count += 1
        self.last_batch, self.last_loss = batch, loss.item()
        if not (math.isfinite(self.last_loss) and self._table_is_finite()):
            self._stop_diverged()
            return
        self.history.add(self.step_count, self.last_loss, self.accuracy)
        self.snapshots.maybe_add(self.step_count, self.embedding_matrix)
        for callback in self.callbacks:
            callback(self)

    @torch.no_grad()
    def _table_is_finite(self) -> bool:
        """Every parameter finite. A finite sum proves it (a NaN or an infinity in a tensor makes
        its sum NaN or infinite) at a seventh of the cost of ``isfinite``, checked every step;
        only a non-finite sum (which finite but huge numbers can also give) is looked at in full."""
        return all(math.isfinite(p.sum().item()) or bool(torch.isfinite(p).all())
                   for p in self.model.parameters())

    def _stop_diverged(self) -> None:
        self.diverged = True
        cfg = self.config
        what = "NaN (not a number)" if math.isnan(self.last_loss) else "infinite"
        if math.isfinite(self.last_loss):
            what = "finite, but the table's numbers overflowed"
        advice = f"lower the learning rate (now {cfg.lr:g}), for example to {cfg.lr / 10:g}"
        if cfg.init == "default" or cfg.init_scale > 1:
            advice += ", or start from a smaller initialisation (normal with scale 0.1)"
        self.message = (
            f"Training stopped at step {self.step_count}: the loss became {what}. "
            f"The updates were too large and the numbers blew up. To fix it, {advice}, "
            "then press Reset."
        )

    @torch.no_grad()
    def embedding_matrix(self) -> np.ndarray:
        """(vocab, dim) a copy of the embedding table as float32 NumPy."""
        return self.model.embedding.weight.detach().to(torch.float32).numpy().copy()

    def last_finite_matrix(self) -> np.ndarray:
        """The current table, or after a blow-up the last saved snapshot (finite)."""
        return self.embedding_matrix() if not self.diverged else self.snapshots.matrices[-1]

    def accuracy(self) -> float:
        """The accuracy of the model as it is now, measured once per state of the model: the
        history measures it at some steps and a live page asks again for the same step.

        A state is the step count and the embedding table's version (PyTorch counts every
        in-place change of a tensor), so a change that is not a training step counts too."""
        weight = self.model.embedding.weight
        memo = getattr(self, "_accuracy_memo", None)  # (table, step, table's version, accuracy)
        if not (memo and memo[0] is weight and memo[1:3] == (self.step_count, weight._version)):
            memo = (weight, self.step_count, weight._version, self.measure_accuracy())
            self._accuracy_memo = memo
        return memo[3]

    @torch.no_grad()
    def measure_accuracy(self) -> float:
        """Neighbour accuracy of the current table (NaN without categories)."""
        weight = self.model.embedding.weight.detach().numpy()  # no copy
        return neighbour_accuracy(weight, self.label_rows, self.label_ids)

    def nearest(self, word: str, k: int = 5) -> list[tuple[str, float]]:
        return nearest_words(self.last_finite_matrix(), self.vocab, word, k)

    def memory_bytes(self) -> int:
        """Parameters + optimizer state + snapshots (+ batch tables unless they are shared
        with every session, see :func:`shared_sampler`): this session's footprint."""
        tensors = list(self.model.parameters())
        for state in self.optimizer.state.values():
            tensors += [v for v in state.values() if torch.is_tensor(v)]
        s = self.sampler
        if not self.sampler_shared:
            tensors += [v for v in vars(getattr(s, "pairs", s)).values() if torch.is_tensor(v)]
            tensors += [v for v in vars(s).values() if torch.is_tensor(v)]
        own = sum(t.numel() * t.element_size() for t in tensors)
        return own + self.snapshots.nbytes


# ---------------------------------------------------------------- shared starting points

_trained: OrderedDict[tuple, Trainer] = OrderedDict()
_trained_lock = threading.Lock()
TRAINED_CACHE_SIZE = 8  # a few teacher links at a time; each is one small model


def train_in_turns(run, k: int) -> int:
    """``run._one_step()`` ``k`` times, or until ``run.diverged``; returns the steps done.

    Each :data:`~embedviz.classroom.TURN_STEPS` steps are one turn of the server's
    :data:`~embedviz.classroom.TORCH_TURN`: with a class training at once, threads that take
    turns train about twice as fast as threads that all hold PyTorch at once."""
    done = 0
    draw_ahead = getattr(run, "_draw_ahead", None)
    while done < k and not run.diverged:
        with TORCH_TURN:
            turn = min(TURN_STEPS, k - done)
            if draw_ahead is not None:
                draw_ahead(turn)
            for _ in range(turn):
                if run.diverged:
                    break
                run._one_step()
                done += 1
    if getattr(run, "_ahead", None):
        run._ahead = []  # stopped early (the numbers blew up): nothing drawn ahead stays
    return done


def trained_to(config: TrainConfig, steps: int, progress=None) -> Trainer:
    """A private copy of the model of ``config`` trained ``steps`` steps on its built-in corpus.

    Training is deterministic, so a teacher's link (same settings, "train to step 1,572")
    gives every student the same model: it is trained once per server and kept read-only
    (never stepped), and each student gets a :meth:`Trainer.fork` of it: their own model,
    optimizer and history from that step on. ``progress(fraction)`` is called while it
    trains (only by the first student who asks; the others wait for the lock).
    """
    if config.corpus not in BUILTIN:
        raise ValueError("only a built-in corpus has a shared starting point")
    key = (repr(config), int(steps))
    with _trained_lock:
        shared = _trained.get(key)
        if shared is None:
            shared = Trainer(config)
            chunk = max(1, steps // 20)
            while shared.step_count < steps and not shared.diverged:
                shared.step(min(chunk, steps - shared.step_count))
                if progress is not None:
                    progress(shared.step_count / steps)
            _trained[key] = shared
            while len(_trained) > TRAINED_CACHE_SIZE:
                _trained.popitem(last=False)
        _trained.move_to_end(key)
        return shared.fork()


QUIZ_LOOK_AHEADS = (200, 500, 1_000)  # how far lesson 3's question may look into the future


def look_ahead(trainer: Trainer, word: str, steps: tuple[int, ...] = QUIZ_LOOK_AHEADS) -> Trainer:
    """A copy of ``trainer`` trained ahead, to know the answer of a question about ``word``.

    It stops at the first of ``steps`` (more steps) at which the word's nearest word is of
    the word's own kind, the point lesson 3 makes, or at the last one (a corpus without
    kinds: the first). At the default settings "cat" is still nearest to "feed" after 200
    steps and to an animal after 500. The student's trainer is not touched; a model at
    step 0 of a built-in corpus starts from copies trained once per server."""
    shared = trainer.step_count == 0 and trainer.sampler_shared and trainer.reproducible
    kind = trainer.categories.get(word)
    ahead = None
    for n in steps:
        if shared:
            ahead = trained_to(trainer.config, n)
        else:
            ahead = ahead or trainer.fork()
            ahead.step(trainer.step_count + n - ahead.step_count)
        if ahead.diverged or kind is None:
            break
        near = ahead.nearest(word, k=1)
        if near and trainer.categories.get(near[0][0]) == kind:
            break
    return ahead

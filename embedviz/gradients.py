"""Which rows of the embedding table one training step touches (lesson 4).

The textbooks say "only the embeddings of the tokens in the batch are updated". This module
checks that sentence against torch, one piece at a time:

1. **The gradient.** ``nn.Embedding`` looks rows up, so its backward pass is a scatter-add:
   each lookup adds its gradient into the row it read; rows nobody looked up get exactly
   zero, a token looked up twice gets the sum of its two contributions, and the
   ``padding_idx`` row gets nothing at all. :func:`backward` records both the per-lookup
   gradients and the table's gradient, so the sum can be checked (:func:`scatter_add`).
2. **The optimizer step.** Plain SGD moves a row by ``-lr * grad``: only the batch's rows.
   But optimizers keep *state*: momentum's velocity and Adam's first moment ``m`` remember
   rows from earlier batches and keep moving them while their gradient is zero now; AdamW's
   decoupled weight decay shrinks every row (``w -= lr * wd * w``), looked up or not.
   SparseAdam (with ``sparse=True`` gradients) updates only the rows in the gradient.
   The ``[PAD]`` row is zero and its gradient is always zero, so none of them moves it.

:func:`compare_optimizers` runs the same batches through each optimizer, every one starting
from the same copy of the weights with an empty state, and reports per step which rows had a
gradient and which rows moved. The lesson draws the input table ``model.embedding`` only:
word2vec's second table (``model.context``) is trained too, but it is not the one drawn.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from torch import nn

from embedviz.model import CBOWBatch, SentenceBatch, SkipGramBatch, param_groups
from embedviz.seeding import MAX_SEED, check_seed, numpy_rng, torch_generator
from embedviz.text import PAD_ID
from embedviz.training import OPTIMIZERS, TrainConfig, Trainer, make_optimizer

OPTIMIZER_ORDER = ["sgd", "momentum", "adam", "adamw", "sparse_adam"]
MAX_BATCH, MAX_STEPS = 64, 10
WARMUP_STEPS = 20  # a fresh word2vec model's context table is zero: train a little first


@dataclass(frozen=True)
class CompareConfig:
    """What the lesson compares: batch size, how many steps, the seed, learning rates."""

    batch_size: int = 8  # examples per batch (pairs, windows or sentences)
    steps: int = 3  # batches in a row; the last one is inspected
    seed: int = 0  # the batches are drawn from a generator seeded with this
    sgd_lr: float = 1.0  # SGD and SGD with momentum
    adam_lr: float = 0.01  # Adam, AdamW and SparseAdam
    weight_decay: float = 0.01  # AdamW's decoupled decay (torch's default)

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise ValueError(f"the batch size must be between 1 and {MAX_BATCH}")
        if not 1 <= self.steps <= MAX_STEPS:
            raise ValueError(f"the number of steps must be between 1 and {MAX_STEPS}")
        if not (self.sgd_lr > 0 and self.adam_lr > 0):
            raise ValueError("learning rates must be positive")
        if self.weight_decay < 0:
            raise ValueError("weight decay cannot be negative")
        check_seed(self.seed)

    def lr(self, name: str) -> float:
        return self.sgd_lr if name in ("sgd", "momentum") else self.adam_lr

    def decay(self, name: str) -> float:
        """Only AdamW decays here: the other optimizers run without weight decay."""
        return self.weight_decay if name == "adamw" else 0.0


# ---------------------------------------------------------------- one backward pass


def row_norms(matrix: np.ndarray) -> np.ndarray:
    """(vocab, dim) -> (vocab,) Euclidean norm of each row, in float64 (no underflow)."""
    return np.linalg.norm(np.asarray(matrix, dtype=np.float64), axis=1)


@dataclass
class Backward:
    """One batch's backward pass, seen from the embedding table."""

    ids: np.ndarray  # (lookups,) row IDs looked up in model.embedding, with repeats
    per_lookup: np.ndarray  # (lookups, dim) gradient of the loss w.r.t. each looked-up vector
    grad: np.ndarray  # (vocab, dim) gradient of the loss w.r.t. the table W
    loss: float

    @property
    def grad_norm(self) -> np.ndarray:
        return row_norms(self.grad)  # (vocab,)

    @property
    def touched_rows(self) -> np.ndarray:
        """Rows with a non-zero gradient (exactly: any entry != 0)."""
        return np.flatnonzero((self.grad != 0).any(axis=1))

    @property
    def batch_rows(self) -> np.ndarray:
        """The distinct rows the batch looked up, [PAD] excluded."""
        return np.setdiff1d(np.unique(self.ids), [PAD_ID])

    def counts(self) -> dict[int, int]:
        """How many times each row was looked up ([PAD] included)."""
        rows, n = np.unique(self.ids, return_counts=True)
        return dict(zip(rows.tolist(), n.tolist()))


def backward(model: nn.Module, batch) -> Backward:
    """``model.loss(batch).backward()``, recording each lookup's gradient on the way.

    A forward hook keeps the embedding's output (lookups, dim) and asks autograd to keep its
    gradient too; the table's own gradient is what ``nn.Embedding`` scatter-adds from it.
    The gradients stay in ``.grad`` for an optimizer step.
    """
    seen: list[tuple[torch.Tensor, torch.Tensor]] = []

    def keep(module, inputs, output):
        output.retain_grad()
        seen.append((inputs[0], output))

    hook = model.embedding.register_forward_hook(keep)
    try:
        model.zero_grad(set_to_none=True)
        loss = model.loss(batch)
        loss.backward()
    finally:
        hook.remove()
    dim = model.embedding.embedding_dim
    ids = torch.cat([i.reshape(-1) for i, _ in seen])  # (lookups,)
    per_lookup = torch.cat([o.grad.reshape(-1, dim) for _, o in seen])  # (lookups, dim)
    grad = model.embedding.weight.grad
    grad = grad.to_dense() if grad.is_sparse else grad  # sparse: duplicates are summed here
    return Backward(
        ids=ids.numpy().copy(),
        per_lookup=per_lookup.detach().numpy().copy(),
        grad=grad.detach().numpy().copy(),
        loss=float(loss.item()),
    )


def scatter_add(ids: np.ndarray, per_lookup: np.ndarray, vocab_size: int) -> np.ndarray:
    """The embedding's backward rule by hand: add each lookup's gradient into its row.

    ``[PAD]`` lookups add nothing (``padding_idx``). The additions run in float32 in lookup
    order, like torch's CPU kernel, so the result matches :attr:`Backward.grad` bit for bit
    on this machine (a different order could differ in the last bit).
    """
    grad = np.zeros((vocab_size, per_lookup.shape[1]), dtype=per_lookup.dtype)  # (vocab, dim)
    keep = ids != PAD_ID
    np.add.at(grad, ids[keep], per_lookup[keep])
    return grad


def repeated_rows(ids: np.ndarray) -> list[tuple[int, int]]:
    """(row, count) of rows looked up more than once ([PAD] left out), most repeated first."""
    rows, n = np.unique(ids[ids != PAD_ID], return_counts=True)
    pairs = [(int(r), int(c)) for r, c in zip(rows, n) if c > 1]
    return sorted(pairs, key=lambda rc: (-rc[1], rc[0]))


# ---------------------------------------------------------------- one optimizer step


def use_sparse_gradients(model: nn.Module, sparse: bool) -> nn.Module:
    """Switch every embedding table of ``model`` to sparse (or dense) gradients, in place.

    ``nn.Embedding(sparse=True)`` only changes the kind of gradient its backward returns:
    a list of (row, values) pairs instead of a full ``vocab x dim`` matrix."""
    for module in model.modules():
        if isinstance(module, nn.Embedding):
            module.sparse = sparse
    return model


def copy_for(model: nn.Module, name: str) -> nn.Module:
    """A private deep copy of ``model`` set up for optimizer ``name`` (sparse for SparseAdam)."""
    return use_sparse_gradients(copy.deepcopy(model), name == "sparse_adam")


def optimizer_for(model: nn.Module, name: str, cfg: CompareConfig) -> torch.optim.Optimizer:
    """A fresh torch optimizer (empty state) over all of ``model``'s parameters."""
    return make_optimizer(name, param_groups(model), cfg.lr(name), cfg.decay(name))


@dataclass
class Step:
    """What one optimizer did at one step."""

    optimizer: str
    step: int  # 1 for the first batch
    batch_rows: np.ndarray  # distinct non-[PAD] rows this batch looked up
    seen_before: np.ndarray  # distinct non-[PAD] rows of the earlier batches
    grad_norm: np.ndarray  # (vocab,) norm of each row's gradient
    change_norm: np.ndarray  # (vocab,) norm of each row's change |W_after - W_before|
    touched: np.ndarray  # (vocab,) bool: the row's gradient has a non-zero entry
    changed: np.ndarray  # (vocab,) bool: the row has an entry that moved
    loss: float

    @property
    def touched_rows(self) -> np.ndarray:
        return np.flatnonzero(self.touched)

    @property
    def changed_rows(self) -> np.ndarray:
        return np.flatnonzero(self.changed)

    @property
    def stale_rows(self) -> np.ndarray:
        """Rows that moved although this batch did not look them up."""
        return np.setdiff1d(self.changed_rows, self.batch_rows)


def take_step(
    model: nn.Module, optimizer: torch.optim.Optimizer, batch
) -> tuple[Backward, np.ndarray]:
    """backward + ``optimizer.step()``; returns the backward and the table's change (vocab, dim)."""
    before = model.embedding.weight.detach().clone()  # (vocab, dim)
    back = backward(model, batch)
    optimizer.step()
    change = (model.embedding.weight.detach() - before).numpy().copy()  # (vocab, dim)
    return back, change


@dataclass
class Comparison:
    """Every optimizer on the same batches from the same weights; the last step kept whole."""

    cfg: CompareConfig
    vocab_size: int
    batches: list
    steps: dict[str, list[Step]] = field(default_factory=dict)  # optimizer -> one per batch
    last_backward: dict[str, Backward] = field(default_factory=dict)
    last_change: dict[str, np.ndarray] = field(default_factory=dict)  # (vocab, dim) each

    def last(self, name: str) -> Step:
        return self.steps[name][-1]

    @property
    def is_finite(self) -> bool:
        """False if any loss, gradient or change blew up to NaN or infinity."""
        return all(np.isfinite(s.loss) and np.isfinite(s.grad_norm).all()
                   and np.isfinite(s.change_norm).all()
                   for steps in self.steps.values() for s in steps)

    def changed_counts(self, name: str) -> list[int]:
        """Rows changed at each step by optimizer ``name``."""
        return [len(s.changed_rows) for s in self.steps[name]]


def compare_optimizers(
    model: nn.Module, batches: list, cfg: CompareConfig, names=OPTIMIZER_ORDER
) -> Comparison:
    """Run ``batches`` through a fresh copy of ``model`` for each optimizer in ``names``.

    ``model`` itself is never changed. Each optimizer starts with an empty state."""
    vocab_size = model.embedding.num_embeddings
    result = Comparison(cfg=cfg, vocab_size=vocab_size, batches=list(batches))
    for name in names:
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name!r}; choose from {list(OPTIMIZERS)}")
        own = copy_for(model, name)
        own.train()
        opt = optimizer_for(own, name, cfg)
        seen = np.array([], dtype=np.int64)
        result.steps[name] = []
        for t, batch in enumerate(batches, start=1):
            back, change = take_step(own, opt, batch)
            result.steps[name].append(Step(
                optimizer=name, step=t, batch_rows=back.batch_rows, seen_before=seen,
                grad_norm=back.grad_norm, change_norm=row_norms(change),
                touched=(back.grad != 0).any(axis=1), changed=(change != 0).any(axis=1),
                loss=back.loss,
            ))
            seen = np.union1d(seen, back.batch_rows)
        result.last_backward[name], result.last_change[name] = back, change
    return result


# ---------------------------------------------------------------- where the lesson starts


def draw_batches(trainer: Trainer, batch_size: int, n: int, seed: int) -> list:
    """``n`` batches of ``batch_size`` examples, drawn the way ``trainer`` draws its own
    (same corpus, model kind, window, negatives, subsampling) from a generator seeded with
    ``seed``. The trainer and its generator are not touched."""
    cfg: TrainConfig = replace(trainer.config, batch_size=batch_size)
    sampler = copy.copy(trainer.sampler)  # shares its read-only tables (cheaper than rebuilding)
    sampler.cfg = cfg
    g = torch_generator(seed)
    return [sampler.sample(g) for _ in range(n)]


def needs_warmup(model: nn.Module) -> bool:
    """word2vec starts its context table at zero, so at step 0 the input rows' gradient is
    exactly zero (it is the context vectors times a number). A few steps fix that."""
    context = getattr(model, "context", None)
    return isinstance(context, nn.Embedding) and not bool(context.weight.detach().any())


def table_is_finite(model: nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


@dataclass
class Start:
    """The weights the lesson starts from: a private copy, never the student's live model."""

    model: nn.Module
    step: int  # the training step these weights are from
    warmed_up: int  # steps trained on the copy because the context table was still zero


def starting_point(trainer: Trainer, warmup: int = WARMUP_STEPS) -> Start:
    """A deep copy of ``trainer``'s model with dense gradients; ``trainer`` is not changed.

    If it is a word2vec model at step 0 (context table all zero), a fork of the trainer is
    trained ``warmup`` steps first, so that the input rows get a gradient at all."""
    if needs_warmup(trainer.model):
        ahead = trainer.fork()
        done = ahead.step(warmup)
        return Start(use_sparse_gradients(copy.deepcopy(ahead.model), False),
                     ahead.step_count, done)
    model = use_sparse_gradients(copy.deepcopy(trainer.model), False)
    return Start(model, trainer.step_count, 0)


# ---------------------------------------------------------------- the question


def quiz_candidates(step: Step, vocab_size: int, seed: int, max_options: int = 12) -> list[int]:
    """Rows to ask about: some of this batch's rows, some rows of earlier batches, [PAD],
    and a few rows no batch looked up; sorted by row ID. Seeded (with the step, so each step
    asks about other rows), so the same each rerun."""
    rng = numpy_rng((seed + step.step) % (MAX_SEED + 1))
    now = step.batch_rows
    before = np.setdiff1d(step.seen_before, now)
    never = np.setdiff1d(np.arange(vocab_size), np.union1d(np.union1d(now, before), [PAD_ID]))
    picked = [PAD_ID]
    n_never = min(2, len(never))
    n_before = min(len(before), max(0, (max_options - 1 - n_never) // 2))
    n_now = min(len(now), max_options - 1 - n_never - n_before)
    n_before = min(len(before), max_options - 1 - n_never - n_now)
    for pool, n in ((now, n_now), (before, n_before), (never, n_never)):
        if n:
            picked += rng.choice(pool, n, replace=False).tolist()
    return sorted(int(r) for r in picked)


# ---------------------------------------------------------------- the batch, in words


def batch_examples(batch, itos: list[str], label_names=()) -> list[dict[str, str]]:
    """One dict per example, in words, saying which table each word is looked up in."""
    def words(ids) -> str:
        return " ".join(itos[int(i)] for i in ids)

    if isinstance(batch, SkipGramBatch):
        return [{"center word (looked up in W)": itos[int(c)],
                 "real neighbour (context table)": itos[int(o)],
                 "random words (context table)": words(n)}
                for c, o, n in zip(batch.centers, batch.contexts, batch.negatives)]
    if isinstance(batch, CBOWBatch):
        return [{"neighbours (looked up in W)": words(c),
                 "middle word (context table)": itos[int(t)],
                 "random words (context table)": words(n)}
                for c, t, n in zip(batch.contexts, batch.targets, batch.negatives)]
    if isinstance(batch, SentenceBatch):
        names = list(label_names)
        return [{"sentence (every token looked up in W)": words(s),
                 "label": names[int(y)] if int(y) < len(names) else str(int(y))}
                for s, y in zip(batch.ids, batch.labels)]
    raise TypeError(f"not a batch of this app: {type(batch).__name__}")

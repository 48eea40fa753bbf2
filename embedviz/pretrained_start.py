"""Start from GloVe, frozen or fine-tuned, against a random start, side by side (lesson 6).

An embedding layer does not have to start random. It can start from pretrained vectors
(here GloVe 6B, 50 dimensions) and then be

- **frozen**: ``nn.Embedding.from_pretrained(table, freeze=True)``: the table is a constant,
  only the classifier on top learns; or
- **fine-tuned**: ``from_pretrained(table, freeze=False)``: the gradient moves the table too.

The task is lesson 3's: the average of a review's word vectors goes through a linear layer
that says positive or negative (``model.BagOfEmbeddingsClassifier``). Three copies of it,
one per start, train in lock-step: every step draws ONE batch from one seeded generator and
feeds the same batch to all three, so the only difference between them is the start.

>>> run = SideBySide(StartConfig())
>>> run.step(100)
>>> run.variants["frozen"].val.accuracy[-1]      # validation accuracy at step 100
>>> run.moved_rows("finetuned")                  # rows fine-tuning changed (bit for bit)

Only the rows the vocabulary needs are copied out of GloVe's shared memory map
(:meth:`pretrained.GloVe.rows`); words GloVe lacks get the random start's own rows. What
every student with the same settings needs (the split, the batch tables, the table built
from GloVe) is built once per server and shared read-only (:func:`shared_task`).
"""

from __future__ import annotations

import copy
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from embedviz import corpora
from embedviz.corpora import Corpus, CorpusProblem
from embedviz.embedding import EmbeddingConfig, init_weights_
from embedviz.model import build_model
from embedviz.pretrained import GloVe, load_glove
from embedviz.seeding import check_seed, numpy_rng, torch_generator
from embedviz.similarity import nearest_to_vector
from embedviz.text import PAD_ID, SPECIALS, UNK_ID, Vocabulary, tokenize
from embedviz.training import (
    MAX_SENTENCE_LEN,
    BatchSampler,
    History,
    TrainConfig,
    make_optimizer,
    train_in_turns,
)

STARTS = {
    "random": "Random start",
    "frozen": "GloVe, frozen",
    "finetuned": "GloVe, fine-tuned",
}
OPTIMIZERS = {
    "sgd": "SGD",
    "adam": "Adam",
    "adamw": "AdamW (weight decay 0.01)",
}
ADAMW_DECAY = 0.01  # torch's default for AdamW
PROBE_WORDS = ("good", "bad", "nice", "worst")  # added when no sentence uses them
WATCHED_PAIRS = (("good", "bad"), ("great", "terrible"), ("excellent", "poor"),
                 ("wonderful", "awful"))
DIM = 50  # fixed by GloVe 6B 50d
EVAL_EVERY = 5  # steps between points of the curves (each point evaluates every sentence)
LOW_COVERAGE = 0.5  # below this share of known words the page warns

# A student's own labelled text.
MAX_LABELLED_CHARS = 50_000
MAX_LABELLED_LINES = 2_000
MIN_PER_LABEL = 10
LABEL_WORDS = {"positive": 1, "pos": 1, "+": 1, "1": 1, "negative": 0, "neg": 0, "-": 0, "0": 0}


@dataclass(frozen=True)
class StartConfig:
    """Everything that defines the three runs. Same config => the same numbers."""

    corpus: str = "reviews"  # "reviews" or "user" (then pass the Corpus)
    train_share: float = 1.0  # share of the training sentences used (0.1, 0.3, 1.0)
    held_out: int = 4  # sentiment words kept out of training (half positive, half negative)
    val_share: float = 0.2
    optimizer: str = "adam"  # a key of OPTIMIZERS
    lr: float = 0.01
    batch_size: int = 64
    seed: int = 0
    history_points: int = 400

    def __post_init__(self) -> None:
        problems = []
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {list(OPTIMIZERS)}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            problems.append("the learning rate must be a positive number")
        if not 0 < self.train_share <= 1 or not 0 < self.val_share < 1:
            problems.append("train_share in (0, 1] and val_share in (0, 1)")
        if self.held_out < 0 or self.held_out % 2:
            problems.append("held_out is an even number >= 0 (half positive, half negative)")
        if self.batch_size < 1 or self.history_points < 4:
            problems.append("batch_size >= 1 and history_points >= 4")
        check_seed(self.seed)
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def weight_decay(self) -> float:
        return ADAMW_DECAY if self.optimizer == "adamw" else 0.0


# ---------------------------------------------------------------- the task


@dataclass(frozen=True, eq=False)
class Task:
    """The sentences, split; the vocabulary; and which validation sentences hold new words."""

    corpus: Corpus
    train: Corpus  # what the batches are drawn from
    validation: Corpus  # never trained on; the same whatever train_share
    held_out: tuple[str, ...]  # words whose training sentences were left out
    vocab: Vocabulary  # every word of every sentence (validation too) + the probe words
    unseen_words: tuple[str, ...]  # in validation sentences, in no training sentence
    unseen_sentences: torch.Tensor  # (validation,) bool: the sentence has an unseen word
    train_ids: torch.Tensor  # (train, seq) padded token IDs
    train_labels: torch.Tensor  # (train,)
    val_ids: torch.Tensor  # (validation, seq)
    val_labels: torch.Tensor  # (validation,)
    sampler: BatchSampler  # draws training batches (the random draws come from the run)


def held_out_words(corpus: Corpus, n: int, seed: int) -> tuple[str, ...]:
    """``n`` sentiment words (half of each label's category), drawn with the seed."""
    if n == 0 or not corpus.categories:
        return ()
    rng = numpy_rng(seed)
    out = []
    for category in ("negative", "positive"):
        words = sorted(w for w, c in corpus.categories.items() if c == category)
        out += sorted(rng.choice(words, min(n // 2, len(words)), replace=False).tolist())
    return tuple(out)


def task_vocabulary(corpus: Corpus) -> Vocabulary:
    """The corpus's words (most frequent first), then the probe words no sentence uses."""
    words = [w for s in corpus.sentences for w in s]
    base = Vocabulary.from_tokens(words, order="frequency",
                                  max_size=corpora.MAX_VOCAB + len(SPECIALS))
    probes = [w for w in PROBE_WORDS if w not in base]
    return Vocabulary(itos=base.itos + probes, counts={**base.counts, **dict.fromkeys(probes, 0)})


def encode(corpus: Corpus, vocab: Vocabulary) -> tuple[torch.Tensor, torch.Tensor]:
    """(sentences, seq) padded IDs and (sentences,) labels; the classifier's input."""
    ids = [vocab.encode_tokens(s)[:MAX_SENTENCE_LEN] for s in corpus.sentences]
    length = max(1, max((len(s) for s in ids), default=1))
    padded = torch.tensor([s + [PAD_ID] * (length - len(s)) for s in ids], dtype=torch.long)
    return padded, torch.tensor(corpus.labels, dtype=torch.long)


def make_task(cfg: StartConfig, corpus: Corpus) -> Task:
    """Split (seeded, stratified), hold words out, encode, and build the batch tables."""
    train, val = corpora.train_validation_split(corpus, cfg.val_share, cfg.seed, cfg.train_share)
    held = held_out_words(corpus, cfg.held_out, cfg.seed)
    if held:
        keep = [i for i, s in enumerate(train.sentences) if not set(s) & set(held)]
        train = train.subset(keep, "train")
    if len(train.sentences) < 2 or len(set(train.labels)) < 2:
        raise CorpusProblem("Too few training sentences are left (both labels are needed): "
                            "use a larger share of the training set or hold out fewer words.")
    vocab = task_vocabulary(corpus)
    seen = {w for s in train.sentences for w in s}
    unseen = sorted({w for s in val.sentences for w in s} - seen)
    unseen_sentences = torch.tensor([bool(set(s) - seen) for s in val.sentences],
                                    dtype=torch.bool)
    train_ids, train_labels = encode(train, vocab)
    val_ids, val_labels = encode(val, vocab)
    sampler = BatchSampler(train, vocab, TrainConfig(model="classifier", dim=DIM,
                                                     batch_size=cfg.batch_size, seed=cfg.seed))
    return Task(corpus, train, val, held, vocab, tuple(unseen), unseen_sentences,
                train_ids, train_labels, val_ids, val_labels, sampler)


# ---------------------------------------------------------------- the starting tables


@dataclass(frozen=True)
class Coverage:
    """Which of the vocabulary's words GloVe knows ([PAD], [UNK] not counted)."""

    found: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def n_words(self) -> int:
        return len(self.found) + len(self.missing)

    @property
    def share(self) -> float:
        return len(self.found) / self.n_words if self.n_words else 0.0


def glove_scale(glove: GloVe) -> float:
    """The root mean square of one GloVe coordinate over all 400,000 rows (about 0.64).

    The random start uses this scale, so a random row is as long as a GloVe row on average:
    the two starts differ in direction, not in size."""
    norms = glove.norms.astype(np.float64)  # (400000,) computed once per process
    return float(np.sqrt(np.mean(norms**2) / glove.dim))


def random_table(vocab_size: int, scale: float, seed: int) -> np.ndarray:
    """(vocab, 50) the random start: N(0, scale) from the seed's generator, [PAD] = 0."""
    weight = torch.empty(vocab_size, DIM)
    init_weights_(weight, "normal", scale, seed)
    weight[PAD_ID] = 0.0
    return weight.numpy()


def glove_table(vocab: Vocabulary, glove: GloVe, random_rows: np.ndarray
                ) -> tuple[np.ndarray, Coverage]:
    """(vocab, 50) GloVe's row for every word it knows; the random start's row otherwise.

    ``[PAD]`` stays zero; ``[UNK]`` and the missing words keep ``random_rows`` (so a word GloVe
    lacks starts exactly where the random start puts it). Only these rows are copied out of
    the shared memory map."""
    table = random_rows.copy()  # (vocab, dim)
    words = vocab.itos[len(SPECIALS):]
    found = [w for w in words if w in glove]
    missing = [w for w in words if w not in glove]
    if found:
        rows = [vocab.stoi[w] for w in found]
        table[rows] = glove.rows(glove.indices(found))  # (found, dim) a private copy
    return table, Coverage(tuple(found), tuple(missing))


# ---------------------------------------------------------------- shared, once per server


@dataclass(frozen=True, eq=False)
class SharedStart:
    """What every run with the same corpus and settings starts from (read-only)."""

    task: Task
    random: np.ndarray  # (vocab, dim) float32, not writeable
    glove: np.ndarray  # (vocab, dim) float32, not writeable
    coverage: Coverage


_shared: OrderedDict = OrderedDict()
_shared_lock = threading.Lock()
SHARED_ENTRIES = 32


def build_start(cfg: StartConfig, corpus: Corpus, glove: GloVe | None = None) -> SharedStart:
    glove = glove if glove is not None else load_glove()
    task = make_task(cfg, corpus)
    rand = random_table(len(task.vocab), glove_scale(glove), cfg.seed)
    table, coverage = glove_table(task.vocab, glove, rand)
    for a in (rand, table):
        a.flags.writeable = False
    return SharedStart(task, rand, table, coverage)


def _share_key(cfg: StartConfig) -> tuple:
    return (cfg.corpus, cfg.train_share, cfg.held_out, cfg.val_share, cfg.batch_size, cfg.seed)


def shared_task(cfg: StartConfig, corpus: Corpus | None = None) -> tuple[SharedStart, bool]:
    """The start for ``cfg``: built once per server for the built-in reviews, else privately.

    Returns ``(start, shared)``. The arrays are read-only; each run copies the rows it trains."""
    if corpus is not None and corpus is not corpora.load_builtin("reviews"):
        return build_start(cfg, corpus), False
    key = _share_key(cfg)
    with _shared_lock:
        start = _shared.get(key)
        if start is not None:
            _shared.move_to_end(key)
            return start, True
    start = build_start(cfg, corpora.load_builtin("reviews"))  # outside the lock: ~10 ms
    with _shared_lock:
        start = _shared.setdefault(key, start)
        while len(_shared) > SHARED_ENTRIES:
            _shared.popitem(last=False)
    return start, True


# ---------------------------------------------------------------- one start


@dataclass
class Scores:
    """Loss and accuracy of a model on a set of sentences."""

    loss: float
    accuracy: float


@torch.no_grad()
def evaluate(model: nn.Module, ids: torch.Tensor, labels: torch.Tensor) -> Scores:
    """Cross-entropy and accuracy on every sentence of a set (no gradient, no dropout)."""
    model.eval()
    return _scores(model(ids), labels)  # logits: (sentences, classes)


@dataclass
class Variant:
    """One start: its model, optimizer and curves (training, validation, unseen words)."""

    name: str  # a key of STARTS
    model: nn.Module
    optimizer: torch.optim.Optimizer
    initial: np.ndarray  # (vocab, dim) the table at step 0 (shared, read-only)
    train: History = field(default_factory=History)
    val: History = field(default_factory=History)
    unseen: History = field(default_factory=History)  # validation sentences with unseen words
    last_loss: float = float("nan")

    @property
    def table(self) -> torch.Tensor:
        return self.model.embedding.weight  # (vocab, dim)

    @property
    def frozen(self) -> bool:
        return not self.table.requires_grad

    def matrix(self) -> np.ndarray:
        """(vocab, dim) a float32 NumPy copy of the table now."""
        return self.table.detach().numpy().copy()

    def optimizer_holds(self, param: torch.Tensor) -> bool:
        """Does the optimizer know ``param`` at all (in a group, or in its state)?"""
        in_groups = any(p is param for g in self.optimizer.param_groups for p in g["params"])
        return in_groups or param in self.optimizer.state

    def state_bytes(self) -> int:
        """Bytes of optimizer state (momentum, Adam's moments) this variant keeps."""
        return sum(v.numel() * v.element_size() for s in self.optimizer.state.values()
                   for v in s.values() if torch.is_tensor(v) and v.dim() > 0)


def build_variant(name: str, start: SharedStart, cfg: StartConfig) -> Variant:
    """A classifier whose embedding starts random, or from GloVe (frozen or not)."""
    vocab_size = len(start.task.vocab)
    emb_cfg = EmbeddingConfig(vocab_size=vocab_size, dim=DIM, init="normal", scale=1.0,
                              seed=cfg.seed, padding_idx=PAD_ID)
    model = build_model("classifier", emb_cfg, n_classes=2)  # the head: same seed, same init
    initial = start.random if name == "random" else start.glove
    model.embedding = nn.Embedding.from_pretrained(
        torch.from_numpy(initial.copy()), freeze=name == "frozen", padding_idx=PAD_ID,
    )  # (vocab, dim) this run's own copy; the shared array is never written
    trainable = [p for p in model.parameters() if p.requires_grad]  # frozen: the head only
    optimizer = make_optimizer(cfg.optimizer, trainable, cfg.lr, cfg.weight_decay)
    n = cfg.history_points
    return Variant(name, model, optimizer, initial, History(n), History(n), History(n))


# ---------------------------------------------------------------- three starts, lock-step


class SideBySide:
    """Random, GloVe frozen and GloVe fine-tuned, trained on the same batches from one seed."""

    def __init__(self, config: StartConfig, corpus: Corpus | None = None):
        self.config = cfg = config
        self.start, self.shared = shared_task(cfg, corpus)
        self.task = self.start.task
        self.vocab = self.task.vocab
        self.variants = {name: build_variant(name, self.start, cfg) for name in STARTS}
        self.generator = torch_generator(cfg.seed)  # the one source of batches
        self.step_count = 0
        self.diverged = False
        self.message = ""
        self.batch_counts = np.zeros(len(self.vocab), dtype=np.int64)  # lookups per row
        self.callbacks: list = []  # each called as fn(run, batch) after every step
        for v in self.variants.values():
            self._record(v, start=True)

    def __repr__(self) -> str:
        return f"SideBySide({list(self.variants)}, step={self.step_count})"

    def fork(self) -> SideBySide:
        """An independent copy that can train ahead (for the quiz) without moving this run."""
        twin = copy.copy(self)
        twin.variants = {}
        for name, v in self.variants.items():
            model, opt = copy.deepcopy((v.model, v.optimizer))
            twin.variants[name] = replace(v, model=model, optimizer=opt, train=copy.deepcopy(
                v.train), val=copy.deepcopy(v.val), unseen=copy.deepcopy(v.unseen))
        twin.generator = torch.Generator().set_state(self.generator.get_state())
        twin.batch_counts = self.batch_counts.copy()
        twin.callbacks = []
        return twin

    def step(self, k: int = 1) -> int:
        """Train ``k`` batches on all three (fewer if the numbers blow up). Returns steps done.
        One trainer at a time per server (``embedviz.classroom``)."""
        return train_in_turns(self, k)

    def _one_step(self) -> None:
        batch = self.task.sampler.sample(self.generator)  # ONE batch for all three
        for v in self.variants.values():
            v.model.train()
            loss = v.model.loss(batch)
            v.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            v.optimizer.step()
            v.last_loss = loss.item()
        self.step_count += 1
        self.batch_counts += np.bincount(batch.ids.flatten().numpy(),
                                         minlength=len(self.vocab))
        bad = [v for v in self.variants.values() if not self._finite(v)]
        if bad:
            self._stop(bad)
            return
        if self.step_count % EVAL_EVERY == 0:
            for v in self.variants.values():
                self._record(v)
        for callback in self.callbacks:
            callback(self, batch)

    @staticmethod
    @torch.no_grad()
    def _finite(v: Variant) -> bool:
        return math.isfinite(v.last_loss) and all(
            bool(torch.isfinite(p).all()) for p in v.model.parameters())

    def _stop(self, bad: list[Variant]) -> None:
        self.diverged = True
        names = " and ".join(STARTS[v.name] for v in bad)
        lr = self.config.lr
        self.message = (
            f"Training stopped at step {self.step_count}: the numbers of {names} blew up "
            "(NaN or infinity). The updates were too large. Lower the learning rate (now "
            f"{lr:g}), for example to {lr / 10:g}, then press Reset."
        )

    def _record(self, v: Variant, start: bool = False) -> None:
        """One point of each curve: the whole training set, validation, unseen-word sentences."""
        t = self.task
        v.model.eval()
        train = evaluate(v.model, t.train_ids, t.train_labels)
        val_logits = _logits(v.model, t.val_ids)  # (validation, classes) one pass for both
        val = _scores(val_logits, t.val_labels)
        mask = t.unseen_sentences  # (validation,) bool
        unseen = _scores(val_logits[mask], t.val_labels[mask])
        for hist, s in ((v.train, train), (v.val, val), (v.unseen, unseen)):
            if start:
                hist.start(s.accuracy)
                hist.loss[0] = s.loss
            else:
                hist.add(self.step_count, s.loss, lambda s=s: s.accuracy)

    # ---- what training did to the tables

    def moved_rows(self, name: str) -> np.ndarray:
        """Row IDs whose numbers differ from step 0 in any bit (sorted)."""
        now = self.variants[name].matrix()
        start = self.variants[name].initial
        return np.flatnonzero((now.view(np.int32) != start.view(np.int32)).any(axis=1))

    def rows_in_batches(self) -> np.ndarray:
        """Row IDs looked up by at least one training batch so far ([PAD] left out)."""
        rows = np.flatnonzero(self.batch_counts)
        return rows[rows != PAD_ID]

    def drift(self, name: str) -> np.ndarray:
        """(vocab,) how far each row moved from its start: Euclidean, in float64."""
        now = self.variants[name].matrix().astype(np.float64)
        return np.linalg.norm(now - self.variants[name].initial.astype(np.float64), axis=1)

    def most_moved(self, name: str, k: int = 10) -> list[tuple[str, float, int]]:
        """The ``k`` words that moved most: (word, distance, lookups in batches)."""
        d = self.drift(name)
        order = [i for i in np.argsort(-d, kind="stable") if i >= len(SPECIALS) and d[i] > 0]
        return [(self.vocab.itos[i], float(d[i]), int(self.batch_counts[i])) for i in order[:k]]

    def neighbours(self, name: str, word: str, k: int = 5, before: bool = False
                   ) -> list[tuple[str, float]]:
        """The ``k`` words nearest (cosine) to ``word`` in the table now, or at step 0."""
        v = self.variants[name]
        matrix = v.initial if before else v.matrix()
        i = self.vocab.stoi[word]
        found = nearest_to_vector(self.vocab.itos, matrix, matrix[i], k, "cosine",
                                  exclude=[PAD_ID, UNK_ID, i])
        return [(n.word, n.score) for n in found]

    def cosine(self, name: str, a: str, b: str, before: bool = False) -> float:
        """Cosine similarity of two words' rows (float64), now or at step 0."""
        v = self.variants[name]
        m = v.initial if before else v.matrix()
        x, y = (m[self.vocab.stoi[w]].astype(np.float64) for w in (a, b))
        return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))

    def validation_now(self, name: str) -> Scores:
        """Loss and accuracy of one start on the validation sentences at this very step."""
        return evaluate(self.variants[name].model, self.task.val_ids, self.task.val_labels)

    def best_on_validation(self) -> str:
        """The start with the highest validation accuracy now (ties: the lower loss)."""
        scores = {n: self.validation_now(n) for n in self.variants}
        return max(scores, key=lambda n: (scores[n].accuracy, -scores[n].loss))


@torch.no_grad()
def _logits(model: nn.Module, ids: torch.Tensor) -> torch.Tensor:
    return model(ids)


def _scores(logits: torch.Tensor, labels: torch.Tensor) -> Scores:
    if len(labels) == 0:
        return Scores(float("nan"), float("nan"))
    return Scores(F.cross_entropy(logits, labels).item(),
                  (logits.argmax(1) == labels).double().mean().item())


# ---------------------------------------------------------------- what freezing saves


def training_bytes(vocab_size: int, dim: int, optimizer: str) -> dict[str, int]:
    """Bytes a trainable float32 ``vocab x dim`` table adds during training, beyond itself:
    its gradient (one number per number) and the optimizer's state (Adam: two moments)."""
    n = vocab_size * dim * 4
    moments = 2 if optimizer in ("adam", "adamw") else 0
    return {"gradient": n, "optimizer state": moments * n}


# ---------------------------------------------------------------- the student's own text


def labelled_corpus_from_text(text: str) -> tuple[Corpus, list[str]]:
    """Lines ``positive: a sentence`` / ``negative: a sentence`` as a labelled corpus.

    The label may also be written ``pos``/``neg``, ``+``/``-`` or ``1``/``0``, followed by a
    colon or a tab. Returns the corpus and notes about lines that were skipped; raises
    :class:`CorpusProblem` when the text cannot be trained on."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    notes = []
    if len(lines) > MAX_LABELLED_LINES:
        notes.append(f"Only the first {MAX_LABELLED_LINES:,} lines are used.")
        lines = lines[:MAX_LABELLED_LINES]
    sentences, labels, bad = [], [], []
    for n, line in enumerate(lines, 1):
        label, sep, rest = _split_label(line)
        words = tuple(w for w in tokenize(rest) if corpora.is_word(w))[:MAX_SENTENCE_LEN]
        if not sep or label not in LABEL_WORDS or not words:
            bad.append(n)
            continue
        sentences.append(words)
        labels.append(LABEL_WORDS[label])
    if bad:
        shown = ", ".join(map(str, bad[:8])) + (", ..." if len(bad) > 8 else "")
        notes.append(f"{len(bad)} line(s) skipped (not 'positive: ...' or 'negative: ...' with "
                     f"words after the label): line {shown}.")
    per_label = [labels.count(0), labels.count(1)]
    if min(per_label) < MIN_PER_LABEL:
        raise CorpusProblem(
            f"The text has {per_label[1]} positive and {per_label[0]} negative sentences; "
            f"training needs at least {MIN_PER_LABEL} of each. Write one sentence per line, "
            "starting with 'positive:' or 'negative:'.")
    corpus = Corpus(name=corpora.USER, title="Your own labelled sentences",
                    sentences=tuple(sentences), labels=tuple(labels),
                    label_names=("negative", "positive"))
    return corpus, notes


def _split_label(line: str) -> tuple[str, str, str]:
    """``"positive: great film"`` -> ``("positive", ":", "great film")``."""
    line = line.strip()
    cut = [i for i in (line.find(":"), line.find("\t")) if i >= 0]
    if not cut:
        return "", "", line
    i = min(cut)
    return line[:i].strip().lower(), line[i], line[i + 1:]


# ---------------------------------------------------------------- the quiz's answers

PAIR_ANSWERS = ("closer", "further apart", "exactly as close")


def closer_or_further(before: float, after: float) -> str:
    """How a pair's cosine changed: one of :data:`PAIR_ANSWERS`."""
    if after == before:
        return "exactly as close"
    return "closer" if after > before else "further apart"


def look_ahead(run: SideBySide, steps: int, pair: tuple[str, str] = ("good", "bad")) -> dict:
    """Train a copy of the three models ``steps`` ahead; the run itself is not touched.

    Returns plain numbers: every start's validation accuracy there, the best start, and the
    fine-tuned cosine of ``pair`` now and there (with how far each of its rows moved)."""
    ahead = run.fork()
    ahead.step(steps)
    a, b = pair
    out = dict(step=run.step_count, ahead_step=ahead.step_count, diverged=ahead.diverged)
    if ahead.diverged:
        return out
    stoi = run.vocab.stoi
    drift = ahead.drift("finetuned")
    out.update(
        val_accuracy={n: ahead.validation_now(n).accuracy for n in ahead.variants},
        best=ahead.best_on_validation(),
        pair_start=run.cosine("finetuned", a, b, before=True),
        pair_before=run.cosine("finetuned", a, b),
        pair_after=ahead.cosine("finetuned", a, b),
        lookups=(int(ahead.batch_counts[stoi[a]]), int(ahead.batch_counts[stoi[b]])),
        drift=(float(drift[stoi[a]]), float(drift[stoi[b]])),
    )
    return out

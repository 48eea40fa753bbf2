"""What reads the vectors (lesson 10): an RNN step by step, and static vs contextual vectors.

An embedding layer sits in front of a model because it maps integers to their
representations; the model behind it reads the rows. Two readers, both real:

1. **An RNN classifier of the reviews.** Lesson 3's embedding table, then an ``nn.RNN`` (or
   ``nn.GRU``) that reads a sentence one token at a time, then a linear head on its last
   hidden state. It is trained live with lesson 3's :class:`~embedviz.training.Trainer` on
   the reviews' training split. :func:`walk_through` follows one sentence token by token
   with the module's own weights: the input row ``x_t``, the previous state ``h_{t-1}`` and
   the new one ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``. Padding is masked: at a
   ``[PAD]`` position the state is carried over unchanged (training packs the batch with
   ``pack_padded_sequence``, which does the same thing), so the state after the last real
   word is what the head reads. Unlike the bag of embeddings, the order of words now matters.

2. **Static vs contextual vectors**, on the real all-MiniLM-L6-v2 (:mod:`embedviz.minilm`).
   Its token table gives one *static* row per token, the same in every sentence. The model's
   layers mix every token with the others, so the vectors it outputs depend on the sentence:
   "bank" by a river and "bank" of a loan come out different. :func:`contextual_occurrences`
   returns, for each occurrence of a word, the static row and its hidden state after the
   embedding layer and after each of the 6 transformer layers. A word that the tokenizer
   splits into pieces gets the mean of its pieces' vectors (and of their static rows).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from embedviz.corpora import Corpus, is_word, load_builtin, train_validation_split
from embedviz.embedding import EmbeddingConfig, make_embedding
from embedviz.model import SentenceBatch, param_groups
from embedviz.seeding import derived_seed, torch_generator
from embedviz.similarity import similarity_matrix
from embedviz.text import PAD, PAD_ID, Vocabulary, pad_or_truncate, tokenize
from embedviz.training import TrainConfig, Trainer, make_optimizer

CELLS = {"rnn": "RNN (tanh): nn.RNN", "gru": "GRU (gated): nn.GRU"}
WALK_LENGTH = 8  # the seed's example: padded to 8 tokens
SPLIT_SEED = 0  # one validation set for every student


# ================================================================ part 1: the RNN classifier


@dataclass(frozen=True)
class ReaderConfig:
    """Everything that defines one live RNN classifier. Same config => same numbers."""

    cell: str = "rnn"  # a key of CELLS
    dim: int = 5  # numbers per word: the seed's (8, 5) example
    hidden: int = 8  # numbers in the RNN's state
    optimizer: str = "adam"
    lr: float = 0.01
    batch_size: int = 64
    seed: int = 0
    val_share: float = 0.2

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {list(CELLS)}")
        if not 1 <= self.hidden <= 64:
            raise ValueError("the hidden size must be between 1 and 64")

    def train_config(self) -> TrainConfig:
        """Lesson 3's config for the same run: embedding, optimizer, batches and seed."""
        return TrainConfig(corpus="reviews", model="classifier", dim=self.dim, init="normal",
                           init_scale=0.1, optimizer=self.optimizer, lr=self.lr,
                           batch_size=self.batch_size, seed=self.seed)


class RNNClassifier(nn.Module):
    """Embedding -> ``nn.RNN``/``nn.GRU`` read left to right -> linear head on the last state."""

    def __init__(self, emb_cfg: EmbeddingConfig, hidden: int, cell: str = "rnn",
                 n_classes: int = 2, seed: int = 0):
        super().__init__()
        self.cell = cell
        self.embedding = make_embedding(emb_cfg)  # (vocab, dim), row 0 = [PAD] = zeros
        rnn = nn.RNN if cell == "rnn" else nn.GRU
        self.rnn = rnn(emb_cfg.dim, hidden, batch_first=True)  # (batch, seq, dim) in
        self.classify = nn.Linear(hidden, n_classes)  # (hidden -> classes)
        g = torch_generator(seed)
        with torch.no_grad():  # PyTorch's own init ranges, from a private generator
            bound = 1.0 / math.sqrt(hidden)
            for p in self.rnn.parameters():
                p.uniform_(-bound, bound, generator=g)
            self.classify.weight.uniform_(-bound, bound, generator=g)
            self.classify.bias.zero_()

    def final_state(self, ids: torch.Tensor) -> torch.Tensor:
        """(batch, seq) IDs -> (batch, hidden): the state after each sentence's last real token.

        The batch is packed, so the RNN never reads the ``[PAD]`` positions."""
        lengths = (ids != PAD_ID).sum(1).clamp(min=1)  # (batch,) an empty sentence reads [PAD]
        width = int(lengths.max())
        x = self.embedding(ids[:, :width])  # (batch, width, dim)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, h_n = self.rnn(packed)  # (1, batch, hidden)
        return h_n[0]

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.classify(self.final_state(ids))  # (batch, classes) logits

    def loss(self, batch: SentenceBatch) -> torch.Tensor:
        return F.cross_entropy(self(batch.ids), batch.labels)

    def __repr__(self) -> str:
        v, d = self.embedding.weight.shape
        return f"RNNClassifier({self.cell}, vocab={v}, dim={d}, hidden={self.rnn.hidden_size})"


_splits: dict[tuple, tuple[Corpus, Corpus]] = {}
_splits_lock = threading.Lock()


def review_split(val_share: float = 0.2) -> tuple[Corpus, Corpus]:
    """The reviews' (training, validation) split, made once per process and shared."""
    key = (val_share, SPLIT_SEED)
    with _splits_lock:
        if key not in _splits:
            _splits[key] = train_validation_split(load_builtin("reviews"), val_share, SPLIT_SEED)
        return _splits[key]


def padded_ids(vocab: Vocabulary, sentences, length: int | None = None) -> torch.Tensor:
    """(n, length) IDs of word-token sentences, padded with [PAD] to the longest (or length)."""
    rows = [vocab.encode_tokens(s) for s in sentences]
    width = length or max(1, max(len(r) for r in rows))
    return torch.tensor([pad_or_truncate(r, width)[0] for r in rows], dtype=torch.long)


class ReaderTrainer(Trainer):
    """Lesson 3's Trainer, with the RNN classifier instead of the bag of embeddings.

    Same batches (the sentences of the training split and their labels, from the seeded
    generator), same optimizer, history, snapshots and divergence check; its accuracy curve is
    the share of *validation* sentences classified right, at every point (the page shows the
    latest)."""

    accuracy_every = 1

    def __init__(self, config: ReaderConfig):
        self.reader_config = config
        train, val = review_split(config.val_share)
        super().__init__(config.train_config(), train)
        self.val_ids = padded_ids(self.vocab, val.sentences)  # (val, seq)
        self.val_labels = torch.tensor(val.labels)  # (val,)
        cfg = self.config
        emb_cfg = EmbeddingConfig(vocab_size=len(self.vocab), dim=cfg.dim, init=cfg.init,
                                  scale=cfg.init_scale, seed=cfg.seed, padding_idx=PAD_ID)
        self.model = RNNClassifier(emb_cfg, config.hidden, config.cell, seed=derived_seed(cfg.seed, 1))
        self.optimizer = make_optimizer(cfg.optimizer, param_groups(self.model), cfg.lr)
        self.snapshots = replace(self.snapshots, steps=[], matrices=[])
        self.snapshots.maybe_add(0, self.embedding_matrix)
        self.history.start(self.accuracy())

    @torch.no_grad()
    def measure_accuracy(self) -> float:
        """Share of validation sentences whose predicted label is right (before: NaN)."""
        if getattr(self, "val_ids", None) is None:
            return float("nan")
        self.model.eval()
        predicted = self.model(self.val_ids).argmax(1)  # (val,)
        return float((predicted == self.val_labels).float().mean())

    def probabilities(self, sentences) -> np.ndarray:
        """P(positive) of each word-token sentence under the current model."""
        return class_probabilities(self.model, padded_ids(self.vocab, sentences))[:, 1]


@torch.no_grad()
def class_probabilities(model: nn.Module, ids: torch.Tensor) -> np.ndarray:
    """(n, classes) softmax of a classifier's logits for (n, seq) IDs, float64."""
    model.eval()
    return torch.softmax(model(ids).double(), dim=1).numpy()


# ---------------------------------------------------------------- order: the RNN vs the bag

PROBES = (  # the same words, with and without "not": a bag of embeddings cannot get all four
    "the movie was great",
    "the movie was not great",
    "the movie was horrible",
    "the movie was not horrible",
)
BAG_STEPS = 600  # lesson 3's classifier trained this long is as good as it gets here


@dataclass(frozen=True)
class BagReference:
    """Lesson 3's bag-of-embeddings classifier, trained on the same split (shared, once)."""

    steps: int
    validation_accuracy: float
    probes: np.ndarray  # (len(PROBES),) P(positive) of each probe sentence


_bag: list[BagReference] = []
_bag_lock = threading.Lock()


def bag_reference() -> BagReference:
    """Lesson 3's defaults (dim 16, Adam, lr 0.005, batch 128, seed 0) trained BAG_STEPS on
    the reviews' training split, once per process (about half a second), read-only."""
    with _bag_lock:
        if not _bag:
            train, val = review_split()
            bag = Trainer(TrainConfig(corpus="reviews", model="classifier", lr=0.005,
                                      batch_size=128), train)
            bag.step(BAG_STEPS)
            val_p = class_probabilities(bag.model, padded_ids(bag.vocab, val.sentences))
            acc = float((val_p.argmax(1) == np.array(val.labels)).mean())
            probes = class_probabilities(bag.model, padded_ids(
                bag.vocab, [p.split() for p in PROBES]))[:, 1]
            probes.flags.writeable = False
            _bag.append(BagReference(bag.step_count, acc, probes))
        return _bag[0]


# ---------------------------------------------------------------- one sentence, step by step


@dataclass(frozen=True)
class ReviewSentence:
    """A sentence as the classifier reads it: word tokens (punctuation dropped), IDs, padding."""

    tokens: list[str]  # (length,) the words, then [PAD]
    ids: list[int]  # (length,)
    n_real: int  # positions holding words
    n_cut: int  # words cut off the end
    unknown: list[str]  # words the reviews never use: they read the [UNK] row
    dropped: list[str]  # punctuation and symbols (the reviews were trained without them)


def encode_review(vocab: Vocabulary, text: str, length: int = WALK_LENGTH) -> ReviewSentence:
    """Lesson 1's tokenizer, punctuation dropped as in the training corpus, padded to ``length``."""
    tokens = tokenize(text)
    words = [t for t in tokens if is_word(t)]
    ids, n_real, n_cut = pad_or_truncate(vocab.encode_tokens(words), length)
    shown = words[:n_real] + [PAD] * (len(ids) - n_real)
    unknown = list(dict.fromkeys(w for w in words[:n_real] if w not in vocab))
    return ReviewSentence(shown, ids, n_real, n_cut, unknown, [t for t in tokens if not is_word(t)])


@dataclass(frozen=True)
class Walk:
    """An RNN reading one sentence, one row per position (padding included)."""

    cell: str
    x: np.ndarray  # (seq, dim) the embedding layer's output: the rows the RNN reads
    h_prev: np.ndarray  # (seq, hidden) the state before each step (h_0 = zeros)
    h: np.ndarray  # (seq, hidden) the state after each step; padding carries it over
    from_input: np.ndarray  # (seq, hidden) W_ih x_t + b_ih (RNN) or the GRU's candidate n_t
    from_state: np.ndarray  # (seq, hidden) W_hh h_{t-1} + b_hh (RNN) or the update gate z_t
    p_positive: np.ndarray  # (seq,) the head's P(positive) if the sentence ended here
    is_pad: np.ndarray  # (seq,) bool

    @property
    def n_real(self) -> int:
        return int((~self.is_pad).sum())


def _sigmoid(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


def _weights(model: RNNClassifier) -> dict[str, np.ndarray]:
    r = model.rnn
    return {name: getattr(r, name).detach().double().numpy()
            for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")}


def rnn_step(w: dict, x_t: np.ndarray, h_prev: np.ndarray) -> tuple[np.ndarray, ...]:
    """One tanh-RNN step: ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``."""
    from_input = w["weight_ih_l0"] @ x_t + w["bias_ih_l0"]  # (hidden,)
    from_state = w["weight_hh_l0"] @ h_prev + w["bias_hh_l0"]  # (hidden,)
    return np.tanh(from_input + from_state), from_input, from_state


def gru_step(w: dict, x_t: np.ndarray, h_prev: np.ndarray) -> tuple[np.ndarray, ...]:
    """One GRU step, PyTorch's equations (gates stacked reset | update | new in the weights).

    ``r = σ(W_ir x + b_ir + W_hr h + b_hr)``, ``z = σ(W_iz x + b_iz + W_hz h + b_hz)``,
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``."""
    gi = w["weight_ih_l0"] @ x_t + w["bias_ih_l0"]  # (3 * hidden,)
    gh = w["weight_hh_l0"] @ h_prev + w["bias_hh_l0"]  # (3 * hidden,)
    i_r, i_z, i_n = np.split(gi, 3)
    h_r, h_z, h_n = np.split(gh, 3)
    r, z = _sigmoid(i_r + h_r), _sigmoid(i_z + h_z)
    n = np.tanh(i_n + r * h_n)
    return (1.0 - z) * n + z * h_prev, n, z


@torch.no_grad()
def walk_through(model: RNNClassifier, ids) -> Walk:
    """Follow the RNN over ``ids`` (padded), one token at a time, with its current weights.

    Float64 NumPy from the module's own parameters; the tests check every state against
    what ``model.rnn`` returns for the whole sequence. At a ``[PAD]`` position the state is
    carried over unchanged (masking), so the last state is the one after the last word."""
    ids = torch.as_tensor(ids, dtype=torch.long)  # (seq,)
    x = model.embedding(ids).double().numpy()  # (seq, dim)
    w = _weights(model)
    step = rnn_step if model.cell == "rnn" else gru_step
    hidden = model.rnn.hidden_size
    is_pad = (ids == PAD_ID).numpy()
    h = np.zeros(hidden)
    rows = {k: [] for k in ("h_prev", "h", "from_input", "from_state")}
    for t in range(len(ids)):
        new, a, b = step(w, x[t], h)
        if is_pad[t]:
            new = h  # masked: padding changes nothing
        for k, v in zip(rows, (h, new, a, b)):
            rows[k].append(v)
        h = new
    states = {k: np.array(v).reshape(len(ids), hidden) for k, v in rows.items()}
    head_w = model.classify.weight.detach().double().numpy()  # (classes, hidden)
    head_b = model.classify.bias.detach().double().numpy()
    logits = states["h"] @ head_w.T + head_b  # (seq, classes)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p_pos = (p / p.sum(1, keepdims=True))[:, 1]
    return Walk(model.cell, x, p_positive=p_pos, is_pad=is_pad, **states)


@torch.no_grad()
def module_states(model: RNNClassifier, ids) -> tuple[np.ndarray, np.ndarray]:
    """What the module itself returns: ``(states over every position, padding read too,
    the packed final state)``, shapes (seq, hidden) and (hidden,)."""
    ids = torch.as_tensor(ids, dtype=torch.long)[None]  # (1, seq)
    out, _ = model.rnn(model.embedding(ids))  # (1, seq, hidden): reads [PAD] rows too
    return out[0].double().numpy(), model.final_state(ids)[0].double().numpy()


def flip_after(walk: Walk) -> int | None:
    """The position of the last real token after which the predicted label changes (the
    label before the first token is the empty state's), or None if it never changes."""
    labels = (walk.p_positive[: walk.n_real] >= 0.5).tolist()
    final = labels[-1] if labels else None
    for t in range(len(labels) - 1, -1, -1):
        if labels[t] != final:
            return t + 1
    return None


# ================================================================ part 2: static vs contextual

MAX_SENTENCES = 8
MAX_SENTENCE_CHARS = 300
MAX_TOKENS = 64  # per sentence, [CLS] and [SEP] included (the model reads up to 512)
MAX_OCCURRENCES = 24  # the first ones are kept: a cosine matrix stays readable

SENSE_SETS = {
    "bank": [
        ("I sat on the river bank.", "river"),
        ("The bank approved the loan.", "money"),
        ("We had a picnic on the bank of the river.", "river"),
        ("She deposited money at the bank.", "money"),
        ("The boat drifted towards the muddy bank.", "river"),
        ("The bank raised its interest rates.", "money"),
    ],
    "bat": [
        ("A bat flew out of the cave at night.", "animal"),
        ("He swung the bat and hit the ball.", "sport"),
        ("The bat hung upside down from the branch.", "animal"),
        ("She bought a new cricket bat.", "sport"),
    ],
    "spring": [
        ("The flowers bloom in spring.", "season"),
        ("The mattress has a broken spring.", "coil"),
        ("We visit our grandparents every spring.", "season"),
        ("The spring in the pen pushes the tip out.", "coil"),
    ],
}
# Each set's quiz: is the word in sentence `query` closer to the same word in `other_sense`
# (a sentence of the other meaning) or to `related` (a word of its own meaning) in `related_in`?
QUIZZES = {
    "bank": dict(query=1, other_sense=0, related="money", related_in=3),
    "bat": dict(query=1, other_sense=0, related="ball", related_in=1),
    "spring": dict(query=1, other_sense=0, related="mattress", related_in=1),
}


@dataclass(frozen=True)
class SenseQuiz:
    query: str  # the sentence whose word is compared
    other_sense: str  # a sentence with the same word in its other meaning
    related: str  # a different word, of the query's meaning
    related_in: str  # the sentence the related word is read in
    to_same_word: float  # cosine (last layer) to the same word in the other meaning
    to_related: float  # cosine (last layer) to the related word


def sense_quiz(minilm, name: str) -> SenseQuiz:
    """The numbers behind a built-in set's quiz, from the model's output vectors."""
    q, sentences = QUIZZES[name], [s for s, _ in SENSE_SETS[name]]
    occ = default_occurrences(minilm, name)
    mine, other = occ.contextual[q["query"]], occ.contextual[q["other_sense"]]
    related = word_vector_in(minilm, sentences[q["related_in"]], q["related"])
    return SenseQuiz(sentences[q["query"]], sentences[q["other_sense"]], q["related"],
                     sentences[q["related_in"]], cosine(mine, other), cosine(mine, related))


@dataclass(frozen=True)
class Occurrences:
    """Every occurrence of one word in some sentences, through the model's layers."""

    word: str
    pieces: list[str]  # the word's WordPiece tokens ("##" marks a continuation)
    piece_ids: list[int]
    sentence_of: list[int]  # (n,) which sentence each occurrence is in
    static: np.ndarray  # (dim,) the token table's row (mean of the pieces' rows)
    layers: np.ndarray  # (n, n_layers + 1, dim): after the embedding layer, then each layer
    tokens: list[list[str]]  # every sentence's tokens as the model reads them
    missing: list[int]  # sentences without the word
    cut: list[int]  # sentences cut to MAX_TOKENS
    n_found: int  # occurrences found (only the first MAX_OCCURRENCES are kept)

    @property
    def contextual(self) -> np.ndarray:
        """(n, dim) the model's output vectors (last layer)."""
        return self.layers[:, -1]


class WordProblem(ValueError):
    """The word cannot be followed: the message says why, in plain words."""


def word_pieces(tok, word: str) -> tuple[list[str], list[int]]:
    """The pieces of one word, or :class:`WordProblem` if it is empty or several words."""
    enc = tok.encode(word.strip(), add_special_tokens=False)
    if not enc.ids:
        raise WordProblem("Type a word to follow (letters the model's tokenizer keeps).")
    if len(set(enc.word_ids)) > 1:
        raise WordProblem(f"“{word.strip()[:40]}” is several words for this tokenizer "
                          f"({len(set(enc.word_ids))}): follow one word at a time.")
    if tok.token_to_id("[UNK]") in enc.ids:
        raise WordProblem(f"The tokenizer does not know “{word.strip()[:40]}”: it becomes "
                          "[UNK], one row shared by every unknown symbol. Pick another word.")
    return list(enc.tokens), list(enc.ids)


def find_word(ids: list[int], word_ids: list, pieces: list[int]) -> list[int]:
    """Start positions where ``pieces`` are a whole word of the sentence (not part of one)."""
    k, found = len(pieces), []
    for i in range(len(ids) - k + 1):
        w = word_ids[i]
        if w is None or ids[i : i + k] != pieces or any(x != w for x in word_ids[i : i + k]):
            continue
        before = word_ids[i - 1] if i > 0 else None
        after = word_ids[i + k] if i + k < len(ids) else None
        if before != w and after != w:
            found.append(i)
    return found


def encode_sentences(tok, sentences: list[str]) -> tuple[list, list[int]]:
    """The model's encodings of ``sentences``, each cut to MAX_TOKENS; which ones were cut."""
    encs, cut = tok.encode_batch(list(sentences)), []
    for i, e in enumerate(encs):
        if len(e.ids) > MAX_TOKENS or e.overflowing:
            e.truncate(MAX_TOKENS - 1)  # then put [SEP] back at the end
            cut.append(i)
    rows = [e.ids if i not in cut else e.ids + [tok.token_to_id("[SEP]")]
            for i, e in enumerate(encs)]
    word_ids = [e.word_ids if i not in cut else e.word_ids + [None] for i, e in enumerate(encs)]
    tokens = [[tok.id_to_token(t) for t in r] for r in rows]
    return list(zip(rows, word_ids, tokens)), cut


@torch.no_grad()
def hidden_states(minilm, rows: list[list[int]]) -> list[np.ndarray]:
    """Every sentence's hidden states, (n_layers + 1, seq, dim) each: one padded batch
    through the real model, padding masked out by the attention mask."""
    width = max(len(r) for r in rows)
    ids = torch.tensor([r + [0] * (width - len(r)) for r in rows])  # (n, width)
    mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
    out = minilm.model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids),
                       output_hidden_states=True)
    layers = torch.stack(out.hidden_states, dim=1)  # (n, n_layers + 1, width, dim)
    return [layers[i, :, : len(r)].numpy() for i, r in enumerate(rows)]


def contextual_occurrences(minilm, sentences: list[str], word: str) -> Occurrences:
    """The static row and the contextual vectors of ``word`` in each of ``sentences``."""
    tok = minilm.tokenizer
    pieces, piece_ids = word_pieces(tok, word)
    encoded, cut = encode_sentences(tok, sentences)
    states = hidden_states(minilm, [r for r, _, _ in encoded])
    sentence_of, vectors, missing = [], [], []
    for s, ((ids, word_ids, _), layers) in enumerate(zip(encoded, states)):
        starts = find_word(ids, word_ids, piece_ids)
        if not starts:
            missing.append(s)
        for i in starts:
            sentence_of.append(s)
            vectors.append(layers[:, i : i + len(piece_ids)].mean(axis=1))  # (layers, dim)
    static = minilm.token_table[piece_ids].astype(np.float64).mean(axis=0)  # (dim,)
    n_layers = len(states[0]) if states else 1
    dim = static.shape[0]
    n_found = len(vectors)
    kept = vectors[:MAX_OCCURRENCES]
    layers = np.array(kept, dtype=np.float64).reshape(len(kept), n_layers, dim)
    return Occurrences(word.strip().lower(), pieces, piece_ids, sentence_of[:MAX_OCCURRENCES],
                       static, layers, [t for _, _, t in encoded], missing, cut, n_found)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(similarity_matrix(np.stack([a, b]))[0, 1])


def drift_from_static(occ: Occurrences) -> np.ndarray:
    """(n, n_layers + 1) cosine between each occurrence's vector at each layer and the
    static row: 1 would mean the model left the row where it was."""
    return np.array([[cosine(v, occ.static) for v in layers] for layers in occ.layers])


def occurrence_similarity(occ: Occurrences, layer: int = -1) -> np.ndarray:
    """(n, n) cosine between the occurrences' vectors at one layer."""
    return similarity_matrix(occ.layers[:, layer])


def sense_separation(occ: Occurrences, senses: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per layer, the mean cosine between occurrences of the same sense and of different
    senses (pairs of distinct occurrences), each (n_layers + 1,); NaN where no such pair."""
    labels = np.array([senses[s] for s in occ.sentence_of])
    same_pair = labels[:, None] == labels[None, :]
    off = ~np.eye(len(labels), dtype=bool)
    same, other = [], []
    for layer in range(occ.layers.shape[1]):
        sim = occurrence_similarity(occ, layer)
        for out, pick in ((same, same_pair & off), (other, ~same_pair)):
            out.append(float(sim[pick].mean()) if pick.any() else float("nan"))
    return np.array(same), np.array(other)


@dataclass(frozen=True)
class SenseGroups:
    """Do the occurrences of one word group by meaning at one layer? What the data shows."""

    n: int  # occurrences
    same_nearest: int  # occurrences whose nearest other occurrence has their meaning
    same_mean: float  # mean cosine between occurrences of the same meaning
    other_mean: float  # mean cosine between occurrences of different meanings
    least: tuple[int, int]  # the least similar pair of occurrences
    least_cosine: float
    least_same: bool  # that pair shares a meaning

    @property
    def grouped(self) -> bool:
        """Every occurrence's nearest neighbour has its own meaning."""
        return self.same_nearest == self.n


def sense_groups(occ: Occurrences, senses: list[str], layer: int = -1) -> SenseGroups:
    """Nearest neighbours, mean cosines and the least similar pair, by meaning, at a layer."""
    labels = [senses[s] for s in occ.sentence_of]
    sim = occurrence_similarity(occ, layer)  # (n, n)
    n = len(labels)
    off = ~np.eye(n, dtype=bool)
    nearest = np.where(off, sim, -np.inf).argmax(axis=1)  # (n,)
    same = sum(labels[i] == labels[j] for i, j in enumerate(nearest))
    i, j = np.unravel_index(np.where(off, sim, np.inf).argmin(), sim.shape)
    same_mean, other_mean = (v[layer] for v in sense_separation(occ, senses))
    return SenseGroups(n, int(same), float(same_mean), float(other_mean), (int(i), int(j)),
                       float(sim[i, j]), labels[i] == labels[j])


_default_cache: dict[str, Occurrences] = {}
_default_lock = threading.Lock()


def default_occurrences(minilm, name: str) -> Occurrences:
    """A built-in set's occurrences, computed once per process and shared read-only."""
    with _default_lock:
        if name not in _default_cache:
            occ = contextual_occurrences(minilm, [s for s, _ in SENSE_SETS[name]], name)
            for arr in (occ.static, occ.layers):
                arr.flags.writeable = False
            _default_cache[name] = occ
        return _default_cache[name]


def word_vector_in(minilm, sentence: str, word: str, layer: int = -1) -> np.ndarray:
    """One word's vector (at ``layer``) in one sentence: the first occurrence."""
    occ = contextual_occurrences(minilm, [sentence], word)
    if not len(occ.layers):
        raise WordProblem(f"“{word}” is not in “{sentence}”")
    return occ.layers[0, layer]


def check_sentences(lines: list[str]) -> tuple[list[str], list[str]]:
    """A student's sentences: blanks dropped, at most MAX_SENTENCES of MAX_SENTENCE_CHARS.
    Returns ``(sentences, notes about what was cut)``."""
    kept = [line.strip() for line in lines if line.strip()]
    notes = []
    if len(kept) > MAX_SENTENCES:
        notes.append(f"Only the first {MAX_SENTENCES} of your {len(kept)} sentences are used.")
        kept = kept[:MAX_SENTENCES]
    if any(len(s) > MAX_SENTENCE_CHARS for s in kept):
        notes.append(f"Sentences longer than {MAX_SENTENCE_CHARS} characters were cut.")
        kept = [s[:MAX_SENTENCE_CHARS] for s in kept]
    return kept, notes


"""One-hot x W = lookup (lesson 2).

The claim students are told: an embedding layer *is* a linear layer (no bias) applied to
one-hot vectors, and the lookup is just a cheaper way to compute it. This module shows it
with real tensors.

Forward. Token IDs ``ids`` (n,) become a one-hot matrix ``X`` (n, V): row ``i`` is all
zeros except a 1 in column ``ids[i]``. Then ``X @ W`` (n, V) @ (V, d) -> (n, d) multiplies
row ``i`` of X with every column of W; all the zeros contribute nothing and the single 1
picks row ``ids[i]`` of W. So ``X @ W == W[ids]``, exactly, not approximately: each output
number is ``1 * w`` plus a sum of ``0 * w`` terms.

Backward. Given the upstream gradient ``dY = dL/dY`` (n, d), the gradient of a matmul is
``dL/dW = X.T @ dY`` (V, n) @ (n, d) -> (V, d). Row ``v`` of it sums the rows of ``dY``
at the positions where ``ids == v``: rows of tokens not in the batch are zero, and a token
seen twice gets the sum of its two upstream rows. That is a *scatter-add* of the rows of
``dY`` into the rows ``ids``, which is what ``nn.Embedding`` does without building X.
With ``padding_idx`` the layer drops the gradient of the padding row on purpose; with
``sparse=True`` it returns only the touched rows (one entry per position, uncoalesced).

Cost. The one-hot path builds ``n x V`` floats and does ``n x V x d`` multiply-adds; the
lookup copies ``n x d`` numbers. The ratio grows with the vocabulary: at GPT-2's 50,257
tokens the one-hot path does 50,257 multiply-adds for every number the lookup copies.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from embedviz.seeding import MAX_SEED, torch_generator

FLOAT_BYTES = 4  # float32
INDEX_BYTES = 8  # int64 token IDs
GPT2_VOCAB, GPT2_DIM = 50_257, 768

# Live timing on the page: the one-hot path is only run up to these sizes per call
# (about 10 ms on one thread), so a click costs well under a second. Larger sizes are run
# by bench/onehot_vs_lookup.py.
LIVE_MAX_MULTIPLY_ADDS = 200_000_000  # batch * V * d
LIVE_MAX_ONEHOT_FLOATS = 4_000_000  # batch * V, i.e. 16 MB for X
MAX_IDS = 64  # how many token IDs the page takes from the student


# ----------------------------------------------------------------------------- forward


def one_hot(ids: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """(n,) token IDs -> (n, V) float32 matrix: a single 1 per row, in the ID's column.

    Built directly in float32 (zeros, then a 1 written at each ``(i, ids[i])``): the fair,
    fastest way to make X. ``F.one_hot`` gives the same matrix but makes an int64 one first;
    see :func:`one_hot_via_int64`.
    """
    X = torch.zeros(len(ids), vocab_size, dtype=torch.float32)  # (n, V)
    X[torch.arange(len(ids)), ids] = 1.0
    return X


def one_hot_via_int64(ids: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """The same X the textbook way, ``F.one_hot(ids, V).float()``: PyTorch builds an int64
    (n, V) matrix first (8 bytes a number) and then the float32 copy, so for a moment both
    exist (12 bytes a number, :attr:`Cost.onehot_int64_detour_bytes`)."""
    return F.one_hot(ids, vocab_size).to(torch.float32)  # (n, V)


def onehot_forward(ids: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """The embedding as a linear layer: ``X @ W``."""
    X = one_hot(ids, weight.shape[0])  # (n, V)
    return X @ weight  # (n, V) @ (V, d) -> (n, d)


def onehot_backward(ids: torch.Tensor, vocab_size: int, grad_out: torch.Tensor) -> torch.Tensor:
    """The matmul's gradient rule, beside its forward: ``dL/dW = X.T @ dY``."""
    X = one_hot(ids, vocab_size)  # (n, V)
    return X.T @ grad_out  # (V, n) @ (n, d) -> (V, d)


def lookup_forward(ids: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """The embedding as a lookup: copy rows ``ids`` of W."""
    return weight[ids]  # (n, d)


def lookup_backward(
    ids: torch.Tensor, vocab_size: int, grad_out: torch.Tensor, padding_idx: int | None = None
) -> torch.Tensor:
    """The lookup's gradient rule: scatter-add each upstream row into the row it came from."""
    grad = torch.zeros(vocab_size, grad_out.shape[1], dtype=grad_out.dtype)  # (V, d)
    grad.index_add_(0, ids, grad_out)  # grad[ids[i]] += dY[i]; repeats accumulate
    if padding_idx is not None:
        grad[padding_idx] = 0.0  # nn.Embedding never trains the padding row
    return grad


def embedding_layer(
    weight: torch.Tensor, padding_idx: int | None = None, sparse: bool = False
) -> nn.Embedding:
    """A real ``nn.Embedding`` holding a copy of ``weight``."""
    return nn.Embedding.from_pretrained(
        weight.detach().clone(), freeze=False, padding_idx=padding_idx, sparse=sparse
    )


# ------------------------------------------------------------- the two paths, compared


@dataclass(frozen=True)
class ForwardCheck:
    """Both forward paths on the same IDs, computed by torch."""

    X: torch.Tensor  # (n, V) the one-hot matrix
    via_matmul: torch.Tensor  # (n, d) X @ W
    via_lookup: torch.Tensor  # (n, d) what nn.Embedding returns
    max_abs_diff: float


@torch.no_grad()
def check_forward(
    ids: Sequence[int], weight: torch.Tensor, padding_idx: int | None = None
) -> ForwardCheck:
    """``one_hot(ids) @ W`` and a real ``nn.Embedding(ids)`` on the same W, and how far apart."""
    ids_t = torch.as_tensor(list(ids), dtype=torch.long)  # (n,)
    X = one_hot(ids_t, weight.shape[0])  # (n, V)
    via_matmul = X @ weight  # (n, d)
    via_lookup = embedding_layer(weight, padding_idx)(ids_t)  # (n, d)
    return ForwardCheck(X, via_matmul, via_lookup, largest_difference(via_matmul, via_lookup))


@dataclass(frozen=True)
class BackwardCheck:
    """The gradient of W through both paths, from torch autograd, for the same ``dY``."""

    grad_out: torch.Tensor  # (n, d) the upstream gradient dL/dY given to both paths
    via_matmul: torch.Tensor  # (V, d) W.grad after (X @ W).backward(dY)
    via_embedding: torch.Tensor  # (V, d) nn.Embedding's W.grad (densified if sparse)
    sparse_grad: torch.Tensor | None  # nn.Embedding(sparse=True)'s own W.grad, as torch made it
    padding_idx: int | None

    @property
    def difference(self) -> torch.Tensor:
        return self.via_matmul - self.via_embedding  # (V, d)

    @property
    def max_abs_diff(self) -> float:
        return largest_difference(self.via_matmul, self.via_embedding)

    def nonzero_rows(self) -> list[int]:
        """Rows of nn.Embedding's gradient holding any non-zero number."""
        return torch.nonzero(self.via_embedding.abs().sum(dim=1)).flatten().tolist()

    def differing_rows(self) -> list[int]:
        return torch.nonzero(self.difference.abs().sum(dim=1)).flatten().tolist()


def upstream_gradient(n: int, dim: int, seed: int) -> torch.Tensor:
    """A seeded dL/dY (n, d) of small whole numbers, so a student can add rows in their head.

    In training it comes from the loss; any values show the rule equally well.
    """
    g = torch_generator((seed + 1) % (MAX_SEED + 1))  # not the stream that made W
    return torch.randint(-3, 4, (n, dim), generator=g).to(torch.float32)  # (n, d)


def check_backward(
    ids: Sequence[int],
    weight: torch.Tensor,
    grad_out: torch.Tensor,
    padding_idx: int | None = None,
    sparse: bool = False,
) -> BackwardCheck:
    """Run autograd through ``one_hot(ids) @ W`` and through ``nn.Embedding`` with one dY."""
    ids_t = torch.as_tensor(list(ids), dtype=torch.long)  # (n,)
    W = weight.detach().clone().requires_grad_(True)  # (V, d)
    onehot_forward(ids_t, W).backward(grad_out)
    emb = embedding_layer(weight, padding_idx, sparse)
    emb(ids_t).backward(grad_out)
    grad = emb.weight.grad
    dense = grad.to_dense() if grad.is_sparse else grad
    return BackwardCheck(
        grad_out=grad_out,
        via_matmul=W.grad,
        via_embedding=dense,
        sparse_grad=grad if grad.is_sparse else None,
        padding_idx=padding_idx,
    )


def largest_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a - b| over all numbers (0.0 means the same numbers, exactly)."""
    return (a - b).abs().max().item() if a.numel() else 0.0


def largest_outside(grad: torch.Tensor, rows: Sequence[int]) -> float:
    """max |grad| over the rows *not* listed (0.0 for an untouched rest)."""
    keep = torch.ones(grad.shape[0], dtype=torch.bool)
    keep[list(rows)] = False
    return grad[keep].abs().max().item() if keep.any() else 0.0


def upstream_sums(ids: Sequence[int], grad_out: torch.Tensor) -> dict[int, torch.Tensor]:
    """For each distinct ID, the sum of the rows of dY at its positions: its gradient row."""
    return {i: grad_out[pos].sum(dim=0) for i, pos in positions_by_row(ids).items()}  # (d,)


def positions_by_row(ids: Sequence[int]) -> dict[int, list[int]]:
    """Where each distinct ID sits in the batch, in order of first appearance."""
    out: dict[int, list[int]] = {}
    for pos, i in enumerate(ids):
        out.setdefault(int(i), []).append(pos)
    return out


def shown_rows(ids: Sequence[int], vocab_size: int, max_rows: int = 40) -> list[int]:
    """Which rows of a V-row matrix to draw: all of them if few, else the batch's rows.

    Rows left out of the picture are not in the batch: zero in X's columns and in the gradient.
    """
    if vocab_size <= max_rows:
        return list(range(vocab_size))
    return sorted({int(i) for i in ids})[:max_rows]


# ------------------------------------------------------------------------- sparse=True


@dataclass(frozen=True)
class SparseGradient:
    """What ``nn.Embedding(sparse=True)`` stores as W.grad, and what the dense one costs."""

    rows: list[int]  # (nnz,) the row each stored entry belongs to (repeats kept)
    values: torch.Tensor  # (nnz, d)
    coalesced_rows: list[int]  # distinct rows after coalesce(): repeats summed
    coalesced_values: torch.Tensor  # (rows, d)
    dense_numbers: int  # V * d
    stored_numbers: int  # nnz * d values + nnz indices

    @property
    def dense_bytes(self) -> int:
        return self.dense_numbers * FLOAT_BYTES

    @property
    def stored_bytes(self) -> int:
        nnz = len(self.rows)
        return nnz * self.values.shape[1] * FLOAT_BYTES + nnz * INDEX_BYTES


def describe_sparse(grad: torch.Tensor) -> SparseGradient:
    """Read a sparse COO gradient of shape (V, d) into plain parts."""
    V, d = grad.shape
    coalesced = grad.coalesce()
    nnz = grad._nnz()
    return SparseGradient(
        rows=grad._indices()[0].tolist(),
        values=grad._values(),
        coalesced_rows=coalesced.indices()[0].tolist(),
        coalesced_values=coalesced.values(),
        dense_numbers=V * d,
        stored_numbers=nnz * d + nnz,
    )


# -------------------------------------------------------------------------- cost model


@dataclass(frozen=True)
class Cost:
    """What one forward (and backward) pass costs each path, counted from the shapes."""

    vocab_size: int  # V
    dim: int  # d
    batch: int  # n tokens

    # one-hot path
    @property
    def onehot_input_floats(self) -> int:
        return self.batch * self.vocab_size  # X: (n, V)

    @property
    def onehot_multiply_adds(self) -> int:
        return self.batch * self.vocab_size * self.dim  # X @ W

    @property
    def onehot_backward_multiply_adds(self) -> int:
        return self.vocab_size * self.batch * self.dim  # X.T @ dY

    # lookup path
    @property
    def lookup_index_numbers(self) -> int:
        return self.batch  # ids: (n,)

    @property
    def lookup_copies(self) -> int:
        return self.batch * self.dim  # W[ids]: (n, d)

    @property
    def lookup_backward_adds(self) -> int:
        return self.batch * self.dim  # grad.index_add_(0, ids, dY)

    # shared by both
    @property
    def weight_floats(self) -> int:
        return self.vocab_size * self.dim  # W: (V, d), and a dense W.grad of the same shape

    @property
    def output_floats(self) -> int:
        return self.batch * self.dim  # Y: (n, d)

    @property
    def onehot_input_bytes(self) -> int:
        return self.onehot_input_floats * FLOAT_BYTES

    @property
    def onehot_int64_detour_bytes(self) -> int:
        """Peak extra memory of ``F.one_hot(ids, V).float()``: the int64 X and its copy."""
        return self.onehot_input_floats * (INDEX_BYTES + FLOAT_BYTES)

    @property
    def lookup_index_bytes(self) -> int:
        return self.lookup_index_numbers * INDEX_BYTES

    @property
    def weight_bytes(self) -> int:
        return self.weight_floats * FLOAT_BYTES

    @property
    def work_ratio(self) -> float:
        """Multiply-adds of the one-hot path per number the lookup copies (= V)."""
        return self.onehot_multiply_adds / self.lookup_copies


def cost_curve(vocab_sizes: Sequence[int], dim: int, batch: int) -> list[Cost]:
    return [Cost(int(v), dim, batch) for v in vocab_sizes]


# ---------------------------------------------------------------------------- timing


def _calibrate(fn: Callable[[], object], min_seconds: float) -> int:
    """How many calls make one timed group last at least ``min_seconds`` (after a warm-up)."""
    fn()  # warm-up: first-call allocations and dispatch caches
    loops = 1
    while loops < 1 << 16:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        if time.perf_counter() - start >= min_seconds:
            break
        loops *= 2
    return loops


def _group_seconds(fn: Callable[[], object], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return (time.perf_counter() - start) / loops


def best_seconds(fn: Callable[[], object], repeats: int = 5, min_seconds: float = 2e-3) -> float:
    """Time of one call of ``fn``, with ``time.perf_counter``: the best of ``repeats`` groups.

    Calls are grouped so that one group lasts at least ``min_seconds`` (a 10-microsecond
    lookup is too short to time alone); the fastest group is kept, as ``timeit`` advises: on
    a shared machine the slower ones measure the neighbours, not the code.
    """
    loops = _calibrate(fn, min_seconds)
    return min(_group_seconds(fn, loops) for _ in range(repeats))


def interleaved_seconds(
    fns: dict[str, Callable[[], object]], rounds: int = 5, min_seconds: float = 2e-3
) -> dict[str, list[float]]:
    """Seconds per call of each function, ``rounds`` samples each, measured in turns.

    Each round times every function once, one after the other, so a burst of load from
    another program on the machine falls on all of them alike instead of on one alone.
    """
    loops = {name: _calibrate(fn, min_seconds) for name, fn in fns.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            samples[name].append(_group_seconds(fn, loops[name]))
    return samples


PATHS = ("onehot_forward", "lookup_forward", "onehot_forward_backward",
         "lookup_forward_backward", "sparse_lookup_forward_backward")


@dataclass(frozen=True)
class Timing:
    """Measured seconds per call of both paths at one size: ``rounds`` interleaved samples
    of each (``samples[path]``, in round order); the properties give the best of them."""

    vocab_size: int
    dim: int
    batch: int
    samples: dict  # path name (one of PATHS) -> list of seconds per call, one per round
    attempts: int = 1  # measurements made until the orderings below held

    def best(self, path: str) -> float:
        return min(self.samples[path]) if self.samples.get(path) else float("nan")

    onehot_forward = property(lambda self: self.best("onehot_forward"))
    lookup_forward = property(lambda self: self.best("lookup_forward"))
    onehot_forward_backward = property(lambda self: self.best("onehot_forward_backward"))
    lookup_forward_backward = property(lambda self: self.best("lookup_forward_backward"))
    sparse_lookup_forward_backward = property(
        lambda self: self.best("sparse_lookup_forward_backward"))

    def ratios(self, slow: str, fast: str) -> list[float]:
        """``slow / fast`` in each round: both measured moments apart."""
        return [a / b for a, b in zip(self.samples[slow], self.samples[fast])]

    def ratio_range(self, slow: str, fast: str) -> tuple[float, float, float]:
        """(min, median, max) over the rounds of ``slow / fast``."""
        r = sorted(self.ratios(slow, fast))
        return r[0], r[len(r) // 2], r[-1]

    @property
    def forward_ratio(self) -> float:
        """Median over the rounds of one-hot forward / lookup forward."""
        return self.ratio_range("onehot_forward", "lookup_forward")[1]

    @property
    def forward_backward_ratio(self) -> float:
        return self.ratio_range("onehot_forward_backward", "lookup_forward_backward")[1]

    @property
    def consistent(self) -> bool:
        """Forward + backward includes the forward pass, so it cannot be faster than it.
        A measurement that says otherwise was disturbed and is not shown as it is."""
        if not self.samples.get("onehot_forward_backward"):
            return True
        return (self.onehot_forward <= self.onehot_forward_backward
                and self.lookup_forward <= self.lookup_forward_backward)


def time_paths(
    vocab_size: int,
    dim: int,
    batch: int,
    *,
    repeats: int = 5,
    seed: int = 0,
    min_seconds: float = 2e-3,
    backward: bool = True,
    max_attempts: int = 3,
) -> Timing:
    """Time ``nn.Embedding`` against ``one_hot(ids) @ W``, forward and forward+backward.

    ``repeats`` interleaved rounds (:func:`interleaved_seconds`). Runs on whatever thread
    count torch has (the app and the bench set one thread). The one-hot path includes
    building X in float32, as it must; both backward passes make a fresh dense W.grad, as
    training with ``zero_grad(set_to_none=True)`` does; the sparse lookup makes a sparse one.
    If the best times break an ordering that must hold (forward + backward faster than
    forward alone) the machine was disturbed: measure again, up to ``max_attempts`` times.
    """
    g = torch_generator(seed)
    weight = torch.randn(vocab_size, dim, generator=g)  # (V, d)
    ids = torch.randint(vocab_size, (batch,), generator=g)  # (n,)
    grad_out = torch.randn(batch, dim, generator=g)  # (n, d)
    emb = embedding_layer(weight)
    sparse_emb = embedding_layer(weight, sparse=True)
    W = weight.clone().requires_grad_(True)

    def onehot_fwd():
        with torch.no_grad():
            return onehot_forward(ids, W)

    def lookup_fwd():
        with torch.no_grad():
            return emb(ids)

    def onehot_fwd_bwd():
        W.grad = None
        onehot_forward(ids, W).backward(grad_out)

    def lookup_fwd_bwd():
        emb.weight.grad = None
        emb(ids).backward(grad_out)

    def sparse_lookup_fwd_bwd():
        sparse_emb.weight.grad = None
        sparse_emb(ids).backward(grad_out)

    fns = {"onehot_forward": onehot_fwd, "lookup_forward": lookup_fwd}
    if backward:
        fns |= {"onehot_forward_backward": onehot_fwd_bwd,
                "lookup_forward_backward": lookup_fwd_bwd,
                "sparse_lookup_forward_backward": sparse_lookup_fwd_bwd}
    for attempt in range(1, max_attempts + 1):
        timing = Timing(vocab_size, dim, batch,
                        interleaved_seconds(fns, repeats, min_seconds), attempt)
        if timing.consistent:
            break
    return timing


def live_vocab_size(vocab_size: int, dim: int, batch: int) -> int:
    """The largest vocabulary (at most ``vocab_size``) the page may time live at this size."""
    by_work = LIVE_MAX_MULTIPLY_ADDS // max(1, batch * dim)
    by_memory = LIVE_MAX_ONEHOT_FLOATS // max(1, batch)
    return max(2, min(vocab_size, by_work, by_memory))


# ------------------------------------------------------------------ the student's IDs


@dataclass(frozen=True)
class ParsedIds:
    ids: list[int]  # the valid IDs, in order, at most ``MAX_IDS``
    problems: list[str]  # plain-text messages about what was left out, for the student


def _shorten(text: str, n: int = 20) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _listing(items: Sequence[str], n: int = 3) -> str:
    shown = ", ".join(f"'{_shorten(x)}'" for x in items[:n])
    return shown + (f" and {len(items) - n:,} more" if len(items) > n else "")


def parse_ids(text: str, vocab_size: int, max_ids: int = MAX_IDS) -> ParsedIds:
    """Read token IDs typed as ``2, 3, 1`` (commas, spaces, brackets or semicolons).

    Entries that are not whole numbers, negative, or not below ``vocab_size`` are left out
    with a message each; beyond ``max_ids`` IDs the rest is left out with a message.
    """
    parts = [p for p in re.split(r"[\s,;\[\]()]+", text) if p]
    ids, not_numbers, negative, too_big = [], [], [], []
    for part in parts:
        if not re.fullmatch(r"[+-]?\d+", part):
            not_numbers.append(part)
            continue
        i = int(part)
        if i < 0:
            negative.append(part)
        elif i >= vocab_size:
            too_big.append(part)
        else:
            ids.append(i)
    problems = []
    if not_numbers:
        problems.append(
            f"Left out {_listing(not_numbers)}: a token ID is a whole number such as 2 or 17."
        )
    if negative:
        problems.append(f"Left out {_listing(negative)}: token IDs start at 0.")
    if too_big:
        problems.append(
            f"Left out {_listing(too_big)}: this vocabulary has {vocab_size:,} tokens, "
            f"so its IDs go from 0 to {vocab_size - 1:,}."
        )
    if len(ids) > max_ids:
        problems.append(f"Only the first {max_ids} of the {len(ids):,} IDs are used.")
        ids = ids[:max_ids]
    return ParsedIds(ids, problems)

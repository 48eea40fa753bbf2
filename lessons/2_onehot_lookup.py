"""Lesson 2: one-hot × W = lookup, forward and backward, and what the lookup saves."""

import numpy as np
import pandas as pd
import streamlit as st

from embedviz import onehot, units
from embedviz.embedding import EmbeddingConfig, make_embedding
from embedviz.examples import DEFAULT_VOCAB_TEXT
from embedviz.figures import onehot as figs
from embedviz.seeding import MAX_SEED
from embedviz.text import PAD_ID, Vocabulary
from ui import BIND, teacher
from ui.charts import show_chart
from ui.guard import guarded
from ui.nav import next_lesson_link
from ui.quiz import predict_then_reveal
from ui.tables import show_wide
from ui.text import capped, md_escape

TEXTBOOK_VOCAB, TEXTBOOK_DIM, TEXTBOOK_IDS = 4, 5, [2, 3, 1]
DEFAULT_SENTENCE = "The cat is not the dog."  # "the" twice: its gradient rows add up
DEFAULT_IDS = "2, 3, 1, 3"
MAX_SENTENCE_CHARS = 2_000
MAX_IDS_CHARS = 100_000
MAX_VOCAB_TEXT_CHARS = 20_000  # as lesson 1
MAX_DRAWN_ROWS = 40
SOURCES = {"sentence": "a sentence", "ids": "token IDs"}
VOCAB_SIZES = {v: f"{v:,}" for v in [10, 100, 1_000, 3_000, 10_000, 30_000]}
VOCAB_SIZES[onehot.GPT2_VOCAB] = f"{onehot.GPT2_VOCAB:,} (GPT-2)"
DIMS = {d: str(d) for d in [8, 16, 32, 64, 128, 256, 512]}
DIMS[onehot.GPT2_DIM] = f"{onehot.GPT2_DIM} (GPT-2)"
BATCHES = {n: f"{n:,}" for n in [1, 8, 32, 128, 256, 512, 1024, 4096]}


@st.cache_data(max_entries=16, show_spinner=False)
def vocabulary_tokens(text: str, order: str, max_size: int | None) -> list[str]:
    return Vocabulary.from_text(text, order=order, max_size=max_size).itos


def lesson1_vocabulary() -> tuple[Vocabulary, str]:
    """Lesson 1's vocabulary: the student's text if lesson 1 holds one, else its default."""
    state = st.session_state
    text = state.get("words_vocab_text")
    order = state.get("words_order") if state.get("words_order") == "frequency" else "alphabetical"
    max_size = state.get("words_max_vocab")
    max_size = max_size if isinstance(max_size, int) and max_size >= 2 else None
    if isinstance(text, str) and text.strip():
        vocab = Vocabulary(vocabulary_tokens(text[:MAX_VOCAB_TEXT_CHARS], order, max_size))
        if len(vocab) > 2:
            return vocab, f"the vocabulary you built in lesson 1 ({order})"
    return Vocabulary(vocabulary_tokens(DEFAULT_VOCAB_TEXT, "alphabetical", None)), (
        "lesson 1's default vocabulary (alphabetical)"
    )


def show_zero_check(diff: float, what: str, over: str = "") -> None:
    if diff == 0:
        st.success(f"Largest |{what}|{over} = **0**, exactly: not rounding, the same numbers.")
    else:
        st.warning(f"Largest |{what}|{over} = **{diff:.3g}**.")


def id_table(tokens: list[str], ids: list[int]) -> pd.DataFrame:
    """Positions as columns, token and ID as rows (all text: one type per column)."""
    return pd.DataFrame({"token": tokens, "ID": [str(i) for i in ids]},
                        index=pd.RangeIndex(len(ids), name="position")).T


# ---- 1 · the textbook case ------------------------------------------------------------------
st.title("2 · One-hot × W = lookup")
teacher.explain(
    "You will often read that an embedding layer *is* a linear layer applied to **one-hot "
    "vectors**, and that looking up a row is only a cheaper way to compute the same thing. "
    "Here is the proof with real tensors: forward, backward, and the cost."
)
seed = st.number_input("Seed for W and the upstream gradient", 0, MAX_SEED, 0,
                       key="onehot_seed", bind=BIND,
                       help="The same seed gives the same numbers, for everyone.", disabled=teacher.locked('onehot_seed'))
seed = int(seed)

st.header("1 · The textbook case: `nn.Embedding(4, 5)`, IDs `[2, 3, 1]`")
W4 = make_embedding(EmbeddingConfig(TEXTBOOK_VOCAB, TEXTBOOK_DIM, seed=seed,
                                    padding_idx=None)).weight.detach()
fwd4 = onehot.check_forward(TEXTBOOK_IDS, W4)
st.markdown(
    "Each ID becomes a row of **X** with a single 1, in the ID's column. Multiplying by **W** "
    "takes, for each output number, `1 × w` from the row the 1 points at and `0 × w` from all "
    "the others: row *i* of `X @ W` **is** row `ids[i]` of W. On the right, `W[ids]` is what "
    "the real `nn.Embedding` layer returns. Matching rows share a colour."
)
times, equals = figs.textbook_figures(  # two rows: room to write every number
    fwd4.X.numpy(), W4.numpy(), fwd4.via_matmul.numpy(), fwd4.via_lookup.numpy(),
    TEXTBOOK_IDS, [f"ID {i}" for i in range(TEXTBOOK_VOCAB)])
show_chart(times, key="onehot_fig_textbook")
st.markdown("### =")  # X × W = (X @ W ≡ W[ids])
show_chart(equals, key="onehot_fig_textbook_result")
show_zero_check(fwd4.max_abs_diff, "X @ W − W[ids]", " over all 15 numbers")

# ---- 2 · the student's IDs ------------------------------------------------------------------
st.header("2 · Your own IDs")
vocab, vocab_source = lesson1_vocabulary()
V = len(vocab)
st.caption(f"Vocabulary: {vocab_source}, **{V:,} tokens** (IDs 0 to {V - 1:,}; "
           "0 is [PAD], 1 is [UNK]).")
c1, c2 = st.columns([1, 3])
source = c1.radio("Start from", list(SOURCES), format_func=SOURCES.get, key="onehot_source",
                  bind=BIND, horizontal=True, disabled=teacher.locked('onehot_source'))
if source == "sentence":
    raw = c2.text_input("Sentence (tokenised with lesson 1's vocabulary)", DEFAULT_SENTENCE,
                        key="onehot_sentence", bind=BIND,
                        help="Repeated words are welcome: watch their gradients add up.", disabled=teacher.locked('onehot_sentence'))
else:
    raw = c2.text_input(f"Token IDs, e.g. 2, 3, 1 (0 to {V - 1:,}; at most {onehot.MAX_IDS})",
                        DEFAULT_IDS, key="onehot_ids", bind=BIND,
                        help="Separate them with commas or spaces. Repeats are allowed.", disabled=teacher.locked('onehot_ids'))
c3, c4 = st.columns([1, 1])
dim = c3.slider("Embedding dimension d", 2, 12, 4, key="onehot_dim", bind=BIND, disabled=teacher.locked('onehot_dim'))
padding = c4.toggle("padding_idx=0: the [PAD] row gets no gradient", True,
                    key="onehot_padding", bind=BIND,
                    help="As lesson 1's layer. Type the ID 0 to see what it changes.", disabled=teacher.locked('onehot_padding'))
padding_idx = PAD_ID if padding else None


@guarded
def student_ids() -> list[int]:
    """The IDs to use, after saying what was wrong with the input; [] if none."""
    if source == "sentence":
        text = capped(raw, MAX_SENTENCE_CHARS, "sentence")
        enc = vocab.encode(text)
        ids = enc.ids
        if not ids:
            st.info("This sentence has no tokens (it is empty, or only spaces or invisible "
                    "characters). Type a sentence above, or switch to token IDs.")
            return []
        if len(ids) > onehot.MAX_IDS:
            st.info(f"Only the first {onehot.MAX_IDS} of its {len(ids):,} tokens are used.")
            ids = ids[: onehot.MAX_IDS]
        if enc.unknown:
            st.caption(f"{len(enc.unknown):,} token(s) are not in the vocabulary and became "
                       "[UNK] (ID 1).")
        show_wide(id_table(enc.tokens[: len(ids)], ids))
        return ids
    text = capped(raw, MAX_IDS_CHARS, "list of IDs")
    parsed = onehot.parse_ids(text, V)
    for problem in parsed.problems:
        st.warning(md_escape(problem))
    if not parsed.ids:
        st.info(f"Type at least one token ID between 0 and {V - 1:,}, e.g. `{DEFAULT_IDS}`.")
        return []
    show_wide(id_table(vocab.decode(parsed.ids), parsed.ids))
    return parsed.ids


ids = student_ids() or []
labels = [f"{i} · {tok}" for i, tok in enumerate(vocab.itos)] if ids else []
shown = onehot.shown_rows(ids, V, MAX_DRAWN_ROWS)
W = make_embedding(EmbeddingConfig(V, dim, seed=seed, padding_idx=padding_idx)).weight.detach()


@guarded
def forward_section() -> None:
    fwd = onehot.check_forward(ids, W, padding_idx)
    n = len(ids)
    st.markdown(
        f"{n} ID(s) → X is **{n} × {V:,}** ({n * V:,} numbers, {n:,} of them 1), W is "
        f"**{V:,} × {dim}**, and both results are **{n} × {dim}**."
    )
    if len(shown) < V:
        st.caption(f"The vocabulary has {V:,} rows, too many to draw: only the {len(shown)} "
                   "rows (and X's columns) of the IDs in the batch are drawn.")
    include_x = len(shown) <= 12  # else X is too wide to sit beside W: draw it above
    if not include_x:
        show_chart(figs.onehot_figure(fwd.X.numpy(), ids, labels, shown),
                        key="onehot_fig_onehot")
    show_chart(
        figs.forward_figure(fwd.X.numpy(), W.numpy(), fwd.via_matmul.numpy(),
                            fwd.via_lookup.numpy(), ids, labels, shown, include_x),
        key="onehot_fig_forward",
    )
    show_zero_check(fwd.max_abs_diff, "X @ W − nn.Embedding(ids)")


@guarded
def backward_section() -> None:
    grad_out = onehot.upstream_gradient(len(ids), dim, seed)
    bwd = onehot.check_backward(ids, W, grad_out, padding_idx)
    nonzero = bwd.nonzero_rows()
    where = onehot.positions_by_row(ids)
    repeated = {i: p for i, p in where.items() if len(p) > 1}
    st.markdown(
        "Give both paths the **same upstream gradient** `dY = dL/dY` (one row per position; "
        "small whole numbers here so you can add them in your head, in training the loss "
        "provides it) and let autograd compute the gradient of W through each path."
    )
    options = list(range(V)) if V <= MAX_DRAWN_ROWS else sorted(
        set(ids) | {PAD_ID, 1} | set(range(2, min(V, 8))))
    if nonzero:
        revealed = predict_then_reveal(
            "onehot_quiz_rows",
            f"W has {V:,} rows. After one backward pass, **which rows of W's gradient are "
            "non-zero?**",
            options,
            set(nonzero),
            explain_rows(nonzero, repeated),
            context=(tuple(ids), V, dim, seed, padding_idx),
            multi=True,
            format_func=lambda i: f"{i} · {vocab.itos[i]}",
        )
    else:
        st.info("Every ID here is the padding row, so no row of nn.Embedding's gradient is "
                "non-zero. Add another ID to get the prediction question.")
        revealed = True
    with st.expander("Both gradients of W, and their difference", expanded=revealed):
        show_chart(
            figs.backward_figure(grad_out.numpy(), bwd.via_matmul.numpy(),
                                 bwd.via_embedding.numpy(), ids, labels, shown),
            key="onehot_fig_backward",
        )
        if len(shown) < V:
            top = onehot.largest_outside(bwd.via_matmul, shown)
            st.caption(f"The {V - len(shown):,} rows not drawn: largest |gradient| = {top:g}.")
        if padding_idx is None or bwd.differing_rows() != [padding_idx]:
            show_zero_check(bwd.max_abs_diff, "X.T @ dY − nn.Embedding's W.grad")
        else:
            st.warning(
                f"The gradients differ in row {padding_idx} only: "
                f"{padding_idx} is the padding row, and `nn.Embedding(padding_idx="
                f"{padding_idx})` throws its gradient away on purpose ([PAD] fills sentences "
                "up, it must learn nothing). The matmul knows no padding, so it gives that row "
                f"a gradient. Everywhere else the difference is exactly 0."
            )
        st.markdown("Each touched row is the **sum of the upstream rows** at its positions:")
        st.dataframe(accumulation_table(grad_out, bwd), width="stretch")


def explain_rows(nonzero: list[int], repeated: dict[int, list[int]]) -> str:
    names = ", ".join(md_escape(f"{i} · {vocab.itos[i]}") for i in nonzero) or "none"
    parts = [
        f"Non-zero rows: **{names}**; all other {V - len(nonzero):,} rows of the "
        f"{V:,} are exactly 0. Row *v* of `X.T @ dY` sums the rows of dY at the positions "
        "where the ID is *v*: a row whose ID is not in the batch sums nothing."
    ]
    for i, pos in list(repeated.items())[:3]:
        terms = " + ".join(f"dY[{p}]" for p in pos)
        parts.append(f"ID {i} ({md_escape(vocab.itos[i])}) sits at positions "
                     f"{', '.join(map(str, pos))}, so its row is {terms}: repeats accumulate.")
    if padding_idx is not None and padding_idx in ids:
        parts.append(f"ID {padding_idx} is in the batch, but it is the padding row: "
                     "`nn.Embedding` gives it no gradient.")
    return " ".join(parts)


def accumulation_table(grad_out, bwd) -> pd.DataFrame:
    def vec(t) -> str:
        return "[" + ", ".join(f"{v:g}" for v in t.tolist()) + "]"

    where = onehot.positions_by_row(ids)
    rows = []
    for i, summed in onehot.upstream_sums(ids, grad_out).items():
        rows.append({
            "row (ID)": i, "token": vocab.itos[i],
            "positions": ", ".join(map(str, where[i])),
            "sum of dY rows": vec(summed),
            "nn.Embedding W.grad row": vec(bwd.via_embedding[i]),
            "X.T @ dY row": vec(bwd.via_matmul[i]),
        })
    return pd.DataFrame(rows).set_index("row (ID)")


@guarded
def sparse_section() -> None:
    grad_out = onehot.upstream_gradient(len(ids), dim, seed)
    dense = onehot.check_backward(ids, W, grad_out, padding_idx)
    sparse = onehot.check_backward(ids, W, grad_out, padding_idx, sparse=True)
    sp = onehot.describe_sparse(sparse.sparse_grad)
    st.markdown(
        "`nn.Embedding(..., sparse=True)` returns W's gradient as a **sparse tensor**: a list "
        "of (row, values) entries, one per position of the batch, instead of a full "
        f"{V:,} × {dim} matrix that is mostly zeros. Repeated IDs stay separate entries "
        "until `.coalesce()` adds them. Optimizers that accept it (`SGD`, `SparseAdam`, "
        "`Adagrad`) then touch only those rows."
    )
    if not sp.rows:
        st.info("Every ID in the batch is the padding row, so the sparse gradient is empty.")
    else:
        show_chart(
            figs.sparse_figure(sp.rows, sp.values.numpy(), sp.coalesced_rows,
                               sp.coalesced_values.numpy(), labels),
            key="onehot_fig_sparse",
        )
    m1, m2, m3 = st.columns(3)
    m1.metric("Dense W.grad stores", f"{sp.dense_numbers:,} numbers", help=f"{V:,} × {dim}")
    m2.metric("Sparse W.grad stores", f"{sp.stored_numbers:,} numbers",
              help=f"{len(sp.rows)} entries × ({dim} values + 1 row index)")
    m3.metric("Stored entries", f"{len(sp.rows)} → {len(sp.coalesced_rows)} after coalesce")
    diff = onehot.largest_difference(sparse.via_embedding, dense.via_embedding)
    show_zero_check(diff, "sparse W.grad .to_dense() − dense W.grad")


@st.fragment
@guarded
def cost_section() -> None:
    st.header("5 · The cost, as the vocabulary grows")
    c1, c2, c3 = st.columns(3)
    V_cost = c1.select_slider("Vocabulary size V", list(VOCAB_SIZES), 10_000,
                              format_func=VOCAB_SIZES.get, key="onehot_vocab", bind=BIND, disabled=teacher.locked('onehot_vocab'))
    d = c2.select_slider("Dimension d", list(DIMS), 64, format_func=DIMS.get,
                         key="onehot_cost_dim", bind=BIND, disabled=teacher.locked('onehot_cost_dim'))
    n = c3.select_slider("Tokens in the batch n", list(BATCHES), 256,
                         format_func=BATCHES.get, key="onehot_batch", bind=BIND, disabled=teacher.locked('onehot_batch'))
    cost = onehot.Cost(V_cost, d, n)
    grid = np.unique(np.r_[np.geomspace(4, 100_000, 61).astype(int), V_cost, onehot.GPT2_VOCAB])
    curve = onehot.cost_curve(grid, d, n)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("One-hot X alone", human_bytes(cost.onehot_input_bytes),
              help=f"{n:,} × {V_cost:,} float32 ({units.MB_NOTE})")
    m2.metric("Lookup's input (IDs)", human_bytes(cost.lookup_index_bytes),
              help=f"{n:,} int64")
    m3.metric("One-hot multiply-adds", f"{cost.onehot_multiply_adds:,}",
              help=f"{n:,} × {V_cost:,} × {d}")
    m4.metric("Lookup: numbers copied", f"{cost.lookup_copies:,}", help=f"{n:,} × {d}")
    show_chart(
        figs.cost_figure(
            [c.vocab_size for c in curve], [c.onehot_multiply_adds for c in curve],
            [c.lookup_copies for c in curve], [c.onehot_input_bytes for c in curve],
            [c.lookup_index_bytes for c in curve], [c.weight_bytes for c in curve],
            V_cost, {"GPT-2": onehot.GPT2_VOCAB},
        ),
        key="onehot_fig_cost",
    )
    st.markdown(
        f"The one-hot path does **{cost.work_ratio:,.0f} multiply-adds for every number the "
        f"lookup copies** (that ratio is V), and W itself ({human_bytes(cost.weight_bytes)}) "
        "is needed by both."
    )
    timing_part(V_cost, d, n, cost)


def timing_part(V_cost: int, d: int, n: int, cost: onehot.Cost) -> None:
    st.subheader("Measured, live, on this server (one thread)")
    V_live = onehot.live_vocab_size(V_cost, d, n)
    timings = st.session_state.setdefault("onehot__timings", {})
    key = (V_live, d, n)
    if st.button("Measure again", key="onehot__measure"):
        timings.pop(key, None)
    if key not in timings:
        with st.spinner("Timing both paths…"):
            timings[key] = onehot.time_paths(V_live, d, n)
    t = timings[key]
    live = onehot.Cost(V_live, d, n)
    show_chart(
        figs.timing_figure(["forward", "forward + backward"],
                           [t.onehot_forward, t.onehot_forward_backward],
                           [t.lookup_forward, t.lookup_forward_backward],
                           [None, t.sparse_lookup_forward_backward]),
        key="onehot_fig_timing",
    )
    size = f"V = {V_live:,}, d = {d}, {n:,} tokens"
    rounds = len(t.samples["onehot_forward"])
    fwd = t.ratio_range("onehot_forward", "lookup_forward")
    both = t.ratio_range("onehot_forward_backward", "lookup_forward_backward")
    sparse = t.ratio_range("onehot_forward_backward", "sparse_lookup_forward_backward")
    span = lambda r: f"{r[1]:,.0f} times (from {r[0]:,.0f} to {r[2]:,.0f})"  # noqa: E731
    if not t.consistent:
        st.warning(
            f"The server was too busy to time this reliably: after {t.attempts} tries the best "
            "times still say that forward + backward was faster than forward alone, which "
            "cannot be. Press *Measure again* in a moment."
        )
    else:
        st.markdown(
            f"**At this size ({size}) the lookup is {span(fwd)} faster** forward, over "
            f"{rounds} rounds that time every path in turn (forward + backward: {span(both)} "
            f"faster with a dense gradient, {span(sparse)} with `sparse=True`), **and the "
            f"one-hot input alone takes {human_bytes(live.onehot_input_bytes)}** "
            f"({human_bytes(live.onehot_int64_detour_bytes)} for a moment if it is made with "
            "`F.one_hot(ids, V).float()`, which builds an int64 matrix first)."
        )
    if V_live < V_cost:
        st.info(
            f"The live timing is capped so that a click stays well under a second: the "
            f"one-hot path is run with at most {onehot.LIVE_MAX_MULTIPLY_ADDS / 1e6:,.0f} "
            f"million multiply-adds and {human_bytes(onehot.FLOAT_BYTES * onehot.LIVE_MAX_ONEHOT_FLOATS)} for X "
            f"per call (`LIVE_MAX_MULTIPLY_ADDS`, `LIVE_MAX_ONEHOT_FLOATS` in "
            f"`embedviz/onehot.py`), so it ran at V = {V_live:,} instead of {V_cost:,}. "
            f"At V = {V_cost:,} the one-hot input alone would take "
            f"{human_bytes(cost.onehot_input_bytes)} and the forward pass "
            f"{cost.onehot_multiply_adds:,} multiply-adds; `python bench/onehot_vs_lookup.py` "
            "measures sizes up to 50k."
        )
    st.caption(
        "Bars: the best of 5 rounds after a warm-up (`time.perf_counter`); the ranges above "
        "are the ratios within each round. The one-hot time includes building X directly in "
        "float32. Forward + backward is closer because both backward passes "
        "write a dense V × d gradient (mostly zeros); `sparse=True` stores only the batch's rows."
    )


def human_bytes(b: float) -> str:
    return units.show_bytes(b)


if ids:
    forward_section()
    st.header("3 · Backward: the matmul's gradient is a scatter-add")
    backward_section()
    st.header("4 · `sparse=True`: store only the touched rows")
    sparse_section()
cost_section()

next_lesson_link()

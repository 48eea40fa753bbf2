"""Lesson 4: one backward pass touches only the batch's rows; optimizers may move the others."""

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from embedviz import gradients as grads
from embedviz.figures import gradients as figs
from embedviz.model import MODEL_KINDS
from embedviz.seeding import MAX_SEED
from embedviz.text import PAD, PAD_ID
from embedviz.training import OPTIMIZERS, TrainConfig, Trainer
from ui import BIND, teacher
from ui.charts import show_chart
from ui.guard import end_page
from ui.nav import next_lesson_link
from ui.quiz import predict_then_reveal
from ui.text import md_escape

BATCHES = [1, 2, 4, 8, 16, 32, 64]
SGD_LRS = [0.1, 0.3, 1.0, 3.0, 10.0]
ADAM_LRS = [0.001, 0.003, 0.01, 0.03, 0.1]
DECAYS = [0.0, 0.001, 0.01, 0.1]
MAX_STEPS_SHOWN = 8
DEFAULT_LIVE = TrainConfig(lr=0.005, batch_size=128)  # lesson 3's defaults
EXAMPLE_WORD = {"skipgram": "pairs", "cbow": "windows", "classifier": "sentences"}
SHORT = figs.OPT_SHORT

state = st.session_state

# ---- Title -----------------------------------------------------------------------------------
st.title("4 · Gradients touch only the batch's rows")
teacher.explain(
    "Textbooks say *“only the embeddings of the tokens in the batch are updated.”* That is "
    "exactly true of the **gradient**, and of **plain SGD**. It is false for **momentum**, "
    "**Adam** and **weight decay**: they keep moving rows the batch never looked up. Here "
    "you check both halves, on a copy of your own model, with real PyTorch."
)

# ---- Where the weights come from ------------------------------------------------------------
live = state.get("train_trainer")
if live is not None and not live.diverged:
    source, is_live = live, True
else:
    if "grads__default" not in state:
        with st.spinner("Building a small default model…"):
            state["grads__default"] = Trainer(DEFAULT_LIVE)
    source, is_live = state["grads__default"], False

# ---- Settings --------------------------------------------------------------------------------
kind = source.config.model
c1, c2, c3, c4 = st.columns([1.5, 1.3, 1, 1])
optimizer = c1.selectbox(
    "Optimizer to study", grads.OPTIMIZER_ORDER, index=2, format_func=OPTIMIZERS.get,
    key="grads_optimizer", bind=BIND,
    help="The question below is about this one; the comparison shows all five.", disabled=teacher.locked('grads_optimizer')
)
batch_size = c2.select_slider(
    f"Batch size ({EXAMPLE_WORD[kind]})", BATCHES, value=8, key="grads_batch", bind=BIND,
    help="Small, so that every row of the batch can be read. Lesson 3 trains with larger ones.", disabled=teacher.locked('grads_batch')
)
n_steps = c3.slider("Steps in a row", 1, MAX_STEPS_SHOWN, 3, key="grads_steps", bind=BIND,
                    help="Batches stepped one after the other; the last one is inspected.", disabled=teacher.locked('grads_steps'))
seed = c4.number_input("Seed", 0, MAX_SEED, 0, key="grads_seed", bind=BIND,
                       help="Which batches are drawn. Same seed, same batches, same numbers.", disabled=teacher.locked('grads_seed'))
with st.expander("Learning rates and weight decay"):
    e1, e2, e3 = st.columns(3)
    sgd_lr = e1.select_slider("SGD and momentum: learning rate", SGD_LRS, value=1.0,
                              key="grads_sgd_lr", bind=BIND,
                              help="The loss is a mean over the batch, so each row's gradient "
                              "is small: plain SGD needs a large rate to move visibly.", disabled=teacher.locked('grads_sgd_lr'))
    adam_lr = e2.select_slider("Adam, AdamW, SparseAdam: learning rate", ADAM_LRS, value=0.01,
                               key="grads_adam_lr", bind=BIND, disabled=teacher.locked('grads_adam_lr'))
    decay = e3.select_slider("AdamW: weight decay", DECAYS, value=0.01, key="grads_decay",
                             bind=BIND, help="torch's default for AdamW is 0.01. The other "
                             "optimizers here run without weight decay.", disabled=teacher.locked('grads_decay'))
cfg = grads.CompareConfig(batch_size=batch_size, steps=n_steps, seed=int(seed), sgd_lr=sgd_lr,
                          adam_lr=adam_lr, weight_decay=decay)


first = st.container()  # the gradient of W, the lesson's picture, right under the settings

# ---- Run the comparison once per setting (it lives in this session) --------------------------
def weights_digest(source: Trainer) -> str:
    """Which weights these are: a new or reset model in lesson 3 gets a new digest."""
    table = source.model.embedding.weight.detach().numpy()
    return hashlib.sha1(table.tobytes()).hexdigest()[:16]


def computed(source: Trainer, cfg: grads.CompareConfig) -> dict:
    """Start, batches and every optimizer's steps; recomputed only when something changed."""
    key = (weights_digest(source), source.step_count, cfg)
    cached = state.get("grads__result")
    if cached is None or cached["key"] != key:
        with st.spinner("Stepping five optimizers on the same batches…"):
            start = grads.starting_point(source)
            batches = grads.draw_batches(source, cfg.batch_size, cfg.steps, cfg.seed)
            result = grads.compare_optimizers(start.model, batches, cfg)
        if not result.is_finite:
            result = None
        cached = state["grads__result"] = dict(key=key, start=start, result=result)
    return cached


run = computed(source, cfg)
start, result = run["start"], run["result"]
vocab = source.vocab
words = vocab.itos
V, dim = start.model.embedding.weight.shape

if is_live:
    st.info(
        f"Starting weights: a copy of **your model from lesson 3** at step {start.step:,} "
        f"({md_escape(MODEL_KINDS[kind])} on “{md_escape(source.corpus.title)}”, {V:,} rows × "
        f"{dim} dimensions). Your live model and its optimizer are not touched: train more in "
        "lesson 3 and come back to see another starting point."
    )
else:
    why = ("your model in lesson 3 blew up (NaN): press Reset there to use yours again"
           if live is not None else "there is no lesson-3 model in this session (none "
           "trained yet, or the page was reloaded: a reload starts a new session). Lesson 3 "
           "trains your own live model; its link keeps the settings and the step, so opening "
           "it again rebuilds the same model; this page then starts from a copy of it")
    st.info(
        f"Starting weights: a **default model** at step {start.step:,} ({MODEL_KINDS[kind]} on "
        f"“{source.corpus.title}”, {V:,} rows × {dim} dimensions), because {why}."
    )
st.caption(
    f"Every optimizer starts from this same copy, with an empty state, and steps the same "
    f"{cfg.steps} batch{'es' if cfg.steps > 1 else ''}."
    + (f" The model was at step 0, and word2vec starts its second table (the context "
       f"vectors) at zero: on the very first step every input row's gradient is exactly "
       f"zero. So the copy was first trained {start.warmed_up} steps." if start.warmed_up
       else "")
)
if result is None:
    st.warning("These settings make the numbers blow up (NaN or infinity) within the steps: "
               "lower the learning rates in *Learning rates and weight decay*.")
    next_lesson_link()
    end_page()
if kind != "classifier":
    st.caption(
        f"{MODEL_KINDS[kind]} has two tables: `model.embedding` (the input vectors, the table "
        "lessons 1–3 draw) and `model.context` (the output vectors). This page shows "
        "`model.embedding` only; every optimizer steps both."
    )

last = result.last(optimizer)
back = result.last_backward[optimizer]
counts = back.counts()
n_pad = counts.get(PAD_ID, 0)
batch_rows = last.batch_rows
step_word = f"step {cfg.steps} of {cfg.steps}" if cfg.steps > 1 else "the step"


def row_name(r: int) -> str:
    return f"{words[r]} (row {r})"


# ---- 1. After backward(), drawn at the top of the page ---------------------------------------
with first:
    st.header("1 · After `loss.backward()`: the gradient of W")
    touched = back.touched_rows
    same = np.array_equal(touched, batch_rows)
    shown_rows = figs.rows_to_draw(V, np.union1d(batch_rows, last.seen_before))
    show_chart(
        figs.gradient_figure(back.grad, words, counts, rows=shown_rows),
        key="grads__gradient", config={"displaylogo": False},
    )
    m1, m2, m3 = st.columns(3)
    m1.metric("Rows with a non-zero gradient", f"{len(touched)} of {V:,}",
              help="Counted exactly: a row counts if any of its numbers is not 0.")
    m2.metric("Rows that are exactly zero", f"{V - len(touched):,}")
    m3.metric("Share of the table touched", f"{len(touched) / V:.1%}")
    if len(shown_rows) < V:
        st.caption(f"Your table has {V:,} rows: drawn are all the rows the batches looked up and "
                   f"{len(shown_rows) - len(np.union1d(batch_rows, last.seen_before))} others "
                   "spread over the table (all of those are zero here).")
    truth = (f"The {len(touched)} rows with a non-zero gradient are **exactly** the "
             f"{len(batch_rows)} distinct tokens the batch looked up" if same else
             f"{len(touched)} rows have a non-zero gradient; the batch looked up {len(batch_rows)} "
             "distinct tokens (a row's contributions can cancel to exactly zero)")
    pad_text = (f" `{PAD}` was looked up {n_pad} times and still has no gradient: "
                "`padding_idx=0` tells `nn.Embedding` to drop its contributions."
                if n_pad else f" The `{PAD}` row (row 0, at the top) never gets a gradient "
                "(`padding_idx=0`).")
    st.markdown(
        f"{truth}; every other row of the gradient is exactly 0 (the blank rows).{pad_text} "
        "Why: the forward pass only *reads* those rows (`W[ids]`), so the backward pass is a "
        "scatter-add: each lookup adds its gradient into the row it read, and nothing else."
    )

# ---- 2. The batch ----------------------------------------------------------------------------
st.header(f"2 · The batch ({step_word})")
batch = result.batches[-1]
examples = grads.batch_examples(batch, words, source.corpus.label_names)
looked = pd.DataFrame(
    [{"row ID": r, "token": words[r], "times looked up": n} for r, n in sorted(counts.items())]
)
# one above the other, full width: side by side, a 1024-px projector cut the examples' columns
st.markdown(f"**{len(examples)} {EXAMPLE_WORD[kind]}**, and the table each word is read from:")
st.dataframe(pd.DataFrame(examples), hide_index=True, width="stretch",
             height=min(400, 38 + 35 * len(examples)))
st.markdown(
    f"**Rows of W it looks up:** {len(back.ids)} lookups, {len(batch_rows)} distinct "
    f"words" + (f", plus {n_pad} × `{PAD}`" if n_pad else "") + "."
)
st.dataframe(
    looked, hide_index=True, height=min(400, 38 + 35 * len(looked)), width="stretch",
    column_config={"times looked up": st.column_config.ProgressColumn(
        "times looked up", format="%d", min_value=0, max_value=max(counts.values()))},
)

# A token looked up twice gets the sum of its contributions.
repeats = grads.repeated_rows(back.ids)
by_hand = grads.scatter_add(back.ids, back.per_lookup, V)
diff = float(np.abs(by_hand - back.grad).max())
st.subheader("A token looked up twice gets the sum of two contributions")
if not repeats:
    st.info("No token is looked up twice in this batch. Pick a larger batch or another seed "
            "to see one.")
else:
    options = [r for r, _ in repeats]
    pick = options[0]
    if len(options) > 1:
        pick = st.selectbox("Repeated token", options, key="grads__repeat",
                            format_func=lambda r: f"{words[r]} (×{counts[r]})")
    at = np.flatnonzero(back.ids == pick)
    per_example = len(back.ids) // max(len(examples), 1)
    lookup_labels = [f"lookup {k + 1} (example {i // per_example + 1})"
                     for k, i in enumerate(at)]
    show_chart(
        figs.repeat_figure(back.per_lookup[at], lookup_labels, back.grad[pick], words[pick],
                           pick),
        key="grads__repeat_chart", config={"displaylogo": False},
    )
    exact = "bit for bit" if diff == 0 else f"up to {diff:.1e} (float rounding)"
    st.markdown(
        f"**{md_escape(words[pick])}** is looked up {counts[pick]} times. Each lookup gets its "
        f"own gradient (captured from the embedding's output); row {pick} of `W.grad` is "
        f"their sum. Adding every lookup's gradient into its row by hand, for the whole "
        f"batch, gives torch's `W.grad` **{exact}**."
    )

# ---- Predict, then reveal -------------------------------------------------------------------
st.header("Your turn: which rows will move?")
candidates = grads.quiz_candidates(last, V, seed=cfg.seed)
seen_before = set(last.seen_before.tolist())


def where_label(r: int) -> str:
    if r == PAD_ID:
        return f"{PAD} (row 0)"
    tag = ("in this batch" if r in set(batch_rows.tolist()) else
           "in an earlier batch" if r in seen_before else "not looked up by any batch")
    return f"{words[r]} (row {r}, {tag})"


correct = [r for r in candidates if last.changed[r]]
moved_names = ", ".join(md_escape(words[r]) for r in correct) or "none"
kept = [r for r in candidates if not last.changed[r]]
kept_names = ", ".join(md_escape(words[r]) for r in kept) or "none"
revealed = predict_then_reveal(
    "grads__quiz",
    f"After {step_word} with **{OPTIMIZERS[optimizer]}**, which of these rows of W will "
    "change? Tick every row you expect to move.",
    candidates, correct,
    f"Computed by running the step: with {SHORT[optimizer]}, these moved: **{moved_names}**; "
    f"these did not: **{kept_names}**. Section 3 shows why, for every optimizer.",
    context=(run["key"], optimizer),
    multi=True, format_func=where_label,
)
if not revealed and not state.get("grads__skip"):
    st.caption("Predict first: the answer is in the sections below.")
    if st.button("Show the answer without predicting", key="grads__skip_button"):
        state["grads__skip"] = True
        st.rerun()
    next_lesson_link()
    end_page()

# ---- 3. After optimizer.step() ---------------------------------------------------------------
st.header("3 · After `optimizer.step()`: what each optimizer moved")
names = grads.OPTIMIZER_ORDER
all_seen = np.union1d(batch_rows, last.seen_before)
show_chart(
    figs.change_figure({n: result.last(n).change_norm for n in names}, words, batch_rows,
                       last.seen_before, rows=figs.rows_to_draw(V, all_seen), selected=optimizer),
    key="grads__change", config={"displaylogo": False},
)
st.caption(
    f"Each column: how far every row moved at {step_word} (the length of its change, log "
    "colour scale). **White means exactly unchanged.** The strip on the left says which "
    "rows this batch looked up (orange), which only earlier batches did (blue), and the "
    f"`{PAD}` row (grey). The black frame marks {SHORT[optimizer]}."
)


def summary_row(name: str) -> dict:
    s = result.last(name)
    changed = set(s.changed_rows.tolist())
    return {
        "optimizer": OPTIMIZERS[name],
        "rows changed": len(changed),
        "of this batch": len(changed & set(batch_rows.tolist())),
        "of earlier batches only": len(changed & (seen_before - set(batch_rows.tolist()))),
        "never looked up": len(changed - set(all_seen.tolist()) - {PAD_ID}),
        f"{PAD} moved": "yes" if PAD_ID in changed else "no",
    }


st.dataframe(pd.DataFrame([summary_row(n) for n in names]), hide_index=True, width="stretch")


def explain(name: str) -> str:
    """Each optimizer's rule in words, with the rows it moved counted from the step."""
    s = result.last(name)
    changed = set(s.changed_rows.tolist())
    in_batch = len(changed & set(batch_rows.tolist()))
    stale = len(s.stale_rows)
    never = len(changed - set(all_seen.tolist()) - {PAD_ID})
    moved = f"It moved {len(changed):,} of {V:,} rows: {in_batch} of this batch"
    moved += f", {stale - never} from earlier batches" if stale - never else ""
    moved += f", {never:,} that no batch looked up" if never else ""
    moved += "."
    if np.array_equal(s.changed_rows, batch_rows):
        moved = f"It moved exactly this batch's {len(changed)} rows."
    if name == "sgd":
        return (f"**SGD** moves each number by `−lr × gradient`: a zero gradient means no "
                f"move. {moved}")
    if name == "momentum":
        return ("**SGD with momentum** keeps a *velocity* `v` for every number of W: "
                "`v ← 0.9·v + gradient`, then `w ← w − lr·v`. A row looked up at an earlier "
                "step still has `v ≠ 0`, so it keeps moving (each step 0.9 times as far) "
                f"while its gradient is zero now. {moved}")
    if name == "adam":
        return ("**Adam** keeps, for every number of W, `m` (a running mean of its gradients) "
                "and `v` (of their squares), and moves it by `lr·m̂/(√v̂+ε)`. A row whose "
                "gradient is zero now still moves if its `m` is not zero, that is if an earlier "
                f"batch looked it up; a row no batch looked up has `m = 0` and stays. {moved}")
    if name == "adamw":
        if cfg.weight_decay == 0:
            return f"**AdamW** with weight decay 0 is Adam. {moved}"
        return ("**AdamW** is Adam plus *decoupled* weight decay: every number of W shrinks "
                f"by `w ← w − lr·wd·w` (here lr·wd = {cfg.adam_lr * cfg.weight_decay:g}), "
                f"looked up or not. {moved}")
    return ("**SparseAdam** gets the gradient as a list of (row, values) pairs "
            "(`nn.Embedding(sparse=True)`) and updates `m`, `v` and the weights of those rows "
            "only; the other rows wait, unchanged, until a batch looks them up again. "
            f"{moved}")


for name in names:
    st.markdown("- " + explain(name))
pad_ever = [SHORT[n] for n in names if any(s.changed[PAD_ID] for s in result.steps[n])]
pad_value = float(start.model.embedding.weight.detach()[PAD_ID].abs().max())
if not pad_ever:
    st.markdown(
        f"- **The `{PAD}` row** did not move under any optimizer, at any step. It "
        + ("is all zeros" if pad_value == 0 else f"holds numbers up to {pad_value:.3g}")
        + " and its gradient is always zero, so its velocity and `m` stay zero"
        + (", and AdamW's decay of a zero row, `lr·wd·0`, is zero too."
           if pad_value == 0 and cfg.weight_decay > 0 else ".")
    )
else:
    st.warning(f"The `{PAD}` row moved under {', '.join(pad_ever)}.")
if cfg.weight_decay > 0:
    st.caption(
        "torch's `Adam(weight_decay=…)` and `SGD(weight_decay=…)` add `wd·w` to the gradient "
        "inside `step()` (L2 regularisation): that touches every row too, although `W.grad` "
        "itself stays sparse. This page runs them without it, to show the state's effect alone."
    )

# ---- 4. A few steps in a row ----------------------------------------------------------------
st.header("4 · A few steps in a row")
if cfg.steps == 1:
    st.info("With one step every optimizer starts with an empty state, so only the batch's "
            "rows (and, with AdamW, every row through the decay) change. Set **Steps in a row** "
            "to 2 or more to see earlier rows keep moving.")
sgd_steps = result.steps["sgd"]
show_chart(
    figs.steps_figure({n: result.changed_counts(n) for n in names},
                      [len(s.batch_rows) for s in sgd_steps], V, selected=optimizer),
    key="grads__steps", config={"displaylogo": False},
)
adam_counts = result.changed_counts("adam")
seen_total = len(np.union1d(last.seen_before, batch_rows))
batch_counts = [len(s.batch_rows) for s in sgd_steps]
follow = [SHORT[n] for n in ("sgd", "sparse_adam") if result.changed_counts(n) == batch_counts]
st.markdown(
    "Grey bars: the distinct rows each step's batch looked up. "
    + (f"{' and '.join(follow)} change exactly that many rows at every step. " if follow else "")
    + f"Momentum and Adam remember every row they have seen in their state, so their count "
    f"climbs (Adam: {', '.join(map(str, adam_counts))}; the batches so far looked up "
    f"{seen_total} distinct rows). "
    + (f"AdamW's decay moves every row but `{PAD}` at every step."
       if cfg.weight_decay > 0 else "With weight decay 0, AdamW is Adam.")
)

next_lesson_link()

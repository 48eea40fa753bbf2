"""Lesson 8: how many numbers per word? A dimension sweep, real models' tables, a calculator."""

import pandas as pd
import streamlit as st

from embedviz import sizes, units
from embedviz.figures import sizes as figs
from embedviz.model import LESSON3_CLASSIFIER
from embedviz.seeding import MAX_SEED
from ui import BIND, background, teacher
from ui.charts import show_chart
from ui.nav import next_lesson_link
from ui.quiz import predict_then_reveal
from ui.text import md_escape

DEFAULT = sizes.DEFAULT_SWEEP
BIG, SMALL = 128, 16  # the quiz compares these two dimensions
VOCABS = [1_000, 5_000, 10_000, 30_522, 32_000, 37_000, 50_257, 100_000, 128_256, 256_000,
          400_000, 1_000_000]
CALC_DIMS = [2, 4, 8, 16, 32, 50, 64, 128, 256, 384, 512, 768, 1024, 1600, 2048, 4096, 8192]
BATCH_TOKENS = [1, 32, 128, 512, 2048, 8192]
ANSWERS = {"big": f"Yes: d = {BIG} gets more right", "same": "They tie exactly",
           "small": f"No: d = {SMALL} gets more right"}
SHORT = {"big": f"d = {BIG} better", "same": "a tie", "small": f"d = {SMALL} better"}

state = st.session_state


def share_label(share: float) -> str:
    return f"{share:.0%}"


def shared_default_sweep() -> sizes.SweepResult | None:
    """The default sweep: computed once per server in the background (started as the server
    starts); until it is ready the page shows its progress and draws everything else."""
    job = background.ask_for(background.sweep_job(), mine=False)
    return None if job is None else job.result


def own_sweep(cfg: sizes.SweepConfig) -> sizes.SweepResult | None:
    """A sweep with the student's own settings, run on request in the background; the same
    settings always give the same numbers, so anyone who asks again shares the result."""
    spec = background.sweep_job(cfg)
    asked = background.lookup(spec[0])
    if asked is not None and asked.state != "failed":
        job = background.settle(asked)
        return None if job is None else job.result
    st.info(
        f"These settings are not the default sweep's, so they need a sweep of their own: "
        f"{cfg.total_steps:,} training steps (at most {sizes.MAX_OWN_STEPS:,}, a few seconds "
        "of this server, one sweep at a time per student). The same settings always give the "
        "same numbers."
    )
    if not st.button("Run this sweep", key="size__run", type="primary",
                     icon=":material/play_arrow:"):
        return None
    job = background.ask_for(spec)
    return None if job is None else job.result


def gap_story(small: sizes.SweepPoint, big: sizes.SweepPoint) -> str:
    """What the measured gaps say, in words (the numbers decide the sentence)."""
    if big.gap > small.gap + 0.01:
        return ("The gap widens with d: the bigger table spends its extra room learning the "
                "training reviews by heart, which does not carry over to new ones.")
    if big.gap < small.gap - 0.01:
        return "Here the gap shrinks with d: on this data the bigger table generalises a little better."
    return ("The gap hardly changes: with this much data both sizes learn the same thing, and "
            "the bigger one only costs more.")


# ---- Title -----------------------------------------------------------------------------------
st.title("8 · How many numbers per word?")
teacher.explain(
    f"The real models in this lesson's table use {min(sizes.real_dims()):,} to "
    f"{max(sizes.real_dims()):,} numbers per token. **Is a bigger embedding always better?** "
    f"Measure it: the same model, data, seed and steps at {len(sizes.SWEEP_DIMS)} sizes."
)
# ---- 1 · The sweep ---------------------------------------------------------------------------
c1, c2, c3, c4 = st.columns(4)
share = c1.select_slider(
    "Training reviews used", sizes.SHARES, value=0.25, format_func=share_label,
    key="size_share", bind=BIND,
    help="The share of the classifier's training reviews it learns from. The held-out "
    "validation reviews stay the same.", disabled=teacher.locked('size_share')
)
seed = int(c2.number_input("Seed", 0, MAX_SEED, DEFAULT.seed, key="size_seed", bind=BIND,
                           help="The starting tables, the batches and the split.", disabled=teacher.locked('size_seed')))
words_steps = int(c3.number_input(
    "Skip-gram steps per d", 10, sizes.MAX_STEPS_PER_DIM, DEFAULT.words_steps, step=50,
    key="size_words_steps", bind=BIND, disabled=teacher.locked('size_words_steps')))
reviews_steps = int(c4.number_input(
    "Classifier steps per d", 10, sizes.MAX_STEPS_PER_DIM, DEFAULT.reviews_steps, step=50,
    key="size_reviews_steps", bind=BIND, disabled=teacher.locked('size_reviews_steps')))

uses_default = (seed, words_steps, reviews_steps) == (
    DEFAULT.seed, DEFAULT.words_steps, DEFAULT.reviews_steps) and share in DEFAULT.shares
result, problem = None, None
if uses_default:
    result = shared_default_sweep()
else:
    try:
        cfg = sizes.SweepConfig(words_steps=words_steps, reviews_steps=reviews_steps,
                                shares=(share,), seed=seed, max_steps=sizes.MAX_OWN_STEPS)
    except ValueError as err:
        problem = str(err)
        st.warning(f"This sweep is refused: {problem}.")
    else:
        result = own_sweep(cfg)

if result is not None:
    words = result.words()
    reviews = result.reviews(share)
    dims = [p.dim for p in words]
    n_train = result.train_size(share)
    n_val = reviews[0].validation_size
    show_chart(figs.words_quality_figure(dims, [p.neighbour_accuracy for p in words],
                                         chance=1 / sizes.word_kinds(), steps=result.config.words_steps),
               key="size_fig_words")
    st.caption(
        f"Lesson 3's trainer and models, Adam, seed {result.config.seed}. Skip-gram on "
        f"“things” ({words[0].vocab_size} rows), {result.config.words_steps:,} steps at every "
        "d. Neighbour accuracy: the share of category words whose nearest category word (by "
        f"cosine) is of the same kind; {sizes.word_kinds()} kinds, so chance is about "
        f"1/{sizes.word_kinds()}. Measured in "
        f"{result.seconds:.1f} s at {result.finished_at} (server time)."
    )
    big, small = result.at(sizes.REVIEWS, BIG, share), result.at(sizes.REVIEWS, SMALL, share)
    answer = sizes.compare_dims(reviews, BIG, SMALL)
    across = ""
    if len(result.config.shares) > 1:
        across = " Across the data shares of this sweep: " + "; ".join(
            f"{share_label(s)}: {SHORT[sizes.compare_dims(result.reviews(s), BIG, SMALL)]}"
            for s in result.config.shares) + "."
    revealed = predict_then_reveal(
        "size_quiz",
        f"The review classifier ({LESSON3_CLASSIFIER}; {result.config.reviews_steps:,} "
        f"steps at every d) learns from **{n_train:,}** training reviews "
        f"({share_label(share)}). Will its table with **d = {BIG}** classify more of the "
        f"{n_val} held-out reviews correctly than the one with **d = {SMALL}**?",
        list(ANSWERS), answer,
        f"Measured: d = {SMALL} gets {small.validation_correct}/{n_val} held-out reviews "
        f"right ({small.validation_accuracy:.1%}), d = {BIG} gets "
        f"{big.validation_correct}/{n_val} ({big.validation_accuracy:.1%}). On their own "
        f"training reviews: {small.train_accuracy:.1%} and {big.train_accuracy:.1%}, a gap "
        f"(training − validation) of {small.gap:+.1%} at d = {SMALL} and {big.gap:+.1%} at "
        f"d = {BIG}. The d = {BIG} table has {big.table_parameters:,} numbers for "
        f"{n_train:,} reviews ({small.table_parameters:,} at d = {SMALL}). "
        f"{gap_story(small, big)}{across} Change the share of training reviews and ask again.",
        context=(repr(result.config), share),
        format_func=ANSWERS.get,
    )
    if revealed:
        show_chart(figs.classifier_figure(
            dims, [p.train_accuracy for p in reviews], [p.validation_accuracy for p in reviews],
            title=f"Reviews: classifier on {n_train:,} training reviews"),
            key="size_fig_reviews")
        st.caption("The shaded band is the gap between training and validation accuracy: "
                   "where it widens, the model fits its own reviews better than new ones "
                   "(overfitting).")
    else:
        st.caption("The classifier's chart appears once you have answered.")

    show_chart(figs.cost_figure(
        dims, [p.table_parameters for p in words], [p.table_parameters for p in reviews],
        [p.seconds_per_step * 1e3 for p in words], [p.seconds_per_step * 1e3 for p in reviews],
    ), key="size_fig_cost")
    w2, w128 = words[0], words[-1]
    st.caption(
        f"Parameters are the numel of each model's `nn.Embedding` (V × d; skip-gram has a "
        f"second, context table of the same size). Time is the CPU time of one thread per "
        f"training step, **measured on this server** at {result.finished_at}: it varies with "
        f"the load (other students training at the same time). Here d = {w128.dim} cost "
        f"{w128.seconds_per_step * 1e3:.2f} ms per skip-gram step and d = {w2.dim} "
        f"{w2.seconds_per_step * 1e3:.2f} ms: {w128.dim // w2.dim}× the numbers, "
        f"{w128.seconds_per_step / w2.seconds_per_step:.1f}× the time, because with tables "
        "this small the fixed work of a step (sampling, Python, the optimizer's bookkeeping) "
        "dominates. In a large model the table's rows are what costs."
    )
elif problem is None:
    st.caption("The sweep's charts appear here once it has run; the real models' tables and "
               "the calculator below are ready now.")

# ---- 2 · Real models' tables -----------------------------------------------------------------
st.header("Real models' tables")
with st.spinner("Counting the real models' parameters (once per server)…"):
    tables = sizes.real_tables()


def real_row(t: sizes.RealTable) -> dict:
    m, size = t.model, t.table
    return {
        "model": m.name,
        "V (vocabulary)": f"≈{t.vocab_size:,}" if m.approximate_vocab else f"{t.vocab_size:,}",
        "d": t.dim,
        "table V × d": size.parameters,
        **{f"MB {p}": size.megabytes(p) for p in sizes.PRECISIONS},
    }


def share_row(t: sizes.RealTable) -> dict:
    m = t.model
    return {
        "model": m.name,
        "all parameters": t.total,
        # "–", not an empty cell that the table would write as "None" (issue #27)
        "published": "–" if m.published_total is None else f"{m.published_total:,}",
        "table's share": t.share,
        "output layer": {True: "tied", False: "untied", None: "none"}[m.tied],
    }


# Two tables of a few columns each: one of ten columns was cut on the right at 1024 px.
st.dataframe(pd.DataFrame([real_row(t) for t in tables]), hide_index=True, width="stretch",
             column_config={
                 "model": st.column_config.TextColumn(pinned=True),
                 "table V × d": st.column_config.NumberColumn(format="localized"),
                 **{f"MB {p}": st.column_config.NumberColumn(format="%.1f")
                    for p in sizes.PRECISIONS},
             }, key="size_real_table")
st.dataframe(pd.DataFrame([share_row(t) for t in tables]), hide_index=True, width="stretch",
             column_config={
                 "model": st.column_config.TextColumn(pinned=True),
                 "all parameters": st.column_config.NumberColumn(
                     format="localized", help="Counted by this app where it can build the model "
                     "(the real MiniLM's weights; transformers' configurations on the meta "
                     "device, nothing allocated), else as published."),
                 "table's share": st.column_config.NumberColumn(format="percent"),
             }, key="size_real_share")
show_chart(figs.real_tables_figure([t.model.name.split(" (")[0] for t in tables],
                                   [t.table.parameters for t in tables],
                                   [t.share for t in tables]), key="size_fig_real")
bytes_each = ", ".join(f"{p} {sizes.bytes_per_number(p)}" for p in sizes.PRECISIONS)
llama = next(t for t in tables if t.model.tied is False)
st.caption(
    f"{units.MB_NOTE}; bytes per number from torch's `element_size()`: {bytes_each}. "
    f"An untied model has a second V × d table at its output: with it, {md_escape(llama.model.name)}'s "
    f"embeddings are {llama.embedding_share:.1%} of its parameters, not {llama.share:.1%}. "
    "Tables grow with the vocabulary, the rest of the model with d² and the layers: in small "
    "models the table is a large share, in large ones a small one."
)
with st.expander("Where every number comes from"):
    for t in tables:
        m = t.model
        st.markdown(
            f"**{md_escape(m.name)}** — V and d: {md_escape(m.source)}. All parameters: "
            f"{md_escape(m.total_source)}"
            + (f"; counted here with {md_escape(m.counted_by)}" if m.counted_by else "")
            + f". Output layer: {md_escape(m.tie_source)}."
        )

# ---- 3 · A calculator ------------------------------------------------------------------------
st.header("A size calculator")
c1, c2, c3 = st.columns([2, 2, 1])
vocab = c1.select_slider("Vocabulary V", VOCABS, value=50_257, format_func=lambda v: f"{v:,}",
                         key="size_vocab", bind=BIND, disabled=teacher.locked('size_vocab'))
dim = c2.select_slider("Dimension d", CALC_DIMS, value=768, key="size_dim", bind=BIND, disabled=teacher.locked('size_dim'))
batch = c3.select_slider("Tokens per batch", BATCH_TOKENS, value=512,
                         format_func=lambda n: f"{n:,}", key="size_batch", bind=BIND, disabled=teacher.locked('size_batch'))
size = sizes.TableSize(vocab, dim)
cost = size.cost(batch)
same = [t.model.name for t in tables if (t.vocab_size, t.dim) == (vocab, dim)]
m = st.columns(2)
m[0].metric("Parameters V × d", f"{size.parameters:,}")
m[1].metric("Untied (input + output)", f"{size.with_output_table(tied=False):,}",
            help="A language model's output layer over the vocabulary is another V × d "
            "matrix, unless it reuses the input table (tied).")
m = st.columns(3)
for col, p in zip(m, sizes.PRECISIONS):
    col.metric(f"Memory in {p}", f"{size.megabytes(p):,.2f} MB",
               help=f"{sizes.bytes_per_number(p)} byte(s) per number (torch element_size)")
show_chart(figs.precision_figure(
    list(sizes.PRECISIONS), [size.megabytes(p) for p in sizes.PRECISIONS],
    [size.with_output_table(tied=False) * sizes.bytes_per_number(p) / 1e6
     for p in sizes.PRECISIONS]), key="size_fig_precision")
tie = [md_escape(t.model.name) for t in tables if t.model.tied]
untie = [md_escape(t.model.name) for t in tables if t.model.tied is False]
st.markdown(
    f"**One batch of {batch:,} tokens** (lesson 2's cost model): the lookup copies "
    f"{cost.lookup_copies:,} numbers (n × d); the one-hot path builds a {batch:,} × "
    f"{vocab:,} input of {units.show_bytes(cost.onehot_input_bytes)} and does "
    f"{cost.onehot_multiply_adds:,} multiply-adds (n × V × d), {cost.work_ratio:,.0f} "
    "for every number the lookup copies."
)
st.markdown(
    f"**Tying** the input and output embeddings stores one table instead of two: "
    f"{size.with_output_table(tied=True):,} parameters instead of "
    f"{size.with_output_table(tied=False):,}, half. Tied: {', '.join(tie)}. Untied: "
    f"{', '.join(untie)}. MiniLM and GloVe have no output layer over the vocabulary."
)
if same:
    st.caption(f"V = {vocab:,} and d = {dim} is the table of {md_escape(', '.join(same))}.")
st.caption("int8 also stores a scale per row or block to turn its integers back into "
           "numbers (not counted here).")

with st.expander("So: how many numbers per word?"):
    fit = ""
    if result is not None:
        low = result.words()[0]
        top = max(result.words(), key=lambda p: (p.neighbour_accuracy, -p.dim))
        fit = (f" in this sweep, within {result.config.words_steps:,} skip-gram steps, d = "
               f"{low.dim} puts {low.neighbour_accuracy:.0%} of the {sizes.word_kinds()} kinds' "
               f"words next to their own kind, d = {top.dim} {top.neighbour_accuracy:.0%} "
               "(more steps can move the small table further).")
    st.markdown(
        f"Too few and words cannot be told apart{fit or '.'} "
        "Past the point where the task's patterns fit, more numbers cost memory and time "
        "and, with little data, give the model room to learn its training examples by heart. "
        "The right size depends on the data and the task: real models choose d together with "
        "the number of layers and the amount of text they train on."
    )

next_lesson_link()

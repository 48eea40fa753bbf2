"""Lesson 6: start the embedding from GloVe, frozen or fine-tuned, against a random start."""

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from embedviz import corpora, units
from embedviz import pretrained_start as pre
from embedviz.figures import pretrained_start as figs
from embedviz.figures.training import live_figure
from embedviz.model import LESSON3_CLASSIFIER
from embedviz.projection_fixed import fit_fixed_basis
from embedviz.seeding import MAX_SEED
from embedviz.text import PAD, UNK
from ui import BIND, live, teacher
from ui.charts import show_chart
from ui.guard import end_page, guarded
from ui.nav import next_lesson_link
from ui.quiz import predict_then_reveal
from ui.text import capped, md_escape

LOOK_AHEAD = 100  # steps the quizzes look into the future
SHARES = [0.1, 0.3, 1.0]
HELD_OUT = [0, 2, 4, 6, 8]
LRS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 1000.0, 10000.0]
BATCHES = [16, 32, 64, 128]
SPEEDS = [1, 2, 3, 5, 10]
CORPUS_NAMES = {"reviews": "Built-in reviews (1,600 labelled sentences)",
                corpora.USER: "Your own labelled sentences"}
MAP_WORDS = ("great", "excellent", "wonderful", "terrible", "awful", "poor", "bad", "good",
             "nice", "movie", "book", "service", "the", "was")
T = pre.STARTS
SHORT = {"random": "Random", "frozen": "Frozen", "finetuned": "Fine-tuned"}
EXAMPLE_TEXT = "positive: what a great little film\nnegative: the soup was cold and bland\n"

state = st.session_state


def _toggle_play() -> None:
    state["pre__playing"] = not state.get("pre__playing", False)
    if state["pre__playing"]:
        state["pre__interval"] = live.starting_pace(state.get("pre_speed", 3)).interval
    else:
        live.stop_live()


def _step_once() -> None:
    live.step_once("pre", "pre_run")


def _reset() -> None:
    live.reset("pre", "pre_run")


# ---- Title -----------------------------------------------------------------------------------
st.title("6 · Frozen or fine-tuned?")
teacher.explain(
    f"A review classifier ({LESSON3_CLASSIFIER}), three times, on the same batches: a "
    "**random** start, **GloVe frozen** and **GloVe fine-tuned**."
)

# ---- Settings --------------------------------------------------------------------------------
c1, c2, c3, c4, c5 = st.columns([1, 1, 1.2, 1.2, 1])
share = c1.select_slider(
    "Data used", SHARES, value=1.0, key="pre_share", bind=BIND,
    format_func=lambda s: f"{s:.0%}",
    help="Train on only a share of the training sentences. Pretraining matters most with "
    "little data.", disabled=teacher.locked('pre_share'))
held = c2.select_slider(
    "Held out", HELD_OUT, value=4, key="pre_held_out", bind=BIND,
    help="Sentiment words (half positive, half negative) whose training sentences are left "
    "out, so validation has words training never shows.", disabled=teacher.locked('pre_held_out'))
optimizer = c3.selectbox("Optimizer", list(pre.OPTIMIZERS), index=1,
                         format_func=pre.OPTIMIZERS.get, key="pre_optimizer", bind=BIND, disabled=teacher.locked('pre_optimizer'))
lr = c4.select_slider("Learning rate", LRS, value=0.01, key="pre_lr", bind=BIND,
                      help="Adam likes 0.003 to 0.03; plain SGD needs about 1 to 10.", disabled=teacher.locked('pre_lr'))
speed = c5.select_slider("Speed", SPEEDS, value=3, key="pre_speed", bind=BIND,
                         help="Steps per refresh. Each step trains all three models, so three steps here cost "
                         "about what lesson 3's ten do.", disabled=teacher.locked('pre_speed'))
b1, b2, b3, b4 = st.columns([1, 1.2, 1, 2.2])  # the buttons are drawn once the run exists
with b4.popover("More: your own sentences, batch, seed", width="stretch"):
    corpus_name = st.selectbox("Sentences", list(CORPUS_NAMES), format_func=CORPUS_NAMES.get,
                               key="pre_corpus", bind=BIND, disabled=teacher.locked('pre_corpus'))
    m1, m2 = st.columns(2)
    batch_size = m1.select_slider("Batch size", BATCHES, value=64, key="pre_batch", bind=BIND, disabled=teacher.locked('pre_batch'))
    seed = m2.number_input("Seed", 0, MAX_SEED, 0, key="pre_seed", bind=BIND,
                           help="The split, the held-out words, the random rows and the "
                           "batches all come from it.", disabled=teacher.locked('pre_seed'))
    text = ""
    if corpus_name == corpora.USER:
        st.markdown(
            "One sentence per line, starting with its label: `positive:` or `negative:` "
            "(or `pos`/`neg`, `+`/`-`, `1`/`0`, then a colon or a tab). At least "
            f"{pre.MIN_PER_LABEL} of each. Your text stays in your session and is not part of "
            "the link."
        )
        text = st.text_area("Your labelled sentences", key="pre__paste", height=150,
                            placeholder=EXAMPLE_TEXT)


def own_corpus(text: str) -> tuple[corpora.Corpus, str]:
    """The student's labelled sentences, checked once per text (stops the page if unusable)."""
    text = capped(text, pre.MAX_LABELLED_CHARS, "text")
    if not text.strip():
        st.info("Paste labelled sentences under **More** (one per line, `positive: …` or "
                "`negative: …`) to train on them.")
        end_page()
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    if state.get("pre__user_digest") != digest:
        try:
            state["pre__user"] = pre.labelled_corpus_from_text(text)
            state.pop("pre__user_problem", None)
        except corpora.CorpusProblem as problem:
            state.pop("pre__user", None)
            state["pre__user_problem"] = str(problem)
        state["pre__user_digest"] = digest
    if "pre__user_problem" in state:
        st.warning(state["pre__user_problem"])
        end_page()
    corpus, notes = state["pre__user"]
    for note in notes:
        st.caption(note)
    return corpus, f"user:{digest}"


user_corpus, digest_key = None, "reviews"
if corpus_name == corpora.USER:
    user_corpus, digest_key = own_corpus(text)
config = pre.StartConfig(
    corpus=corpus_name, train_share=share, held_out=held if user_corpus is None else 0,
    optimizer=optimizer, lr=lr, batch_size=batch_size, seed=int(seed),
)

# ---- The three runs live in this session only -------------------------------------------------
try:
    run = live.session_model(
        "pre", "pre_run", (config, digest_key), lambda: pre.SideBySide(config, user_corpus),
        rebuilt=lambda old: (f"You changed the settings: three new models were built from step "
                             f"0 (the old ones had trained {old.step_count:,} steps). Press Play "
                             "to train them."),
        fresh="Reset: three fresh models from step 0, with the same seed and settings.",
        building="Copying GloVe's rows for this vocabulary…", forget=["pre__quiz"],
    )
except corpora.CorpusProblem as problem:
    st.warning(str(problem))
    end_page()

task, coverage = run.task, run.start.coverage
n_val, n_unseen = len(task.validation.sentences), int(task.unseen_sentences.sum())

# ---- Play / Pause / Step / Reset ---------------------------------------------------------------
playing = state.get("pre__playing", False) and not run.diverged
b1.button("❚❚ Pause" if playing else "▶ Play", on_click=_toggle_play, type="primary",
          key="pre__play", width="stretch", disabled=run.diverged)
b2.button("Step (one batch)", on_click=_step_once, key="pre__step", width="stretch",
          disabled=run.diverged)
b3.button("↺ Reset", on_click=_reset, key="pre__reset_button", width="stretch")


@guarded
@live.in_turn("pre")
def live_view() -> None:
    """Redrawn every tick while playing: train the three models, then draw the curves."""
    run = state["pre_run"]
    tick = live.train_tick("pre", run, speed)
    if run.diverged:
        st.error(run.message)
    variants = run.variants
    last = variants["random"].val.steps[-1]
    curves = {name: {"train": (v.train.steps, v.train.loss, v.train.accuracy),
                     "val": (v.val.steps, v.val.loss, v.val.accuracy)}
              for name, v in variants.items()}
    bars = {name: (v.val.accuracy[-1], v.unseen.accuracy[-1]) for name, v in variants.items()}
    left, right = st.columns([3, 2])
    with left:
        show_chart(live_figure(*figs.curves_parts(curves, T), title=f"Step {run.step_count:,}",
                               height=360), key="pre__curves")
    with right:
        show_chart(live_figure(*figs.accuracy_bars_parts(bars, T, n_val, n_unseen),
                               title=f"Validation, step {last:,}", height=360),
                   key="pre__bars")
    live.end_tick(tick)


live.show_live("pre", live_view)
st.caption(
    f"{len(task.train.sentences):,} training and {n_val:,} validation sentences (seeded, "
    f"stratified). Solid lines: validation, never trained on; dashed: every training sentence; "
    f"a point every {pre.EVAL_EVERY} steps. The bars: validation accuracy on all sentences and "
    f"on the {n_unseen} with a word no training sentence has. Each step draws one batch of "
    f"{config.batch_size} and feeds it to all three models."
)


# ---- Predict, then reveal (1) -------------------------------------------------------------------
@st.cache_data(max_entries=64, show_spinner=False)
def _look_ahead_from_start(config_repr: str, _run: pre.SideBySide) -> dict:
    """At step 0 of a built-in run the answer is the same for everyone: once per server."""
    return pre.look_ahead(_run, LOOK_AHEAD)


def make_question(run: pre.SideBySide) -> dict:
    if run.step_count == 0 and run.shared:
        return _look_ahead_from_start(repr(run.config), run)
    return pre.look_ahead(run, LOOK_AHEAD)


st.header("Which start wins?")
if run.diverged:
    st.info("The questions wait for models that train: lower the learning rate and press Reset.")
    quiz = None
else:
    again = st.button("Ask about the models as they are now", key="pre__new_question")
    quiz = state.get("pre__quiz")
    if quiz is None or again:
        with st.spinner(f"Training copies {LOOK_AHEAD} steps ahead…"):
            state["pre__quiz"] = quiz = make_question(run)
if quiz is not None and quiz["diverged"]:
    st.info(f"Within {LOOK_AHEAD} steps these models blow up, so there is nothing to predict: "
            "lower the learning rate.")
elif quiz is not None:
    acc = quiz["val_accuracy"]
    ranking = ", ".join(f"{T[n]} {acc[n]:.1%}" for n in sorted(acc, key=acc.get, reverse=True))
    predict_then_reveal(
        "pre__quiz_best",
        f"At step {quiz['step']:,}, after {LOOK_AHEAD} more steps on the same batches, which "
        "start will have the best **validation** accuracy?",
        list(T), quiz["best"],
        f"Copies of your three models trained {LOOK_AHEAD} steps ahead, at step "
        f"{quiz['ahead_step']:,}: {ranking} (ties go to the lower validation loss). Press Play "
        "and check: training is deterministic. GloVe's rows already place words that are used "
        "alike near each other, so a start from them needs fewer examples. The frozen table "
        "cannot adapt to the task, the fine-tuned one can, and the random one must learn "
        "everything from these sentences.",
        format_func=T.get, context=(id(run), quiz["step"], "best"),
    )

# ---- Coverage ------------------------------------------------------------------------------------
st.header("Which words does GloVe know?")
k1, k2, k3 = st.columns(3)
k1.metric("Words GloVe knows", f"{len(coverage.found):,} of {coverage.n_words:,}",
          f"{coverage.share:.0%}", delta_color="off",
          help="Every word of the vocabulary except [PAD] and [UNK], looked up in GloVe's "
          "400,000 words.")
k2.metric("Missing: random rows", f"{len(coverage.missing):,}",
          help="A word GloVe lacks starts from the random start's own row for it.")
k3.metric("Words only validation has", f"{len(task.unseen_words):,}",
          help="Words of validation sentences that no training sentence contains: no batch "
          "ever looks them up.")
if coverage.share < pre.LOW_COVERAGE:
    st.warning(f"GloVe knows only {coverage.share:.0%} of these words, so the two GloVe starts "
               "are mostly random rows too: expect them to behave like the random start. It "
               "still runs.")
left, right = st.columns(2)
with left:
    if coverage.missing:
        st.markdown(f"**Missing from GloVe** ({len(coverage.missing):,}; they get random rows):")
        st.dataframe(pd.DataFrame({"word": list(coverage.missing)}), hide_index=True,
                     height=180)
    else:
        st.markdown("GloVe knows **every** word of these sentences: no row starts random in "
                    "the GloVe starts (only `[UNK]`, which no sentence uses, and `[PAD]`, zero).")
with right:
    words = list(task.unseen_words)
    if task.held_out:
        st.markdown(f"**Held out of training**: {md_escape(', '.join(task.held_out))}. Their "
                    "training sentences were left out.")
    if words:
        st.markdown(f"**In validation, never in a training batch** ({len(words)}):")
        st.dataframe(pd.DataFrame({"word": words}), hide_index=True, height=150)
    else:
        st.markdown("Every validation word also appears in training: raise **Words held out** "
                    "to see what a start does with words it never trains on.")
st.caption(f"The vocabulary also holds {', '.join(pre.PROBE_WORDS)} where missing: words GloVe "
           "knows that no sentence uses, so no batch ever looks them up.")

# ---- What fine-tuning did --------------------------------------------------------------------
def pair_story(quiz: dict) -> str:
    """Which of the two rows moved, and why: only words the batches contain can move."""
    parts = []
    for word, n, d in zip(("good", "bad"), quiz["lookups"], quiz["drift"]):
        if n == 0:
            parts.append(f"**{word}** is in no training batch, so its row is GloVe's to the "
                         f"last bit (moved {d:g})")
        else:
            parts.append(f"**{word}** was looked up {n:,} times by the batches and its row "
                         f"moved {d:.3f}")
    return "; ".join(parts) + ". Only words the batches contain can move."


st.header("What fine-tuning did to the space")
if quiz is not None and not quiz["diverged"]:
    before, after = quiz["pair_before"], quiz["pair_after"]
    answer = pre.closer_or_further(before, after)
    verdict = {"closer": "closer than", "further apart": "further apart than",
               "exactly as close": "exactly as close as"}[answer]
    predict_then_reveal(
        "pre__quiz_pair",
        "In GloVe, **good** and **bad** have cosine similarity "
        f"{quiz['pair_start']:.2f}: they are used in the same contexts. At step "
        f"{quiz['ahead_step']:,} of fine-tuning, will they be closer or further apart than at "
        f"step {quiz['step']:,}?",
        list(pre.PAIR_ANSWERS), answer,
        f"At step {quiz['ahead_step']:,} their cosine is {after:.3f}, against {before:.3f} at "
        f"step {quiz['step']:,}: {verdict} before. " + pair_story(quiz),
        context=(id(run), quiz["step"], "pair"),
    )

ft = "finetuned"
moved = {name: run.moved_rows(name) for name in T}


def fine_tuning_section() -> None:
    """Which rows moved, the words that moved most, neighbours and a before/after map."""
    in_batches = run.rows_in_batches()
    r1, r2, r3, r4 = st.columns(4)
    r1.metric("In a batch", f"{len(in_batches):,} of {len(run.vocab):,}",
              help="Rows looked up by at least one training batch so far ([PAD] not counted).")
    for col, name in zip((r2, r3, r4), T):
        col.metric(f"{SHORT[name]}: moved", f"{len(moved[name]):,}",
                   help="Rows that differ from step 0 in at least one bit.")
    if run.step_count == 0:
        st.info("Nothing has moved yet: press Step or Play, then pause to see what moved.")
    kinds = {w: c for w, c in task.corpus.categories.items()}
    kind_of = {w: ("never in a batch" if run.batch_counts[run.vocab.stoi[w]] == 0
                   else kinds.get(w, "neutral")) for w in run.vocab.itos[2:]}
    left, right = st.columns([1, 1])
    with left:
        top = run.most_moved(ft, k=12)
        if top:
            show_chart(figs.drift_bars(top, kind_of, "Moved most (fine-tuned)",
                                       height=430), key="pre__drift")
        never = [w for w in run.vocab.itos[2:] if run.batch_counts[run.vocab.stoi[w]] == 0]
        same = all(run.vocab.stoi[w] not in set(moved[ft].tolist()) for w in never)
        st.caption(
            f"{len(never)} words never appeared in a batch ({md_escape(', '.join(never[:12]))}"
            f"{', …' if len(never) > 12 else ''}): "
            + ("their fine-tuned rows are GloVe's, bit for bit." if same else
               "some of their rows moved anyway: that is the optimizer's weight decay (below).")
        )
    with right:
        choices = [w for w in MAP_WORDS if w in run.vocab] or run.vocab.itos[2:]
        word = st.selectbox("Neighbours of", choices, index=choices.index("bad")
                            if "bad" in choices else 0, key="pre_word", bind=BIND, disabled=teacher.locked('pre_word'))
        was = run.neighbours(ft, word, k=5, before=True)
        now = run.neighbours(ft, word, k=5)
        st.dataframe(pd.DataFrame({
            "GloVe": [f"{w} ({s:.2f})" for w, s in was],
            "fine-tuned": [f"{w} ({s:.2f})" for w, s in now],
        }), hide_index=True)
        pairs = [(a, b) for a, b in pre.WATCHED_PAIRS if a in run.vocab and b in run.vocab]
        st.dataframe(pd.DataFrame({
            "cosine of": [f"{a} – {b}" for a, b in pairs],
            "GloVe": [round(run.cosine(ft, a, b, before=True), 3) for a, b in pairs],
            "fine-tuned": [round(run.cosine(ft, a, b), 3) for a, b in pairs],
        }), hide_index=True)

    map_words = [w for w in MAP_WORDS if w in run.vocab]
    if len(map_words) >= 3:
        rows = [run.vocab.stoi[w] for w in map_words]
        start_table = run.variants[ft].initial
        basis = fit_fixed_basis(start_table, np.array(rows), 0)
        show_chart(figs.before_after_map(
            basis.project(start_table[rows]), basis.project(run.variants[ft].matrix()[rows]),
            map_words, [kind_of[w] for w in map_words], basis.axis_titles(),
            f"GloVe (hollow) → fine-tuned at step {run.step_count:,} (filled)"),
            key="pre__map")
        st.caption("One PCA view fitted on these words' GloVe rows and kept fixed: a point moves "
                   "only because fine-tuning moved its row. Pause to redraw it.")


if run.diverged:
    st.info("The numbers blew up, so there is no fine-tuned table to look at: lower the "
            "learning rate and press Reset.")
else:
    fine_tuning_section()

# ---- Frozen means frozen -------------------------------------------------------------------------
st.header("Frozen means frozen")
fz = run.variants["frozen"]
identical = len(moved["frozen"]) == 0
held_by_optimizer = fz.optimizer_holds(fz.table)
costs = pre.training_bytes(len(run.vocab), pre.DIM, config.optimizer)
full = pre.training_bytes(400_000, pre.DIM, config.optimizer)
f1, f2, f3 = st.columns(3)
f1.metric("Frozen table vs step 0", "identical" if identical else "changed",
          help=f"All {len(run.vocab) * pre.DIM:,} numbers compared bit by bit with step 0.")
f2.metric("requires_grad", str(fz.table.requires_grad))
f3.metric("Optimizer state for it", "none" if not held_by_optimizer else "some",
          help="The frozen model's optimizer was given only the classifier's weights.")
extra = (f" and {config.optimizer.replace('adamw', 'AdamW').replace('adam', 'Adam')}'s two "
         "moments (m and v, each as big as the table)") if costs["optimizer state"] else ""
st.markdown(
    f"`nn.Embedding.from_pretrained(table, freeze=True)` sets `requires_grad=False`: backward "
    f"computes no gradient for the {len(run.vocab):,} × 50 table "
    f"({units.show_bytes(costs['gradient'])} here), and the optimizer keeps nothing for "
    f"it{extra}. For all of GloVe's 400,000 words that is "
    f"{units.show_bytes(full['gradient'], 0)} of gradient"
    + (f" and {units.show_bytes(full['optimizer state'], 0)} of optimizer state"
       if full["optimizer state"] else "")
    + " saved per step. The fine-tuned model's optimizer keeps "
    f"{units.show_bytes(run.variants[ft].state_bytes())} of state, the frozen one's "
    f"{units.show_bytes(fz.state_bytes())} (its classifier only; {units.MB_NOTE})."
)

with st.expander("Why do only the batch's rows move? SGD, Adam and weight decay"):
    st.markdown(
        "The gradient of an `nn.Embedding` is zero in every row no batch looked up (lesson 4). "
        "**SGD** moves a row by `-lr × gradient`, so those rows stay GloVe's to the last bit. "
        "**Adam** (no weight decay) keeps them too, as long as they have *never* had a "
        "gradient: their moments m and v stay exactly 0, and the step `m / (√v + ε)` is 0. It "
        "keeps moving rows seen in *earlier* batches, though, from its memory m. **AdamW** "
        f"multiplies every number by `(1 − lr × {pre.ADAMW_DECAY})` at every step (torch's "
        "decoupled weight decay, before the Adam step), so every row moves, "
        "looked up or not: pick AdamW above and watch the never-looked-up words' count of "
        "identical rows drop. The frozen table moves under none of them: it is not in the "
        "optimizer at all."
    )
    st.markdown(f"`{PAD}` is row 0 (zero, never updated); `{UNK}` is row 1 and random in all "
                "three starts.")

next_lesson_link()

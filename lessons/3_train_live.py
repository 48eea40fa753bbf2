"""Lesson 3: train a small embedding layer live, in this session, and watch the space organise."""

import hashlib

import numpy as np
import streamlit as st

from embedviz import corpora, units
from embedviz.embedding import INITS
from embedviz.figures import training as figs
from embedviz.model import MODEL_KINDS
from embedviz.projection_fixed import fit_fixed_basis, grow_half_width
from embedviz.seeding import MAX_SEED, derived_seed, numpy_rng
from embedviz.text import PAD_ID, UNK_ID
from embedviz.training import OPTIMIZERS, TrainConfig, Trainer, look_ahead, trained_to
from ui import BIND, class_mode, live, live_chart, teacher
from ui.charts import show_chart
from ui.guard import end_page, guarded
from ui.nav import next_lesson_link
from ui.quiz import predict_then_reveal
from ui.text import capped, md_escape

TICK_SECONDS = 0.5  # one live refresh when the server is not busy (embedviz/classroom.py)
TRAIL_SNAPSHOTS = 6
REPLAY_FRAMES = 60
MAX_UPLOAD_MB = 1
LIVE_HEIGHT = 420  # Play and the whole live view on one screen at 1024 x 768 and 1280 x 720
MAX_TRAIN_TO = 20_000  # "train to step": about 20 s of one thread at most
FOLLOW_FIRST = 100  # "Follow the training" refits the view at 100, 200, 400, ... steps

DIMS = [2, 3, 4, 8, 16, 32, 64, 128]
LRS = [0.0001, 0.0003, 0.001, 0.003, 0.005, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
DECAYS = [0.0, 0.0001, 0.001, 0.01, 0.1]
BATCHES = [16, 32, 64, 128, 256, 512]
SUBSAMPLES = [0.0, 0.0001, 0.001, 0.01]
SCALES = [0.01, 0.03, 0.1, 0.3, 1.0]
SPEEDS = [1, 2, 5, 10, 20, 50]
CORPUS_NAMES = {**corpora.BUILTIN, corpora.USER: "Your own text (paste or upload)"}
SETTING_NAMES = {
    "corpus": "corpus", "model": "model", "dim": "dimension", "init": "initialisation",
    "init_scale": "initial scale", "optimizer": "optimizer", "lr": "learning rate",
    "weight_decay": "weight decay", "batch_size": "batch size", "window": "window",
    "negatives": "negatives", "subsample": "subsampling", "seed": "seed",
}

state = st.session_state
model_lock = live.model_lock("train")  # one thread at a time trains this model


def _on_corpus_change() -> None:
    """The reviews are labelled sentences: the classifier is the model made for them."""
    if state.get("train_corpus") == "reviews":
        state["train_model"] = "classifier"
    elif state.get("train_model") == "classifier":
        state["train_model"] = "skipgram"


def _toggle_play() -> None:
    state["train__playing"] = not state.get("train__playing", False)
    if state["train__playing"]:
        state["train__interval"] = live.starting_pace(state.get("train_speed", 10)).interval
    else:
        live.stop_live()
        _remember_step()


def _remember_step() -> None:
    """Write the step into the URL (``train_to``): a reload or a shared link rebuilds the same
    model there (training is deterministic), unless the run changed its rate midway."""
    trainer = state.get("train_trainer")
    if trainer is not None and trainer.reproducible and trainer.step_count <= MAX_TRAIN_TO:
        state["train_to"] = trainer.step_count


def _step_once() -> None:
    live.step_once("train", "train_trainer")
    _remember_step()


def _go_to_step() -> None:
    state["train__playing"] = False
    live.stop_live()
    state["train__go_requested"] = True


def _continue_with_new_lr() -> None:
    trainer = state.get("train_trainer")
    if trainer is not None:
        with model_lock:
            trainer.set_lr(state["train_lr"])
        state["train__built_for"] = (repr(trainer.config), state["train__built_for"][1])
    state.pop("train__lr_pending", None)


def _restart_with_new_lr() -> None:
    state.pop("train__lr_pending", None)
    state["train__restart"] = True


def _reset() -> None:
    state["train_to"] = 0
    live.reset("train", "train_trainer")


if state.pop("train__clear_to", False):
    state["train_to"] = 0  # a new model starts at step 0: so does its link

# ---- Title -----------------------------------------------------------------------------------
st.title("3 · Train it live")
live.page_opened()  # the server counts this student in the class's pace before Play

# ---- Settings --------------------------------------------------------------------------------
with st.expander("Model and training settings", icon=":material/tune:"):
    c1, c2, c3, c4 = st.columns([1.4, 1.4, 1, 1])
    corpus_name = c1.selectbox(
        "Corpus", list(CORPUS_NAMES), format_func=CORPUS_NAMES.get, key="train_corpus",
        bind=BIND, on_change=_on_corpus_change,
        help="What the model reads. 'Six kinds of things' is made for word2vec; the reviews "
        "have a label per sentence, for the classifier.", disabled=teacher.locked('train_corpus')
    )
    model_kind = c2.selectbox(
        "Model", list(MODEL_KINDS), index=2 if corpus_name == "reviews" else 0,
        format_func=MODEL_KINDS.get, key="train_model", bind=BIND,
        help="Skip-gram: a word predicts its neighbours. CBOW: the neighbours predict the "
        "word. Classifier: the average of a sentence's vectors predicts its label.", disabled=teacher.locked('train_model')
    )
    dim = c3.select_slider("Dimension", DIMS, value=16, key="train_dim", bind=BIND,
                           help="Numbers per word. With 2 the picture is the table itself.", disabled=teacher.locked('train_dim'))
    optimizer = c4.selectbox("Optimizer", list(OPTIMIZERS), index=2,
                             format_func=OPTIMIZERS.get, key="train_optimizer", bind=BIND, disabled=teacher.locked('train_optimizer'))
    c1, c2, c3, c4 = st.columns(4)
    lr = c1.select_slider("Learning rate", LRS, value=0.005, key="train_lr", bind=BIND,
                          help="Adam likes 0.001 to 0.01. Plain SGD here needs 1 to 30 (the "
                          "loss is a mean over the batch, so each row's gradient is small).", disabled=teacher.locked('train_lr'))
    weight_decay = c2.select_slider(
        "Weight decay", DECAYS, value=0.0, key="train_weight_decay", bind=BIND,
        disabled=(optimizer == "sparse_adam") or teacher.locked('train_weight_decay'),
        help="Pulls every weight towards zero each step. SparseAdam cannot do it.",
    )
    batch_size = c3.select_slider("Batch size", BATCHES, value=128, key="train_batch", bind=BIND, disabled=teacher.locked('train_batch'))
    seed = c4.number_input("Seed", 0, MAX_SEED, 0, key="train_seed", bind=BIND,
                           help="Same seed and settings: the same numbers, for everyone.", disabled=teacher.locked('train_seed'))
    word2vec = model_kind != "classifier"
    c1, c2, c3, c4, c5 = st.columns(5)
    window = c1.slider("Window", 1, 5, 2, key="train_window", bind=BIND, disabled=(not word2vec) or teacher.locked('train_window'),
                       help="How many words on each side count as neighbours.")
    negatives = c2.slider("Negatives", 1, 20, 5, key="train_negatives", bind=BIND,
                          disabled=(not word2vec) or teacher.locked('train_negatives'),
                          help="Random 'not a neighbour' words per example.")
    subsample = c3.select_slider(
        "Subsampling t", SUBSAMPLES, value=0.001, key="train_subsample", bind=BIND,
        format_func=lambda t: "off" if t == 0 else f"{t:g}", disabled=(not word2vec) or teacher.locked('train_subsample'),
        help="word2vec skips very frequent words ('the', 'a') most of the time.",
    )
    init = c4.selectbox("Initialisation", list(INITS), index=2, format_func=INITS.get,
                        key="train_init", bind=BIND, disabled=teacher.locked('train_init'))
    init_scale = c5.select_slider("Initial scale", SCALES, value=0.1, key="train_init_scale",
                                  bind=BIND, disabled=(init == "default") or teacher.locked('train_init_scale'))
    c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="bottom")
    train_to = c1.number_input(
        "Train to step", 0, MAX_TRAIN_TO, 0, step=100, key="train_to", bind=BIND,
        help="Train straight to this step (a link with it opens the model there). Training "
        "is deterministic, so everyone with the same settings gets the same model.", disabled=teacher.locked('train_to'))
    c2.button("Train to this step", key="train__go", on_click=_go_to_step,
              icon=":material/fast_forward:", width="stretch")
    view_settings = c3.container()

# ---- The corpus ------------------------------------------------------------------------------
user_corpus, corpus_digest = None, corpus_name
if corpus_name == corpora.USER:
    with st.container(border=True):
        st.markdown(
            f"**Your own text.** Paste it or upload a `.txt` file (UTF-8, up to "
            f"{MAX_UPLOAD_MB} MB; only the first {corpora.MAX_USER_CHARS:,} characters are "
            f"used). It needs at least {corpora.MIN_WORDS} words and {corpora.MIN_VOCAB} "
            "different words that appear twice or more. Your text stays in your session and "
            "is not part of the page's link."
        )
        left, right = st.columns(2)
        pasted = left.text_area("Paste a text", key="train__paste", height=150)
        upload = right.file_uploader("…or upload a .txt file", type=["txt"], key="train__upload",
                                     max_upload_size=MAX_UPLOAD_MB)
        text = pasted
        if upload is not None:
            try:
                text = corpora.decode_upload(upload.getvalue())
            except corpora.CorpusProblem as problem:
                st.warning(str(problem))
                end_page()
            right.caption("Using the uploaded file:")
            right.text(upload.name[:80])
        text = capped(text, corpora.MAX_USER_CHARS, "text")
        if not text.strip():
            st.info("Paste a text or upload a file to train on it.")
            end_page()
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        if state.get("train__user_digest") != digest:
            try:
                state["train__user_corpus"] = corpora.corpus_from_text(text)
            except corpora.CorpusProblem as problem:
                state.pop("train__user_corpus", None)
                state["train__user_problem"] = str(problem)
            else:
                state.pop("train__user_problem", None)
            state["train__user_digest"] = digest
        if "train__user_problem" in state:
            st.warning(state["train__user_problem"])
            end_page()
        user_corpus, corpus_digest = state["train__user_corpus"], f"user:{digest}"

corpus = user_corpus if user_corpus is not None else corpora.load_builtin(corpus_name)
if model_kind == "classifier" and not corpus.is_labelled:
    st.info("The classifier needs a label for every sentence, and only the reviews corpus has "
            "them. Training **skip-gram** on this text instead.")
    model_kind = "skipgram"
if optimizer == "sparse_adam" and weight_decay > 0:
    st.info("SparseAdam cannot do weight decay, so weight decay is off (0) for this run.")
    weight_decay = 0.0

config = TrainConfig(
    corpus=corpus.name, model=model_kind, dim=dim, init=init, init_scale=init_scale,
    optimizer=optimizer, lr=lr, weight_decay=weight_decay, batch_size=batch_size,
    window=window, negatives=negatives, subsample=subsample, seed=int(seed),
)

# ---- The trainer lives in this session only -------------------------------------------------
trainer = state.get("train_trainer")
built_for = (repr(config), corpus_digest)  # by value: survives a reload of the module
only_lr = (trainer is not None and trainer.step_count > 0
           and config.changes_from(trainer.config) == ["lr"]
           and state.get("train__built_for", (None, None))[1] == corpus_digest)
if only_lr and not state.pop("train__restart", False):
    state["train__playing"] = False
    live.stop_live()
    with st.container(border=True):
        st.markdown(f"You changed the learning rate from **{trainer.config.lr:g}** to "
                    f"**{config.lr:g}**. Keep training the model you have (step "
                    f"{trainer.step_count:,}) with the new rate, or start a new model?")
        k1, k2 = st.columns(2)
        k1.button(f"Continue from step {trainer.step_count:,} at {config.lr:g}",
                  key="train__lr_continue", on_click=_continue_with_new_lr, type="primary",
                  icon=":material/trending_flat:", width="stretch")
        k2.button(f"New model from step 0 at {config.lr:g}", key="train__lr_restart",
                  on_click=_restart_with_new_lr, icon=":material/restart_alt:", width="stretch")
    config = trainer.config  # until the student chooses, the page shows the model they have
    built_for = state["train__built_for"]
if trainer is None or state.get("train__built_for") != built_for:
    if trainer is not None:
        changed = [SETTING_NAMES.get(k, k) for k in config.changes_from(trainer.config)]
        if state["train__built_for"][1] != corpus_digest and "corpus" not in changed:
            changed.insert(0, "text")
        st.info(
            f"You changed the {', '.join(changed) or 'settings'}: these define the model, so a "
            f"new one was built from step 0 (the old one had trained {trainer.step_count} "
            "steps). Press Play to train it."
        )
    elif state.pop("train__reset", False):
        st.success("Reset: a fresh model from step 0, with the same seed and settings.")
    if trainer is None and train_to > 0 and corpus_name in corpora.BUILTIN:
        # a link (or a reload) that names a step: the shared model trained once per server
        bar = st.progress(0.0, text=f"Training the model of this link to step {train_to:,}…")
        trainer = trained_to(config, int(train_to), lambda f: bar.progress(
            f, text=f"Training the model of this link to step {train_to:,}…"))
        bar.empty()
        st.success(f"This link opens the model at step {trainer.step_count:,}: the same "
                   "numbers for everyone with these settings (trained once on the server; "
                   "from here on it is your own model).")
    else:
        with st.spinner("Building the model…"):
            trainer = Trainer(config, corpus)
    state["train_trainer"] = trainer
    state["train__built_for"] = built_for
    state["train__playing"] = False
    state["train__clear_to"] = trainer.step_count == 0 and train_to > 0
    for key in ("train__basis", "train__quiz"):
        state.pop(key, None)

if state.pop("train__go_requested", False):
    if train_to <= trainer.step_count:
        st.info(f"The model is already at step {trainer.step_count:,}, past {train_to:,}: press "
                "Reset to start again from step 0.")
    else:
        bar = st.progress(0.0, text=f"Training to step {train_to:,}…")
        while trainer.step_count < train_to and not trainer.diverged:
            with model_lock:
                trainer.step(min(100, train_to - trainer.step_count))
            bar.progress(trainer.step_count / train_to,
                         text=f"Training to step {train_to:,}… ({trainer.step_count:,})")
        bar.empty()
        for key in ("train__quiz",):
            state.pop(key, None)

vocab = trainer.vocab
drawn_rows = np.arange(2, len(vocab))  # every word but [PAD] and [UNK]
drawn_words = [vocab.itos[i] for i in drawn_rows]
categories = trainer.categories
n_kinds = len(set(categories.values()))
is_labelled = np.array([w in categories for w in drawn_words], dtype=bool)
view_categories = categories or {  # a text without categories: its most frequent words
    w: "frequent words" for w in drawn_words[:40]  # the vocabulary is by frequency
}
if "train__basis" not in state:
    snap = trainer.snapshots
    state["train__basis"] = fit_fixed_basis(snap.matrices[-1], drawn_rows, snap.steps[-1])
    state["train__half_width"] = None

# ---- View settings ---------------------------------------------------------------------------
label_words = sorted(categories, key=lambda w: (categories[w], w))
word_options = label_words + sorted(w for w in drawn_words if w not in categories)
default_word = next((w for w in ("cat", "great", "the") if w in vocab), word_options[0])
playing = state.get("train__playing", False) and not trainer.diverged
b1, b2, b3, v1, v2 = st.columns([1.3, 0.85, 1, 1.6, 1.6], vertical_alignment="bottom")
b1.button("❚❚ Pause" if playing else "▶ Play", on_click=_toggle_play, type="primary",
          key="train__play", width="stretch", disabled=trainer.diverged)
b2.button("Step", on_click=_step_once, key="train__step", width="stretch",
          disabled=trainer.diverged, help="Train one batch.")
b3.button("↺ Reset", on_click=_reset, key="train__reset_button", width="stretch")
focus = v1.selectbox(
    "Nearest words to", word_options, index=word_options.index(default_word),
    key="train_word", bind=BIND, help="Its nearest words by cosine similarity, updated live.", disabled=teacher.locked('train_word')
)
speed = v2.select_slider("Speed: steps per refresh", SPEEDS, value=10, key="train_speed",
                         bind=BIND, help=f"The view refreshes every {TICK_SECONDS:g} s, less often when many "
                         "students train on the server at once (it then trains more steps per "
                         "refresh).", disabled=teacher.locked('train_speed'))
with view_settings:
    t1, t2, t3 = st.columns(3)
    trails = t1.toggle("Trails", value=True, key="train_trails", bind=BIND,
                       help=f"Lines through the last {TRAIL_SNAPSHOTS} saved positions of each "
                       "word.", disabled=teacher.locked('train_trails'))
    labels = t2.toggle("Words on the points", value=True, key="train_labels", bind=BIND,
                       help="A few words of each kind, the chosen word and its neighbours are "
                       "written on the points; hover any point to see its word.", disabled=teacher.locked('train_labels'))
    follow = t3.toggle("Follow the training", value=False, key="train_follow", bind=BIND,
                       help="Refit the map's view as the groups form (at steps "
                       f"{FOLLOW_FIRST}, {2 * FOLLOW_FIRST}, {4 * FOLLOW_FIRST}, …). Off, "
                       "the view stays fixed: a point moves only because training moved it.",
                       disabled=teacher.locked('train_follow'))



def refit_due(basis, step: int) -> bool:
    """Following the training, the view is refitted at FOLLOW_FIRST steps and then each time
    the step has doubled since the last fit: often while the groups form, rarely after."""
    return not basis.raw and step >= 2 * max(basis.fitted_at, FOLLOW_FIRST // 2)


def chance_level() -> float | None:
    return 1.0 / n_kinds if n_kinds >= 2 else None


def every_nth_point(n: int) -> str:
    names = {2: "second", 3: "third", 5: "fifth"}
    return "every point" if n == 1 else f"every {names.get(n, f'{n}th')} point"


def accuracy_label() -> str:
    classifier = corpus.is_labelled and config.model == "classifier"
    return "separation" if classifier else "neighbour accuracy"


@guarded
@live.in_turn("train")
def live_view() -> None:
    """Redrawn every tick while playing: train, then draw what changed.

    The server sets the pace (``ui.live``): with many students playing, the picture refreshes
    less often and each refresh trains more steps; the loop of ``live.show_live`` takes a new
    interval at its next refresh. While playing the map is not selectable (``show_chart``):
    a point clicked once paused studies that word."""
    trainer = state["train_trainer"]
    if state.pop("train__clicked", False):
        st.rerun()  # a point was clicked: the whole page, so "Nearest words to" takes it
    tick = live.train_tick("train", trainer, speed)
    live.step_in_url("train_to", trainer.step_count if trainer.reproducible
                     and trainer.step_count <= MAX_TRAIN_TO else None)  # a reload keeps the run
    hist = trainer.history
    acc = trainer.accuracy() if not trainer.diverged else float("nan")
    cfg = trainer.config
    class_mode.report_progress(  # issue #29: the class race (nothing unless a race is on)
        "train", trainer.step_count, acc,
        {"lr": cfg.lr, "batch": cfg.batch_size, "dim": cfg.dim, "optimizer": cfg.optimizer})
    latest = ("–" if np.isnan(hist.loss[-1]) else f"{hist.loss[-1]:.3f}",  # in the chart
              "–" if np.isnan(acc) else f"{acc:.0%}")

    matrix = trainer.last_finite_matrix()  # (vocab, dim)
    basis = state["train__basis"]
    if follow and refit_due(basis, trainer.step_count):  # the view turns to the new groups
        basis = state["train__basis"] = fit_fixed_basis(matrix, drawn_rows, trainer.step_count)
        state["train__half_width"] = None
    points = basis.project(matrix[drawn_rows])  # (words, 2)
    state["train__half_width"] = half = grow_half_width(
        state.get("train__half_width"), points, points[is_labelled])
    trail = None
    if trails:
        recent = trainer.snapshots.matrices[-TRAIL_SNAPSHOTS:] + [matrix]
        trail = np.stack([basis.project(m[drawn_rows]) for m in recent])  # (t, words, 2)
    near = trainer.nearest(focus, k=3)  # the three joined to it on the map; 14 px bars

    space = figs.space_parts(
        points, drawn_words, view_categories, half_width=half, axis_titles=basis.axis_titles(),
        trails=trail, focus=focus, neighbours=[w for w, _ in near], show_labels=labels,
    )
    curves = figs.curves_parts(
        hist.steps, hist.loss, hist.accuracy, chance=chance_level(),
        accuracy_label=accuracy_label(), neighbours=near, categories=view_categories, word=focus,
        latest=latest,
    )
    show_chart(figs.live_figure(*figs.live_view_parts(space, curves, f"{trainer.step_count:,}"),
                                title=f"The embedding space at step {trainer.step_count:,}",
                                height=LIVE_HEIGHT),
               key="train__space", on_select=_clicked_word, selection_mode="points")
    live.end_tick(tick)


def _clicked_word() -> None:
    """A point on the map was clicked: study that word (its neighbours, the question)."""
    word = live_chart.clicked_word("train__space")
    if word in word_options and not teacher.locked("train_word"):
        state["train_word"] = word
        state["train__clicked"] = True


def _refit() -> None:
    t = state["train_trainer"]
    state["train__basis"] = fit_fixed_basis(t.last_finite_matrix(), drawn_rows, t.step_count)
    state["train__half_width"] = None


if trainer.diverged:
    st.error(trainer.message)
live.show_live("train", live_view, one_element=True)  # its one chart, replaced in place
basis_now = state["train__basis"]
if basis_now.raw:
    st.caption("The dimension is 2, so the map shows the table's raw coordinates: no "
               "projection, nothing hidden.")
else:
    c1, c2 = st.columns([3, 1], vertical_alignment="center")  # the button's words whole at 1024 px
    c1.caption(
        f"The map is a PCA view fitted on the table at step {basis_now.fitted_at}, and "
        + ("refitted as training goes on (Follow the training): the whole view turns at each "
           "refit, so between two refits a point moves only because training moved its vector."
           if follow else
           "kept fixed: a point moves only because training moved its vector. The axes grow "
           "when the cloud spreads. Refit once the groups form to turn the view to them, or "
           "turn on Follow the training."))
    c2.button("Refit the view", key="train__refit", on_click=_refit,
              icon=":material/center_focus_strong:", width="stretch")
if chance_level() is None:
    st.caption("Your text has no word categories, so there is no accuracy to measure: watch "
               "the loss and the nearest words instead.")
else:
    st.caption(f"{accuracy_label().capitalize()}: the share of category words whose nearest "
               f"category word (by cosine) is of the same kind; chance is about "
               f"{chance_level():.0%}. The curve measures it at {every_nth_point(trainer.accuracy_every)}, "
               "the number above it at every refresh.")
st.caption(
    f"{MODEL_KINDS[config.model]} on “{md_escape(corpus.title)}”: {len(vocab):,} words "
    f"(with [PAD] and [UNK]) × {config.dim} dimensions, {OPTIMIZERS[config.optimizer]} at "
    f"learning rate {trainer.config.lr:g}, seed {config.seed}."
    + (" Learning rate changes: " + ", ".join(f"{a:g} → {b:g} at step {s:,}"
                                             for s, a, b in trainer.lr_changes)
       + " (a link rebuilds only runs without such changes)." if trainer.lr_changes else "")
)

# ---- Predict, then reveal -------------------------------------------------------------------
st.header("Where will the words go?")


def make_question() -> dict:
    """Train a copy of the model ahead, to know the answer; the real run is not touched.

    The options: the answer, today's nearest word, and words of the chosen word's own kind
    and of other kinds (so the category alone does not give the answer away)."""
    ahead = look_ahead(trainer, focus)  # until the word sits by its own kind (shared at step 0)
    now = trainer.nearest(focus, k=4)
    future = ahead.nearest(focus, k=1)[0] if not ahead.diverged else None
    picked = {now[0][0]} | ({future[0]} if future else set())
    rng = numpy_rng(derived_seed(config.seed, trainer.step_count))
    kind = categories.get(focus)
    same = sorted(w for w in categories if categories[w] == kind and w != focus)
    other = sorted(w for w in categories if categories[w] != kind)
    pool = [w for w, _ in trainer.nearest(focus, k=8)] if not categories else []
    for group, n in ((same, 2), (other, 1), (pool, 3)):
        group = [w for w in group if w not in picked]
        if group:
            picked |= set(rng.choice(group, min(n, len(group)), replace=False).tolist())
    options = sorted(picked)
    return dict(step=trainer.step_count, word=focus, now=now, future=future, options=options,
                ahead_step=ahead.step_count, ahead_diverged=ahead.diverged)


if trainer.diverged:
    st.info("The question waits for a model that trains: press Reset.")
else:
    quiz = state.get("train__quiz")
    again = st.button("Ask about the model as it is now", key="train__new_question",
                      help="A new question from the current step.")
    if quiz is None or quiz["word"] != focus or again:
        with st.spinner("Training a copy ahead…"):
            state["train__quiz"] = quiz = make_question()
    if quiz["future"] is None:
        st.info(f"Within {quiz['ahead_step'] - quiz['step']:,} steps this model blows up, so there is no answer to "
                "predict: lower the learning rate.")
    else:
        nearest_now, sim_now = quiz["now"][0]
        answer, sim_future = quiz["future"]
        stayed = "the same word as" if answer == nearest_now else "a different word from"
        predict_then_reveal(
            "train__quiz_question",
            f"At step {quiz['step']:,} the nearest word to **{md_escape(focus)}** is "
            f"**{md_escape(nearest_now)}**. After {quiz['ahead_step'] - quiz['step']:,} more steps (step "
            f"{quiz['ahead_step']:,}), which word will be nearest?",
            quiz["options"],
            answer,
            f"A copy of your model trained {quiz['ahead_step'] - quiz['step']:,} steps ahead: at step "
            f"{quiz['ahead_step']:,} the nearest word to **{md_escape(focus)}** is "
            f"**{md_escape(answer)}** (cosine {sim_future:.2f}), {stayed} at step "
            f"{quiz['step']:,} (**{md_escape(nearest_now)}**, cosine {sim_now:.2f}). Training is "
            "deterministic: your own model reaches exactly this at that step if you keep the "
            "settings, so press Play and check. Words that share contexts get pushed the same "
            "way by the gradient, so they end up near each other.",
            context=(id(trainer), quiz["step"], focus),
        )

# ---- Replay ----------------------------------------------------------------------------------
st.header("Replay the training")
if st.toggle("Show the replay of saved snapshots", value=False, key="train_replay", bind=BIND, disabled=teacher.locked('train_replay')):
    snaps = trainer.snapshots
    pick = np.unique(np.linspace(0, len(snaps) - 1, min(REPLAY_FRAMES, len(snaps))).astype(int))
    basis = state["train__basis"]
    frames = [basis.project(snaps.matrices[i][drawn_rows]) for i in pick]
    half = grow_half_width(state.get("train__half_width"), np.concatenate(frames),
                           np.concatenate([f[is_labelled] for f in frames]))
    if len(pick) < 2:
        st.info("Nothing to replay yet: train a few dozen steps first.")
    else:
        left, right = st.columns([3, 2])
        show_chart(
            figs.replay_figure(
                [snaps.steps[i] for i in pick], frames, drawn_words, view_categories,
                half_width=half, axis_titles=basis.axis_titles(), show_labels=labels,
                title="Replay",
            ),
            key="train__replay_chart", where=left,
        )
        right.markdown(
            f"{len(pick)} of the {len(snaps)} saved snapshots, drawn in the same fixed view as "
            "the live chart. Press **▶ Replay** under the chart, or drag the slider to a step. "
            "The replay runs in your browser. It holds the snapshots saved when the page last "
            "ran fully: after training, pause, and it includes the new ones."
        )
        right.caption(
            f"A snapshot is saved every {snaps.every} steps. To keep memory bounded, when "
            f"{snaps.capacity} are saved every other one is dropped and the interval doubles, "
            "so the replay always covers the whole run."
        )

with st.expander("What is happening in one step?"):
    st.markdown(
        f"""
1. **Sample a batch** of {config.batch_size} examples with this session's own seeded random
   generator. Skip-gram: (word, real neighbour) pairs plus {config.negatives} random
   *negative* words each; CBOW: the neighbours and the middle word; classifier: sentences
   and their labels.
2. **Look up** the rows of the batch's words in the embedding table (`nn.Embedding`).
3. **Loss**: skip-gram and CBOW want a high dot product with the real neighbour and a low one
   with the random words (`-log σ(u·v) - Σ log σ(-u·n)`); the classifier uses cross-entropy.
4. **Backward**: only the looked-up rows get a gradient (lesson 4). Row {PAD_ID} (`[PAD]`) never
   does; row {UNK_ID} (`[UNK]`) only if the text has unknown words.
5. **Optimizer step** ({OPTIMIZERS[config.optimizer]}, learning rate {config.lr:g}).

The neighbour accuracy is the share of category words whose nearest other category word (by
cosine) is of the same kind: about {f"{chance_level():.0%}" if chance_level() else "—"} by
chance, 100% when the kinds are perfectly grouped. This session keeps about
{units.show_bytes(trainer.memory_bytes())} ({units.MB_NOTE}) for your model, optimizer and snapshots{"" if trainer.sampler_shared else ", and its batch tables"}{" (a built-in text's batch tables are built once and shared by every student)" if trainer.sampler_shared else ""}.
"""
    )

next_lesson_link()

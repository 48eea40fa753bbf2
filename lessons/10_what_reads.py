"""Lesson 10: what reads the vectors. An RNN step by step, and static vs contextual vectors."""

import time

import numpy as np
import pandas as pd
import streamlit as st

from embedviz import examples, units
from embedviz import readers as rd
from embedviz.figures import readers as figs
from embedviz.figures.training import live_figure
from embedviz.model import LESSON3_CLASSIFIER
from embedviz.projection import pca_basis
from embedviz.seeding import MAX_SEED
from embedviz.text import UNK_ID
from embedviz.training import OPTIMIZERS
from ui import BIND, live, teacher
from ui.charts import show_chart
from ui.guard import guarded
from ui.nav import next_lesson_link
from ui.quiz import predict_then_reveal
from ui.tables import show_wide
from ui.text import capped, md_escape

PARTS = ["Part 1 · An RNN reads the vectors", "Part 2 · Static vs contextual vectors"]
DIMS = [2, 3, 4, 5, 8, 16]
HIDDENS = [2, 4, 8, 16, 32]
LRS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 10.0]
SPEEDS = [1, 2, 5, 10, 20, 50]
DEFAULT_SPEED = 5  # an RNN step costs about two of lesson 3's: 5 steps ~ its 10-step tick
OWN_SENTENCE = "✎ your own sentence"
EXAMPLES = [examples.DEFAULT_SENTENCE, "the movie was not horrible", "the plot was not great",
            "honestly the music felt boring", OWN_SENTENCE]
OWN = "own"
SETS = {**{k: f"“{k}”: {len(v)} sentences" for k, v in rd.SENSE_SETS.items()},
        OWN: "Your own sentences"}
SETTING_NAMES = {"cell": "cell", "dim": "dimension", "hidden": "hidden size",
                 "optimizer": "optimizer", "lr": "learning rate", "seed": "seed"}

state = st.session_state

st.title("10 · What reads the vectors")
teacher.explain(
    "An embedding layer sits in front of an RNN, an MLP or a transformer because it maps "
    "integers to their representations. What reads those rows next? Two real readers: an "
    "**RNN**, and a pretrained **transformer** whose vectors change with the sentence."
)
part = st.radio("Part", PARTS, key="read_part", bind=BIND, horizontal=True,
                label_visibility="collapsed", disabled=teacher.locked('read_part'))


# ================================================================ part 1: the RNN


def _toggle_play() -> None:
    state["read__playing"] = not state.get("read__playing", False)
    if state["read__playing"]:
        speed = state.get("read_speed", DEFAULT_SPEED)
        state["read__interval"] = live.starting_pace(speed).interval
    else:
        live.stop_live()


def _step_once() -> None:
    live.step_once("read", "read_trainer")


def _reset() -> None:
    live.reset("read", "read_trainer")


def rnn_settings() -> rd.ReaderConfig:
    with st.expander("The classifier: embedding → RNN → linear head", expanded=False):
        c1, c2, c3, c4, c5, c6 = st.columns(6)
        cell = c1.selectbox("Reader", list(rd.CELLS), format_func=rd.CELLS.get,
                            key="read_cell", bind=BIND,
                            help="nn.RNN: one tanh per step. nn.GRU: gates decide how much of "
                            "the old state to keep.", disabled=teacher.locked('read_cell'))
        dim = c2.select_slider("Dimension", DIMS, value=5, key="read_dim", bind=BIND,
                               help="Numbers per word: 5, as in the worked example (8, 5).", disabled=teacher.locked('read_dim'))
        hidden = c3.select_slider("Hidden size", HIDDENS, value=8, key="read_hidden",
                                  bind=BIND, help="Numbers in the RNN's state h.", disabled=teacher.locked('read_hidden'))
        optimizer = c4.selectbox("Optimizer", ["adam", "sgd"], format_func=OPTIMIZERS.get,
                                 key="read_optimizer", bind=BIND, disabled=teacher.locked('read_optimizer'))
        lr = c5.select_slider("Learning rate", LRS, value=0.03, key="read_lr", bind=BIND, disabled=teacher.locked('read_lr'))
        seed = c6.number_input("Seed", 0, MAX_SEED, 0, key="read_seed", bind=BIND, disabled=teacher.locked('read_seed'))
    return rd.ReaderConfig(cell=cell, dim=dim, hidden=hidden, optimizer=optimizer, lr=lr,
                           seed=int(seed))


def session_trainer(config: rd.ReaderConfig) -> rd.ReaderTrainer:
    """This student's live classifier, rebuilt from step 0 when a setting changes."""
    def rebuilt(old: rd.ReaderTrainer) -> str:
        was = vars(old.reader_config)
        changed = [SETTING_NAMES.get(k, k) for k, v in vars(config).items() if was[k] != v]
        return (f"You changed the {', '.join(changed) or 'settings'}: a new classifier was "
                f"built from step 0 (the old one had trained {old.step_count:,} steps).")

    return live.session_model(
        "read", "read_trainer", config, lambda: rd.ReaderTrainer(config), rebuilt=rebuilt,
        fresh="Reset: a fresh classifier from step 0, with the same seed and settings.",
        building="Building the classifier…",
    )


@guarded
@live.in_turn("read")
def live_view() -> None:
    """Redrawn every tick while playing: train, then the curves and the order test."""
    trainer = state["read_trainer"]
    tick = live.train_tick("read", trainer, state.get("read_speed", DEFAULT_SPEED))
    if trainer.diverged:
        st.error(trainer.message)
    bag = rd.bag_reference()
    hist = trainer.history
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Step", f"{trainer.step_count:,}")
    m2.metric("Loss (recent)", "–" if np.isnan(hist.loss[-1]) else f"{hist.loss[-1]:.4f}")
    acc = hist.accuracy[-1]
    m3.metric("Val. accuracy", "–" if np.isnan(acc) else f"{acc:.1%}",
              help=f"Share of the {len(trainer.val_labels)} validation reviews (never trained "
              "on) that the RNN classifies right.")
    m4.metric("Bag (lesson 3)", f"{bag.validation_accuracy:.1%}",
              help=f"The bag-of-embeddings classifier (lesson 3's, on the reviews) trained "
              f"{bag.steps} steps on the same split, once "
              "per server.")
    rnn_probes = trainer.probabilities([p.split() for p in rd.PROBES]) if not trainer.diverged \
        else np.full(len(rd.PROBES), np.nan)
    left, right = st.columns([1, 1])
    with left:
        show_chart(live_figure(*figs.curves_parts(hist.steps, hist.loss, hist.accuracy,
                                                  bag.validation_accuracy), height=400),
                   key="read__curves")
    with right:
        names = [p.removeprefix("the movie ") for p in rd.PROBES]
        show_chart(live_figure(*figs.probes_parts(names, rnn_probes, bag.probes),
                               title="P(positive)", height=400), key="read__probes")
        st.caption("Four reviews “the movie was …”: the RNN now, and lesson 3's bag of "
                   "embeddings (which cannot get all four right).")
    live.end_tick(tick)


def play_controls(trainer: rd.ReaderTrainer) -> None:
    playing = state.get("read__playing", False) and not trainer.diverged
    b1, b2, b3, b4, b5 = st.columns([1, 1, 1, 1.5, 2.2])
    b1.button("❚❚ Pause" if playing else "▶ Play", on_click=_toggle_play, type="primary",
              key="read__play", width="stretch", disabled=trainer.diverged)
    b2.button("Step", help="Train one batch.", on_click=_step_once, key="read__step",
              width="stretch", disabled=trainer.diverged)
    b3.button("Reset", help="A fresh model from step 0.", on_click=_reset,
              key="read__reset_button", width="stretch")
    b4.select_slider("Steps per refresh", SPEEDS, value=DEFAULT_SPEED, key="read_speed",
                     bind=BIND,
                     label_visibility="collapsed",
                     help="Steps per refresh (fewer refreshes when the server is busy).", disabled=teacher.locked('read_speed'))
    b5.caption(f"{rd.CELLS[trainer.reader_config.cell]} on {len(trainer.corpus.sentences):,} "
               f"training reviews; {len(trainer.vocab)} words × {trainer.config.dim} numbers.")
    live.show_live("read", live_view)


def token_table(enc: rd.ReviewSentence) -> pd.DataFrame:
    status = ["padding" if i >= enc.n_real else ("unknown → [UNK]" if k == UNK_ID else "word")
              for i, k in enumerate(enc.ids)]
    return pd.DataFrame({"token": enc.tokens, "ID": [str(i) for i in enc.ids],
                         "status": status}, index=[f"pos {i}" for i in range(len(enc.ids))]).T


def sentence_notes(enc: rd.ReviewSentence, n_words: int) -> None:
    if enc.n_real == 0:
        st.info("No words to read (empty, spaces or symbols only): every position is [PAD], "
                "so the RNN's state stays at zero. Type a sentence above.")
    if enc.unknown:
        shown = ", ".join(f"“{md_escape(w)}”" for w in enc.unknown[:8])
        st.markdown(f"Not among the reviews' {n_words} words, so they read the `[UNK]` row: "
                    f"{shown}. The reviews never use them, so that row was never trained.")
    if enc.dropped:
        shown = " ".join(f"“{md_escape(t)}”" for t in enc.dropped[:12])
        st.caption(f"Dropped, as in the training reviews (punctuation and symbols): {shown}")
    if enc.n_cut:
        st.warning(f"The sentence has {enc.n_real + enc.n_cut} words; the padded length is "
                   f"{len(enc.ids)}, so the last {enc.n_cut} were cut off.")


def step_rows(walk: rd.Walk, t: int) -> dict[str, np.ndarray]:
    if walk.cell == "rnn":
        return {"x_t (input row)": walk.x[t], "h_{t-1} (previous)": walk.h_prev[t],
                "W_ih·x_t + b_ih": walk.from_input[t], "W_hh·h_{t-1} + b_hh": walk.from_state[t],
                "h_t = tanh(sum)": walk.h[t]}
    return {"x_t (input row)": walk.x[t], "h_{t-1} (previous)": walk.h_prev[t],
            "candidate n_t": walk.from_input[t], "update gate z_t": walk.from_state[t],
            "h_t = (1-z)·n + z·h": walk.h[t]}


def walk_section(trainer: rd.ReaderTrainer) -> None:
    st.subheader("Follow one sentence through the RNN")
    c1, c2 = st.columns([3, 1])
    sentence = c1.selectbox("Sentence", EXAMPLES, key="read_example", bind=BIND,
                            help="The worked example, reviews with “not”, or your own.", disabled=teacher.locked('read_example'))
    length = c2.slider("Padded length", 2, 16, rd.WALK_LENGTH, key="read_length", bind=BIND, disabled=teacher.locked('read_length'))
    if sentence == OWN_SENTENCE:
        sentence = st.text_input("Your sentence", value="the acting was not bad",
                                 key="read_sentence", bind=BIND, max_chars=300,
                                 help="Words the reviews never use read the [UNK] row.", disabled=teacher.locked('read_sentence'))
    sentence = capped(sentence, 300, "sentence")
    enc = rd.encode_review(trainer.vocab, sentence, length)
    show_wide(token_table(enc))
    sentence_notes(enc, len(trainer.vocab) - 2)
    walk = rd.walk_through(trainer.model, enc.ids)
    unmasked, packed = rd.module_states(trainer.model, enc.ids)
    n = enc.n_real

    if state.get("read_step", 1) > length:
        state["read_step"] = length
    t = st.slider("Step t (the token being read)", 1, length, min(max(n, 1), length),
                  key="read_step", bind=BIND, disabled=teacher.locked('read_step')) - 1
    st.markdown(
        f"Left, **the embedding layer's output**, shape ({length}, {trainer.config.dim}): the "
        "rows the RNN reads, top to bottom. Right, **the hidden state after each token**, "
        f"shape ({length}, {trainer.reader_config.hidden}). Step {t} is framed.")
    show_chart(figs.walk_figure(walk.x, walk.h, enc.tokens, enc.ids, walk.is_pad, t),
               key="read__walk")
    if trainer.config.dim + trainer.reader_config.hidden > 10:
        st.caption("Hover a cell for its number; the chart below writes out the framed step.")
    what = "[PAD]: masked, the state is carried over unchanged" if walk.is_pad[t] else \
        f"“{md_escape(enc.tokens[t])}”"
    st.markdown(f"**Step {t}** reads {what}. The numbers come from the live model at step "
                f"{trainer.step_count:,} (pause, step or train, and they change).")
    show_chart(figs.step_figure(step_rows(walk, t)), key="read__step_chart")
    real = slice(0, n)
    diff_real = float(np.abs(walk.h[real] - unmasked[real]).max()) if n else 0.0
    diff_last = float(np.abs(walk.h[-1] - packed).max())
    drift = float(np.abs(unmasked[-1] - walk.h[-1]).max())
    st.caption(
        f"Checked against the module: the states above match what `nn.{walk.cell.upper()}` "
        f"returns for the whole sequence to {diff_real:.1e}, and the last one matches its packed "
        f"final state to {diff_last:.1e}. Reading the padding too (no mask, no packing) would "
        + (f"move the final state by up to {drift:.3f}: that is why padding is masked."
           if n < length else "change nothing here: this sentence has no padding.")
    )
    with st.expander("The same in PyTorch"):
        st.code(
            f"emb = nn.Embedding({len(trainer.vocab)}, {trainer.config.dim}, padding_idx=0)\n"
            f"rnn = nn.{walk.cell.upper()}({trainer.config.dim}, {trainer.reader_config.hidden}, "
            "batch_first=True)\n"
            f"x = emb(ids)                    # ({length}, {trainer.config.dim})\n"
            f"packed = pack_padded_sequence(x[None], lengths=[{max(n, 1)}], batch_first=True)\n"
            "_, h_n = rnn(packed)            # the state after the last real token\n"
            "logits = head(h_n[0])           # negative / positive", language="python")
    flip_quiz(trainer, enc, walk)


def flip_quiz(trainer: rd.ReaderTrainer, enc: rd.ReviewSentence, walk: rd.Walk) -> None:
    if enc.n_real < 2:
        st.info("The prediction question needs a sentence of two words or more.")
        return
    flip = rd.flip_after(walk)
    options = list(range(enc.n_real)) + [-1]

    def label(i: int) -> str:
        return "it never flips" if i == -1 else f"after “{enc.tokens[i]}” (pos {i})"

    final = "positive" if walk.p_positive[enc.n_real - 1] >= 0.5 else "negative"
    if flip is None:
        answer_text = (f"The prediction is **{final}** from the first word on: it never flips "
                       "in this sentence.")
    else:
        answer_text = (f"After “{md_escape(enc.tokens[flip])}” (position {flip}) the "
                       f"prediction turns **{final}** and stays so to the end.")
    revealed = predict_then_reveal(
        "read_quiz_flip",
        "The head can read the state after every token, as if the sentence ended there. "
        "After which token does the RNN's prediction flip to its final answer?",
        options, -1 if flip is None else flip,
        answer_text + " A bag of embeddings averages the rows, so it has no 'after this "
        "token': the RNN's state carries what it has read so far, in order.",
        context=(tuple(enc.ids), id(trainer), trainer.step_count), format_func=label,
    )
    if revealed:
        show_chart(figs.prediction_figure(walk.p_positive, enc.tokens, enc.n_real, flip),
                   key="read__prediction")


def part_rnn() -> None:
    st.markdown(
        f"A review classifier that averages a review's vectors ({LESSON3_CLASSIFIER}) loses "
        "word order. Here the "
        "embedding feeds an `nn.RNN` that reads the rows in order, keeping a **hidden state** "
        "`h_t = tanh(W_ih·x_t + b_ih + W_hh·h_{t-1} + b_hh)`; a linear head reads the last "
        "state. Press **Play** to train it on the reviews."
    )
    config = rnn_settings()
    trainer = session_trainer(config)
    play_controls(trainer)
    walk_section(trainer)


# ================================================================ part 2: static vs contextual


@st.cache_data(max_entries=64, show_spinner=False)
def own_occurrences(sentences: tuple[str, ...], word: str) -> rd.Occurrences:
    """A student's sentences: computed on request (a few capped sentences, well under 1 s)."""
    return rd.contextual_occurrences(rd_model(), list(sentences), word)


def rd_model():
    from embedviz.minilm import load_minilm

    return load_minilm()


def context_inputs() -> tuple[str, list[str], list[str], str]:
    """The chosen set: ``(name, sentences, senses, word)``."""
    c1, c2 = st.columns([1, 1])
    name = c1.selectbox("Sentences", list(SETS), format_func=SETS.get, key="read_set", bind=BIND, disabled=teacher.locked('read_set'))
    if name != OWN:
        pairs = rd.SENSE_SETS[name]
        return name, [s for s, _ in pairs], [m for _, m in pairs], name
    word = c2.text_input("The word to follow", value="bank", key="read_word", bind=BIND,
                         max_chars=40, disabled=teacher.locked('read_word'))
    default = "\n".join(s for s, _ in rd.SENSE_SETS["bank"][:3]) + "\nI need money from the bank."
    text = st.text_area(f"Your sentences, one per line (up to {rd.MAX_SENTENCES})",
                        value=default, key="read_sentences", bind=BIND, height=130, disabled=teacher.locked('read_sentences'))
    text = capped(text, rd.MAX_SENTENCES * rd.MAX_SENTENCE_CHARS, "text")
    sentences, notes = rd.check_sentences(text.splitlines())
    for note in notes:
        st.warning(note)
    return name, sentences, [""] * len(sentences), word


def tokens_table(occ: rd.Occurrences, sentences: list[str]) -> pd.DataFrame:
    found = {s: occ.sentence_of.count(s) for s in set(occ.sentence_of)}
    return pd.DataFrame({
        "sentence": [f"S{i + 1}" for i in range(len(sentences))],
        "what the model reads (WordPiece tokens)": [" ".join(t) for t in occ.tokens],
        f"“{occ.word}” found": [found.get(i, 0) for i in range(len(sentences))],
    })


def groups_text(minilm, name: str) -> str:
    """What the built-in set's output vectors show about its two meanings, measured."""
    pairs = rd.SENSE_SETS[name]
    occ = rd.default_occurrences(minilm, name)
    g = rd.sense_groups(occ, [m for _, m in pairs])
    a, b = (f"S{occ.sentence_of[i] + 1}" for i in g.least)
    said = (f"{g.same_nearest} of {g.n} occurrences have one of their own meaning as nearest "
            f"neighbour; the mean cosine is {g.same_mean:.3f} within a meaning and "
            f"{g.other_mean:.3f} across")
    if g.grouped:
        return said + ": here the two meanings form groups"
    least = (f"the least similar pair ({a} and {b}, {g.least_cosine:.3f}) "
             + ("shares a meaning" if g.least_same else "has different meanings"))
    return said + f": here the meanings do not form clear groups, and {least}"


def sense_quiz_block(name: str, minilm) -> None:
    q = rd.sense_quiz(minilm, name)
    same = f"“{name}” in “{q.other_sense}” (the other meaning)"
    related = f"“{q.related}” in “{q.related_in}”"
    answer = same if q.to_same_word > q.to_related else related
    predict_then_reveal(
        "read_quiz_sense",
        f"Take the model's output vector of “{name}” in “{md_escape(q.query)}”. Is it "
        f"closer (by cosine) to {md_escape(same)}, or to {md_escape(related)}, a word of its "
        "own meaning?",
        [same, related], answer,
        f"Cosine to the same word in its other meaning: **{q.to_same_word:.3f}**; to "
        f"“{md_escape(q.related)}”: **{q.to_related:.3f}**. Context moves the vector, but "
        "in this small model the word itself still weighs most: the occurrences of one word "
        f"stay together. *Within* them, {groups_text(minilm, name)} (the matrix below).",
        context=name,
    )


def own_quiz_block(occ: rd.Occurrences, labels: list[str], sentences: list[str]) -> None:
    if len(occ.layers) < 3:
        st.info("With three occurrences or more, a question asks which one is nearest to the "
                "first.")
        return
    sim = rd.occurrence_similarity(occ)[0, 1:]
    options = labels[1:]
    answer = options[int(np.argmax(sim))]
    predict_then_reveal(
        "read_quiz_own",
        f"Which occurrence of “{md_escape(occ.word)}” will the model's output put nearest to "
        f"the one in {labels[0]}?",
        options, answer,
        "Cosine to the first occurrence: " + ", ".join(
            f"{lab} **{s:.3f}**" for lab, s in zip(options, sim)) + ".",
        context=(tuple(sentences), occ.word),
    )


def part_context() -> None:
    st.subheader("One row per word is not the whole story")
    st.markdown(
        "A common myth: *an embedding gives each word one fixed meaning vector.* The token "
        "table does: one static row per token, the same in every sentence. But a transformer "
        "mixes each token with its neighbours, layer after layer, so the vector it **outputs** "
        "for “bank” depends on the sentence. Here the real **all-MiniLM-L6-v2** (6 layers, "
        "384 numbers per token), from its package, read-only."
    )
    name, sentences, senses, word = context_inputs()
    if not sentences:
        st.info("Type at least one sentence (one per line).")
        return
    with st.spinner("Loading all-MiniLM-L6-v2 (once per server, a few seconds)…"):
        minilm = rd_model()
    start = time.perf_counter()
    try:
        occ = rd.default_occurrences(minilm, name) if name != OWN else \
            own_occurrences(tuple(sentences), word)
    except rd.WordProblem as problem:
        st.warning(md_escape(problem))  # it quotes the word typed or in the URL
        return
    seconds = time.perf_counter() - start
    st.dataframe(tokens_table(occ, sentences), hide_index=True, width="stretch")
    if occ.cut:
        st.warning(f"Sentences {', '.join(f'S{i + 1}' for i in occ.cut)} are longer than "
                   f"{rd.MAX_TOKENS} tokens and were cut there (this model reads up to 512; "
                   "the lesson keeps sentences short).")
    if len(occ.pieces) > 1:
        st.info(f"The tokenizer splits “{md_escape(word)}” into {len(occ.pieces)} pieces "
                f"({md_escape(' '.join(occ.pieces))}): its vector is the **mean of its pieces' "
                "vectors** at each layer, and its static row the mean of their rows.")
    if occ.n_found > len(occ.layers):
        st.caption(f"{occ.n_found} occurrences: the first {len(occ.layers)} are drawn.")
    if not len(occ.layers):
        st.warning(f"“{md_escape(word)}” is in none of the sentences (as a whole word).")
        return
    rows = ", ".join(str(i) for i in occ.piece_ids)
    st.markdown(
        f"The **static row** of “{md_escape(occ.word)}” is the token table's row {rows}: "
        f"`[{', '.join(f'{v:.3f}' for v in occ.static[:5])}, …]` (384 numbers), *identical* in "
        "every sentence. The model's outputs differ:"
    )
    if name != OWN:
        sense_quiz_block(name, minilm)
    occ_senses = [senses[s] for s in occ.sentence_of]
    labels = figs.occurrence_labels(occ.sentence_of, senses)
    if name == OWN:
        own_quiz_block(occ, labels, sentences)
    n_layers = occ.layers.shape[1] - 1
    layer = st.slider("Layer (0 = after the embedding layer, 6 = the model's output)", 0,
                      n_layers, n_layers, key="read_layer", bind=BIND, disabled=teacher.locked('read_layer'))
    hover = [sentences[s] for s in occ.sentence_of]
    show_chart(figs.cosine_figure(rd.occurrence_similarity(occ, layer), labels,
                                  f"Cosine between the occurrences of “{occ.word}”, layer "
                                  f"{layer}"), key="read__cosine")
    scatter_block(occ, layer, labels, occ_senses, hover)
    drift = rd.drift_from_static(occ)
    same, other = rd.sense_separation(occ, senses) if name != OWN else (None, None)
    show_chart(figs.drift_figure(drift, labels, occ_senses, same, other), key="read__drift")
    st.caption(
        "Thin lines: each occurrence's cosine to its static row. At layer 0 the row has "
        "already had the position's row added and been normalised (LayerNorm), so it is close "
        "to but not exactly the static row; each layer then moves it further, and the same "
        "word in different sentences ends up different. "
        + ("Thick lines: the mean cosine between occurrences of the same meaning and of the "
           "other meaning." if name != OWN else "")
    )
    m = minilm
    st.caption(
        f":material/memory: The model: {sum(p.numel() for p in m.model.parameters()):,} "
        f"parameters, {units.show_bytes(m.nbytes(), 0)} of float32 weights ({units.MB_NOTE}), "
        "loaded once per server "
        f"and shared read-only by every student. These sentences took {seconds * 1000:.0f} ms "
        "(the built-in sets are computed once per server)."
    )


def scatter_block(occ, layer, labels, senses, hover) -> None:
    if len(occ.layers) < 2:
        st.info("One occurrence: add sentences with the word to compare them.")
        return
    points = np.vstack([occ.layers[:, layer], occ.static[None]])  # (n + 1, 384)
    basis = pca_basis(points, 2)
    coords = basis.project(points)
    titles = [f"PC {i + 1} ({r:.0%})" for i, r in enumerate(basis.explained_variance_ratio)]
    show_chart(figs.occurrences_scatter(coords[:-1], labels, senses, coords[-1], hover,
                                        f"The occurrences in 2-D (PCA), layer {layer}", titles),
               key="read__scatter")


if part == PARTS[0]:
    part_rnn()
else:
    part_context()

next_lesson_link()

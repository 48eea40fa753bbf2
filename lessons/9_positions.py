"""Lesson 9: where is each word? Order blindness, sinusoidal and learned positions, live."""

import numpy as np
import pandas as pd
import streamlit as st
import torch

from embedviz import positions as P
from embedviz.figures import positions as figs
from embedviz.figures.training import live_figure
from embedviz.seeding import MAX_SEED
from embedviz.text import UNK_ID
from ui import BIND, live, teacher
from ui.charts import show_chart
from ui.guard import guarded
from ui.nav import next_lesson_link
from ui.quiz import predict_then_reveal
from ui.text import capped, md_escape

MAX_SENTENCE_CHARS = 2_000
MAX_TOKENS = 64  # tokens of a sentence drawn (the sinusoidal formula would go on forever)
LOOK_AHEAD = 300  # steps the quiz looks into the future
DIMS = [8, 16, 32]
LRS = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0]
BATCHES = [16, 32, 64, 128]
SPEEDS = [1, 2, 3, 5, 10, 20]
STARTS = [0, 1, 2, 4, 7, 8, 16, 24, 32, 64, 128, 256, 512]
MINILM_POSITIONS = 128
NAMES = P.POSITION_KINDS
OPTIMIZER_NAMES = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "momentum": "SGD + momentum"}
state = st.session_state


def _toggle_play() -> None:
    state["pos__playing"] = not state.get("pos__playing", False)
    if state["pos__playing"]:
        state["pos__interval"] = live.starting_pace(state.get("pos_speed", 3)).interval
    else:
        live.stop_live()


def _step_once() -> None:
    live.step_once("pos", "pos_models")


def _reset() -> None:
    live.reset("pos", "pos_models")


def fmt_p(p) -> str:
    return "no row" if p is None else f"{p:.9f}"


# ---- Title -----------------------------------------------------------------------------------
st.title("9 · Where is each word? Position embeddings")
teacher.explain(
    "A transformer reads the whole text **at once**: every token's vector goes in at the same "
    "time, and attention compares every token with every other. Nothing in those sums says "
    "which word came first, yet a change of position can change the meaning: *the tiger "
    "chased the farmer* is not *the farmer chased the tiger*. So besides the token embeddings "
    "the model adds a **position embedding** to each token's vector: a signal of *where* the "
    "token is. Below you train three small models with and without it, on real numbers."
)

# ---- The models live in this session --------------------------------------------------------
with st.expander("The three models and their training", expanded=False):
    c1, c2, c3, c4 = st.columns(4)
    dim = c1.select_slider("Dimension", DIMS, value=16, key="pos_dim", bind=BIND,
                           help="Numbers per token and per position (even: sin/cos pairs).", disabled=teacher.locked('pos_dim'))
    max_len = c2.select_slider("Trained length (learned table rows)", list(P.MAX_LENGTHS),
                               value=16, key="pos_max_len", bind=BIND,
                               help="nn.Embedding(max_len, dim): one learned row per position. "
                               "The corpus sentences have 4 to 9 words.", disabled=teacher.locked('pos_max_len'))
    optimizer = c3.selectbox("Optimizer", list(OPTIMIZER_NAMES), format_func=OPTIMIZER_NAMES.get,
                             key="pos_optimizer", bind=BIND, disabled=teacher.locked('pos_optimizer'))
    lr = c4.select_slider("Learning rate", LRS, value=0.03, key="pos_lr", bind=BIND,
                          help="Adam likes 0.003 to 0.03. Very large rates blow the numbers up.", disabled=teacher.locked('pos_lr'))
    c1, c2, c3 = st.columns(3)
    batch = c1.select_slider("Batch size", BATCHES, value=64, key="pos_batch", bind=BIND, disabled=teacher.locked('pos_batch'))
    seed = c2.number_input("Seed", 0, MAX_SEED, 0, key="pos_seed", bind=BIND,
                           help="Same seed and settings: the same numbers, for everyone.", disabled=teacher.locked('pos_seed'))
    speed = c3.select_slider("Speed: steps per refresh", SPEEDS, value=3, key="pos_speed",
                             bind=BIND, help="Each step trains all three models on one batch.", disabled=teacher.locked('pos_speed'))

config = P.OrderConfig(dim=dim, max_len=max_len, optimizer=optimizer, lr=lr, batch_size=batch,
                       seed=int(seed))
models = live.session_model(
    "pos", "pos_models", config, lambda: P.OrderTrainer(config),
    rebuilt=lambda old: (f"The settings changed, so three new models were built from step 0 "
                         f"(the old ones had trained {old.step_count:,} steps)."),
    fresh="Reset: three fresh models from step 0, with the same seed and settings.",
    building="Building the three models…", forget=["pos__ahead"],
)
vocab = models.vocab

# ---- 1. Predict, then train: first, the live part is the lesson's picture -----------------
st.header("1 · Three models trained side by side, live")
ahead = state.get("pos__ahead")
if ahead is None and not models.diverged:  # once per model: at step 0, shared by the server
    with st.spinner(f"Training copies {LOOK_AHEAD} steps ahead…"):
        state["pos__ahead"] = ahead = P.accuracies_after(models, LOOK_AHEAD)
if ahead is not None and not ahead["diverged"]:
    predict_then_reveal(
        "pos_quiz_learn",
        f"After {ahead['step']:,} steps of training, will the model **without "
        "positions** learn to tell original sentences from shuffled ones?",
        ["yes, as well as the others", "yes, but more slowly", "no, it stays at chance (50 %)"],
        "no, it stays at chance (50 %)",
        f"Copies of your three models trained to step {ahead['step']:,}: on the held-out "
        f"sentences the model without positions gets **{ahead['none']:.1%}**, the sinusoidal "
        f"one **{ahead['sinusoidal']:.1%}**, the learned one **{ahead['learned']:.1%}**. "
        "Every held-out sentence is checked twice, as written and shuffled; without positions "
        "both give the same answer, so exactly one of each pair is right: 50 %, however long "
        "it trains. Press Play and watch it happen.",
        context=repr(config),
    )
elif models.diverged:
    st.info("The question waits for models that train: press Reset.")

playing = state.get("pos__playing", False) and not models.diverged
b1, b2, b3, b4 = st.columns([1, 1, 1, 3])
b1.button("❚❚ Pause" if playing else "▶ Play", on_click=_toggle_play, type="primary",
          key="pos__play", width="stretch", disabled=models.diverged)
b2.button("Step (one batch)", on_click=_step_once, key="pos__step", width="stretch",
          disabled=models.diverged)
b3.button("↺ Reset", on_click=_reset, key="pos__reset_button", width="stretch")
b4.caption(f"Each step: one batch of {batch} sentences for all three models, "
           f"{OPTIMIZER_NAMES[optimizer]} with learning rate {lr:g}. Settings are in the "
           "expander above.")


@guarded
@live.in_turn("pos")
def live_view() -> None:
    """Redrawn every tick while playing: train the three models, then draw their curves."""
    models = state["pos_models"]
    tick = live.train_tick("pos", models, speed)
    if models.diverged:
        st.error(models.message)
    cols = st.columns(4)
    cols[0].metric("Step", f"{models.step_count:,}")
    for col, (kind, h) in zip(cols[1:], models.histories.items()):
        acc = h.accuracy[-1]
        col.metric(NAMES[kind], "–" if acc is None or np.isnan(acc) else f"{acc:.1%}",
                   help=f"Held-out accuracy (measured every {h.stride} steps); chance is 50 %.")
    data, layout = figs.curves_parts(models.histories, NAMES)
    show_chart(live_figure(data, layout, height=400), key="pos__curves")
    live.end_tick(tick)


live.show_live("pos", live_view)
st.markdown(
    "The task needs order: **is this sentence in its original word order, or shuffled?** "
    f"Sentences come from the built-in corpus ({len(models.task.train_ids):,} for training, "
    f"{len(models.task.check) // 2} held out); in each batch about half are shuffled. The three "
    "models are the same small transformer layer (self-attention, then the mean of the "
    "vectors, then a choice of two classes), start from the same token table and see the same "
    "batches. They differ only by their positions: none, sinusoidal, learned."
)

# ---- The sentences of sections 2 and 3 ---------------------------------------------------------
sentence = st.text_input("Your sentence", value="the tiger chased the farmer",
                         key="pos_sentence", bind=BIND,
                         help="Words of the built-in corpus are known to the models; other "
                         "words become [UNK].", disabled=teacher.locked('pos_sentence'))
reordered = st.text_input("The same words in another order",
                          value="the farmer chased the tiger", key="pos_reordered", bind=BIND, disabled=teacher.locked('pos_reordered'))
sentence = capped(sentence, MAX_SENTENCE_CHARS, "sentence")
reordered = capped(reordered, MAX_SENTENCE_CHARS, "reordered sentence")
tokens_a, tokens_b = P.sentence_tokens(sentence), P.sentence_tokens(reordered)
if len(tokens_a) > MAX_TOKENS or len(tokens_b) > MAX_TOKENS:
    st.warning(f"Only the first {MAX_TOKENS} tokens of each sentence are used.")
    tokens_a, tokens_b = tokens_a[:MAX_TOKENS], tokens_b[:MAX_TOKENS]

ids_a, ids_b = vocab.encode_tokens(tokens_a), vocab.encode_tokens(tokens_b)

# ---- 2. Order blindness ----------------------------------------------------------------------
st.header("2 · A bag of vectors has no order")
if not tokens_a:
    st.info("Your sentence has no words (it is empty, or only spaces, punctuation or "
            "invisible characters). Type a sentence above.")
else:
    table = pd.DataFrame({"sentence": tokens_a + [""] * max(0, len(tokens_b) - len(tokens_a)),
                          "reordered": tokens_b + [""] * max(0, len(tokens_a) - len(tokens_b))},
                         index=[f"pos {i}" for i in range(max(len(tokens_a), len(tokens_b)))])
    st.dataframe(table.T, width="stretch")
    unknown = sorted({t for t in tokens_a + tokens_b if vocab.id_of(t) == UNK_ID})
    if unknown:
        st.caption("Not in the models' vocabulary (they became [UNK]): "
                   + ", ".join(f"“{md_escape(t)}”" for t in unknown[:20]))
    if len(tokens_a) == 1:
        st.info("One token has only one order: type a sentence of two words or more.")
    elif not P.is_reordering(tokens_a, tokens_b):
        st.warning("The second sentence does not hold exactly the same words as the first, so "
                   "its bag of vectors differs: to see order blindness, use the same words in "
                   "another order.")
    else:
        weight = models.model.tokens[0].weight.detach()  # the no-position model's table
        bag_a, bag_b = P.bag_of_embeddings(ids_a, weight), P.bag_of_embeddings(ids_b, weight)
        same = bool(torch.equal(bag_a, bag_b))
        st.markdown(f"**Sum of the token vectors** (the first 4 of {dim} numbers) of each "
                    "sentence, with the 32 bits of each number:")
        show = pd.DataFrame({
            "dimension": range(4),
            "sentence": [f"{v:.9g}" for v in bag_a[:4].tolist()],
            "reordered": [f"{v:.9g}" for v in bag_b[:4].tolist()],
            "bits (sentence)": [np.float32(v).tobytes().hex() for v in bag_a[:4].numpy()],
            "bits (reordered)": [np.float32(v).tobytes().hex() for v in bag_b[:4].numpy()],
        })
        st.dataframe(show, hide_index=True, width="stretch")
        st.markdown(f"All {dim} numbers identical, bit for bit: **{same}**. A sum only "
                    "knows how many times each token occurs (`counts @ W`), not where.")
        found_a, found_b = models.p_original(ids_a), models.p_original(ids_b)
        rows = [(NAMES[k], fmt_p(found_a[k]), fmt_p(found_b[k]),
                 "–" if found_a[k] is None or found_b[k] is None
                 else f"{abs(found_a[k] - found_b[k]):.1e}") for k in NAMES]
        st.markdown(f"**The three models** (section 1) at step {models.step_count:,}: the "
                    "probability that the text is in its original order")
        st.dataframe(pd.DataFrame(rows, columns=["model", "sentence", "reordered",
                                                 "difference"]),
                     hide_index=True, width="stretch")
        diff = abs(found_a["none"] - found_b["none"])
        st.markdown(
            f"Without positions the two answers differ by **{diff:.1e}**: nothing but float "
            "rounding (its attention adds the same numbers in another order). That model "
            "cannot tell the two sentences apart, whatever it learns.")
        if len(tokens_a) > max_len or len(tokens_b) > max_len:
            st.caption(P.learned_out_of_range_message(max_len, max(len(ids_a), len(ids_b)) - 1))

# ---- 3. Token + position ---------------------------------------------------------------------
st.header("3 · Token + position: what the model really reads")
st.markdown(
    "Each token's row of the token table gets the row of its **position** added: "
    "`x[p] = token_table[id[p]] + position_table[p]`, both `seq_len × dim`. The position rows "
    "come from one of two places:"
)
f1, f2 = st.columns(2)
with f1:
    st.markdown("**Sinusoidal** (the original Transformer): a formula, nothing to learn.")
    st.latex(r"PE_{(pos,\,2i)} = \sin\!\left(\frac{pos}{10000^{2i/d}}\right)")
    st.latex(r"PE_{(pos,\,2i+1)} = \cos\!\left(\frac{pos}{10000^{2i/d}}\right)")
with f2:
    st.markdown("**Learned** (BERT, GPT-2, MiniLM): a second table, trained like the tokens.")
    st.code(f"pos = nn.Embedding({max_len}, {dim})\n"
            f"x = tok(ids) + pos(arange(len(ids)))", language="python")
kind = st.radio("Position rows to add", ["sinusoidal", "learned"], format_func=NAMES.get,
                key="pos_kind", bind=BIND, horizontal=True, disabled=teacher.locked('pos_kind'))
if not tokens_a:
    st.info("Type a sentence above to see its rows.")
else:
    n = len(ids_a)
    k_index = list(NAMES).index(kind)
    token_rows = models.token_rows(kind, ids_a)  # (seq, dim)
    if kind == "learned" and n > max_len:
        st.warning(P.learned_out_of_range_message(max_len, n - 1) + " Raise the trained length "
                   "or pick sinusoidal positions: the formula has a value for any position.")
    else:
        pos_rows = models.position_table(kind, n)  # (seq, dim)
        show_chart(figs.sum_of_rows(token_rows, pos_rows, token_rows + pos_rows, tokens_a,
                                    NAMES[kind]), key="pos_rows_chart")
        st.caption(f"{n} tokens × {dim} dimensions each: hover a cell for its value (too many "
                   f"cells to write the numbers). The token rows are the {NAMES[kind].lower()} "
                   f"model's own table at step {models.step_count:,}.")
    span = max(64, n)
    sin = P.sinusoidal_table(span, dim).numpy()
    wl = P.wavelengths(dim)
    st.markdown(f"**Each dimension's wave** (sinusoidal, positions 0 to {span - 1}): dimension "
                f"pair *i* repeats every 2π·10000^(2i/d) positions, from **{wl[0]:.1f}** "
                f"positions (dimensions 0, 1) to **{wl[-1]:,.0f}** (dimensions {dim - 2}, "
                f"{dim - 1}). Together they give every position its own pattern.")
    show_chart(figs.waves(sin, marked=range(n)), key="pos_waves_chart")


# ---- 4. What the positions look like ---------------------------------------------------------
st.header("4 · Which positions look alike? PE · PEᵀ")
with st.spinner("Reading MiniLM's position table…"):
    try:
        minilm_sim = P.minilm_position_cosine(MINILM_POSITIONS)
        minilm_shape = P.minilm_position_table().shape
    except Exception as problem:  # noqa: BLE001 - the package may be missing
        minilm_sim, minilm_shape = None, None
        st.warning(f"The real MiniLM model could not be read ({type(problem).__name__}).")
if minilm_sim is not None:
    answer = P.most_similar_positions(minilm_sim, 10, k=2)
    options = {(9, 11), (0, 1), (20, 30), (10, 100)}
    options.add(tuple(sorted(answer)))
    fmt = {(0, 1): "0 and 1 (the start)", (9, 11): "9 and 11 (its neighbours)",
           (20, 30): "20 and 30 (a bit further on)", (10, 100): "none: all about equally"}
    correct = tuple(sorted(answer))
    cos = minilm_sim[10]
    predict_then_reveal(
        "pos_quiz_near",
        "In the real all-MiniLM-L6-v2 (the model of lesson 7), position 10 has a learned row "
        "of 384 numbers. Which **two** positions have the rows most similar to it (cosine)?",
        sorted(options), correct,
        f"Computed from the model's own table: the most similar rows to position 10 are "
        f"positions **{answer[0]}** (cosine {cos[answer[0]]:.3f}) and **{answer[1]}** "
        f"({cos[answer[1]]:.3f}); position 0 has {cos[0]:.3f} and position 100 "
        f"{cos[100]:.3f}. Nobody wrote a formula into it: training made nearby positions "
        "similar, because nearby words matter to each other in the same way.",
        context=("minilm", MINILM_POSITIONS),
        format_func=lambda o: fmt.get(o, f"{o[0]} and {o[1]}"),
    )

sin_n = max(max_len, 64)
sin_sim = P.position_similarity(P.sinusoidal_table(sin_n, dim).numpy(), "cosine")
sin_means, sin_spread = P.similarity_by_distance(sin_sim)
learned_table = models.position_table("learned")
learned_sim = P.position_similarity(learned_table, "cosine")
sims, titles = [sin_sim, learned_sim], [f"sinusoidal, d = {dim}",
                                         f"learned, step {models.step_count:,}"]
if minilm_sim is not None:
    sims.append(minilm_sim)
    titles.append("MiniLM (real)")
show_chart(figs.position_similarities(sims, titles), key="pos_sim_chart")
st.caption("Cosine of every pair of position rows; hover a cell for its value (too many cells "
           "to write the numbers).")
st.markdown(
    f"**Sinusoidal**: PE(p)·PE(q) = Σᵢ cos((p − q)·ωᵢ), so it depends only on the distance "
    f"p − q: every diagonal is constant. Measured on these {sin_n} positions: the largest "
    f"spread along any diagonal is **{sin_spread.max():.1e}** (float rounding). "
    f"**Learned** (your live model, {max_len} rows): whatever the task needed; rows past "
    "position 8 never meet a word (the corpus sentences have at most 9) and keep their random "
    "start. "
    + (f"**MiniLM**: its real learned table ({minilm_shape[0]} × {minilm_shape[1]}, the first "
       f"{MINILM_POSITIONS} positions shown), read from the package's weights: training "
       "alone made a smooth band along the diagonal."
       if minilm_sim is not None else "")
)
profiles = {f"sinusoidal (d = {dim})": sin_means[:MINILM_POSITIONS]}
if minilm_sim is not None:
    profiles["MiniLM (real, learned)"] = P.similarity_by_distance(np.asarray(minilm_sim))[0]
with st.expander("Similarity against distance"):
    show_chart(figs.distance_profile(profiles), key="pos_distance_chart")

# ---- 5. Beyond the trained length ------------------------------------------------------------
st.header("5 · Beyond the trained length")
far = max_len + 24
st.markdown(
    f"The learned table has {max_len} rows. Ask it for position {far}:")
st.code(P.learned_out_of_range_message(max_len, far), language=None, wrap_lines=True)
st.markdown(
    "The sinusoidal formula has a value for any position, so a model with sinusoidal "
    "positions always runs. But does it still work? Below, the held-out sentences are moved "
    "to start at a later position, and the models are measured as they are now."
)
by_start = P.accuracy_by_start(models, STARTS)
show_chart(figs.accuracy_by_start(STARTS, by_start, NAMES), key="pos_beyond_chart")
sin_far = by_start["sinusoidal"]
st.caption(
    f"The models were trained on sentences starting at position 0 (positions 0 to 8). The "
    f"learned line stops where the table ends (position {max_len - 1}). Sinusoidal accuracy at start 0: "
    f"{sin_far[0]:.1%}; at start 64: {sin_far[STARTS.index(64)]:.1%}; at start 512: "
    f"{sin_far[-1]:.1%}. A value for a position is not a meaning the model learned for it.")

next_lesson_link()

"""Lesson 1: a sentence becomes tokens, IDs, rows of the matrix and a seq_len x dim output."""

import numpy as np
import pandas as pd
import streamlit as st

from embedviz import examples
from embedviz.embedding import INITS, EmbeddingConfig
from embedviz.figures import lookup as figs
from embedviz.lookup import (
    integer_id_distances,
    number_choices,
    one_hot_vectors,
    rows_to_show,
    words_to_vectors,
)
from embedviz.similarity import similarity_matrix
from embedviz.text import PAD, UNK, UNK_ID
from ui import BIND, teacher
from ui.charts import show_chart
from ui.nav import next_lesson_link
from ui.quiz import predict_then_reveal
from ui.text import capped, md_escape

MAX_SENTENCE_CHARS = 2_000
MAX_VOCAB_TEXT_CHARS = 20_000

st.title("1 · Words to vectors")
teacher.explain(
    "A neural network cannot read text. It reads numbers. An **embedding layer** is the step "
    "that turns each word into a list of numbers: a *vector*. Type a sentence and follow it "
    "through the three steps below. Everything is computed live by a real `torch.nn.Embedding`."
)

sentence = st.text_input(
    "Your sentence", value=examples.DEFAULT_SENTENCE, key="words_sentence", bind=BIND,
    help="Any text. Words the vocabulary doesn't know become [UNK].", disabled=teacher.locked('words_sentence')
)
with st.expander("Settings of the embedding layer"):  # closed: the picture comes first
    c1, c2, c3, c4 = st.columns(4)
    length = c1.slider("Padded length (seq_len)", 1, 32, 8, key="words_length", bind=BIND,
                       help="Every sentence is padded with [PAD] or cut to this many tokens.", disabled=teacher.locked('words_length'))
    dim = c2.slider("Embedding dimension (dim)", 2, 32, 6, key="words_dim", bind=BIND,
                    help="How many numbers represent each token.", disabled=teacher.locked('words_dim'))
    init = c3.selectbox("Initialisation", list(INITS), format_func=INITS.get,
                        key="words_init", bind=BIND, disabled=teacher.locked('words_init'))
    seed = c4.number_input("Seed", 0, 2**31 - 1, 0, key="words_seed", bind=BIND,
                           help="The same seed gives the same matrix, for everyone.", disabled=teacher.locked('words_seed'))
    c5, c6, c7 = st.columns([1, 1, 2])
    scale = c5.slider("Scale (a or sigma)", 0.01, 2.0, 0.5, key="words_scale", bind=BIND,
                      disabled=(init == "default") or teacher.locked('words_scale'), help="Only for uniform and normal.")
    order = c6.radio("Vocabulary order", ["alphabetical", "frequency"], key="words_order",
                     bind=BIND, help="Alphabetical: the textbook example. Frequency: most "
                     "frequent tokens get the smallest IDs, as real tokenizers do.", disabled=teacher.locked('words_order'))
    max_vocab = c7.slider("Vocabulary size cap (incl. [PAD] and [UNK])", 10, 2_000, 500,
                          key="words_max_vocab", bind=BIND,
                          help="Keeps the most frequent tokens; the rest become [UNK].", disabled=teacher.locked('words_max_vocab'))
    vocab_text = st.text_area(
        "The text the vocabulary is built from", value=examples.DEFAULT_VOCAB_TEXT,
        key="words_vocab_text", bind=BIND, height=110,
        help="Every distinct token of this text gets an ID. Edit it and watch the IDs change.", disabled=teacher.locked('words_vocab_text')
    )

sentence = capped(sentence, MAX_SENTENCE_CHARS, "sentence")
vocab_text = capped(vocab_text, MAX_VOCAB_TEXT_CHARS, "vocabulary text")
cfg = EmbeddingConfig(vocab_size=0, dim=dim, init=init, scale=scale, seed=int(seed))
result = words_to_vectors(sentence, vocab_text, cfg, length, order, max_vocab)
vocab, enc = result.vocab, result.encoded
V = len(vocab)

# ---- Step 1: tokens (one line here, every position below the matrix) ------------------------
# The picture comes first (issue #27): at 1024 x 768 the matrix starts on the first screen;
# the table of every position, which also picks the token to follow, sits under it.
st.header("Step 1 · Text → tokens → IDs")
if not sentence.strip():
    st.info("The sentence is empty, so it is all padding: every position holds [PAD] (ID 0). "
            "Type a sentence above.")
elif enc.n_real == 0:
    st.info("This text has no tokens the tokenizer keeps (only spaces or invisible "
            "characters), so the sentence is all padding.")
n_pad = len(enc.ids) - enc.n_real
st.markdown(
    " · ".join(f"“{md_escape(t)}” → **{i}**" for t, i in zip(enc.tokens[:enc.n_real], enc.ids))
    + (f"{' · ' if enc.n_real else ''}`{PAD}` → **0** × {n_pad}" if n_pad else "")
)

# ---- Step 2: rows of the matrix --------------------------------------------------------------
st.header("Step 2 · Each ID picks one row of the matrix")
rows = rows_to_show(V, enc.ids)
picture = st.container()  # drawn once the table below has said which token to follow
if len(rows) < V:
    st.caption(f"The matrix has {V:,} rows; shown are the {len(rows)} looked-up rows, the "
               "rows next to them and the two special rows.")
st.markdown(
    f"The embedding layer is a matrix **W** of shape `vocab_size × dim` = **{V:,} × {dim}**: "
    f"one row of {dim} learnable numbers per token, {V * dim:,} numbers in all. Looking up "
    "ID *i* simply returns row *i*. The framed rows (▶) are the ones this sentence looks up. "
    "The `[PAD]` row is all zeros: `padding_idx=0` keeps it that way."
)

st.subheader("Every position of the sentence")
st.markdown(
    "The tokenizer lower-cases the text and splits it into words and punctuation marks "
    "(emoji and each Chinese, Japanese or Korean character are tokens of their own). Each token "
    f"gets its ID from a vocabulary of **{V:,} tokens**: `{PAD}` = 0 fills the sentence up to "
    f"{length} positions, `{UNK}` = 1 stands for any token the vocabulary does not know."
)
status = [
    "padding" if i >= enc.n_real else ("unknown → [UNK]" if k == UNK_ID else "in vocabulary")
    for i, k in enumerate(enc.ids)
]
table = pd.DataFrame({"position": range(len(enc.ids)), "token": enc.tokens,
                      "ID": [str(i) for i in enc.ids], "status": status})
picked = st.dataframe(table, hide_index=True, width="stretch", key="words__follow",
                      on_select="rerun", selection_mode="single-row",
                      height=min(38 + 35 * len(table), 38 + 35 * 12))  # every position, [PAD] too
follow_pos = next(iter(picked.selection.rows), None) if picked else None
follow_pos = follow_pos if follow_pos is not None and follow_pos < len(enc.ids) else None
st.caption("Click a row to follow that token: its row of W (above) and its row of the output "
           "(below) are framed with a black dotted line." if follow_pos is None else
           f"Following position {follow_pos} (“{md_escape(enc.tokens[follow_pos])}”, ID "
           f"{enc.ids[follow_pos]}): framed with a black dotted line in W and in the output.")
if enc.n_truncated:
    st.warning(
        f"The sentence has {enc.n_real + enc.n_truncated} tokens but the padded length is "
        f"{length}: the last {enc.n_truncated} were cut off (truncation). Raise the padded "
        "length to keep them."
    )
if enc.unknown:
    shown = ", ".join(f"“{md_escape(t)}”" for t in dict.fromkeys(enc.unknown))
    st.markdown(f"Not in the vocabulary, so they became `[UNK]` (ID 1): {shown}. They all "
                "share one row of the matrix, so the model cannot tell them apart.")

with st.expander(f"The vocabulary: {V:,} tokens ({order})"):
    voc = pd.DataFrame({"ID": range(V), "token": vocab.itos,
                        "count in text": [vocab.counts.get(t, 0) for t in vocab.itos]})
    st.dataframe(voc, hide_index=True, width="stretch", height=300)
show_chart(figs.embedding_matrix(result.weight, vocab.itos, rows, enc.ids,
                                 None if follow_pos is None else enc.ids[follow_pos]),
           key="words_matrix_chart", where=picture)

revealed = predict_then_reveal(
    "words_quiz_numbers",
    f"With padded length {length} and dimension {dim}, how many numbers does the layer "
    "output for this sentence?",
    number_choices(result, dim),
    result.n_numbers,
    f"Every one of the **{len(enc.ids)} positions**, padding included, becomes a row of "
    f"**{dim} numbers**: {len(enc.ids)} × {dim} = **{result.n_numbers}**. Padding rows are "
    "zeros but they are still there; a mask tells later layers to ignore them.",
    context=(tuple(enc.ids), dim),
    format_func=lambda n: f"{n:,}",
)
# ---- Step 3: the output ----------------------------------------------------------------------
def step3_output() -> None:
    st.header("Step 3 · The sentence becomes a matrix")
    st.markdown(
        f"Stacking the looked-up rows gives the layer's output, of shape `seq_len × dim` = "
        f"**{len(enc.ids)} × {dim}** = **{result.n_numbers:,} numbers**. "
        f"Largest difference between each output row and the row `W[id]`: "
        f"**{result.max_abs_diff:g}** (a lookup copies, it computes nothing)."
    )
    show_chart(figs.output_matrix(result.output, enc.tokens, enc.ids, result.weight, follow_pos),
               key="words_output_chart")
    st.caption("Same colours as the matrix above, on the same scale: the output rows are copies.")
    st.code(
        f"emb = torch.nn.Embedding({V}, {dim}, padding_idx=0)\n"
        f"ids = torch.tensor({enc.ids})  # shape ({len(enc.ids)},)\n"
        f"out = emb(ids)                 # shape ({len(enc.ids)}, {dim})",
        language="python",
    )


if revealed or st.toggle("Show the output without predicting", key="words__skip_quiz"):
    step3_output()
else:
    st.caption("Predict first: step 3 shows the output, and with it the answer.")

# ---- Why not integer IDs or one-hot ----------------------------------------------------------
st.header("Why not just use the IDs, or one-hot vectors?")
left, right = st.columns(2)
with left:
    st.subheader("Integer IDs put words on a line")
    st.caption("Say someone handed out these numbers (not this vocabulary's IDs, any numbers "
               "would do) and fed them to a network as they are:")
    show_chart(figs.integer_line(examples.INTEGER_IDS), key="words_intline_chart")
    dists = sorted(integer_id_distances(examples.INTEGER_IDS), key=lambda t: t[2])
    st.dataframe(pd.DataFrame(dists, columns=["word", "word ", "|ID difference|"]),
                 hide_index=True, width="stretch",  # narrow word columns: all three fit at 1024 px
                 column_config={w: st.column_config.TextColumn(width="small")
                                for w in ("word", "word ")})
    near = dists[0]
    st.markdown(
        f"By these IDs the closest pair is **{near[0]}–{near[1]}** ({near[2]}), and "
        + ", ".join(f"{a}–{b} is {d}" for a, b, d in dists if {a, b} == {"cat", "dog"})
        + ". IDs are handed out in an arbitrary order, so their distances say nothing about "
        "meaning, and a network would read an order (london < cat) that does not exist."
    )
with right:
    st.subheader("One-hot vectors are all equally far apart")
    uniq = [i for i in dict.fromkeys(enc.ids[: enc.n_real])][:8]
    if len(uniq) < 2:
        st.info("Type a sentence with at least two different tokens to compare their one-hot "
                "vectors.")
    else:
        onehot = one_hot_vectors(uniq, V)
        labels = [vocab.itos[i] for i in uniq]
        onehot_cos = similarity_matrix(onehot, "cosine")
        show_chart(figs.cosine_heatmap(onehot_cos, labels), key="words_onehot_chart")
        st.markdown(
            f"Each token is a vector of **{V:,} numbers** with a single 1 in its ID's column. "
            "Two different tokens never share a 1, so every pair has cosine similarity "
            f"**{onehot_cos[0, 1]:g}**: 'cat' is as far from 'dog' as from "
            "'refrigerator', and the vector grows with the vocabulary (50,257 numbers for GPT-2)."
        )

st.header("What we want: similar words, similar vectors")
words = list(examples.FEATURE_TABLE)
values = np.array([examples.FEATURE_TABLE[w] for w in words])
a, b = st.columns(2)
a.markdown("A hand-made embedding: a person scored each word on a few named features.")
show_chart(figs.feature_table(values, words, examples.FEATURES), key="words_features_chart", where=a)
cos = similarity_matrix(values, "cosine")
b.markdown("Cosine similarity of those vectors (computed):")
show_chart(figs.cosine_heatmap(cos, words), key="words_featcos_chart", where=b)
i, j, k = words.index("dog"), words.index("cat"), words.index("apple")
st.success(
    f"Now dog–cat have cosine **{cos[i, j]:.2f}** and dog–apple **{cos[i, k]:.2f}**: the "
    "vectors carry meaning. A trained embedding layer finds such directions **by itself**, "
    "from the contexts words appear in, with no names on its columns: lesson 3 trains one live."
)

next_lesson_link()

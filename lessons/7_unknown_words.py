"""Lesson 7: words the vocabulary has never seen: one [UNK] row, or known subword pieces."""

import pandas as pd
import streamlit as st

from embedviz import minilm, units
from embedviz import subwords as sw
from embedviz.figures import subwords as figs
from embedviz.text import UNK, UNK_ID, tokenize
from ui import BIND, background, teacher
from ui.charts import show_chart
from ui.nav import next_lesson_link
from ui.quiz import predict_then_reveal
from ui.tables import show_wide
from ui.text import capped, md_code, md_escape

OWN = "own"
TEXTS = {**sw.BUILTIN_TEXTS, OWN: "Your own text (paste it)"}
QUIZ_WORD, QUIZ_MERGES = "unbelievably", 200
DEFAULT_MERGES = 20
DIMS = [16, 64, 128, 384, 768]
state = st.session_state


def _step(delta: int) -> None:
    now = int(state.get("sub_merges", DEFAULT_MERGES))
    state["sub_merges"] = max(0, min(sw.MAX_MERGES, now + delta))


def _pieces_table(pieces, ids, alphabet: str) -> pd.DataFrame:
    shown = [sw.show_piece(p, alphabet) for p in pieces]
    return pd.DataFrame({"piece": shown, "ID": [str(i) for i in ids]},
                        index=[f"{i}" for i in range(len(pieces))]).T


st.title("7 · Words it has never seen: [UNK] and subwords")
teacher.explain(
    "An embedding table has a row only for the tokens it knows. What happens to a word it has "
    "never seen? Either it becomes the one `[UNK]` row, or it is cut into **pieces** the table "
    "knows. Real models do the second: GPT-2's 50,257 rows and BERT's 30,522 are pieces of "
    "words, learned from text. Here you learn such pieces yourself, merge by merge."
)

c1, c2, c3 = st.columns([1.4, 1, 1.6])
text_name = c1.selectbox("Text to learn from", list(TEXTS), format_func=TEXTS.get,
                         key="sub_text", bind=BIND, disabled=teacher.locked('sub_text'))
alphabet = c2.radio("Start from", list(sw.ALPHABETS), format_func=sw.ALPHABETS.get,
                    key="sub_alphabet", bind=BIND, horizontal=False,
                    help="Characters: a character the text never had becomes [UNK]. Bytes: "
                    "every text is made of 256 possible bytes, so nothing is ever unknown.", disabled=teacher.locked('sub_alphabet'))
sentence = c3.text_input("A new sentence", "The refrigerator was unrefrigerated.",
                         key="sub_sentence", bind=BIND, max_chars=None,
                         help="Words the text never had are the interesting ones.", disabled=teacher.locked('sub_sentence'))
sentence = capped(sentence, sw.MAX_SENTENCE_CHARS, "sentence")

text = ""
if text_name == OWN:
    st.caption("Your text stays in your session and is not part of the page's link. At most "
               f"{sw.MAX_TEXT_CHARS:,} characters are used; its merges are learned in the "
               "background (up to about ten seconds for a long text), one text at a time for "
               "each student.")
    text = capped(st.text_area("Paste a text", key="sub__own_text", height=120),
                  sw.MAX_TEXT_CHARS, "text")
else:
    text = sw.builtin_text(text_name)
has_words = bool(tokenize(text))
if not has_words:
    st.info("Paste a text with some words in it (at least a few sentences) to build a "
            "vocabulary and learn merges from it. The real model's tokenizer further down "
            "works without it.")
if not tokenize(sentence):
    st.info("The sentence has no words: type one (with a word the text never had).")


# ---- 1. Word level ---------------------------------------------------------------------------
def word_level_section() -> None:
    st.header("1 · Word level: every unknown word is the same row")
    wl = sw.word_level(text, sentence)
    st.markdown(
        f"A vocabulary of the text's **{len(wl.vocab):,} words** (with `[PAD]` and `[UNK]`). "
        "Your sentence, word by word:"
    )
    if wl.tokens:
        show_wide(pd.DataFrame({"word": wl.tokens, "ID": [str(i) for i in wl.ids]}).T)
    if len(wl.unknown) >= 2:
        left, right = st.columns([1, 1])
        with left:
            show_chart(figs.unknown_cosine(wl.unknown_cosine, wl.unknown), key="sub_unk_chart")
        right.markdown(
            f"**{len(wl.unknown)} words** are not in the vocabulary: "
            + ", ".join(f"“{md_escape(w)}”" for w in wl.unknown)
            + f". They all look up row {UNK_ID}, so their vectors are identical: every pair "
            f"has cosine **{wl.unknown_cosine.min():.2f}**. Whatever the model learns, it "
            "cannot tell them apart, and a text full of new words (names, typos, "
            "technical terms) loses its meaning."
        )
    elif len(wl.unknown) == 1:
        st.markdown(f"One word is not in the vocabulary: “{md_escape(wl.unknown[0])}” → "
                    f"`{UNK}` (ID {UNK_ID}). Add a second unseen word to compare their rows.")
    elif wl.tokens:
        st.markdown("Every word of this sentence is in the vocabulary: type a word the text "
                    "never had (a made-up one, or “unrefrigerated”).")


# ---- 2. BPE merge by merge -------------------------------------------------------------------
def learned_merges() -> sw.TextMerges | None:
    """The text's merges and trade-off: learned once per server in the background (a
    built-in text's as the server starts); a pasted text is one computation of this
    student's at a time. None (its progress shown) until they are ready."""
    st.header("2 · Byte-pair encoding: learn the pieces, one merge at a time")
    job = background.ask_for(background.merges_job(text, alphabet), mine=text_name == OWN)
    if job is None:
        st.caption("Sections 2 and 3 appear here once the merges are learned; sections 4 and "
                   "5 below are ready now.")
        return None
    return job.result


def bpe_section(bpe: sw.BPE) -> None:
    n_all = len(bpe.merges)
    st.markdown(
        f"Start with every word of the text as single {alphabet} ({len(bpe.base):,} "
        "symbols). Count every pair of neighbouring symbols; **merge the most frequent pair** "
        "into a new symbol, which becomes a new row of the table. Repeat."
    )
    b1, b2, b3, s = st.columns([0.7, 1, 0.7, 3.6], vertical_alignment="bottom")
    b1.button("−1", key="sub__back", on_click=_step, args=(-1,), width="stretch")
    b2.button("Step +1", key="sub__step", on_click=_step, args=(1,), width="stretch",
              type="primary")
    b3.button("+10", key="sub__step10", on_click=_step, args=(10,), width="stretch")
    if "sub_merges" not in state and "sub_merges" not in st.query_params:
        state["sub_merges"] = DEFAULT_MERGES  # set here, not as a default: Step changes it
    k_asked = s.slider("Merges applied", 0, sw.MAX_MERGES, key="sub_merges", bind=BIND, disabled=teacher.locked('sub_merges'))
    k = min(k_asked, n_all)
    if k_asked > n_all:
        st.warning(f"You asked for {k_asked:,} merges, but {bpe.stop_reason}. Showing "
                   f"all {n_all:,}.")
    ks, tokens, vocab = bpe.curve()
    left, right = st.columns([3, 2])
    with left:
        show_chart(figs.merge_curve(ks, tokens, vocab, k), key="sub_merge_chart")
    with right:
        m1, m2 = st.columns(2)
        m1.metric("Vocabulary", f"{vocab[k]:,}", delta=int(vocab[k] - vocab[0]) or None)
        m2.metric("Text tokens", f"{tokens[k]:,}",
                  delta=int(tokens[k] - tokens[0]) or None, delta_color="inverse")
        if k:
            last = bpe.merges[k - 1]
            shown = [sw.show_piece(x, alphabet) for x in (last.left, last.right, last.piece)]
            a, b, ab = (f"“{md_escape(x)}”" for x in shown)
            st.markdown(f"**Merge {k:,}**: {a} + {b} → **{ab}**, the pair seen most often "
                        f"(**{last.count:,}** times).")
        else:
            st.markdown("No merge yet: every token is one symbol. Press **Step +1**.")
        recent = bpe.merges[max(0, k - 6):k][::-1]
        if recent:
            st.dataframe(pd.DataFrame({
                "merge": [f"{k - i:,}" for i in range(len(recent))],
                "new piece": [sw.show_piece(m.piece, alphabet) for m in recent],
                "times seen": [m.count for m in recent],
            }), hide_index=True, width="stretch", height=180)

    pieces, ids = bpe.encode(sentence, k)
    if pieces:
        st.markdown(f"Your sentence after {k:,} merges: **{len(pieces)} tokens** "
                    f"(it was {len(bpe.encode(sentence, 0)[0])} symbols).")
        show_wide(_pieces_table(pieces, ids, alphabet))
        known = sw.text_vocabulary(text)
        unseen = [w for w in dict.fromkeys(tokenize(sentence)) if w not in known]
        if unseen:
            w = unseen[0]
            split = [sw.show_piece(p, alphabet) for p in bpe.encode_word(w, k)]
            st.markdown(
                f"“{md_escape(w)}” never occurs in the text, yet it is "
                + " · ".join(md_code(p) for p in split)
                + ": known pieces, each with its own row, looked up like any other token."
                + (" A piece shown as `<F0 9F>` is bytes that are only part of a character "
                   "(an emoji or an accent takes 2–4 bytes)." if alphabet == "bytes" else "")
            )
        if UNK_ID in ids:
            st.markdown(f"`{UNK}` here: a character the text never had. Start from **bytes** "
                        "and it disappears.")
    _pieces_quiz(bpe, alphabet)


def _pieces_quiz(bpe, alphabet: str) -> None:
    n_all = len(bpe.merges)
    k_quiz = min(QUIZ_MERGES, n_all)
    answer = len(bpe.encode_word(QUIZ_WORD, k_quiz))
    first = max(1, min(answer - len(text) % 5, len(QUIZ_WORD) - 4))  # the answer moves about
    options = list(range(first, first + 5))
    pieces = bpe.encode_word(QUIZ_WORD, k_quiz)
    in_text = "contains" if QUIZ_WORD in sw.text_vocabulary(text) else "does not contain"
    no_unk = "" if UNK in pieces else " No piece is `[UNK]`."
    predict_then_reveal(
        "sub_quiz_pieces",
        f"The text {in_text} “{QUIZ_WORD}”. Into how many pieces will it split after "
        f"{k_quiz:,} merges learned from this text?",
        options, answer,
        f"After {k_quiz:,} merges “{QUIZ_WORD}” is **{answer} pieces**: "
        + " · ".join(md_code(sw.show_piece(p, alphabet)) for p in pieces)
        + f" (it started as {len(sw.to_symbols(QUIZ_WORD, alphabet))} symbols). Pieces that "
        "many words share are merged early; the rarer parts of a word stay in small pieces."
        + no_unk,
        context=(text_name, len(text), alphabet, k_quiz),
    )


# ---- 3. The trade-off ------------------------------------------------------------------------
def trade_off_section(points: list) -> None:
    st.header("3 · The trade-off: rows of the table against tokens per sentence")
    if not points:
        st.info("The trade-off is measured on held-out sentences (every fifth one): this "
                "text needs at least five sentences.")
        return
    dim = st.select_slider("Numbers per row (dim)", DIMS, value=384, key="sub_dim", bind=BIND, disabled=teacher.locked('sub_dim'))
    left, right = st.columns([3, 2])
    with left:
        show_chart(figs.trade_off([p.name for p in points], [p.vocab_size for p in points],
                                  [p.tokens_per_sentence for p in points],
                                  [p.unk_share for p in points], dim), key="sub_trade_chart")
    words = points[-1]
    right.markdown(
        "Learned on four sentences out of five, measured on the fifth, which the vocabulary "
        f"never saw. **Few rows, long sequences**: {points[0].tokens_per_sentence:.1f} tokens "
        f"per sentence from {points[0].vocab_size:,} symbols. **Whole words**: "
        f"{words.tokens_per_sentence:.1f} tokens from {words.vocab_size:,} rows, but "
        f"{words.unk_share:.1%} of the tokens are lost to `[UNK]`. BPE sits in between, "
        + ("with no `[UNK]`." if max(p.unk_share for p in points[:-1]) == 0 else
           "with `[UNK]` only for characters the text never had.")
    )
    st.dataframe(pd.DataFrame({
        "vocabulary": [p.name for p in points],
        "rows V": [p.vocab_size for p in points],
        f"V × {dim} numbers": [p.vocab_size * dim for p in points],
        "tokens / sentence": [round(p.tokens_per_sentence, 1) for p in points],
        "[UNK] share": [f"{p.unk_share:.1%}" for p in points],
    }), hide_index=True, width="stretch")


# ---- 4. The real model's WordPiece -----------------------------------------------------------
def real_section() -> None:
    st.header("4 · A real model's tokenizer: WordPiece in all-MiniLM-L6-v2")
    with st.spinner("Reading the real model's tokenizer…"):
        vocab = sw.real_vocab()
    n_cont = sum(t.startswith("##") for t in vocab)
    st.markdown(
        f"all-MiniLM-L6-v2 (a 6-layer BERT) has **{len(vocab):,} tokens**, {n_cont:,} of them "
        "`##` pieces that continue a word. WordPiece takes the longest piece of the "
        "vocabulary that starts the word, then the longest `##` piece for the rest, and so on."
    )
    split = sw.real_split(sentence)
    if split.tokens:
        show_wide(pd.DataFrame({"token": split.tokens, "ID": [str(i) for i in split.ids]}).T)
    if split.dropped:
        st.caption(f"Shown: the first {len(split.tokens)} of this sentence's {split.total} "
                   f"tokens. The tokenizer (its tokenizer.json) cuts every text at "
                   f"{split.max_tokens} tokens and drops the rest; the model itself has "
                   f"{minilm.config()['max_position_embeddings']} positions.")
    table_rows, dim = len(vocab), minilm.config()["hidden_size"]
    n_emoji, emoji_known = sw.emoji_rows()
    example = "dogs😀cats"
    st.markdown(
        f"Its embedding table: **{table_rows:,} × {dim}** = {table_rows * dim:,} numbers "
        f"({units.show_bytes(table_rows * dim * 4)} of float32, {units.MB_NOTE}), one row per "
        f"token above. {split.tokens.count(UNK)} of this sentence's {len(split.tokens)} tokens "
        f"are `{UNK}`. WordPiece gives a **whole word** one `{UNK}` as soon as one of its "
        f"characters is in no piece: “{example}” is "
        + " · ".join(md_code(t) for t in sw.real_split(example).tokens)
        + f". {'None' if not emoji_known else f'Only {emoji_known:,}'} of the {n_emoji:,} "
        f"characters of Unicode's U+{sw.EMOJI_RANGE[0]:X}–U+{sw.EMOJI_RANGE[1]:X} (most "
        "emoji) has a row."
    )


# ---- 5. A vector for a word it never saw ------------------------------------------------------
def unseen_section() -> None:
    st.header("5 · A vector for a word it has never seen")
    c1, c2 = st.columns(2)
    word = c1.text_input("A word the model never saw", "doglike", key="sub_unseen", bind=BIND, disabled=teacher.locked('sub_unseen'))
    related = c2.text_input("A known word to compare with", "dog", key="sub_related",
                            bind=BIND, disabled=teacher.locked('sub_related'))
    word = capped(word, 60, "word").strip().lower()
    related = capped(related, 60, "word").strip().lower()
    if not sw.real_split(word).tokens:
        st.info("Type a word (letters) to build its vector.")
        return
    with st.spinner("Reading the real token table (once per server)…"):
        pv = sw.pieces_vector(word, related)
    st.markdown(
        f"“{md_escape(word)}” is "
        + " · ".join(md_code(p) for p in pv.pieces)
        + f" (IDs {', '.join(map(str, pv.ids))}). fastText's idea: its vector is the **mean "
        "of its pieces' rows** (the sum points the same way, so it has the same cosine "
        "neighbours). At word level it would be the single `[UNK]` row."
    )
    if len(pv.pieces) == 1 and UNK not in pv.pieces:
        st.info("This word is one token of the vocabulary: it has its own row. Try a made-up "
                "word such as “doglike” or “unfriendliest”.")
    if pv.related is None:
        st.info(f"“{md_escape(related)}” is not one token of the vocabulary, so there is "
                "nothing to compare with: type a common word.")
        revealed = True
    else:
        nearer = "the mean of its pieces" if pv.cos_mean_related > pv.cos_unk_related \
            else "the [UNK] row"
        revealed = predict_then_reveal(
            "sub_quiz_nearer",
            f"Which is nearer (by cosine) to the row of “{md_escape(pv.related)}”: the "
            f"`[UNK]` row, or the mean of “{md_escape(word)}”'s pieces?",
            ["the [UNK] row", "the mean of its pieces"], nearer,
            f"Cosine to “{md_escape(pv.related)}”: mean of the pieces "
            f"**{pv.cos_mean_related:.2f}**, `[UNK]` row **{pv.cos_unk_related:.2f}**. The "
            "pieces carry meaning the model learned from every word that shares them; "
            "`[UNK]` carries none.",
            context=(word, pv.related),
        )
    if revealed:
        show_chart(figs.neighbours(
            f"mean of {word[:16]}'s pieces", pv.neighbours,
            "the [UNK] row", pv.unk_neighbours), key="sub_neigh_chart")
        st.caption("The nearest of the 30,522 rows by cosine, to each vector; the word's own "
                   "pieces and the special tokens are left out.")


with st.container():
    if has_words:
        word_level_section()
        merges = learned_merges()
        if merges is not None:
            bpe_section(merges.bpe)
            trade_off_section(merges.trade_off)
    real_section()
    unseen_section()

with st.expander("How the merges are learned, and how they are checked"):
    st.markdown(
        "`embedviz/subwords.py` holds the merge loop: count pairs weighted by how often each "
        "word occurs, merge the most frequent (ties: the pair whose pieces have the smaller "
        "IDs), rewrite only the words that hold it, repeat. The tests train Hugging Face "
        "`tokenizers`' `BpeTrainer` on the same words and check that the merges, the "
        "vocabulary and every encoding are the same, and that the WordPiece loop gives the "
        "real tokenizer's pieces. A built-in text's merges are learned once per server and "
        "shared; moving the slider only replays the first merges."
    )

next_lesson_link()

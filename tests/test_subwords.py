"""Lesson 7's core against the libraries that own the truth: Hugging Face ``tokenizers``
(BpeTrainer, BPE, the real WordPiece tokenizer), ``safetensors``, torch and float64 numpy."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

from embedviz import minilm
from embedviz import subwords as sw
from embedviz.text import UNK_ID, tokenize

SENTENCES = [
    "The refrigerator was unrefrigerated.",
    "unbelievably doglike functions, lambdas & coroutines!",
    "I love 🐱 and 🍌 🍌", "我喜欢猫。", "אני אוהב חתולים", "café naïve coöperate",
    "<script>alert('x')</script> the cat sat", "zzzqqq xyzzy 3 14 159",
]


def hf_bpe(text: str, alphabet: str, vocab_size: int) -> Tokenizer:
    """``tokenizers``' own BPE trainer on the same words with the same settings."""
    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    extra = {}
    if alphabet == "bytes":
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
        extra["initial_alphabet"] = pre_tokenizers.ByteLevel.alphabet()
    else:
        tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=1, show_progress=False,
                                  special_tokens=["[PAD]", "[UNK]"], **extra)
    tok.train_from_iterator([" ".join(tokenize(text))], trainer)
    return tok


def hf_merges(tok: Tokenizer) -> list[tuple[str, str]]:
    return [tuple(m) for m in json.loads(tok.to_str())["model"]["merges"]]


def hf_tokens(tok: Tokenizer, text: str) -> list[str]:
    return tok.encode(" ".join(tokenize(text))).tokens


@pytest.fixture(scope="module", params=["characters", "bytes"])
def alphabet(request):
    return request.param


@pytest.mark.parametrize("name", ["things", "python"])
@pytest.mark.parametrize("k", [0, 1, 37, 500, 3000])
def test_merges_and_vocabulary_equal_bpetrainer(name, k, alphabet):
    text = sw.builtin_text(name)
    bpe = sw.bpe_for_text(text, alphabet)
    k = min(k, len(bpe.merges))
    tok = hf_bpe(text, alphabet, bpe.vocab_size(k))
    assert hf_merges(tok) == [(m.left, m.right) for m in bpe.merges[:k]]
    assert tok.get_vocab() == {p: i for i, p in enumerate(bpe.pieces(k))}


@pytest.mark.parametrize("k", [0, 10, 200, 1500])
def test_encodings_equal_the_trained_tokenizer(k, alphabet):
    text = sw.builtin_text("python")
    bpe = sw.bpe_for_text(text, alphabet)
    tok = hf_bpe(text, alphabet, bpe.vocab_size(k))
    for s in SENTENCES + sw.sentences_of(text)[:40]:
        pieces, ids = bpe.encode(s, k)
        hf = tok.encode(" ".join(tokenize(s)))
        assert pieces == hf.tokens, s
        assert ids == hf.ids, s


def test_encodings_equal_bpe_built_from_our_merges(alphabet):
    """The replay of the first k merges alone, checked by tokenizers' BPE model."""
    bpe = sw.bpe_for_text(sw.builtin_text("things"), alphabet)
    for k in (5, 120, len(bpe.merges)):
        vocab = {p: i for i, p in enumerate(bpe.pieces(k))}
        merges = [(m.left, m.right) for m in bpe.merges[:k]]
        tok = Tokenizer(models.BPE(vocab, merges, unk_token="[UNK]"))
        for s in SENTENCES + ["the lion drove the red bus to paris"]:
            for word in tokenize(s):
                symbols = "".join(sw.to_symbols(word, alphabet))
                assert bpe.encode_word(word, k) == tok.encode(symbols).tokens, word


def test_random_small_texts_agree_with_bpetrainer():
    rng = random.Random(7)
    for _ in range(150):
        words = ["".join(rng.choice("abcd") for _ in range(rng.randint(1, 7)))
                 for _ in range(rng.randint(1, 40))]
        text = " ".join(words)
        bpe = sw.train_bpe(sw.word_counts(text))
        tok = hf_bpe(text, "characters", 10_000)
        assert hf_merges(tok) == [(m.left, m.right) for m in bpe.merges], text
        for w in set(words) | {"dcba", "abcdabcd"}:
            assert bpe.encode_word(w, len(bpe.merges)) == tok.encode(w).tokens


def test_text_token_counts_are_what_encoding_the_text_gives(alphabet):
    text = sw.builtin_text("reviews")
    bpe = sw.bpe_for_text(text, alphabet)
    ks, tokens, vocab = bpe.curve()
    for k in (0, 3, 50, len(bpe.merges)):
        tok = hf_bpe(text, alphabet, bpe.vocab_size(k))
        assert tokens[k] == bpe.text_tokens(k) == len(hf_tokens(tok, text))
        assert vocab[k] == len(tok.get_vocab())


def test_merge_counts_are_pair_counts_of_the_text():
    text = sw.builtin_text("things")
    bpe = sw.bpe_for_text(text, "characters")
    for k in (0, 7, 99):
        pieces = {w: bpe.encode_word(w, k) for w in set(tokenize(text))}
        counted = sum(
            sum(1 for a, b in zip(p, p[1:]) if (a, b) == (bpe.merges[k].left, bpe.merges[k].right))
            * n for w, p in pieces.items() for n in [sw.word_counts(text)[w]]
        )
        assert counted >= bpe.merges[k].count  # overlapping pairs (aaa) count twice
        assert bpe.text_tokens(k) - bpe.text_tokens(k + 1) == bpe.merges[k].count


def test_a_merge_count_beyond_the_text_says_so():
    bpe = sw.train_bpe(sw.word_counts("cat cat cat"), sw.BPEConfig(max_merges=50))
    # a tie: (a, t) before (c, a) because a, c, t get IDs 2, 3, 4 (tokenizers does the same)
    assert [m.piece for m in bpe.merges] == ["at", "cat"]
    assert hf_merges(hf_bpe("cat cat cat", "characters", 100)) == [("a", "t"), ("c", "at")]
    assert "allows only 2 merges" in bpe.stop_reason
    empty = sw.train_bpe(sw.word_counts(""))
    assert empty.merges == () and empty.encode("", 5) == ([], [])


def test_unknown_characters_are_unk_only_with_characters():
    bpe_c = sw.bpe_for_text(sw.builtin_text("things"), "characters")
    bpe_b = sw.bpe_for_text(sw.builtin_text("things"), "bytes")
    assert UNK_ID in bpe_c.encode("🐱 我", 100)[1]
    assert UNK_ID not in bpe_b.encode("🐱 我", 100)[1]


def test_bytes_are_shown_as_bytes_not_garbled():
    assert [sw.piece_bytes(p) for p in sw.to_symbols("🐱", "bytes")] == [
        bytes([b]) for b in "🐱".encode()]
    cat = sw.to_symbols("🐱", "bytes")
    assert sw.show_piece("".join(cat), "bytes") == "🐱"
    assert sw.show_piece("".join(cat[:2]), "bytes") == "<F0 9F>"
    assert sw.show_piece("".join(sw.to_symbols("é", "bytes")), "bytes") == "é"
    # the map is tokenizers' own ByteLevel alphabet
    assert set(sw.BYTE_CHAR.values()) == set(pre_tokenizers.ByteLevel.alphabet())
    assert pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False).pre_tokenize_str(
        "é🐱")[0][0] == "".join(sw.to_symbols("é🐱", "bytes"))


def test_every_unknown_word_gets_the_same_row():
    wl = sw.word_level("the cat sat on the mat", "The refrigerator was unrefrigerated cat")
    assert wl.unknown == ["refrigerator", "was", "unrefrigerated"]
    rows = torch.tensor(wl.unknown_vectors)
    assert torch.equal(rows, rows[:1].expand_as(rows))
    cos = torch.nn.functional.cosine_similarity(rows[:, None], rows[None, :], dim=-1)
    np.testing.assert_allclose(wl.unknown_cosine, cos.numpy(), atol=1e-6)
    assert np.allclose(wl.unknown_cosine, 1.0)


# ---- the real WordPiece --------------------------------------------------------------------


def _real_tokenizer(truncate: bool = False) -> Tokenizer:
    """The real all-MiniLM-L6-v2 tokenizer, straight from its tokenizer.json."""
    tok = Tokenizer.from_str(minilm.read_file("tokenizer.json").decode())
    if not truncate:
        tok.no_truncation()  # the file cuts at 128 tokens; the loop splits any length
    tok.no_padding()
    return tok


# Words that are hard for a WordPiece loop: the special tokens as typed (matched before
# lower-casing), Unicode (accents, CJK, emoji, joiners, combining marks, right-to-left),
# punctuation, "##" typed by hand, and words at the 100-character limit and one either side.
HARD_WORDS = [
    "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[PAD]", "[CLS] hello world", "x[SEP]y", "[[CLS]]",
    "[cls] [Cls] [ CLS ]", "[MASK][MASK][PAD]", "[UNK]able", "##ing ## #", "unrefrigerated",
    "Ünïcödé naïve café résumé coöperate Ångström", "ﬁnance ｆｕｌｌｗｉｄｔｈ", "İstanbul ß ǅ",
    "我喜欢猫。日本語のテキスト 한국어", "dogs😀cats", "👨‍👩‍👧 family 👍🏽 ok 🇫🇷", "e\u0301 a\u0300",
    "zero\u200bwidth soft\u00adhyphen", "tab\tnew\nline\r\x00nul \x7f", "אני אוהב חתולים",
    "مرحبا بالعالم", "Привет мир", "ελληνικά", "don't stop-believing... (really?!) $5.00 #1 @me",
    "<script>alert('x')</script>", "C++ C# F# .NET e-mail", "3.14159 1,000,000 ½ ² ⅷ",
    "word" * 25, "word" * 25 + "s", "word" * 24 + "wor", "é" * 100, "é" * 101,
    "x" * 99, "x" * 100, "x" * 101, "😀" * 100, "unbelievable" * 8 + "unbe",
    "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
    "supercalifragilistic unrefrigeratable doglike catlike hyperdogs",
]


def test_wordpiece_loop_equals_the_real_tokenizer(bad_inputs):
    tok = _real_tokenizer()
    texts = SENTENCES + HARD_WORDS + [t for _, t in bad_inputs] + [
        sw.builtin_text("python")[:5000], "antidisestablishmentarianism " * 3]
    for text in texts:
        real = tok.encode(text, add_special_tokens=False).tokens
        assert sw.wordpiece_tokens(text) == real, text[:60]


def test_the_word_length_limit_is_the_real_ones():
    """A word of exactly the limit is split, one more character is [UNK]: what the real
    tokenizer does (an off-by-one in the loop's test fails here)."""
    limit = minilm.config().get("max_input_chars_per_word") or json.loads(
        minilm.read_file("tokenizer.json"))["model"]["max_input_chars_per_word"]
    tok = _real_tokenizer()
    for n in (limit - 1, limit, limit + 1):
        word = ("word" * n)[:n]
        real = tok.encode(word, add_special_tokens=False).tokens
        assert sw.wordpiece_tokens(word) == real
        assert (real == ["[UNK]"]) == (n > limit)


def test_the_real_split_is_cut_where_the_tokenizer_cuts():
    tok = _real_tokenizer(truncate=True)
    cut = tok.truncation["max_length"]
    for text in ["[CLS] hello world", "a " * cut, "a " * (cut + 1), "😀 " * 200, "x" * 500]:
        split = sw.real_split(text)
        assert split.tokens == tok.encode(text, add_special_tokens=False).tokens
        assert split.total == len(_real_tokenizer().encode(text, add_special_tokens=False).ids)
        assert split.max_tokens == cut
    assert sw.real_split("[CLS] hello world").dropped == 0  # "[CLS]" is one token, none cut
    assert sw.real_split("😀 " * 200).dropped == 200 - cut


def test_emoji_have_no_row_and_make_their_word_unknown():
    import unicodedata

    n, known = sw.emoji_rows()
    vocab = _real_tokenizer().get_vocab()
    chars = [chr(c) for c in range(0x1F300, 0x1FB00) if unicodedata.category(chr(c)) != "Cn"]
    assert n == len(chars) > 1000
    assert known == sum(c in vocab or "##" + c in vocab for c in chars) == 0
    assert sw.real_split("dogs😀cats").tokens == ["[UNK]"]  # the whole word, not one piece


def test_the_real_vocabulary_and_table_shape():
    assert len(sw.real_vocab()) == 30_522 == minilm.config()["vocab_size"]
    assert sw.real_vocab()["[UNK]"] == 100
    table, norms, words = sw.real_table()
    assert table.shape == (30_522, 384) and not table.flags.writeable
    assert words[100] == "[UNK]" and words[3899] == "dog"


def test_token_table_equals_safetensors():
    from safetensors.numpy import load

    tensors = load(minilm.read_file("model.safetensors"))
    name = next(k for k in tensors if k.endswith("word_embeddings.weight"))
    np.testing.assert_array_equal(minilm.token_table(), tensors[name])


def test_pieces_vector_and_its_neighbours_in_float64():
    table, _, words = sw.real_table()
    pv = sw.pieces_vector("doglike", "dog", k=6)
    assert pv.pieces == ["dog", "##like"]
    ref = table[pv.ids].astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(pv.vector, ref, rtol=1e-12)
    t64 = table.astype(np.float64)
    cos = t64 @ ref / (np.linalg.norm(t64, axis=1) * np.linalg.norm(ref))
    cos[list(set(pv.ids) | set(sw.SPECIAL_IDS))] = -np.inf
    best = np.argsort(-cos)[:6]
    assert [n.word for n in pv.neighbours] == [words[i] for i in best]
    np.testing.assert_allclose([n.score for n in pv.neighbours], cos[best], atol=1e-5)
    dog, unk = t64[words.index("dog")], t64[100]
    assert pv.cos_mean_related == pytest.approx(ref @ dog / np.linalg.norm(ref)
                                                / np.linalg.norm(dog), abs=1e-9)
    assert pv.cos_unk_related == pytest.approx(unk @ dog / np.linalg.norm(unk)
                                               / np.linalg.norm(dog), abs=1e-9)


# ---- the trade-off -------------------------------------------------------------------------


def test_trade_off_points_are_measured_on_held_out_sentences():
    text = sw.builtin_text("python")
    points = sw.trade_off(text, "characters")
    seen, held = sw.held_out_split(text)
    every = sw.sentences_of(text)
    assert held == every[4::5] and len(sw.sentences_of(seen)) == len(every) - len(held)
    by_name = {p.name: p for p in points}
    bpe = sw.bpe_for_text(seen, "characters")
    tok = hf_bpe(seen, "characters", bpe.vocab_size(500))
    n = [len(tok.encode(" ".join(tokenize(s))).tokens) for s in held]
    assert by_name["BPE, 500 merges"].tokens_per_sentence == pytest.approx(np.mean(n))
    assert by_name["BPE, 500 merges"].vocab_size == tok.get_vocab_size()
    words = by_name["whole words"]
    known = set(tokenize(seen))
    held_words = [w for s in held for w in tokenize(s)]
    assert words.unk_share == pytest.approx(np.mean([w not in known for w in held_words]))
    assert words.unk_share > 0 == by_name["BPE, 500 merges"].unk_share
    lengths = [p.tokens_per_sentence for p in points]
    assert lengths == sorted(lengths, reverse=True)  # more rows, shorter sentences


def test_bad_inputs_never_break_the_core(bad_inputs):
    bpe = sw.bpe_for_text(sw.builtin_text("reviews"), "bytes")
    for _, text in bad_inputs:
        text = text[: sw.MAX_SENTENCE_CHARS]
        pieces, ids = bpe.encode(text, 100)
        assert UNK_ID not in ids
        assert all(isinstance(sw.show_piece(p, "bytes"), str) for p in pieces)
        sw.word_level("the cat", text)
        sw.real_split(text)

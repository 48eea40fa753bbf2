"""Tokenizer and Vocabulary: round trips, [PAD]/[UNK], truncation, ordering, caps."""

import pytest

from embedviz.text import (
    MAX_TOKEN_CHARS,
    PAD,
    PAD_ID,
    UNK,
    UNK_ID,
    Vocabulary,
    pad_or_truncate,
    tokenize,
)


def test_tokenize_splits_words_and_punctuation_lower_case():
    assert tokenize("White refrigerator is evil.") == ["white", "refrigerator", "is", "evil", "."]
    assert tokenize("Hello, World!") == ["hello", ",", "world", "!"]


def test_tokenize_odd_unicode():
    assert tokenize("I love 🐱 and 🍌") == ["i", "love", "🐱", "and", "🍌"]
    assert tokenize("我喜欢猫。") == ["我", "喜", "欢", "猫", "。"]  # one token per CJK character
    assert tokenize("cat\u200bdog\u200cbird") == ["cat", "dog", "bird"]  # zero-width = space
    assert tokenize("cat\u0000dog\u0007bird") == ["cat", "dog", "bird"]  # control chars = space
    # a precomposed and a combining-accent "café" are the same token (NFKC)
    assert tokenize("cafe\u0301") == tokenize("caf\u00e9") == ["café"]
    assert tokenize("אני אוהב") == ["אני", "אוהב"]


def test_tokenize_caps_very_long_tokens():
    (tok,) = tokenize("a" * 20_000)
    assert tok == "a" * MAX_TOKEN_CHARS


def test_tokenize_html_is_just_text():
    toks = tokenize("<script>alert('x')</script> the cat")
    assert "script" in toks and "<" in toks and toks[-2:] == ["the", "cat"]


def test_vocabulary_alphabetical_is_the_textbook_order():
    v = Vocabulary.from_text("the quick brown fox jumps over the lazy dog")
    assert v.itos[:2] == [PAD, UNK]
    assert v.itos[2:5] == ["brown", "dog", "fox"]
    assert v.stoi["brown"] == 2 and len(v) == 2 + 8


def test_vocabulary_frequency_order_and_counts():
    v = Vocabulary.from_text("b a b c b a", order="frequency")
    assert v.itos == [PAD, UNK, "b", "a", "c"]
    assert v.counts == {"b": 3, "a": 2, "c": 1}


def test_max_size_keeps_the_most_frequent_and_counts_specials():
    v = Vocabulary.from_text("z z z y y x", order="alphabetical", max_size=4)
    assert v.itos == [PAD, UNK, "y", "z"]
    assert v.encode("x y z").ids == [UNK_ID, 2, 3]  # x was cut: it is unknown now
    with pytest.raises(ValueError):
        Vocabulary.from_text("a", max_size=1)


def test_encode_decode_round_trip_and_unknown():
    v = Vocabulary.from_text("the cat sat on the mat")
    enc = v.encode("The cat sat")
    assert v.decode(enc.ids) == ["the", "cat", "sat"]
    enc = v.encode("the dog sat")
    assert enc.ids[1] == UNK_ID and enc.unknown == ["dog"]
    assert enc.tokens == ["the", "dog", "sat"]  # unknown tokens are shown as typed


def test_padding_and_truncation():
    v = Vocabulary.from_text("a b c d e")
    enc = v.encode("a b", length=5)
    assert enc.ids == [2, 3, PAD_ID, PAD_ID, PAD_ID]
    assert enc.tokens == ["a", "b", PAD, PAD, PAD] and enc.n_real == 2 and enc.n_truncated == 0
    enc = v.encode("a b c d e", length=3)
    assert enc.ids == [2, 3, 4] and enc.n_truncated == 2
    assert v.decode(v.encode("a", length=3).ids, skip_pad=True) == ["a"]
    assert pad_or_truncate([], 2) == ([0, 0], 0, 0)
    with pytest.raises(ValueError):
        pad_or_truncate([1], 0)


def test_decode_rejects_ids_outside_the_vocabulary():
    v = Vocabulary.from_text("a b")
    with pytest.raises(IndexError):
        v.decode([7])


def test_every_bad_input_tokenizes_and_encodes(bad_inputs):
    v = Vocabulary.from_text("the cat sat", max_size=1000)
    for name, text in bad_inputs:
        enc = v.encode(text, length=8)
        assert len(enc.ids) == 8, name
        assert all(0 <= i < len(v) for i in enc.ids), name
        big = Vocabulary.from_text(text, max_size=500)
        assert len(big) <= 500, name

"""The corpora of lesson 3: built-in files, their labels, and the student's own text."""

from __future__ import annotations

import codecs
import importlib.util
from collections import Counter

import pytest

from embedviz import corpora
from embedviz.corpora import CorpusProblem, corpus_from_text, decode_upload, load_builtin


def test_things_corpus_has_six_kinds_and_every_kind_word_is_used():
    corpus = load_builtin("things")
    assert len(corpus.sentences) >= 2000 and not corpus.is_labelled
    kinds = Counter(corpus.categories.values())
    assert len(kinds) >= 6 and min(kinds.values()) >= 8
    counts = Counter(w for s in corpus.sentences for w in s)
    rare = {w: counts[w] for w in corpus.categories if counts[w] < 20}
    assert not rare, rare  # every labelled word is seen often enough to be learned
    vocab = corpus.vocabulary()
    assert vocab.itos[:2] == ["[PAD]", "[UNK]"] and all(w in vocab for w in corpus.categories)


def test_things_corpus_words_of_a_kind_fill_the_same_slots():
    """Content words are labelled: each word that fills a kind's slot has that kind's label."""
    corpus = load_builtin("things")
    for sentence in corpus.sentences[:500]:
        if sentence[:2] == ("i", "feed") and sentence[2:3] == ("the",):
            assert corpus.categories.get(sentence[3]) in ("animal", None)


def test_reviews_are_labelled_and_nearly_every_review_has_a_sentiment_word():
    corpus = load_builtin("reviews")
    assert corpus.is_labelled and len(corpus.labels) == len(corpus.sentences) >= 1000
    assert set(corpus.labels) == {0, 1} and corpus.label_names == ("negative", "positive")
    assert set(corpus.categories.values()) == {"positive", "negative"}
    with_word = [any(w in corpus.categories for w in s) for s in corpus.sentences]
    assert sum(with_word) == len(with_word)
    # the label agrees with the sentiment words in most reviews (noise and negations aside)
    agree = sum(
        corpus.label_names[y] == Counter(corpus.categories[w] for w in s
                                         if w in corpus.categories).most_common(1)[0][0]
        for s, y in zip(corpus.sentences, corpus.labels)
    )
    assert 0.85 < agree / len(with_word) < 0.99


def test_committed_data_is_exactly_what_the_generator_writes(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_corpora", corpora.DATA / "make_corpora.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path)
    module.main()
    for name in ("things.txt", "things_categories.tsv", "reviews.tsv", "reviews_categories.tsv"):
        assert (tmp_path / name).read_bytes() == (corpora.DATA / name).read_bytes(), name


def test_user_text_checks_say_what_is_missing():
    with pytest.raises(CorpusProblem, match="at least 200"):
        corpus_from_text("the cat sat on the mat. " * 10)
    with pytest.raises(CorpusProblem, match="appear twice"):
        corpus_from_text(" ".join(f"w{i}" for i in range(300)))
    good = corpus_from_text(
        "The cat chased the mouse. The dog chased the cat. A bird sang in the tree. " * 12
        + "The mouse ate cheese while the bird ate seeds. " * 8
    )
    assert good.name == corpora.USER and good.categories == {} and good.n_words >= 200
    assert "." not in {w for s in good.sentences for w in s}  # punctuation dropped
    assert good.vocabulary().counts["cat"] == 24


def test_every_bad_input_gives_a_corpus_or_a_plain_problem(bad_inputs):
    for name, text in bad_inputs:
        try:
            corpus = corpus_from_text(text)
        except CorpusProblem as problem:
            assert str(problem), name
        else:
            assert corpus.n_words >= corpora.MIN_WORDS, name
            assert len(corpus.vocabulary()) <= corpora.MAX_VOCAB + 2, name


def test_decode_upload_handles_encodings_and_says_what_is_wrong():
    assert decode_upload(codecs.BOM_UTF8 + "café".encode()) == "café"
    assert decode_upload("naïve 🐱".encode("utf-16")) == "naïve 🐱"
    with pytest.raises(CorpusProblem, match="not UTF-8"):
        decode_upload("café".encode("latin-1"))
    with pytest.raises(CorpusProblem, match="binary"):
        decode_upload(b"\x89PNG\r\n\x1a\n\x00\x00\x00")

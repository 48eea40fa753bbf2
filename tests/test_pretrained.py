"""GloVe is loaded once per process, memory-mapped and never copied (lesson 5)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from embedviz import pretrained


def test_glove_is_one_shared_read_only_memory_map():
    glove = pretrained.load_glove()
    assert isinstance(glove.matrix, np.memmap)
    assert glove.matrix.shape == (400_000, 50) and glove.matrix.dtype == np.float32
    assert not glove.matrix.flags.owndata  # a view of the mapped file, not a copy
    assert not glove.matrix.flags.writeable
    with pytest.raises(ValueError):
        glove.matrix[0, 0] = 1.0


def test_glove_is_loaded_once_even_from_many_threads():
    found = []
    threads = [threading.Thread(target=lambda: found.append(pretrained.load_glove()))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(g) for g in found}) == 1
    assert found[0] is pretrained.load_glove()
    assert found[0].norms is found[0].norms  # computed once, then kept


def test_rows_copies_only_the_rows_asked_for():
    glove = pretrained.load_glove()
    rows = glove.rows([glove.stoi["cat"], glove.stoi["dog"]])
    assert rows.shape == (2, 50) and rows.flags.owndata
    np.testing.assert_array_equal(rows[1], glove.matrix[glove.stoi["dog"]])
    i = glove.stoi["paris"]
    np.testing.assert_allclose(glove.norms[i], np.linalg.norm(glove.matrix[i]), rtol=1e-6)


def test_most_frequent_words_skip_punctuation_and_keep_frequency_order():
    glove = pretrained.load_glove()
    idx = pretrained.most_frequent_words(glove, 5)
    assert [glove.itos[i] for i in idx] == ["the", "of", "to", "and", "in"]
    assert idx == sorted(idx)
    with pytest.raises(ValueError):
        pretrained.most_frequent_words(glove, 0)
    assert pretrained.frequency_band(0) == "top 100"
    assert pretrained.frequency_band(150_000) == "rarer"


def test_every_shipped_word_list_is_in_glove_with_categories():
    glove = pretrained.load_glove()
    names = pretrained.wordlist_names()
    assert {"animals", "countries_capitals", "numbers", "verb_tenses"} <= set(names)
    for name in names:
        wl = pretrained.load_wordlist(name)
        assert len(wl.words) >= 10 and len(set(wl.categories.values())) >= 2, name
        assert [w for w in wl.words if w not in glove] == [], name


def test_word_list_format_is_checked():
    wl = pretrained.parse_wordlist("t", "# Title here\npets: cat dog\nwild: wolf cat\n")
    assert wl.title == "Title here" and wl.words == ["cat", "dog", "wolf"]
    assert wl.categories["cat"] == "pets"
    paired = pretrained.parse_wordlist("t", "c: france italy\nk: paris rome\npairs: c > k\n")
    assert paired.pairs == [("france", "paris"), ("italy", "rome")]
    assert "pairs" not in paired.categories.values()
    with pytest.raises(ValueError):
        pretrained.parse_wordlist("t", "c: a\npairs: c > nowhere\n")
    with pytest.raises(ValueError):
        pretrained.parse_wordlist("t", "no colon on this line")
    with pytest.raises(ValueError):
        pretrained.load_wordlist("../secrets")

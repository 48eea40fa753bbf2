"""Lesson 5's neighbours, analogies and similarity matrices agree with gensim and sklearn."""

from __future__ import annotations

import numpy as np
import pytest

from embedviz import similarity
from embedviz.pretrained import load_glove
from embedviz.seeding import numpy_rng


@pytest.fixture(scope="module")
def glove():
    return load_glove()


@pytest.fixture(scope="module")
def keyed_vectors(glove):
    """gensim's KeyedVectors on the same 400,000 GloVe vectors (a test-only copy)."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=glove.dim)
    kv.add_vectors(glove.itos, np.asarray(glove.matrix))
    return kv


@pytest.mark.parametrize("word", ["france", "frog", "king", "computer", "went"])
def test_cosine_neighbours_over_all_of_glove_agree_with_gensim(glove, keyed_vectors, word):
    ours = similarity.neighbours(glove.itos, glove.matrix, word, 10, "cosine",
                                 glove.norms, glove.stoi)
    theirs = keyed_vectors.most_similar(word, topn=10)
    assert [n.word for n in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([n.score for n in ours], [s for _, s in theirs], atol=1e-5)


@pytest.mark.parametrize("word", ["paris", "frog", "zebra"])
@pytest.mark.parametrize("restrict", [30_000, 100_000])
def test_restricted_neighbours_agree_with_gensims_restrict_vocab(glove, keyed_vectors, word,
                                                                restrict):
    ours = similarity.neighbours(glove.itos, glove.matrix, word, 10, "cosine", glove.norms,
                                 glove.stoi, restrict=restrict)
    theirs = keyed_vectors.most_similar(word, topn=10, restrict_vocab=restrict)
    assert [n.word for n in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([n.score for n in ours], [s for _, s in theirs], atol=1e-5)


def test_paris_finds_junk_over_all_400k_but_cities_in_the_100k_most_frequent(glove):
    """The reason for the default: over all of GloVe the nearest word to 'paris' is a junk
    token that is in the data; among the 100,000 most frequent words it is a real city."""
    everywhere = similarity.neighbours(glove.itos, glove.matrix, "paris", 1, "cosine",
                                       glove.norms, glove.stoi)[0].word
    frequent = similarity.neighbours(glove.itos, glove.matrix, "paris", 1, "cosine",
                                     glove.norms, glove.stoi, restrict=100_000)[0].word
    assert glove.stoi[everywhere] >= 100_000 and glove.stoi[frequent] < 100_000
    assert frequent != everywhere


@pytest.mark.parametrize("restrict", [30_000, 100_000])
def test_restricted_analogy_agrees_with_gensim(glove, keyed_vectors, restrict):
    ours = similarity.analogy(glove.itos, glove.matrix, "king", "man", "woman", 5, glove.norms,
                              glove.stoi, restrict=restrict)
    theirs = keyed_vectors.most_similar(positive=["king", "woman"], negative=["man"], topn=5,
                                        restrict_vocab=restrict)
    assert [n.word for n in ours] == [w for w, _ in theirs]


@pytest.mark.parametrize("a, b, c", [("king", "man", "woman"), ("paris", "france", "italy"),
                                     ("went", "go", "see"), ("bigger", "big", "small")])
def test_analogies_agree_with_gensim_most_similar(glove, keyed_vectors, a, b, c):
    ours = similarity.analogy(glove.itos, glove.matrix, a, b, c, 5, glove.norms, glove.stoi)
    theirs = keyed_vectors.most_similar(positive=[a, c], negative=[b], topn=5)
    assert [n.word for n in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([n.score for n in ours], [s for _, s in theirs], atol=1e-5)
    assert not {a, b, c} & {n.word for n in ours}  # the inputs are left out


def test_king_minus_man_plus_woman_is_queen(glove):
    best = similarity.analogy(glove.itos, glove.matrix, "king", "man", "woman", 1,
                              glove.norms, glove.stoi)[0]
    assert best.word == "queen"
    raw = similarity.analogy(glove.itos, glove.matrix, "king", "man", "woman", 1,
                             glove.norms, glove.stoi, exclude_inputs=False)[0]
    assert raw.word == "king"  # why the inputs are excluded


def test_euclidean_neighbours_match_brute_force_distances(glove):
    from sklearn.metrics import pairwise_distances

    rows = glove.rows(range(20_000))  # (20000, 50)
    words = glove.itos[:20_000]
    ours = similarity.neighbours(words, rows, "paris", 8, "euclidean")
    d = pairwise_distances(rows[[glove.stoi["paris"]]], rows)[0]
    d[glove.stoi["paris"]] = np.inf
    best = np.argsort(d, kind="stable")[:8]
    assert [n.word for n in ours] == [words[i] for i in best]
    np.testing.assert_allclose([n.score for n in ours], d[best], rtol=1e-5)


def test_a_zero_row_like_padding_is_never_a_cosine_neighbour():
    m = numpy_rng(0).normal(size=(6, 4)).astype(np.float32)  # (6, 4)
    m[0] = 0.0
    words = ["[PAD]", "a", "b", "c", "d", "e"]
    found = similarity.neighbours(words, m, "a", 10, "cosine")
    assert [n.word for n in found] and "[PAD]" not in [n.word for n in found]
    assert len(found) == 4 and all(np.isfinite(n.score) for n in found)


def test_similarity_matrix_agrees_with_sklearn():
    from sklearn.metrics.pairwise import cosine_similarity, euclidean_distances

    x = numpy_rng(1).normal(size=(7, 5))
    np.testing.assert_allclose(similarity.similarity_matrix(x, "cosine"),
                               cosine_similarity(x), atol=1e-12)
    np.testing.assert_allclose(similarity.similarity_matrix(x, "euclidean"),
                               euclidean_distances(x), atol=1e-9)
    with pytest.raises(ValueError):
        similarity.similarity_matrix(x, "manhattan")


def test_unknown_words_are_named():
    with pytest.raises(similarity.UnknownWords) as err:
        similarity.analogy(["a", "b", "c"], np.eye(3), "a", "zebra", "qux")
    assert err.value.words == ["zebra", "qux"]


def test_split_known_and_across_categories():
    known, missing = similarity.split_known(["cat", "dog", "cat", "xyz"], {"cat", "dog"})
    assert known == ["cat", "dog"] and missing == ["xyz"]
    cats = {"france": "country", "germany": "country", "paris": "capital", "berlin": "capital"}
    picked = similarity.across_categories(["france", "germany", "paris", "berlin"], cats, 3)
    assert picked == ["france", "paris", "germany"]

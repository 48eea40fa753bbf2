"""Lesson 5's PCA agrees with scikit-learn; t-SNE is seeded and honest; exports round-trip."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from embedviz import projection
from embedviz.pretrained import load_glove, most_frequent_words
from embedviz.seeding import numpy_rng


@pytest.fixture(scope="module")
def words_and_vectors():
    g = load_glove()
    idx = most_frequent_words(g, 200)
    return [g.itos[i] for i in idx], g.rows(idx)  # (200, 50)


def test_pca_explained_variance_and_coordinates_agree_with_sklearn(words_and_vectors):
    from sklearn.decomposition import PCA

    _, x = words_and_vectors
    ours = projection.pca_basis(x, 10)
    theirs = PCA(n_components=10).fit(x.astype(np.float64))
    np.testing.assert_allclose(ours.explained_variance_ratio, theirs.explained_variance_ratio_,
                               rtol=1e-6)
    np.testing.assert_allclose(ours.explained_variance, theirs.explained_variance_, rtol=1e-6)
    a, b = ours.project(x), theirs.transform(x.astype(np.float64))  # (200, 10) each
    signs = np.sign((a * b).sum(axis=0))  # an axis may point either way
    np.testing.assert_allclose(a, b * signs, atol=1e-8)


def test_pca_axes_do_not_flip_when_the_points_are_negated():
    x = numpy_rng(0).normal(size=(20, 4))
    p, q = projection.pca_basis(x, 2), projection.pca_basis(-x, 2)
    np.testing.assert_allclose(p.components, q.components, atol=1e-12)


def test_pca_rejects_impossible_requests():
    with pytest.raises(ValueError):
        projection.pca_basis(np.ones((1, 3)), 1)
    with pytest.raises(ValueError):
        projection.pca_basis(np.ones((5, 2)), 3)


def test_perplexity_is_fitted_to_the_number_of_points_with_a_message():
    assert projection.fit_perplexity(1000, 30) == (30.0, None)
    used, note = projection.fit_perplexity(20, 30)
    assert used < (20 - 1) / 3 and "too large for 20 points" in note
    with pytest.raises(ValueError):
        projection.fit_perplexity(3, 2)
    with pytest.raises(ValueError):
        projection.fit_perplexity(100, 0)


def test_tsne_is_reproducible_from_its_seed_and_reports_progress(words_and_vectors):
    _, x = words_and_vectors
    x = x[:120]
    seen = []
    cfg = projection.TSNEConfig(n_iter=150, seed=3)
    a = projection.tsne(x, cfg, progress=seen.append)
    b = projection.tsne(x, cfg)
    c = projection.tsne(x, projection.TSNEConfig(n_iter=150, seed=4))
    assert a.coords.shape == (120, 2)
    np.testing.assert_array_equal(a.coords, b.coords)
    assert not np.allclose(a.coords, c.coords)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3
    three = projection.tsne(x[:40], projection.TSNEConfig(dims=3, n_iter=100, perplexity=50))
    assert three.coords.shape == (40, 3) and three.note and three.perplexity <= 13


def test_tsne_results_are_cached_by_their_inputs(words_and_vectors):
    _, x = words_and_vectors
    x = x[:60].copy()
    cfg = projection.TSNEConfig(n_iter=60, seed=11)
    calls = []
    first = projection.tsne_cached(x, cfg, progress=calls.append)
    n_calls = len(calls)
    again = projection.tsne_cached(x.copy(), cfg, progress=calls.append)
    assert again is first and len(calls) == n_calls > 0  # no work, no progress the second time
    x[0, 0] += 1e-3
    assert projection.tsne_cached(x, cfg) is not first  # other numbers, other result
    assert not first.coords.flags.writeable


@pytest.mark.parametrize("n, perplexity", [(100, 5), (100, 30), (200, 5), (200, 30), (300, 5)])
def test_tsne_keeps_neighbours_about_as_well_as_sklearns_default(n, perplexity):
    """Mean trustworthiness over 3 seeds, ours against scikit-learn's default on the same
    seeds and the same float64 rows, at classroom sizes (the cells the old schedule missed
    are here: 100/30 and 300/5; ``bench/projection.py`` prints the whole grid)."""
    from sklearn.manifold import TSNE

    g = load_glove()
    x = g.rows(most_frequent_words(g, n)).astype(np.float64)  # (n, 50), as tsne() computes
    seeds = range(3)
    ours = np.mean([projection.trustworthiness(x, projection.tsne(
        x, projection.TSNEConfig(perplexity=perplexity, seed=s)).coords) for s in seeds])
    theirs = np.mean([projection.trustworthiness(x, TSNE(
        perplexity=perplexity, random_state=s).fit_transform(x)) for s in seeds])
    assert ours >= theirs - 0.01, (ours, theirs)


def test_projector_files_round_trip_exactly():
    words = ["cat", "dog", "tab\there", "naïve"]
    m = numpy_rng(2).normal(size=(4, 3)).astype(np.float32)
    vectors, metadata = projection.projector_files(words, m, {"cat": "pet", "dog": "pet"})
    back = np.loadtxt(io.StringIO(vectors), delimiter="\t", dtype=np.float32, ndmin=2)
    np.testing.assert_array_equal(back, m)  # 9 significant digits: float32 exactly
    rows = list(csv.reader(io.StringIO(metadata), delimiter="\t"))
    assert rows[0] == ["word", "category"]  # a header: there is more than one column
    assert rows[1:] == [["cat", "pet"], ["dog", "pet"], ["tab here", "other"],
                        ["naïve", "other"]]
    _, plain = projection.projector_files(words[:2], m[:2])
    assert plain == "cat\ndog\n"  # one column: no header, as the Projector expects


def test_coordinates_csv_round_trips():
    import pandas as pd

    coords = numpy_rng(3).normal(size=(3, 3))
    text = projection.coordinates_csv(["a", "b,c", "d"], coords, {"a": "x"})
    df = pd.read_csv(io.StringIO(text))
    assert list(df.columns) == ["word", "category", "x", "y", "z"]
    assert df["word"].tolist() == ["a", "b,c", "d"]
    assert df["category"].tolist() == ["x", "other", "other"]
    np.testing.assert_array_equal(df[["x", "y", "z"]].to_numpy(), coords)


def test_choose_points_names_unknown_words_and_marks_added_ones():
    index = {"cat": 0, "dog": 1, "fish": 2}
    matrix = np.arange(9, dtype=np.float32).reshape(3, 3)
    wm = projection.choose_points(["dog", "cat", "dog"], ["fish", "unicorn", "cat"], index,
                                  lambda ix: matrix[ix], {"cat": "pet"})
    assert wm.words == ["dog", "cat", "fish"] and wm.unknown == ["unicorn"]
    assert wm.categories == {"dog": "other", "cat": "pet", "fish": "added"}
    np.testing.assert_array_equal(wm.matrix, matrix[[1, 0, 2]])
    empty = projection.choose_points([], ["unicorn"], index, lambda ix: matrix[ix])
    assert empty.words == [] and empty.matrix.shape == (0, 3)

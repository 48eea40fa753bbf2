"""The Trainer of lesson 3: determinism, blow-up detection, bounded memory, honest metrics."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.neighbors import NearestNeighbors

from embedviz.figures import training as figs
from embedviz.projection_fixed import fit_fixed_basis, grow_half_width
from embedviz.training import TrainConfig, Trainer, nearest_words, neighbour_accuracy


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(model="cbow", optimizer="adamw", weight_decay=0.01),
        dict(corpus="reviews", model="classifier", optimizer="sparse_adam"),
    ],
)
def test_same_seed_and_settings_give_bit_identical_tables(kw):
    a, b = Trainer(TrainConfig(**kw)), Trainer(TrainConfig(**kw))
    a.step(20)
    a.step(15)
    for _ in range(35):  # how the steps are split into ticks does not matter
        b.step(1)
    assert np.array_equal(a.embedding_matrix(), b.embedding_matrix())
    assert np.array_equal(a.history.loss, b.history.loss, equal_nan=True)
    c = Trainer(TrainConfig(**{**kw, "seed": 1}))
    c.step(35)
    assert not np.array_equal(a.embedding_matrix(), c.embedding_matrix())


def test_a_fork_trains_ahead_without_moving_the_original():
    t = Trainer(TrainConfig())
    t.step(10)
    before = t.embedding_matrix()
    ahead = t.fork()
    ahead.step(30)
    assert np.array_equal(t.embedding_matrix(), before) and t.step_count == 10
    t.step(30)
    assert np.array_equal(t.embedding_matrix(), ahead.embedding_matrix())


def test_a_huge_learning_rate_is_caught_and_explained():
    t = Trainer(TrainConfig(optimizer="sgd", lr=1e4, init="default"))
    done = t.step(500)
    assert t.diverged and done < 500 and t.step_count == done
    assert "learning rate" in t.message and "Reset" in t.message and "10000" in t.message
    assert t.step(5) == 0  # stopped for good
    assert np.isfinite(t.last_finite_matrix()).all()
    assert not np.isfinite(t.embedding_matrix()).all()
    assert all(np.isfinite(v) for v in t.history.loss[1:])


def test_history_is_bounded_downsampled_and_averages_the_loss():
    t = Trainer(TrainConfig(history_points=8))
    losses = []
    t.callbacks.append(lambda tr: losses.append(tr.last_loss))
    t.step(200)
    h = t.history
    # 200 steps in points of 32 steps: 32, 64, ..., 192, after the step-0 point
    assert h.stride == 32 and h.steps == [0, 32, 64, 96, 128, 160, 192]
    assert np.isnan(h.loss[0]) and len(h.accuracy) == len(h.steps)
    assert h.loss[-1] == pytest.approx(np.mean(losses[160:192]), rel=1e-9)
    assert h.loss[1] == pytest.approx(np.mean(losses[0:32]), rel=1e-9)


def test_snapshots_stay_within_their_budget_and_cover_the_whole_run():
    t = Trainer(TrainConfig(snapshot_every=2, max_snapshots=10))
    t.step(300)
    s = t.snapshots
    assert len(s) <= 10 and s.steps[0] == 0 and s.steps[-1] > 300 - 2 * s.every
    assert all(step % s.every == 0 for step in s.steps)
    assert s.nbytes <= 10 * t.embedding_matrix().nbytes
    small = Trainer(TrainConfig(dim=128, snapshot_budget_mb=0.5))
    assert small.snapshots.capacity * small.embedding_matrix().nbytes <= 0.5 * 2**20 or (
        small.snapshots.capacity == 4
    )


def test_neighbour_accuracy_matches_scikit_learn_nearest_neighbours():
    t = Trainer(TrainConfig())
    t.step(60)
    W = t.embedding_matrix()
    X = W[t.label_rows]
    nn = NearestNeighbors(n_neighbors=2, metric="cosine").fit(X)
    idx = nn.kneighbors(X, return_distance=False)[:, 1]
    expected = np.mean(t.label_ids[idx] == t.label_ids)
    assert neighbour_accuracy(W, t.label_rows, t.label_ids) == pytest.approx(expected)
    assert t.history.accuracy[-1] == pytest.approx(expected)


def test_nearest_words_match_scikit_learn_cosine():
    t = Trainer(TrainConfig())
    t.step(40)
    W = t.embedding_matrix()
    got = nearest_words(W, t.vocab, "cat", k=5)
    sims = cosine_similarity(W[[t.vocab.stoi["cat"]]], W)[0]
    sims[[0, 1, t.vocab.stoi["cat"]]] = -np.inf
    order = np.argsort(-sims)[:5]
    assert [w for w, _ in got] == [t.vocab.itos[i] for i in order]
    assert [s for _, s in got] == pytest.approx(sims[order].tolist(), abs=1e-6)


def test_the_kinds_take_time_to_form_then_group():
    """Not solved in the first 30 steps; grouped (>= 90%) well within a lesson."""
    t = Trainer(TrainConfig(lr=0.005, batch_size=128))
    assert t.history.accuracy[0] < 0.4
    t.step(30)
    assert t.accuracy() < 0.6
    t.step(570)
    assert t.accuracy() >= 0.9
    reviews = Trainer(TrainConfig(corpus="reviews", model="classifier"))
    reviews.step(150)
    assert reviews.accuracy() >= 0.9


def test_fixed_basis_is_scikit_learn_pca_of_the_reference_and_stays_fixed():
    t = Trainer(TrainConfig())
    rows = np.arange(2, len(t.vocab))
    W0 = t.embedding_matrix()
    basis = fit_fixed_basis(W0, rows, step=0)
    np.testing.assert_allclose(
        np.abs(basis.project(W0[rows])),
        np.abs(PCA(2, svd_solver="full").fit_transform(W0[rows].astype(np.float64))), atol=1e-9,
    )
    t.step(50)
    W1 = t.embedding_matrix()
    reference_mean = W0[rows].astype(np.float64).mean(0)
    expected = (W1[rows] - reference_mean) @ basis.components.T
    np.testing.assert_allclose(basis.project(W1[rows]), expected)
    raw = fit_fixed_basis(Trainer(TrainConfig(dim=2)).embedding_matrix(), rows, 0)
    assert raw.raw and np.array_equal(raw.project(W1[:, :2]), W1[:, :2])
    assert grow_half_width(5.0, np.array([[1.0, -2.0]])) == 5.0
    cloud = np.array([[0.1, -0.2]] * 99 + [[30.0, 0.0]])  # one far-out rare word
    assert grow_half_width(None, cloud) == pytest.approx(0.2 * 1.12)
    assert grow_half_width(None, cloud, must_show=np.array([[1.0, -2.0]])) == pytest.approx(2.24)


def canonical(fig) -> str:
    """A figure's JSON with sorted keys (NaN stays "NaN", so equal figures compare equal)."""
    return json.dumps(json.loads(pio.to_json(fig, validate=False)), sort_keys=True)


def test_figures_draw_the_live_state_and_serialise():
    t = Trainer(TrainConfig())
    t.step(30)
    rows = np.arange(2, len(t.vocab))
    words = [t.vocab.itos[i] for i in rows]
    basis = fit_fixed_basis(t.snapshots.matrices[0], rows, 0)
    points = basis.project(t.embedding_matrix()[rows])
    trails = np.stack([basis.project(m[rows]) for m in t.snapshots.matrices])
    fig = figs.space_figure(points, words, t.categories, half_width=3.0,
                            axis_titles=basis.axis_titles(), trails=trails, focus="cat",
                            neighbours=["dog"])
    names = {tr.name for tr in fig.data if tr.name}
    assert {"animal", "city", "colour", "fruit", "job", "vehicle", "other", "“cat”"} <= names
    cats = next(tr for tr in fig.data if tr.name == "animal")
    assert "cat" in cats.text and tuple(fig.layout.xaxis.range) == (-3.0, 3.0)
    json.loads(pio.to_json(fig))
    frames = [basis.project(m[rows]) for m in t.snapshots.matrices]
    replay = figs.replay_figure(t.snapshots.steps, frames, words, t.categories, half_width=3.0,
                                axis_titles=basis.axis_titles())
    assert len(replay.frames) == len(t.snapshots) and len(replay.frames[0].data) == 7
    near = t.nearest("cat", k=5)
    curves = figs.curves_figure(t.history.steps, t.history.loss, t.history.accuracy, chance=1 / 6,
                                accuracy_label="neighbour accuracy", neighbours=near,
                                categories=t.categories, word="cat")
    assert list(curves.data[1].y) == t.history.accuracy
    assert list(curves.data[2].y) == [w for w, _ in near]
    assert curves.layout.template.layout.plot_bgcolor == "white"  # the shared base_layout
    # the fast figure of a live tick is the same figure as the validated one
    t.step(10)
    parts = figs.space_parts(basis.project(t.embedding_matrix()[rows]), words, t.categories,
                             half_width=4.0, axis_titles=basis.axis_titles(), focus="cat",
                             neighbours=["dog"], trails=trails)
    live = figs.live_figure(*parts, title="step 40", height=700)
    curve_parts = figs.curves_parts(t.history.steps, t.history.loss, t.history.accuracy,
                                    chance=None, accuracy_label="separation", neighbours=near,
                                    categories=t.categories, word="cat")
    for fast in (live, figs.live_figure(*curve_parts, height=760)):
        validated = go.Figure(fast.to_dict())  # raises if any property is invalid
        assert canonical(validated) == canonical(fast)
    assert live.layout.title.text == "step 40" and tuple(live.layout.xaxis.range) == (-4.0, 4.0)
    assert live.layout.template.layout.plot_bgcolor == "white" and live.layout.height == 700

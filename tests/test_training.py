"""The Trainer of lesson 3: determinism, blow-up detection, bounded memory, honest metrics."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
import torch
from sklearn.decomposition import PCA
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.neighbors import NearestNeighbors

from embedviz.figures import training as figs
from embedviz.projection_fixed import fit_fixed_basis, grow_half_width
from embedviz.training import TrainConfig, Trainer, nearest_words, neighbour_accuracy


@pytest.mark.parametrize("model,corpus", [("skipgram", "things"), ("cbow", "things"),
                                          ("classifier", "reviews")])
def test_batches_drawn_ahead_for_a_turn_are_the_batches_drawn_one_by_one(model, corpus):
    """A live tick trains its steps in turns and draws each turn's batches at once; that must
    not change a single number: 37 steps in one call (turns of 16, 16 and 5) against 37 calls
    of one step each (batches drawn one at a time, the generator in between)."""
    cfg = TrainConfig(model=model, corpus=corpus, batch_size=32, seed=3)
    together, one_by_one = Trainer(cfg), Trainer(cfg)
    assert together.step(37) == 37
    for _ in range(37):
        one_by_one.step(1)
    assert torch.equal(together.model.embedding.weight, one_by_one.model.embedding.weight)
    for a, b in zip(vars(together.last_batch).values(), vars(one_by_one.last_batch).values()):
        assert torch.equal(a, b)
    assert torch.equal(together.generator.get_state(), one_by_one.generator.get_state())
    assert np.array_equal(together.history.loss, one_by_one.history.loss, equal_nan=True)


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


def _sklearn_accuracy(t: Trainer) -> float:
    X = t.embedding_matrix()[t.label_rows]
    idx = NearestNeighbors(n_neighbors=2, metric="cosine").fit(X).kneighbors(
        X, return_distance=False)[:, 1]
    return float(np.mean(t.label_ids[idx] == t.label_ids))


def test_the_accuracy_is_measured_once_per_state_of_the_table(monkeypatch):
    """The history and the live page both ask for the accuracy at the same step: measured once.
    A new step, or a change to the table that is not a step, is measured again (and the value
    is always scikit-learn's for the table as it is)."""
    t = Trainer(TrainConfig(seed=4))
    t.step(31)  # the curve measures at every 5th step: not at 31
    measured = []
    measure = t.measure_accuracy
    monkeypatch.setattr(t, "measure_accuracy", lambda: measured.append(t.step_count) or measure())
    assert t.accuracy() == t.accuracy() == pytest.approx(_sklearn_accuracy(t))
    assert measured == [31]
    with torch.no_grad():  # not a step: the rows of the table change places
        weight = t.model.embedding.weight
        weight.copy_(weight[torch.randperm(len(weight), generator=torch.Generator().manual_seed(0))])
    assert t.accuracy() == pytest.approx(_sklearn_accuracy(t)) and measured == [31, 31]
    t.step(4)  # the curve measures at step 35; the page's question costs nothing more
    assert t.accuracy() == pytest.approx(_sklearn_accuracy(t)) and measured == [31, 31, 35]
    assert t.history.steps[-1] == 35 and t.history.accuracy[-1] == t.accuracy()
    monkeypatch.undo()
    twin = t.fork()  # its own table: measured for itself
    twin.step(1)
    assert twin.accuracy() == pytest.approx(_sklearn_accuracy(twin))


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


def sklearn_view(reference: np.ndarray, basis) -> tuple[PCA, np.ndarray]:
    """scikit-learn's PCA of the reference, and the sign of each axis that matches ``basis``
    (a principal axis is only defined up to its sign)."""
    pca = PCA(2, svd_solver="full").fit(reference.astype(np.float64))
    signs = np.sign(np.sum(pca.transform(reference) * basis.project(reference), axis=0))
    assert (signs != 0).all()
    return pca, signs


def test_fixed_basis_is_scikit_learn_pca_of_the_reference_and_stays_fixed():
    # plain SGD on a batch of 4: a step moves a few rows and leaves every other row as it was
    t = Trainer(TrainConfig(optimizer="sgd", lr=0.5, batch_size=4))
    rows = np.arange(2, len(t.vocab))
    t.step(3)  # word2vec's context table starts at zero: the input rows move from step 2
    W0 = t.embedding_matrix()
    basis = fit_fixed_basis(W0, rows, step=t.step_count)
    pca, signs = sklearn_view(W0[rows], basis)
    np.testing.assert_allclose(basis.project(W0[rows]), pca.transform(W0[rows]) * signs,
                               atol=1e-9)
    np.testing.assert_allclose(basis.explained, pca.explained_variance_ratio_, rtol=1e-9)
    assert f"step {t.step_count}" in basis.axis_titles()[0]

    t.step(1)
    W1 = t.embedding_matrix()
    moved = (W1[rows] != W0[rows]).any(axis=1)
    assert 0 < moved.sum() < len(rows) // 10
    before, after = basis.project(W0[rows]), basis.project(W1[rows])
    # a word moves on screen exactly when its vector moved
    np.testing.assert_array_equal(after[~moved], before[~moved])
    assert (after[moved] != before[moved]).any(axis=1).all()
    # later steps go through the reference's fit: scikit-learn's transform, not a new fit
    t.step(60)
    W2 = t.embedding_matrix()
    later = basis.project(W2[rows])
    np.testing.assert_allclose(later, pca.transform(W2[rows]) * signs, atol=1e-9)
    # refitting (the page's button) turns the view to the new table: scikit-learn's PCA of it
    refit = fit_fixed_basis(W2, rows, step=t.step_count)
    new_pca, new_signs = sklearn_view(W2[rows], refit)
    np.testing.assert_allclose(refit.project(W2[rows]), new_pca.transform(W2[rows]) * new_signs,
                               atol=1e-9)
    assert refit.fitted_at == t.step_count and f"step {t.step_count}" in refit.axis_titles()[0]
    assert not np.allclose(refit.project(W2[rows]), later, atol=1e-6)
    assert not np.allclose(np.abs(refit.components), np.abs(basis.components), atol=1e-3)
    # a table of two dimensions is drawn as it is
    two = Trainer(TrainConfig(dim=2))
    W = two.embedding_matrix()
    raw = fit_fixed_basis(W, rows, 0)
    assert raw.raw and np.array_equal(raw.project(W), W.astype(np.float64))


def share_inside(points: np.ndarray, half_width: float) -> float:
    """Share of the coordinates within [-half_width, half_width]."""
    return float(np.mean(np.abs(points) <= half_width))


def test_half_width_holds_the_cloud_and_only_grows():
    rng = np.random.default_rng(0)
    cloud = rng.normal(0.0, 0.3, size=(200, 2))
    cloud[0] = [30.0, 0.0]  # one far-out rare word
    for share in (50.0, 90.0, 100.0):
        hw = grow_half_width(None, cloud, share=share)
        assert share_inside(cloud, hw) >= share / 100
    hw = grow_half_width(None, cloud)
    assert share_inside(cloud, hw) >= 0.9 and hw < 30.0  # the outlier does not set the scale
    assert hw > np.percentile(np.abs(cloud[1:]), 90)  # room around the cloud, not its edge
    assert grow_half_width(None, 10 * cloud) == pytest.approx(10 * hw)  # it scales with it
    # words that must stay visible (the labelled ones) are inside, whatever the share
    must = np.array([[1.0, -2.0]])
    with_must = grow_half_width(None, cloud, must_show=must)
    assert with_must > 2.0 and share_inside(must, with_must) == 1.0
    # it never shrinks: a smaller cloud keeps the view, a larger one widens it
    assert grow_half_width(with_must, cloud / 100) == with_must
    assert grow_half_width(hw, 10 * cloud) == grow_half_width(None, 10 * cloud) > hw
    # on a real run, with the view fitted at step 0, as the page draws it step after step
    t = Trainer(TrainConfig())
    rows = np.arange(2, len(t.vocab))
    labelled = np.array([t.vocab.itos[i] in t.categories for i in rows])
    basis = fit_fixed_basis(t.embedding_matrix(), rows, 0)
    widths, current = [], None
    for _ in range(6):
        t.step(25)
        points = basis.project(t.embedding_matrix()[rows])
        current = grow_half_width(current, points, points[labelled])
        widths.append(current)
        assert share_inside(points, current) >= 0.9
        assert share_inside(points[labelled], current) == 1.0
    assert widths == sorted(widths) and widths[-1] > widths[0]  # the cloud spread: it grew


def plain(value):
    """JSON with Plotly's typed arrays ({dtype, bdata, shape}) decoded into plain lists."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if value.get("shape"):
            arr = arr.reshape([int(n) for n in str(value["shape"]).split(",")])
        return arr.tolist()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def canonical(fig) -> str:
    """A figure's JSON with sorted keys and decoded arrays (NaN stays "NaN", so equal figures
    compare equal however each encodes its numbers)."""
    return json.dumps(plain(json.loads(pio.to_json(fig, validate=False))), sort_keys=True)


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
    np.testing.assert_array_equal(curves.data[1].y, np.float32(t.history.accuracy))  # NaN = NaN
    assert np.isfinite(t.history.accuracy[0]) and curves.data[1].connectgaps
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
    spec = go.Figure(live.to_dict()).layout  # the live figure is a plain dict: read it validated
    assert spec.title.text == "step 40" and tuple(spec.xaxis.range) == (-4.0, 4.0)
    assert spec.template.layout.plot_bgcolor == "white" and spec.height == 700


def test_the_finite_check_agrees_with_torch_isfinite():
    """The per-step check takes a shortcut (a finite sum); it must still say what
    ``torch.isfinite`` says, also when finite numbers are so large that their sum overflows."""
    t = Trainer(TrainConfig())
    weight = t.model.embedding.weight
    cases = {"as trained": None, "huge but finite": 3e38, "infinite": float("inf"),
             "NaN": float("nan")}
    for name, value in cases.items():
        with torch.no_grad():
            if value is not None:
                weight[1:4] = value  # three huge rows: their float32 sum overflows
            expected = all(bool(torch.isfinite(p).all()) for p in t.model.parameters())
            assert t._table_is_finite() == expected, name
    with torch.no_grad():
        weight[1:4] = 3e38
    assert not math.isfinite(weight.sum().item())  # the shortcut alone would have said no


def test_the_curve_measures_accuracy_at_every_fifth_point_and_keeps_the_rule_after_merging():
    """Measuring lesson 3's accuracy costs a good part of a step, so the curve does it at steps that are
    multiples of 5 x the stride; a merge (stride doubling) keeps exactly the points the new
    rule measures, and each measured value is the accuracy of the table at that step."""
    t, seen = Trainer(TrainConfig(history_points=8, seed=2)), {}
    t.callbacks.append(lambda tr: seen.setdefault(tr.step_count, tr.accuracy()))
    for n in (3, 7, 20, 50):  # across three merges: stride 1 -> 8
        t.step(n)
        h = t.history
        for step, acc in zip(h.steps[1:], h.accuracy[1:]):
            if step % (5 * h.stride) == 0:
                assert acc == pytest.approx(seen[step])
            else:
                assert np.isnan(acc)
    assert h.stride == 16 and sum(np.isfinite(h.accuracy[1:])) >= 1


def test_the_alias_table_draws_each_index_with_its_exact_probability():
    """Batches are drawn with Walker's alias method: every index's probability, added up over
    the table's columns, is its weight over the total (as torch.multinomial would draw it),
    zero weights are never drawn, and evenly spread uniform numbers land in proportion."""
    from embedviz.training import AliasTable

    g = torch.Generator().manual_seed(0)
    weights = torch.rand(50, generator=g, dtype=torch.float64) ** 3
    weights[[0, 7, 49]] = 0.0
    pairs = Trainer(TrainConfig()).sampler.pairs
    for w in (weights, pairs.noise, pairs.pair_weights, torch.ones(1)):
        table = AliasTable(w)
        torch.testing.assert_close(table.probabilities(), w.double() / w.sum(), rtol=0, atol=1e-12)
    table = AliasTable(weights)
    grid = (torch.arange(50 * 4000, dtype=torch.float64) + 0.5) / (50 * 4000)
    counts = torch.bincount(table.pick(grid), minlength=50).double() / len(grid)
    torch.testing.assert_close(counts, weights / weights.sum(), rtol=0, atol=1 / 4000)
    assert counts[[0, 7, 49]].sum() == 0
    assert table.pick(grid.view(400, 500)).shape == (400, 500)
    for bad in (torch.zeros(3), torch.tensor([1.0, -1.0]), torch.tensor([float("nan")])):
        with pytest.raises(ValueError):
            AliasTable(bad)


def test_lesson_3s_live_view_is_one_valid_chart_with_the_trainers_numbers():
    """The map and the curves placed side by side in one figure: it validates as a go.Figure,
    every curve panel sits on its own axes right of the map (none on the map's), and the
    numbers it writes (named annotations, what the tests and the load bench read) are the
    trainer's own."""
    t = Trainer(TrainConfig())
    t.step(40)
    rows = np.arange(2, len(t.vocab))
    words = [t.vocab.itos[i] for i in rows]
    basis = fit_fixed_basis(t.embedding_matrix(), rows, 0)
    near = t.nearest("cat", k=3)
    space = figs.space_parts(basis.project(t.embedding_matrix()[rows]), words, t.categories,
                             half_width=2.0, axis_titles=basis.axis_titles(), focus="cat",
                             neighbours=[w for w, _ in near])
    loss, acc = f"{t.history.loss[-1]:.3f}", f"{t.accuracy():.0%}"
    curves = figs.curves_parts(t.history.steps, t.history.loss, t.history.accuracy, chance=1 / 6,
                               accuracy_label="neighbour accuracy", neighbours=near,
                               categories=t.categories, word="cat", latest=(loss, acc))
    spec = figs.live_figure(*figs.live_view_parts(space, curves, f"{t.step_count:,}"),
                            title="live", height=420).to_dict()
    fig = go.Figure(spec)  # raises if any property is invalid
    assert len(fig.data) == len(space[0]) + len(curves[0])
    layout = spec["layout"]
    for trace in spec["data"][len(space[0]):]:  # the curve panels
        x, y = (layout[f"{k}axis{trace[f'{k}axis'][1:]}"] for k in "xy")
        assert trace["xaxis"] != "x" and trace["yaxis"] != "y"
        assert x["domain"][0] >= figs.CURVES_FROM and y["anchor"] == trace["xaxis"]
        assert x["anchor"] == trace["yaxis"]
    assert layout["xaxis"]["domain"][1] <= figs.MAP_SPLIT  # the map keeps the left part
    assert figs.chart_numbers(spec) == {"Step": "40", "Loss (recent)": loss,
                                      "Neighbour accuracy": acc}

"""Lesson 4's core, checked against torch itself: which rows a gradient and a step touch."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from embedviz import gradients as grads
from embedviz.figures import gradients as figs
from embedviz.model import candidates, negative_sampling_loss
from embedviz.text import PAD_ID
from embedviz.training import TrainConfig, Trainer

KINDS = [("skipgram", "things"), ("cbow", "things"), ("classifier", "reviews")]


@pytest.fixture(scope="module")
def trainers():
    """One small trainer per model kind, a few steps in (so word2vec's context table is not 0)."""
    out = {}
    for kind, corpus in KINDS:
        t = Trainer(TrainConfig(corpus=corpus, model=kind, dim=8, lr=0.005, batch_size=64))
        t.step(3)
        out[kind] = t
    return out


def torch_grad(model, batch) -> torch.Tensor:
    """The table's gradient the plain way: a fresh copy, loss.backward(), nothing else."""
    twin = grads.use_sparse_gradients(copy.deepcopy(model), False)
    twin.loss(batch).backward()
    return twin.embedding.weight.grad  # (vocab, dim)


def unique_nonpad(ids) -> np.ndarray:
    return np.setdiff1d(np.unique(np.asarray(ids)), [PAD_ID])


@pytest.mark.parametrize("kind", [k for k, _ in KINDS])
def test_nonzero_gradient_rows_are_exactly_the_batch_tokens(trainers, kind):
    t = trainers[kind]
    for batch in grads.draw_batches(t, batch_size=8, n=3, seed=1):
        reference = torch_grad(t.model, batch)
        nonzero = torch.nonzero(reference.abs().sum(1)).flatten().numpy()
        expected = unique_nonpad(batch.embedding_ids().numpy())
        np.testing.assert_array_equal(nonzero, expected)
        back = grads.backward(copy.deepcopy(t.model), batch)
        np.testing.assert_array_equal(back.touched_rows, expected)
        np.testing.assert_array_equal(back.batch_rows, expected)
        np.testing.assert_array_equal(back.grad, reference.numpy())
        assert not back.grad[PAD_ID].any()
        # the lookups the hook saw are the batch's own embedding IDs, in order
        np.testing.assert_array_equal(back.ids, batch.embedding_ids().numpy())


@pytest.mark.parametrize("kind", [k for k, _ in KINDS])
def test_a_repeated_token_gets_the_sum_of_its_lookups(trainers, kind):
    t = trainers[kind]
    batch = grads.draw_batches(t, batch_size=32, n=1, seed=3)[0]
    back = grads.backward(copy.deepcopy(t.model), batch)
    reference = torch_grad(t.model, batch).numpy()
    repeats = grads.repeated_rows(back.ids)
    assert repeats, "a batch of 32 should repeat a token"
    row, count = repeats[0]
    assert count == int((back.ids == row).sum()) >= 2
    contributions = back.per_lookup[back.ids == row]  # (count, dim)
    assert all(np.abs(c).sum() > 0 for c in contributions)  # each lookup contributes
    np.testing.assert_allclose(contributions.sum(0), reference[row], rtol=1e-6, atol=1e-9)
    assert not np.allclose(contributions[0], reference[row])  # one lookup alone is not it
    np.testing.assert_array_equal(grads.scatter_add(back.ids, back.per_lookup, len(t.vocab)),
                                  reference)


def test_per_lookup_gradient_is_autograds_gradient_of_the_looked_up_vector(trainers):
    t = trainers["skipgram"]
    batch = grads.draw_batches(t, batch_size=6, n=1, seed=5)[0]
    model = copy.deepcopy(t.model)
    h = model.embedding(batch.centers).detach().requires_grad_(True)  # (batch, dim)
    value = negative_sampling_loss(h, model.context(candidates(batch.contexts, batch.negatives)))
    (expected,) = torch.autograd.grad(value, h)
    back = grads.backward(copy.deepcopy(t.model), batch)
    np.testing.assert_allclose(back.per_lookup, expected.numpy(), rtol=1e-6, atol=1e-9)


@pytest.fixture(scope="module")
def comparisons(trainers):
    cfg = grads.CompareConfig(batch_size=8, steps=3, seed=0)
    out = {}
    for kind, t in trainers.items():
        start = grads.starting_point(t)
        batches = grads.draw_batches(t, cfg.batch_size, cfg.steps, cfg.seed)
        out[kind] = grads.compare_optimizers(start.model, batches, cfg), start, batches
    return out


def tables_after(model, batches, name, cfg):
    """Plain torch: step a copy, keeping the table after each step (the reference)."""
    own = grads.copy_for(model, name)
    opt = grads.optimizer_for(own, name, cfg)
    tables = [own.embedding.weight.detach().clone()]
    for batch in batches:
        opt.zero_grad()
        own.loss(batch).backward()
        opt.step()
        tables.append(own.embedding.weight.detach().clone())
    return tables


def changed_rows(before, after) -> np.ndarray:
    return torch.nonzero((after != before).any(1)).flatten().numpy()


@pytest.mark.parametrize("kind", [k for k, _ in KINDS])
def test_sgd_and_sparse_adam_change_exactly_the_batch_rows(comparisons, kind):
    result, start, batches = comparisons[kind]
    for name in ("sgd", "sparse_adam"):
        tables = tables_after(start.model, batches, name, result.cfg)
        for t, batch in enumerate(batches):
            expected = unique_nonpad(batch.embedding_ids().numpy())
            np.testing.assert_array_equal(changed_rows(tables[t], tables[t + 1]), expected)
            np.testing.assert_array_equal(result.steps[name][t].changed_rows, expected)
            assert len(result.steps[name][t].stale_rows) == 0


def test_sparse_adam_really_gets_sparse_gradients(trainers):
    t = trainers["classifier"]
    model = grads.copy_for(t.model, "sparse_adam")
    assert model.embedding.sparse
    model.loss(grads.draw_batches(t, 4, 1, 0)[0]).backward()
    assert model.embedding.weight.grad.is_sparse
    assert not grads.copy_for(t.model, "adam").embedding.sparse


BETAS, EPS, MOMENTUM = (0.9, 0.999), 1e-8, 0.9  # torch's Adam defaults; the lesson's momentum


def reference_optimizer(name: str, params, cfg: grads.CompareConfig) -> torch.optim.Optimizer:
    """The optimizer the lesson names, built straight from torch.optim (not through our code)."""
    if name == "adam":
        return torch.optim.Adam(params, lr=cfg.adam_lr, betas=BETAS, eps=EPS)
    return torch.optim.SGD(params, lr=cfg.sgd_lr, momentum=MOMENTUM if name == "momentum" else 0)


def replay(model, batches, name, cfg):
    """Plain torch, step by step: each gradient taken at the *current* weights, then a step.
    Returns the table before and after every step and the table's gradient at every step."""
    own = copy.deepcopy(model)
    opt = reference_optimizer(name, own.parameters(), cfg)
    W = own.embedding.weight
    tables, grads_at = [W.detach().clone()], []
    for batch in batches:
        opt.zero_grad(set_to_none=True)
        own.loss(batch).backward()
        grads_at.append(W.grad.detach().clone())
        opt.step()
        tables.append(W.detach().clone())
    return tables, grads_at


@pytest.mark.parametrize("name", ["adam", "momentum"])
def test_state_moves_the_first_batchs_rows_on_the_second_step(trainers, name):
    t = trainers["skipgram"]
    start = grads.starting_point(t)
    cfg = grads.CompareConfig(batch_size=4, steps=2, seed=11)
    first, second = grads.draw_batches(t, 4, 2, seed=11)
    only_first = np.setdiff1d(unique_nonpad(first.centers.numpy()),
                              unique_nonpad(second.centers.numpy()))
    assert len(only_first) > 0
    tables, (g1, g2) = replay(start.model, [first, second], name, cfg)
    # at the weights step 2 starts from, these rows' gradient is exactly zero; at step 1 it
    # was not: only the optimizer's memory of step 1 can move them now
    assert not g2[only_first].any() and (g1[only_first].abs().sum(1) > 0).all()
    moved = changed_rows(tables[1], tables[2])
    assert set(only_first) <= set(moved)
    # how far, by the optimizer's rule written out (the step-1 gradient, remembered)
    if name == "momentum":  # velocity v2 = 0.9 * g1 + 0
        expected = -cfg.sgd_lr * MOMENTUM * g1[only_first]
    else:  # m2 = b1 (1 - b1) g1, v2 = b2 (1 - b2) g1^2, bias-corrected for step 2
        (b1, b2), g = BETAS, g1[only_first].double()
        m_hat = b1 * (1 - b1) * g / (1 - b1**2)
        v_hat = b2 * (1 - b2) * g**2 / (1 - b2**2)
        expected = (-cfg.adam_lr * m_hat / (v_hat.sqrt() + EPS)).float()
    torch.testing.assert_close(tables[2][only_first] - tables[1][only_first], expected,
                               rtol=1e-4, atol=1e-6)
    # what our comparison reports, step by step, against the replay
    result = grads.compare_optimizers(start.model, [first, second], cfg, names=[name])
    for k, step in enumerate(result.steps[name]):
        np.testing.assert_array_equal(step.touched_rows, nonzero_rows((g1, g2)[k]))
        np.testing.assert_array_equal(step.changed_rows, changed_rows(tables[k], tables[k + 1]))
        np.testing.assert_allclose(step.change_norm,
                                   (tables[k + 1] - tables[k]).double().norm(dim=1).numpy(),
                                   rtol=1e-5, atol=1e-9)
    step2 = result.steps[name][1]
    assert not step2.touched[only_first].any() and step2.changed[only_first].all()
    assert set(only_first) <= set(step2.stale_rows) and set(only_first) <= set(step2.seen_before)
    np.testing.assert_allclose(result.last_change[name], (tables[2] - tables[1]).numpy(),
                               rtol=1e-5, atol=1e-7)
    # plain SGD on the same batches leaves them where they are, in the replay and in our report
    sgd_tables, _ = replay(start.model, [first, second], "sgd", cfg)
    assert not set(only_first) & set(changed_rows(sgd_tables[1], sgd_tables[2]))
    sgd = grads.compare_optimizers(start.model, [first, second], cfg, names=["sgd"])
    np.testing.assert_array_equal(sgd.steps["sgd"][1].changed_rows,
                                  changed_rows(sgd_tables[1], sgd_tables[2]))


def nonzero_rows(grad: torch.Tensor) -> np.ndarray:
    return torch.nonzero(grad.abs().sum(1)).flatten().numpy()


@pytest.mark.parametrize("kind", [k for k, _ in KINDS])
def test_adamw_changes_every_row_but_the_zero_padding_row(comparisons, kind):
    result, start, batches = comparisons[kind]
    tables = tables_after(start.model, batches, "adamw", result.cfg)
    V = tables[0].shape[0]
    assert not tables[0][PAD_ID].any()  # the padding row starts at exactly zero
    for t in range(len(batches)):
        moved = changed_rows(tables[t], tables[t + 1])
        np.testing.assert_array_equal(moved, np.arange(1, V))  # all but row 0
        np.testing.assert_array_equal(result.steps["adamw"][t].changed_rows, moved)
    assert not tables[-1][PAD_ID].any()  # decayed, it stays zero


@pytest.mark.parametrize("kind", [k for k, _ in KINDS])
def test_the_padding_row_never_changes(comparisons, kind):
    result, start, batches = comparisons[kind]
    looked_up_pad = any((b.embedding_ids() == PAD_ID).any() for b in batches)
    if kind == "cbow":
        assert looked_up_pad  # windows at a sentence's end are padded: a real test
    for name in grads.OPTIMIZER_ORDER:
        tables = tables_after(start.model, batches, name, result.cfg)
        assert all(torch.equal(tables[0][PAD_ID], x[PAD_ID]) for x in tables)
        assert not any(s.changed[PAD_ID] or s.touched[PAD_ID] for s in result.steps[name])


def test_adam_with_l2_weight_decay_moves_every_row_though_the_gradient_is_sparse(trainers):
    """The page's note, checked on our code: the optimizer our trainer builds for Adam with
    weight decay (lesson 3's setting) adds wd*w to the gradient inside step() (L2)."""
    from embedviz.model import param_groups
    from embedviz.training import make_optimizer

    t = trainers["skipgram"]
    model = grads.starting_point(t).model
    lr, wd = 0.01, 0.01
    before = model.embedding.weight.detach().clone().double()  # (vocab, dim)
    batch = grads.draw_batches(t, 4, 1, 0)[0]
    reference = torch_grad(model, batch).double()  # autograd on a copy: W.grad, nothing else
    back, change = grads.take_step(model, make_optimizer("adam", param_groups(model), lr, wd),
                                   batch)
    # the gradient we report is sparse: only the batch's rows ...
    np.testing.assert_array_equal(back.touched_rows, unique_nonpad(batch.centers.numpy()))
    np.testing.assert_array_equal(back.grad, reference.float().numpy())
    # ... yet the step moves every row but the zero [PAD] row
    V = before.shape[0]
    np.testing.assert_array_equal(np.flatnonzero((change != 0).any(1)), np.arange(1, V))
    # by Adam's first step on the L2 gradient g = dL/dW + wd*w, written out:
    # m = (1-b1) g, v = (1-b2) g^2, bias-corrected m_hat = g, v_hat = g^2
    g = reference + wd * before
    expected = -lr * g / (g.abs() + EPS)
    np.testing.assert_allclose(change, expected.numpy(), rtol=1e-4, atol=1e-7)
    # so a row the batch never looked up moves by about the whole learning rate (g/|g| is
    # its sign), far more than the lr*wd*w that decoupled decay (AdamW) would take
    untouched = np.setdiff1d(np.arange(1, V), back.touched_rows)
    moved = np.abs(change[untouched])
    assert moved.max() <= lr * (1 + 1e-6) and np.median(moved) == pytest.approx(lr, rel=1e-4)
    assert np.median(moved) > 100 * np.median(lr * wd * before[untouched].abs().numpy())


def test_adamw_decay_in_the_comparison_is_lr_wd_w_and_only_adamw_decays(trainers):
    """What lesson 4 reports: AdamW shrinks each row by lr*wd*w; the other optimizers do not
    decay (an unseen row stays put). Checked against the weights, by hand."""
    t = trainers["classifier"]
    start = grads.starting_point(t)
    cfg = grads.CompareConfig(batch_size=4, steps=1, seed=2, weight_decay=0.1)
    batches = grads.draw_batches(t, 4, 1, 2)
    result = grads.compare_optimizers(start.model, batches, cfg)
    W = start.model.embedding.weight.detach().double().numpy()  # (vocab, dim)
    step = result.last("adamw")
    unseen = np.setdiff1d(np.arange(1, result.vocab_size), step.batch_rows)
    assert len(unseen) > 0 and not step.touched[unseen].any()
    decay = -cfg.adam_lr * cfg.weight_decay * W[unseen]  # w <- w - lr*wd*w, as the page says
    np.testing.assert_allclose(result.last_change["adamw"][unseen], decay, rtol=1e-3, atol=1e-9)
    np.testing.assert_allclose(step.change_norm[unseen],
                               np.linalg.norm(decay, axis=1), rtol=1e-3)
    for name in ("sgd", "momentum", "adam", "sparse_adam"):  # no decay: unseen rows stay put
        assert not result.last(name).changed[unseen].any(), name
        assert not result.last_change[name][unseen].any(), name


def test_nothing_touches_the_students_trainer(trainers):
    t = trainers["skipgram"]
    weights = copy.deepcopy(t.model.state_dict())
    opt_state = copy.deepcopy(t.optimizer.state_dict())
    gen = t.generator.get_state().clone()
    step = t.step_count
    start = grads.starting_point(t)
    batches = grads.draw_batches(t, 8, 2, 0)
    grads.compare_optimizers(start.model, batches, grads.CompareConfig(steps=2))
    assert t.step_count == step
    assert torch.equal(t.generator.get_state(), gen)
    for k, v in t.model.state_dict().items():
        assert torch.equal(v, weights[k]), k
    assert str(t.optimizer.state_dict()) == str(opt_state)
    assert start.model is not t.model


def test_a_fresh_word2vec_model_has_zero_input_gradient_and_is_warmed_up():
    t = Trainer(TrainConfig(corpus="things", model="skipgram", dim=8, batch_size=32))
    assert grads.needs_warmup(t.model)
    batch = grads.draw_batches(t, 8, 1, 0)[0]
    assert not torch_grad(t.model, batch).any()  # what the page says about step 0
    start = grads.starting_point(t, warmup=5)
    assert (start.step, start.warmed_up, t.step_count) == (5, 5, 0)
    assert not grads.needs_warmup(start.model)
    assert torch_grad(start.model, batch).any()
    classifier = Trainer(TrainConfig(corpus="reviews", model="classifier", dim=8))
    assert not grads.needs_warmup(classifier.model)


def test_same_seed_same_numbers(trainers):
    t = trainers["cbow"]
    cfg = grads.CompareConfig(batch_size=4, steps=2, seed=9)
    runs = [grads.compare_optimizers(grads.starting_point(t).model,
                                     grads.draw_batches(t, 4, 2, 9), cfg) for _ in range(2)]
    for name in grads.OPTIMIZER_ORDER:
        np.testing.assert_array_equal(runs[0].last_change[name], runs[1].last_change[name])
    other = grads.draw_batches(t, 4, 2, 10)
    assert not all(torch.equal(a.contexts, b.contexts)
                   for a, b in zip(runs[0].batches, other))


def test_batches_are_drawn_exactly_like_a_fresh_sampler_would(trainers):
    from dataclasses import replace

    from embedviz.seeding import torch_generator
    from embedviz.training import BatchSampler

    for t in trainers.values():
        fresh = BatchSampler(t.corpus, t.vocab, replace(t.config, batch_size=5))
        g = torch_generator(4)
        expected = [fresh.sample(g) for _ in range(2)]
        for a, b in zip(grads.draw_batches(t, 5, 2, 4), expected):
            assert torch.equal(a.token_ids(), b.token_ids())
        assert t.sampler.cfg.batch_size == t.config.batch_size  # the trainer's is untouched


def test_config_rejects_bad_values():
    for bad in (dict(batch_size=0), dict(batch_size=grads.MAX_BATCH + 1), dict(steps=0),
                dict(sgd_lr=0), dict(adam_lr=-1), dict(weight_decay=-0.1), dict(seed=-1)):
        with pytest.raises(ValueError):
            grads.CompareConfig(**bad)
    cfg = grads.CompareConfig(weight_decay=0.05)
    assert cfg.decay("adamw") == 0.05 and cfg.decay("adam") == 0.0
    assert cfg.lr("momentum") == cfg.sgd_lr and cfg.lr("sparse_adam") == cfg.adam_lr


def test_quiz_candidates_mix_batch_earlier_never_and_pad(comparisons):
    result, _, _ = comparisons["skipgram"]
    step = result.last("adam")
    options = grads.quiz_candidates(step, result.vocab_size, seed=1)
    assert options == sorted(set(options)) and PAD_ID in options and len(options) <= 12
    assert set(options) & set(step.batch_rows.tolist())
    assert set(options) & (set(step.seen_before.tolist()) - set(step.batch_rows.tolist()))
    assert options == grads.quiz_candidates(step, result.vocab_size, seed=1)


def test_batch_examples_say_which_table_each_word_is_read_from(trainers):
    for t in trainers.values():
        batch = grads.draw_batches(t, 3, 1, 0)[0]
        rows = grads.batch_examples(batch, t.vocab.itos, t.corpus.label_names)
        assert len(rows) == 3
        first_key = next(iter(rows[0]))
        assert "looked up in W" in first_key
    with pytest.raises(TypeError):
        grads.batch_examples(object(), [])


# ---------------------------------------------------------------- figures


def test_gradient_figure_draws_zero_rows_as_exact_zeros(comparisons):
    result, _, _ = comparisons["skipgram"]
    back = result.last_backward["adam"]
    words = [f"w{i}" for i in range(result.vocab_size)]
    fig = figs.gradient_figure(back.grad, words, back.counts())
    z = np.asarray(fig.data[0].z)
    np.testing.assert_array_equal(z, back.grad)
    assert fig.data[0].zmid is None and fig.data[0].zmin == -fig.data[0].zmax  # 0 is the middle
    np.testing.assert_array_equal(np.flatnonzero(np.asarray(fig.data[1].x)), back.touched_rows)


def test_change_figure_leaves_unchanged_rows_blank(comparisons):
    result, _, _ = comparisons["classifier"]
    step = result.last("sgd")
    norms = {n: result.last(n).change_norm for n in grads.OPTIMIZER_ORDER}
    fig = figs.change_figure(norms, [f"w{i}" for i in range(result.vocab_size)],
                             step.batch_rows, step.seen_before, selected="sgd")
    z = np.asarray(fig.data[1].z, dtype=float)  # (vocab, optimizers), log10 |ΔW|
    for k, name in enumerate(grads.OPTIMIZER_ORDER):
        np.testing.assert_array_equal(np.flatnonzero(np.isfinite(z[:, k])),
                                      result.last(name).changed_rows)


def test_label_spreading_and_row_sampling():
    ys = figs.spread([0, 0.5, 1, 10], gap=2, lo=0, hi=10)
    assert all(b - a >= 2 - 1e-9 for a, b in zip(ys, ys[1:])) and ys[-1] <= 10
    rows = figs.rows_to_draw(5000, keep=[7, 4000], max_rows=300)
    assert len(rows) == 300 and {0, 1, 7, 4000} <= set(rows.tolist())
    assert list(figs.rows_to_draw(50, keep=[3])) == list(range(50))
    fig = figs.steps_figure({"sgd": [3, 4], "adam": [3, 6]}, [3, 4], 100, selected="adam")
    assert [tr.name for tr in fig.data] == ["rows in the step's batch", "SGD", "Adam"]

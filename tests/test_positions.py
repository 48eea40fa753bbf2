"""Lesson 9's core against the references: numpy in float64, torch, the model's own weights."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
import torch.nn.functional as F

from embedviz import positions as P
from embedviz.figures import positions as figs
from embedviz.figures.training import live_figure
from embedviz.seeding import torch_generator
from embedviz.text import PAD_ID


@pytest.fixture(scope="module")
def trained() -> P.OrderTrainer:
    trainer = P.OrderTrainer(P.OrderConfig(lr=0.03))
    trainer.step(300)
    return trainer


def formula_float64(n: int, d: int, start: int = 0) -> np.ndarray:
    """PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...), written out in float64."""
    out = np.zeros((n, d))
    for row, pos in enumerate(range(start, start + n)):
        for i in range(d // 2):
            angle = pos / 10000 ** (2 * i / d)
            out[row, 2 * i], out[row, 2 * i + 1] = np.sin(angle), np.cos(angle)
    return out


@pytest.mark.parametrize("d", [2, 8, 16, 384])
def test_sinusoidal_table_is_the_formula(d):
    table = P.sinusoidal_table(100, d).numpy()
    assert table.dtype == np.float32 and table.shape == (100, d)
    np.testing.assert_allclose(table, formula_float64(100, d), atol=3e-5)
    far = P.sinusoidal_table(8, d, start=500).numpy()  # any position has a value
    np.testing.assert_allclose(far, formula_float64(8, d, start=500), atol=3e-4)
    np.testing.assert_allclose(P.wavelengths(d), 2 * np.pi * 10000 ** (np.arange(0, d, 2) / d))
    with pytest.raises(ValueError):
        P.sinusoidal_table(4, d + 1)


def test_sinusoidal_similarity_depends_only_on_distance():
    n, d = 64, 16
    sim = P.position_similarity(P.sinusoidal_table(n, d).numpy(), "dot")
    freq = 1 / 10000 ** (np.arange(0, d, 2) / d)  # (d/2,)
    dist = np.subtract.outer(np.arange(n), np.arange(n))  # (n, n) p - q
    closed = np.cos(dist[..., None] * freq).sum(-1)  # sum_i cos((p - q) w_i), float64
    np.testing.assert_allclose(sim, closed, atol=1e-4)
    _, spread = P.similarity_by_distance(sim)
    assert spread.max() < 1e-4  # every diagonal constant
    cos = P.position_similarity(P.sinusoidal_table(n, d).numpy(), "cosine")
    np.testing.assert_allclose(cos, closed / (d / 2), atol=1e-5)  # each row has norm^2 d/2
    assert P.most_similar_positions(cos, 10) in ([9, 11], [11, 9])
    # a learned table is not like that
    learned = torch.randn(n, d, generator=torch_generator(0)).numpy()
    assert P.similarity_by_distance(P.position_similarity(learned))[1].max() > 1.0


def test_bag_of_embeddings_is_the_same_bits_for_any_order():
    table = torch.randn(20, 6, generator=torch_generator(3))
    ids = [4, 7, 7, 2, 9]
    bag = P.bag_of_embeddings(ids, table)
    np.testing.assert_allclose(bag.double(), table.double()[ids].sum(0), rtol=1e-6)
    for perm in ([9, 7, 2, 7, 4], [7, 7, 9, 4, 2]):
        assert torch.equal(P.bag_of_embeddings(perm, table), bag)
    assert not torch.equal(P.bag_of_embeddings([4, 7, 2, 9], table), bag)
    assert P.is_reordering(["dog", "bites", "man"], ["man", "bites", "dog"])
    assert not P.is_reordering(["dog", "bites"], ["dog", "dog"])


def test_a_reading_order_sum_rounds_differently_in_another_order():
    """The page's "bit for bit" is true of counts @ W only: added in reading order in float32
    (numpy's float32 running sum here) two orders differ in the last bits, by rounding."""
    trainer = P.OrderTrainer(P.OrderConfig())
    table = trainer.model.tokens[0].weight.detach()
    a = trainer.vocab.encode_tokens("the tiger chased the farmer".split())
    b = trainer.vocab.encode_tokens("the farmer chased the tiger".split())
    rows = table.numpy()
    for ids in (a, b):
        running = np.zeros(rows.shape[1], dtype=np.float32)
        for i in ids:
            running = running + rows[i]
        assert np.array_equal(P.reading_order_sum(ids, table).numpy(), running)
    gap = (P.reading_order_sum(a, table) - P.reading_order_sum(b, table)).abs().max()
    assert 0 < gap < 1e-5  # rounding, not words
    assert torch.equal(P.bag_of_embeddings(a, table), P.bag_of_embeddings(b, table))
    in_64 = rows.astype(np.float64)
    assert abs(in_64[a].sum(0) - in_64[b].sum(0)).max() < 1e-12


def test_adamw_here_has_weight_decay_and_so_differs_from_adam():
    runs = {}
    for name in ("adam", "adamw"):
        trainer = P.OrderTrainer(P.OrderConfig(optimizer=name))
        decay = {g["weight_decay"] for g in trainer.optimizer.param_groups}
        assert decay == {P.ADAMW_DECAY if name == "adamw" else 0.0}
        trainer.step(3)
        runs[name] = trainer.model.tokens[0].weight.detach().clone()
    assert not torch.equal(runs["adam"], runs["adamw"])


def test_shuffles_are_permutations_that_change_the_sentence():
    task = P.shared_task(16, 0)
    ids = task.train_ids[:500]
    shuffled = P.shuffle_sentences(ids, torch_generator(1))
    for a, b in zip(ids.tolist(), shuffled.tolist()):
        real = [t for t in a if t != PAD_ID]
        assert sorted(real) == sorted(t for t in b if t != PAD_ID)
        assert b[len(real):] == a[len(real):]  # padding stays at the end
        assert b != a
    check = task.check
    n = len(check) // 2
    assert torch.equal(check.labels[:n], torch.ones(n, dtype=torch.long))
    assert torch.equal(check.ids[:n].sort(1).values, check.ids[n:].sort(1).values)
    held = {tuple(r) for r in check.ids[:n].tolist()}
    train = {tuple(r[: len(check.ids[0])]) for r in task.train_ids.tolist()}
    assert not held & train  # held-out sentences are never trained on


def test_no_position_model_is_blind_to_order_and_the_others_are_not(trained):
    check = trained.task.check
    n = len(check) // 2
    out_a = trained.model(check.ids[:n])  # (3, n, 2) each sentence as written
    out_b = trained.model(check.ids[n:])  # its shuffled twin
    diff = (out_a - out_b).abs().amax(dim=(1, 2))  # (3,)
    assert diff[0] < 1e-5  # no positions: the same output (float rounding only)
    assert diff[1] > 0.1 and diff[2] > 0.1  # positions: the order changes the answer
    g = torch_generator(5)
    for _ in range(5):  # any permutation of the tokens, padding included
        perm = torch.randperm(check.ids.shape[1], generator=g)
        ids = check.ids[:50]
        a, b = trained.model(ids), trained.model(ids[:, perm])
        assert (a[0] - b[0]).abs().max() < 1e-5


def test_the_order_task_is_learned_with_positions_only(trained):
    found = trained.accuracies()
    assert found["none"] == 0.5  # one of each (sentence, shuffle) pair: exactly chance
    assert found["sinusoidal"] > 0.7 and found["learned"] > 0.7
    assert trained.histories["none"].accuracy[-1] == 0.5


def test_the_three_models_never_mix_and_the_loss_is_cross_entropy():
    trainer = P.OrderTrainer(P.OrderConfig())
    model, batch = trainer.model, trainer.sample_batch()
    logits = model(batch.ids)
    for k in range(3):
        ref = F.cross_entropy(logits[k], batch.labels)
        torch.testing.assert_close(model.losses(batch)[k], ref)
    model.zero_grad()
    model.losses(batch)[1].backward()  # only the sinusoidal model's loss
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        if p.dim() == 3:  # stacked dense layers: only slice 1 gets a gradient
            assert p.grad[[0, 2]].abs().max() == 0 and p.grad[1].abs().max() > 0, name
    untouched = [model.tokens[0].weight, model.tokens[2].weight, model.learned_positions.weight]
    assert all(w.grad is None or w.grad.abs().max() == 0 for w in untouched)
    assert model.tokens[1].weight.grad.abs().max() > 0
    alone = model.qkv_w.grad[1].clone()
    model.zero_grad()
    model.loss(batch).backward()  # the trainer's summed loss gives each model its own gradient
    torch.testing.assert_close(model.qkv_w.grad[1], alone, rtol=1e-5, atol=1e-7)
    scores = torch.randn(2, 3, 9, 9)
    torch.testing.assert_close(P._softmax_keys(scores), torch.softmax(scores, -1))


def test_training_is_deterministic_and_fork_leaves_the_run_alone():
    cfg = P.OrderConfig(seed=7)
    a, b = P.OrderTrainer(cfg), P.OrderTrainer(cfg)
    a.step(12)
    twin = a.fork()
    twin.step(5)
    b.step(12)
    assert a.step_count == 12 and twin.step_count == 17
    for pa, pb in zip(a.model.parameters(), b.model.parameters()):
        assert torch.equal(pa, pb)
    assert a.histories["learned"].loss[1:] == b.histories["learned"].loss[1:]
    ahead = P.accuracies_after(P.OrderTrainer(cfg), 20)
    replay = P.OrderTrainer(cfg)
    replay.step(20)
    assert {k: ahead[k] for k in P.POSITION_KINDS} == replay.accuracies()


def test_divergence_stops_with_a_message():
    trainer = P.OrderTrainer(P.OrderConfig(optimizer="sgd", lr=1e30))
    trainer.step(50)
    assert trainer.diverged and "learning rate" in trainer.message
    assert trainer.step_count < 50


def test_a_learned_table_has_no_row_beyond_its_length(trained):
    max_len = trained.config.max_len
    with pytest.raises(IndexError) as real:
        torch.nn.Embedding(max_len, 4)(torch.tensor([max_len + 24]))
    message = P.learned_out_of_range_message(max_len, max_len + 24)
    assert str(real.value).strip() in message and f"position {max_len + 24}" in message
    with pytest.raises(P.PositionOutOfRange):
        trained.model.position_rows("learned", 4, start=max_len - 2)
    width = trained.task.check.ids.shape[1]
    starts = [0, 4, max_len - width, max_len - width + 1, 64]
    by_start = P.accuracy_by_start(trained, starts)
    assert by_start["learned"][:3] == [trained.accuracies(start=s)["learned"] for s in starts[:3]]
    assert by_start["learned"][3:] == [None, None]
    assert all(v is not None for v in by_start["sinusoidal"])
    assert by_start["none"] == [0.5] * len(starts)
    assert trained.p_original([2, 3], start=max_len - 1)["learned"] is None


def test_minilm_position_table_is_the_package_weights():
    from safetensors.numpy import load
    from sklearn.metrics.pairwise import cosine_similarity

    from embedviz.minilm import read_file

    weights = load(read_file("model.safetensors"))["embeddings.position_embeddings.weight"]
    table = P.minilm_position_table()
    assert table.shape == (512, 384) == weights.shape
    assert np.array_equal(table, weights) and not table.flags.writeable
    sim = P.minilm_position_cosine(128)
    assert not sim.flags.writeable and sim is P.minilm_position_cosine(128)  # cached
    np.testing.assert_allclose(sim, cosine_similarity(weights[:128].astype(np.float64)),
                               atol=1e-12)


def test_live_curves_validate_as_a_plotly_figure(trained):
    data, layout = figs.curves_parts(trained.histories, P.POSITION_KINDS)
    spec = live_figure(data, layout, height=440).to_dict()
    fig = go.Figure(spec)
    assert len(fig.data) == 6 and list(fig.data[1].y) == trained.histories["none"].accuracy

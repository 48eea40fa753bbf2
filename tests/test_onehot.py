"""Lesson 2's core, checked against torch: one-hot x W = lookup, forward and backward."""

import math
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from embedviz import onehot
from embedviz.figures import onehot as figs
from embedviz.seeding import MAX_SEED, torch_generator

V, D = 9, 5
IDS = [4, 0, 7, 4, 2, 4]  # 4 three times, and the padding ID 0


@pytest.fixture
def weight():
    return torch.randn(V, D, generator=torch_generator(3))


@pytest.fixture
def grad_out():
    return torch.randn(len(IDS), D, generator=torch_generator(4))


def test_one_hot_has_a_single_one_per_row_in_the_ids_column():
    X = onehot.one_hot(torch.tensor(IDS), V)
    assert X.shape == (len(IDS), V) and X.dtype == torch.float32
    assert torch.equal(X.sum(dim=1), torch.ones(len(IDS)))
    assert X.argmax(dim=1).tolist() == IDS


@pytest.mark.parametrize("ids, v", [(IDS, V), ([0], 1), ([], 4), ([49_999, 3, 49_999], 50_000)])
def test_both_one_hot_builders_equal_torch_functional_one_hot(ids, v):
    ids_t = torch.tensor(ids, dtype=torch.long)
    expected = F.one_hot(ids_t, v).float()  # (n, V) torch's own
    for build in (onehot.one_hot, onehot.one_hot_via_int64):
        X = build(ids_t, v)
        assert X.dtype == torch.float32 and torch.equal(X, expected)
    if v <= 100:  # and the rows of the identity matrix, picked by ID
        np.testing.assert_array_equal(onehot.one_hot(ids_t, v).numpy(),
                                      np.eye(v, dtype=np.float32)[ids])


@pytest.mark.parametrize("padding_idx", [None, 0])
def test_forward_matmul_equals_embedding_exactly(weight, padding_idx):
    fwd = onehot.check_forward(IDS, weight, padding_idx)
    expected = F.embedding(torch.tensor(IDS), weight, padding_idx=padding_idx)
    assert torch.equal(fwd.via_lookup, expected)
    assert torch.equal(fwd.via_matmul, expected)  # bit for bit, not allclose
    assert fwd.max_abs_diff == 0.0
    assert torch.equal(onehot.lookup_forward(torch.tensor(IDS), weight), expected)


def test_backward_rules_equal_autograd_and_repeats_accumulate(weight, grad_out):
    ids_t = torch.tensor(IDS)
    bwd = onehot.check_backward(IDS, weight, grad_out)
    # autograd through X @ W and through nn.Embedding give the same gradient ...
    torch.testing.assert_close(bwd.via_matmul, bwd.via_embedding)
    # ... and each equals its rule written by hand
    torch.testing.assert_close(onehot.onehot_backward(ids_t, V, grad_out), bwd.via_matmul)
    torch.testing.assert_close(onehot.lookup_backward(ids_t, V, grad_out), bwd.via_embedding)
    # ID 4 sits at positions 0, 3, 5: its row is the sum of those upstream rows
    torch.testing.assert_close(bwd.via_embedding[4], grad_out[[0, 3, 5]].sum(dim=0))
    untouched = [r for r in range(V) if r not in IDS]
    assert bwd.via_embedding[untouched].abs().max() == 0
    assert bwd.nonzero_rows() == sorted(set(IDS))


def test_integer_upstream_gradient_makes_the_two_paths_bit_identical(weight):
    dY = onehot.upstream_gradient(len(IDS), D, seed=0)
    bwd = onehot.check_backward(IDS, weight, dY)
    assert bwd.max_abs_diff == 0.0 and bwd.differing_rows() == []


def test_padding_row_gets_no_gradient_from_the_layer_but_does_from_the_matmul(weight, grad_out):
    bwd = onehot.check_backward(IDS, weight, grad_out, padding_idx=0)
    assert bwd.via_embedding[0].abs().max() == 0
    torch.testing.assert_close(bwd.via_matmul[0], grad_out[1])
    assert bwd.differing_rows() == [0]
    masked = bwd.via_matmul.clone()
    masked[0] = 0
    torch.testing.assert_close(masked, bwd.via_embedding)
    hand = onehot.lookup_backward(torch.tensor(IDS), V, grad_out, padding_idx=0)
    torch.testing.assert_close(hand, bwd.via_embedding)


@pytest.mark.parametrize("padding_idx", [None, 0])
def test_sparse_gradient_densifies_to_the_matmul_gradient(weight, grad_out, padding_idx):
    bwd = onehot.check_backward(IDS, weight, grad_out, padding_idx, sparse=True)
    g = bwd.sparse_grad
    assert g is not None and g.is_sparse
    expected = bwd.via_matmul.clone()
    if padding_idx is not None:
        expected[padding_idx] = 0
    torch.testing.assert_close(g.to_dense(), expected)
    sp = onehot.describe_sparse(g)
    kept = [i for i in IDS if i != padding_idx]
    assert sp.rows == kept  # one entry per position, repeats not yet summed
    assert sp.coalesced_rows == sorted(set(kept))
    torch.testing.assert_close(sp.coalesced_values[sp.coalesced_rows.index(4)],
                               grad_out[[0, 3, 5]].sum(dim=0))
    # what it stores, counted from the tensors torch made
    assert sp.stored_bytes == (g._values().numel() * g._values().element_size()
                               + g._indices().numel() * g._indices().element_size())
    assert sp.dense_bytes == bwd.via_embedding.numel() * bwd.via_embedding.element_size()


def flops_of(fn) -> int:
    """FLOPs torch's own counter sees while ``fn`` runs (a multiply-add is 2 FLOPs)."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops()


def test_cost_model_matches_the_tensors_it_describes():
    n, v, d = 7, 13, 3
    ids = torch.randint(v, (n,), generator=torch_generator(0))
    W = torch.randn(v, d, generator=torch_generator(1), requires_grad=True)
    cost = onehot.Cost(v, d, n)
    X = F.one_hot(ids, v).float()  # torch's one-hot, not ours
    assert X.numel() == cost.onehot_input_floats
    assert X.nbytes == cost.onehot_input_bytes
    assert ids.numel() == cost.lookup_index_numbers and ids.nbytes == cost.lookup_index_bytes
    assert W.numel() == cost.weight_floats and W.nbytes == cost.weight_bytes
    Y = F.embedding(ids, W)
    assert Y.numel() == cost.lookup_copies == cost.output_floats
    # the int64 detour: F.one_hot's own int64 matrix plus its float32 copy
    assert F.one_hot(ids, v).nbytes + X.nbytes == cost.onehot_int64_detour_bytes
    # torch's own FLOP counter: the matmul forward, and its backward X.T @ dY
    Y = X @ W
    assert flops_of(lambda: X @ W) == 2 * cost.onehot_multiply_adds
    assert flops_of(lambda: Y.backward(torch.ones(n, d))) == 2 * cost.onehot_backward_multiply_adds
    assert W.grad.nbytes == cost.weight_bytes  # the dense W.grad is the size of W
    # the lookup's backward adds each upstream number once, into its row: with dY all ones,
    # torch's W.grad sums to the number of additions
    W2 = W.detach().clone().requires_grad_(True)
    F.embedding(ids, W2).backward(torch.ones(n, d))
    assert W2.grad.sum().item() == cost.lookup_backward_adds
    # multiply-adds of the one-hot path per number the lookup copies, from torch's counts
    assert cost.work_ratio == flops_of(lambda: X @ W) / 2 / F.embedding(ids, W).numel()


def test_cost_at_gpt2_size_is_gpt2s_published_table():
    from transformers import GPT2Config  # the library that ships GPT-2: 50,257 x 768

    gpt2 = GPT2Config()
    assert (onehot.GPT2_VOCAB, onehot.GPT2_DIM) == (gpt2.vocab_size, gpt2.n_embd)
    n = 256
    cost = onehot.Cost(gpt2.vocab_size, gpt2.n_embd, n)
    # tensors of the real shapes on the meta device: sizes and FLOPs without the 51 MB
    ids = torch.zeros(n, dtype=torch.long, device="meta")
    X = onehot.one_hot_via_int64(ids, gpt2.vocab_size)  # (n, V) float32
    W = torch.empty(gpt2.vocab_size, gpt2.n_embd, device="meta")  # GPT-2's wte
    assert X.shape == (n, 50_257) and X.nbytes == cost.onehot_input_bytes
    assert round(cost.onehot_input_bytes / 1e6, 1) == 51.5  # "51.5 MB" in the lesson
    assert F.one_hot(ids, gpt2.vocab_size).nbytes + X.nbytes == cost.onehot_int64_detour_bytes
    assert W.nbytes == cost.weight_bytes and ids.nbytes == cost.lookup_index_bytes
    assert flops_of(lambda: X @ W) == 2 * cost.onehot_multiply_adds
    copies = F.embedding(ids, W).numel()
    assert copies == cost.lookup_copies
    assert cost.work_ratio == flops_of(lambda: X @ W) / 2 / copies == 50_257
    # the curve: each point is torch's FLOP count of that size's matmul
    curve = onehot.cost_curve([10, 100, 1000.0], 8, 2)
    assert [c.vocab_size for c in curve] == [10, 100, 1000]
    for c in curve:
        Xc = torch.zeros(2, c.vocab_size, device="meta")
        Wc = torch.empty(c.vocab_size, 8, device="meta")
        assert flops_of(lambda: Xc @ Wc) == 2 * c.onehot_multiply_adds  # noqa: B023


def test_best_seconds_times_a_known_sleep():
    calls = []

    def nap():
        calls.append(1)
        time.sleep(0.002)

    t = onehot.best_seconds(nap, repeats=3, min_seconds=1e-3)
    assert 0.0019 <= t < 0.5  # a sleep is never shorter; a busy machine may wake it late
    assert len(calls) >= 1 + 3  # warm-up plus the repeats


def test_time_paths_at_tiny_sizes_gives_one_sample_per_round_and_per_round_ratios():
    rounds = 3  # odd, so the median is one of the rounds
    t = onehot.time_paths(50, 4, 8, repeats=rounds, min_seconds=1e-4)
    assert (t.vocab_size, t.dim, t.batch) == (50, 4, 8)
    assert set(t.samples) == set(onehot.PATHS) and 1 <= t.attempts <= 3
    for path in onehot.PATHS:
        s = np.asarray(t.samples[path])
        assert s.shape == (rounds,) and np.isfinite(s).all() and (s > 0).all()
        assert getattr(t, path) == s.min()  # the best of the rounds
    fwd = np.asarray(t.samples["onehot_forward"]) / np.asarray(t.samples["lookup_forward"])
    np.testing.assert_allclose(t.ratios("onehot_forward", "lookup_forward"), fwd, rtol=1e-12)
    assert t.ratio_range("onehot_forward", "lookup_forward") == pytest.approx(
        (fwd.min(), np.median(fwd), fwd.max()), rel=1e-12)
    assert t.forward_ratio == pytest.approx(np.median(fwd), rel=1e-12)
    fb = (np.asarray(t.samples["onehot_forward_backward"])
          / np.asarray(t.samples["lookup_forward_backward"]))
    assert t.forward_backward_ratio == pytest.approx(np.median(fb), rel=1e-12)
    forward_only = onehot.time_paths(50, 4, 8, repeats=rounds, min_seconds=1e-4, backward=False)
    assert set(forward_only.samples) == {"onehot_forward", "lookup_forward"}
    assert forward_only.consistent and math.isnan(forward_only.onehot_forward_backward)


@pytest.fixture
def one_thread():
    """Time on one thread, as the app and the bench do: less at the mercy of other programs."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_timing_orders_the_paths_where_the_work_differs_a_thousandfold(one_thread):
    V_, d, n = 16_384, 32, 32  # the one-hot path does V = 16,384 multiply-adds per copy
    t = onehot.time_paths(V_, d, n, repeats=5, max_attempts=1)  # one raw measurement
    assert t.attempts == 1
    s = {path: np.asarray(t.samples[path]) for path in onehot.PATHS}
    # the lookup is faster in every single round, not only at its best
    assert (s["lookup_forward"] < s["onehot_forward"]).all()
    assert min(t.ratios("onehot_forward", "lookup_forward")) > 1
    # forward + backward runs the forward too: at its best it is not faster than the forward
    assert s["onehot_forward_backward"].min() >= s["onehot_forward"].min()
    assert s["lookup_forward_backward"].min() >= s["lookup_forward"].min()  # + a V x d grad
    assert s["sparse_lookup_forward_backward"].min() >= s["lookup_forward"].min()
    assert t.consistent


def fake_samples(onehot_fwd, onehot_fb, lookup_fwd=1.0, lookup_fb=2.0):
    return {"onehot_forward": onehot_fwd, "lookup_forward": [lookup_fwd] * len(onehot_fwd),
            "onehot_forward_backward": onehot_fb,
            "lookup_forward_backward": [lookup_fb] * len(onehot_fb),
            "sparse_lookup_forward_backward": [lookup_fb] * len(onehot_fb)}


def test_consistent_says_whether_forward_backward_was_measured_faster_than_forward():
    ok = onehot.Timing(10, 2, 3, fake_samples([5.0, 4.0, 9.0], [8.0, 30.0, 7.0]))
    assert ok.consistent  # best 4 <= best 7, although round 3 alone says 9 > 7
    disturbed = onehot.Timing(10, 2, 3, fake_samples([5.0, 6.0], [4.5, 9.0]))
    assert not disturbed.consistent  # best 5 > best 4.5: impossible, so disturbed
    lookup_disturbed = onehot.Timing(10, 2, 3, fake_samples([1.0], [2.0], 3.0, 2.5))
    assert not lookup_disturbed.consistent
    no_backward = onehot.Timing(10, 2, 3, {"onehot_forward": [2.0], "lookup_forward": [1.0]})
    assert no_backward.consistent


def test_time_paths_measures_again_until_the_ordering_holds(monkeypatch):
    bad = fake_samples([5.0, 6.0], [4.5, 9.0])
    good = fake_samples([5.0, 6.0], [8.0, 9.0])
    answers = iter([bad, bad, good])
    monkeypatch.setattr(onehot, "interleaved_seconds", lambda fns, *a: next(answers))
    t = onehot.time_paths(20, 2, 3, max_attempts=3)
    assert t.attempts == 3 and t.consistent and t.samples is good
    monkeypatch.setattr(onehot, "interleaved_seconds", lambda fns, *a: bad)
    t = onehot.time_paths(20, 2, 3, max_attempts=2)
    assert t.attempts == 2 and not t.consistent  # given up: the page says it was disturbed


def test_interleaved_seconds_measures_in_turns():
    calls = []
    fns = {"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}
    samples = onehot.interleaved_seconds(fns, rounds=3, min_seconds=0.0)
    assert {k: len(v) for k, v in samples.items()} == {"a": 3, "b": 3}
    assert all(x >= 0 for v in samples.values() for x in v)
    # min_seconds 0: one call calibrates (plus a warm-up), then one call per round, in turns
    assert calls == ["a", "a", "b", "b"] + ["a", "b"] * 3


@pytest.mark.parametrize("V_, d, n", [(50_257, 768, 256), (50_257, 8, 1), (50_257, 64, 4096),
                                      (10, 8, 1)])
def test_live_cap_bounds_work_and_memory(V_, d, n):
    live = onehot.live_vocab_size(V_, d, n)
    assert 2 <= live <= V_
    assert n * live * d <= onehot.LIVE_MAX_MULTIPLY_ADDS or live == 2
    assert n * live <= onehot.LIVE_MAX_ONEHOT_FLOATS or live == 2


def test_live_timing_at_the_cap_costs_well_under_a_second():
    V_ = onehot.live_vocab_size(onehot.GPT2_VOCAB, 64, 256)  # the work cap binds here
    start = time.process_time()  # CPU time: other processes on the machine do not count
    onehot.time_paths(V_, 64, 256)
    assert time.process_time() - start < 1.0  # ~0.2 s measured on one thread


def test_upstream_gradient_is_seeded_small_whole_numbers():
    a = onehot.upstream_gradient(6, 4, seed=5)
    assert torch.equal(a, onehot.upstream_gradient(6, 4, seed=5))
    assert not torch.equal(a, onehot.upstream_gradient(6, 4, seed=6))
    assert torch.equal(a, a.round()) and a.abs().max() <= 3
    assert onehot.upstream_gradient(2, 2, seed=MAX_SEED).shape == (2, 2)


@pytest.mark.parametrize(
    "text, ids, message",
    [
        ("2, 3, 1", [2, 3, 1], None),
        ("[2 3; 1]", [2, 3, 1], None),
        ("+3, 3", [3, 3], None),
        ("", [], None),
        ("cat, 2, dog", [2], "whole number"),
        ("2.5, 1", [1], "whole number"),
        ("-1, 4", [4], "start at 0"),
        ("34, 35, 99999999999999999999999", [34], "from 0 to 34"),
    ],
)
def test_parse_ids_keeps_valid_ids_and_explains_the_rest(text, ids, message):
    parsed = onehot.parse_ids(text, 35)
    assert parsed.ids == ids
    if message is None:
        assert parsed.problems == []
    else:
        assert any(message in p for p in parsed.problems)


def test_parse_ids_caps_ten_thousand_ids():
    parsed = onehot.parse_ids(", ".join(str(i % 35) for i in range(10_000)), 35)
    assert len(parsed.ids) == onehot.MAX_IDS
    assert any("first 64 of the 10,000" in p for p in parsed.problems)


def test_parse_ids_shortens_huge_junk_in_messages():
    parsed = onehot.parse_ids("a" * 20_000, 35)
    assert parsed.ids == [] and len(parsed.problems[0]) < 120


def test_upstream_sums_and_largest_outside(grad_out):
    sums = onehot.upstream_sums(IDS, grad_out)
    assert list(sums) == [4, 0, 7, 2]
    torch.testing.assert_close(sums[4], grad_out[0] + grad_out[3] + grad_out[5])
    g = torch.zeros(5, 2)
    g[3] = torch.tensor([1.0, -4.0])
    assert onehot.largest_outside(g, [3]) == 0.0 and onehot.largest_outside(g, [0]) == 4.0


def test_shown_rows_and_positions():
    assert onehot.shown_rows([3, 1], 5) == [0, 1, 2, 3, 4]
    assert onehot.shown_rows([30, 1, 30], 1000, max_rows=40) == [1, 30]
    assert onehot.positions_by_row([5, 2, 5]) == {5: [0, 2], 2: [1]}


def test_forward_figure_draws_the_computed_matrices(weight):
    fwd = onehot.check_forward(IDS, weight)
    labels = [f"{i} · <b>{i}</b>" for i in range(V)]
    fig = figs.forward_figure(fwd.X.numpy(), weight.numpy(), fwd.via_matmul.numpy(),
                              fwd.via_lookup.numpy(), IDS, labels)
    z = [np.asarray(tr.z) for tr in fig.data]
    np.testing.assert_array_equal(z[0], fwd.X.numpy())
    np.testing.assert_array_equal(z[1], weight.numpy())
    np.testing.assert_array_equal(z[2], z[3])
    ticks = " ".join(fig.layout.yaxis2.ticktext)
    assert "<b>" not in ticks and "&lt;b&gt;" in ticks  # labels are text, not markup
    # the same colour for every row of the same ID: ID 4 sits at positions 0, 3, 5
    x_outlines = [s.line.color for s in fig.layout.shapes if s.xref == "x"]
    assert len(x_outlines) == len(IDS)
    assert x_outlines[0] == x_outlines[3] == x_outlines[5] != x_outlines[1]
    assert len(set(figs.id_colors(IDS).values())) == len(set(IDS))


def test_forward_figure_with_a_large_vocabulary_draws_only_the_batch_rows():
    big = torch.randn(500, 3, generator=torch_generator(0))
    ids = [400, 7, 400]
    fwd = onehot.check_forward(ids, big)
    shown = onehot.shown_rows(ids, 500)
    fig = figs.forward_figure(fwd.X.numpy(), big.numpy(), fwd.via_matmul.numpy(),
                              fwd.via_lookup.numpy(), ids, [str(i) for i in range(500)], shown,
                              include_x=False)
    assert np.asarray(fig.data[0].z).shape == (2, 3)
    assert "500 × 3, 2 drawn" in fig.layout.annotations[0].text


def test_cost_figure_is_log_log_and_passes_through_the_chosen_size():
    curve = onehot.cost_curve([10, 100, 1000], 4, 2)
    fig = figs.cost_figure([c.vocab_size for c in curve],
                           [c.onehot_multiply_adds for c in curve],
                           [c.lookup_copies for c in curve],
                           [c.onehot_input_bytes for c in curve],
                           [c.lookup_index_bytes for c in curve],
                           [c.weight_bytes for c in curve], 100, {"GPT-2": 1000})
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    dots = [tr for tr in fig.data if tr.mode == "markers"]
    assert dots[0].y[0] == pytest.approx(onehot.Cost(100, 4, 2).onehot_multiply_adds)

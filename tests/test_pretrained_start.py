"""Lesson 6's core checked against torch, GloVe's own files, scikit-learn and numpy (float64)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import accuracy_score, log_loss
from torch import nn

from embedviz import corpora
from embedviz import pretrained_start as pre
from embedviz.figures import pretrained_start as figs
from embedviz.pretrained import glove_files, load_glove
from embedviz.seeding import torch_generator
from embedviz.text import PAD_ID

SGD = pre.StartConfig(optimizer="sgd", lr=1.0)


def _run(cfg=None, steps=40, corpus=None) -> pre.SideBySide:
    run = pre.SideBySide(cfg or pre.StartConfig(), corpus)
    run.step(steps)
    return run


@pytest.fixture(scope="module")
def glove_raw():
    """GloVe read straight from the package's files (not through embedviz.pretrained)."""
    import pyarrow.parquet as pq

    matrix_path, index_path = glove_files()
    words = pq.read_table(index_path, columns=["index"]).column("index").to_pylist()
    return np.load(matrix_path, mmap_mode="r"), {str(w): i for i, w in enumerate(words)}


# ---------------------------------------------------------------- frozen means frozen


def test_the_frozen_table_is_bit_identical_has_no_grad_and_no_optimizer_state():
    run = _run(steps=60)
    frozen = run.variants["frozen"]
    assert np.array_equal(frozen.matrix().view(np.int32), run.start.glove.view(np.int32))
    assert frozen.table.requires_grad is False and frozen.table.grad is None
    assert not frozen.optimizer_holds(frozen.table)
    assert len(run.moved_rows("frozen")) == 0
    # ... and its classifier did learn: the head's weights moved
    fresh = pre.build_variant("frozen", run.start, run.config)
    assert not torch.equal(fresh.model.classify.weight, frozen.model.classify.weight)


def test_fine_tuned_adam_state_is_the_two_moments_freezing_saves():
    run = _run(steps=5)
    ft = run.variants["finetuned"]
    state = ft.optimizer.state[ft.table]  # torch's own record
    v, d = ft.table.shape
    assert state["exp_avg"].shape == state["exp_avg_sq"].shape == (v, d)
    saved = pre.training_bytes(v, d, "adam")
    assert saved["optimizer state"] == state["exp_avg"].nbytes + state["exp_avg_sq"].nbytes
    assert saved["gradient"] == ft.table.grad.numel() * ft.table.grad.element_size()
    assert ft.state_bytes() - run.variants["frozen"].state_bytes() == saved["optimizer state"]


# ---------------------------------------------------------------- which rows move


def _grad_rows(run: pre.SideBySide) -> set[int]:
    """Rows torch reports a non-zero gradient for, at any step, in the fine-tuned table."""
    rows: set[int] = set()

    def record(run, batch):
        g = run.variants["finetuned"].table.grad  # (vocab, dim)
        rows.update(torch.nonzero(g.abs().sum(1)).flatten().tolist())

    run.callbacks.append(record)
    return rows


@pytest.mark.parametrize("optimizer, lr, steps", [("sgd", 1.0, 30), ("adam", 0.01, 30),
                                                  ("sgd", 0.001, 2)])  # tiny moves count too
def test_fine_tuned_rows_move_iff_a_batch_looked_them_up(optimizer, lr, steps):
    run = pre.SideBySide(pre.StartConfig(optimizer=optimizer, lr=lr, train_share=0.1))
    rows = _grad_rows(run)
    run.step(steps)
    moved = set(run.moved_rows("finetuned").tolist())
    assert moved == rows == set(run.rows_in_batches().tolist())
    never = [i for i in range(len(run.vocab)) if i not in moved]
    assert run.vocab.stoi["good"] in never and PAD_ID in never  # a probe word and [PAD]
    now, start = run.variants["finetuned"].matrix(), run.start.glove
    assert np.array_equal(now[never].view(np.int32), start[never].view(np.int32))
    for w in run.task.held_out:  # held-out words: in no batch, GloVe's to the last bit
        assert run.batch_counts[run.vocab.stoi[w]] == 0 and run.vocab.stoi[w] in never


def test_weight_decay_moves_every_row_but_pad():
    run = _run(pre.StartConfig(optimizer="adamw", lr=0.01), steps=3)
    assert set(run.moved_rows("finetuned").tolist()) == set(range(1, len(run.vocab)))
    assert len(run.moved_rows("frozen")) == 0  # not in the optimizer: no decay either


# ---------------------------------------------------------------- the same batches


def test_the_three_models_get_identical_batches_from_one_seeded_generator():
    run = pre.SideBySide(pre.StartConfig(batch_size=32))
    seen = {name: [] for name in pre.STARTS}
    for name, v in run.variants.items():
        v.model.embedding.register_forward_hook(
            lambda m, args, out, name=name: seen[name].append(args[0].clone())
            if m.training else None)
    run.step(6)
    # an independent replay: the same sampler tables, a fresh generator with the seed
    g = torch_generator(run.config.seed)
    replay = [run.task.sampler.sample(g).ids for _ in range(6)]
    for name in pre.STARTS:
        assert len(seen[name]) == 6
        assert all(torch.equal(a, b) for a, b in zip(seen[name], replay))


def test_the_fine_tuned_run_equals_a_hand_written_torch_loop():
    cfg = pre.StartConfig(lr=0.02, batch_size=16)
    run = _run(cfg, steps=25)
    table = nn.Embedding.from_pretrained(torch.tensor(np.array(run.start.glove)), freeze=False,
                                         padding_idx=PAD_ID)
    head = nn.Linear(50, 2)
    g0 = torch_generator(cfg.seed)
    with torch.no_grad():
        head.weight.uniform_(-50**-0.5, 50**-0.5, generator=g0)
        head.bias.zero_()
    # torch's Adam as the app builds it (fused: one kernel per tensor, make_optimizer)
    opt = torch.optim.Adam([*table.parameters(), *head.parameters()], lr=cfg.lr, fused=True)
    g = torch_generator(cfg.seed)
    for _ in range(25):
        batch = run.task.sampler.sample(g)
        mask = (batch.ids != PAD_ID).float().unsqueeze(-1)  # (batch, seq, 1)
        h = (table(batch.ids) * mask).sum(1) / mask.sum(1).clamp(min=1)  # (batch, dim)
        loss = F.cross_entropy(head(h), batch.labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert torch.equal(table.weight, run.variants["finetuned"].table)


def test_same_config_same_numbers():
    a, b = _run(steps=15), _run(steps=15)
    for name in pre.STARTS:
        assert np.array_equal(a.variants[name].matrix(), b.variants[name].matrix())
        assert a.variants[name].val.accuracy == b.variants[name].val.accuracy


# ---------------------------------------------------------------- GloVe rows and coverage


def test_glove_rows_are_glove_and_missing_words_are_exactly_those_glove_lacks(glove_raw):
    matrix, index = glove_raw
    text = "\n".join(
        [f"positive: a great film qzxv{i} blorptastic" for i in range(12)]
        + [f"negative: a dull film wugwug{i} grimbly" for i in range(12)])
    corpus, _ = pre.labelled_corpus_from_text(text)
    run = pre.SideBySide(pre.StartConfig(corpus="user", held_out=0), corpus)
    words = run.vocab.itos[2:]
    assert set(run.start.coverage.missing) == {w for w in words if w not in index}
    assert set(run.start.coverage.found) == {w for w in words if w in index}
    for w in words:
        row = run.start.glove[run.vocab.stoi[w]]
        expected = matrix[index[w]] if w in index else run.start.random[run.vocab.stoi[w]]
        assert np.array_equal(row, expected), w
    assert not run.start.glove[PAD_ID].any()
    assert run.start.coverage.share < pre.LOW_COVERAGE  # and it still trains:
    run.step(10)
    assert not run.diverged and np.isfinite(run.variants["finetuned"].val.loss[-1])


def test_good_and_bad_are_close_in_glove(glove_raw):
    matrix, index = glove_raw
    run = pre.SideBySide(pre.StartConfig())
    x, y = (np.asarray(matrix[index[w]], dtype=np.float64) for w in ("good", "bad"))
    expected = x @ y / np.sqrt((x @ x) * (y @ y))
    assert run.cosine("finetuned", "good", "bad", before=True) == pytest.approx(expected, 1e-6)
    assert round(expected, 2) == 0.80


def test_the_random_scale_is_the_rms_of_every_glove_coordinate(glove_raw):
    matrix, _ = glove_raw
    rms = np.sqrt(np.mean(np.square(np.asarray(matrix, dtype=np.float64))))
    assert pre.glove_scale(load_glove()) == pytest.approx(rms, rel=1e-5)


def test_the_shared_start_is_read_only_and_shared():
    a, b = pre.SideBySide(pre.StartConfig()), pre.SideBySide(pre.StartConfig(lr=0.1))
    assert a.start is b.start and a.shared
    assert not a.start.glove.flags.writeable and not a.start.random.flags.writeable
    a.step(5)
    assert np.array_equal(a.start.glove, b.variants["finetuned"].matrix())  # b untouched


# ---------------------------------------------------------------- the split and the curves


def test_split_held_out_words_and_unseen_sentences():
    cfg = pre.StartConfig(train_share=0.3, held_out=6, seed=3)
    task = pre.SideBySide(cfg).task
    _, val = corpora.train_validation_split(corpora.load_builtin("reviews"), 0.2, 3, 0.3)
    assert task.validation.sentences == val.sentences
    assert len(task.held_out) == 6
    cats = corpora.load_builtin("reviews").categories
    assert sorted(cats[w] for w in task.held_out) == ["negative"] * 3 + ["positive"] * 3
    train_words = {w for s in task.train.sentences for w in s}
    assert not train_words & set(task.held_out)
    expected = [bool(set(s) - train_words) for s in task.validation.sentences]
    assert task.unseen_sentences.tolist() == expected and any(expected)


def test_the_curves_are_sklearn_accuracy_and_log_loss():
    run = _run(steps=pre.EVAL_EVERY * 4)
    t = run.task
    for v in run.variants.values():
        with torch.no_grad():
            v.model.eval()
            probs = torch.softmax(v.model(t.val_ids).double(), 1).numpy()
        labels = t.val_labels.numpy()
        assert v.val.steps[-1] == run.step_count
        assert v.val.accuracy[-1] == pytest.approx(accuracy_score(labels, probs.argmax(1)))
        assert v.val.loss[-1] == pytest.approx(log_loss(labels, probs), rel=1e-5)
        mask = t.unseen_sentences.numpy()
        assert v.unseen.accuracy[-1] == pytest.approx(
            accuracy_score(labels[mask], probs[mask].argmax(1)))


def test_look_ahead_answers_what_the_run_reaches_and_leaves_it_alone():
    run = pre.SideBySide(pre.StartConfig())
    answer = pre.look_ahead(run, 30)
    assert run.step_count == 0 and len(run.rows_in_batches()) == 0
    run.step(30)
    assert answer["best"] == run.best_on_validation()
    assert answer["pair_after"] == run.cosine("finetuned", "good", "bad")
    assert answer["lookups"][0] == 0 and answer["drift"][0] == 0.0  # "good" is in no review


def test_a_diverging_learning_rate_stops_with_a_message():
    run = _run(pre.StartConfig(optimizer="sgd", lr=1000.0), steps=200)
    assert run.diverged and run.step_count < 200
    assert "learning rate" in run.message and "Reset" in run.message
    assert run.step(5) == 0


# ---------------------------------------------------------------- a student's labelled text


def test_labelled_text_format_is_checked(bad_inputs):
    for _name, text in bad_inputs:
        with pytest.raises(corpora.CorpusProblem):
            pre.labelled_corpus_from_text(text)
    ok = "\n".join(["positive: lovely 🐱 film"] * 10 + ["neg\tawful <b>film</b>"] * 10
                   + ["no label here", "maybe: what"])
    corpus, notes = pre.labelled_corpus_from_text(ok)
    assert corpus.labels.count(1) == corpus.labels.count(0) == 10
    assert any("2 line(s) skipped" in n for n in notes)
    many = "\n".join(["positive: good"] * 1500 + ["negative: bad"] * 1500)
    corpus, notes = pre.labelled_corpus_from_text(many)
    assert len(corpus.sentences) == pre.MAX_LABELLED_LINES and notes


# ---------------------------------------------------------------- figures


def test_live_dicts_are_valid_plotly_figures():
    run = _run(steps=10)
    curves = {n: {"train": (v.train.steps, v.train.loss, v.train.accuracy),
                  "val": (v.val.steps, v.val.loss, v.val.accuracy)}
              for n, v in run.variants.items()}
    data, layout = figs.curves_parts(curves, pre.STARTS)
    fig = go.Figure(dict(data=data, layout=layout))
    assert len(fig.data) == 12 and fig.data[0].y[-1] == run.variants["random"].val.loss[-1]
    bars = {n: (v.val.accuracy[-1], v.unseen.accuracy[-1]) for n, v in run.variants.items()}
    fig = go.Figure(dict(zip(("data", "layout"),
                             figs.accuracy_bars_parts(bars, pre.STARTS, 320, 58))))
    assert [t.x[0] for t in fig.data] == [bars[n][0] for n in pre.STARTS]

"""Lesson 2 in AppTest: the numbers shown are torch's, sizes and IDs change, bad input survives."""

import re

import numpy as np
import pytest
import torch

from embedviz import onehot
from embedviz.embedding import EmbeddingConfig, make_embedding
from embedviz.examples import DEFAULT_VOCAB_TEXT
from embedviz.text import Vocabulary
from tests.apptest_helpers import assert_clean, chart_spec, open_page, plotly_array

VOCAB = Vocabulary.from_text(DEFAULT_VOCAB_TEXT)
SENTENCE_IDS = VOCAB.encode("The cat is not the dog.").ids  # the page's default


@pytest.fixture(scope="module")
def page():
    return open_page("onehot")


def _z(at, key, panel):
    return plotly_array(chart_spec(at, key)["data"][panel]["z"]).astype(np.float32)


def _texts(at):
    return " ".join(str(e.value) for kind in ("markdown", "success", "warning", "info", "caption")
                    for e in getattr(at, kind))


def test_default_view_shows_torchs_numbers_and_exact_zeros(page):
    at = page
    assert sum("= **0**, exactly" in s.value for s in at.success) == 4
    # the textbook case: nn.Embedding(4, 5), IDs [2, 3, 1], seed 0
    W4 = make_embedding(EmbeddingConfig(4, 5, seed=0, padding_idx=None)).weight.detach()
    ids = torch.tensor([2, 3, 1])
    np.testing.assert_array_equal(_z(at, "onehot_fig_textbook", 0), np.eye(4)[[2, 3, 1]])
    np.testing.assert_array_equal(_z(at, "onehot_fig_textbook", 1), W4.numpy())
    np.testing.assert_array_equal(_z(at, "onehot_fig_textbook_result", 1),
                                  torch.nn.functional.embedding(ids, W4).numpy())
    # the student's sentence, W of lesson 1's vocabulary, d = 4, padding_idx = 0
    W = make_embedding(EmbeddingConfig(len(VOCAB), 4, seed=0)).weight.detach()
    lookup = torch.nn.Embedding.from_pretrained(W, padding_idx=0)(torch.tensor(SENTENCE_IDS))
    np.testing.assert_array_equal(_z(at, "onehot_fig_forward", 2), lookup.numpy())
    # the gradient drawn is torch autograd's through nn.Embedding
    emb = torch.nn.Embedding.from_pretrained(W.clone(), freeze=False, padding_idx=0)
    dY = onehot.upstream_gradient(len(SENTENCE_IDS), 4, seed=0)
    emb(torch.tensor(SENTENCE_IDS)).backward(dY)
    np.testing.assert_array_equal(_z(at, "onehot_fig_backward", 2), emb.weight.grad.numpy())
    # "the" (ID 32) twice: its row is the sum of its two upstream rows
    the = VOCAB.id_of("the")
    np.testing.assert_array_equal(emb.weight.grad[the].numpy(), (dY[0] + dY[4]).numpy())


def test_quiz_answer_is_the_touched_rows(page):
    at = page
    quiz = at.multiselect(key="onehot_quiz_rows__choice")
    quiz.set_value(sorted(set(SENTENCE_IDS))).run()
    at.button(key="onehot_quiz_rows__reveal").click().run()
    assert_clean(at)
    assert any("Exactly right" in s.value for s in at.success)
    assert "so its row is dY[0] + dY[4]" in _texts(at)


def test_sizes_change_the_cost_and_the_live_cap_is_stated(page):
    at = page
    at.select_slider(key="onehot_vocab").set_value(onehot.GPT2_VOCAB).run()
    at.select_slider(key="onehot_cost_dim").set_value(onehot.GPT2_DIM).run()
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["One-hot X alone"] == "51.5 MB"  # 256 x 50,257 x 4 bytes
    assert metrics["One-hot multiply-adds"] == f"{256 * 50_257 * 768:,}"
    live = onehot.live_vocab_size(onehot.GPT2_VOCAB, onehot.GPT2_DIM, 256)
    text = _texts(at)
    assert f"ran at V = {live:,} instead of 50,257" in text
    # the ratio is a range over interleaved rounds, and never an impossible ordering
    ratio = re.search(r"the lookup is ([\d,]+) times \(from ([\d,]+) to ([\d,]+)\) faster",
                      text)
    assert ratio, text
    median, low, high = (int(g.replace(",", "")) for g in ratio.groups())
    assert 1 < low <= median <= high
    spec = chart_spec(at, "onehot_fig_cost")
    assert spec["layout"]["xaxis"]["type"] == "log"


def test_ids_box_messages_and_padding():
    at = open_page("onehot")
    at.radio(key="onehot_source").set_value("ids").run()
    box = lambda: at.text_input(key="onehot_ids")  # noqa: E731
    cases = [
        ("cat, dog", "whole number", "Type at least one token ID"),
        ("-1, 4", "start at 0", None),
        ("35, 4", "go from 0 to 34", None),
        ("", None, "Type at least one token ID"),
        (", ".join(["5"] * 10_000), "Only the first 64 of the 10,000", None),
    ]
    for text, warning, info in cases:
        box().set_value(text).run()
        assert_clean(at)
        if warning:
            assert any(warning in w.value for w in at.warning), (text[:20], warning)
        if info:
            assert any(info in i.value for i in at.info), (text[:20], info)
    # repeated IDs and the padding row: the two gradients differ in row 0 only
    box().set_value("0, 5, 5").run()
    assert_clean(at)
    assert any("differ in row 0 only" in w.value for w in at.warning)
    box().set_value("0, 0").run()  # only padding: nothing to ask, an empty sparse gradient
    assert_clean(at)
    assert any("Every ID here is the padding row" in i.value for i in at.info)
    assert any("sparse gradient is empty" in i.value for i in at.info)
    at.toggle(key="onehot_padding").set_value(False).run()
    assert sum("= **0**, exactly" in s.value for s in at.success) == 4


def test_bad_sentences_give_messages_not_errors(bad_inputs):
    at = open_page("onehot")
    for name, text in bad_inputs:
        at.text_input(key="onehot_sentence").set_value(text).run()
        assert_clean(at)
        if name in ("empty", "whitespace only"):
            assert any("has no tokens" in i.value for i in at.info), name
        if name == "long paste (about 1 MB)":
            assert any("longer than 2,000 characters" in w.value for w in at.warning)
        assert at.get("plotly_chart"), name  # at least the cost chart is always drawn


def test_vocabulary_from_lesson_1_is_used_when_present():
    at = open_page("onehot")
    at.session_state["words_vocab_text"] = "zebra apple zebra <b>"
    at.text_input(key="onehot_sentence").set_value("zebra zebra apple").run()
    assert_clean(at)
    assert any("vocabulary you built in lesson 1" in c.value for c in at.caption)
    mine = Vocabulary.from_text("zebra apple zebra <b>")
    assert f"**{len(mine)} tokens**" in _texts(at)
    # a vocabulary too large to draw: only the batch's rows are drawn, and they are torch's
    big = " ".join(f"w{i}" for i in range(500))
    at.session_state["words_vocab_text"] = big
    at.text_input(key="onehot_sentence").set_value("w7 w300 w7").run()
    assert_clean(at)
    vocab = Vocabulary.from_text(big)
    ids = vocab.encode("w7 w300 w7").ids
    W = make_embedding(EmbeddingConfig(len(vocab), 4, seed=0)).weight.detach()
    rows = sorted(set(ids))  # X's columns and W's rows that are drawn
    np.testing.assert_array_equal(_z(at, "onehot_fig_forward", 0), np.eye(len(vocab))[ids][:, rows])
    np.testing.assert_array_equal(_z(at, "onehot_fig_forward", 1), W[rows].numpy())
    assert any("too many to draw" in c.value for c in at.caption)

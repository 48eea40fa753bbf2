"""Lesson 1 in AppTest: what the page shows is what torch computes; bad input is survived."""

import re

import numpy as np
import pytest
import torch

from embedviz.examples import DEFAULT_VOCAB_TEXT
from tests.apptest_helpers import assert_clean, chart_spec, open_page, plotly_array


@pytest.fixture(scope="module")
def page():
    return open_page("words")


def words_of(text: str) -> list[str]:
    """Lesson 1's tokenization, rewritten: lower-case words and single punctuation marks."""
    return re.findall(r"\w+|[^\w\s]", text.lower())


def seeded_table(vocab_size: int, dim: int, seed: int) -> torch.Tensor:
    """What `torch.nn.Embedding(V, dim, padding_idx=0)` holds for this seed, built by torch."""
    emb = torch.nn.Embedding(vocab_size, dim, padding_idx=0)
    with torch.no_grad():
        emb.weight.normal_(0.0, 1.0, generator=torch.Generator().manual_seed(seed))
        emb.weight[0].zero_()
    return emb.weight.detach()


def test_default_sentence_shows_the_looked_up_rows_and_shape(page):
    at = page
    # predict first: the output (and with it the answer, 48) is not on the page yet
    assert "48 numbers" not in " ".join(m.value for m in at.markdown)
    assert not any("words_output_chart" in (c.proto.id or "") for c in at.get("plotly_chart"))
    at.toggle(key="words__skip_quiz").set_value(True).run()
    text = " ".join(m.value for m in at.markdown)
    assert "8 × 6" in text and "48 numbers" in text
    # the vocabulary and the IDs, computed here: [PAD], [UNK], then the tokens sorted
    itos = ["[PAD]", "[UNK]"] + sorted(set(words_of(DEFAULT_VOCAB_TEXT)))
    V = len(itos)
    assert f"**{V} × 6**" in text  # the matrix W the page describes
    vocab_table = at.dataframe[1].value
    assert list(vocab_table["token"]) == itos and list(vocab_table["ID"]) == list(range(V))
    sentence = words_of("White refrigerator is evil.")
    ids = [itos.index(w) if w in itos else 1 for w in sentence] + [0] * (8 - len(sentence))
    table = at.dataframe[0].value
    assert list(table["token"])[:5] == sentence == ["white", "refrigerator", "is", "evil", "."]
    assert [int(i) for i in table["ID"]] == ids
    assert list(table["token"])[5:] == ["[PAD]"] * 3  # every position is listed, padding too
    # the numbers on the page against a fresh nn.Embedding from the same seed (0) and size
    W = seeded_table(V, 6, seed=0)
    expected = torch.nn.functional.embedding(torch.tensor(ids), W, padding_idx=0).numpy()
    shown = plotly_array(chart_spec(at, "words_output_chart")["data"][0]["z"])
    np.testing.assert_array_equal(shown, expected.astype(shown.dtype))
    matrix = chart_spec(at, "words_matrix_chart")
    np.testing.assert_array_equal(plotly_array(matrix["data"][0]["z"]), W.numpy())  # every row
    framed = [int(t.split(":")[0][2:]) for t in matrix["layout"]["yaxis"]["ticktext"]
              if t.startswith("▶")]
    assert framed == sorted(set(ids))  # the looked-up rows are the ones lit
    # the check can tell: the rows one ID off, or another seed, are not what is shown
    for wrong in ([min(i + 1, V - 1) for i in ids], [max(i - 1, 0) for i in ids]):
        assert not np.allclose(shown, W.numpy()[wrong])
    assert not np.allclose(shown, seeded_table(V, 6, seed=1).numpy()[ids])
    # the printed difference is the one computed here between the page and one_hot @ W
    via_matmul = (torch.nn.functional.one_hot(torch.tensor(ids), V).float() @ W).numpy()
    assert np.abs(shown - via_matmul).max() == 0.0
    assert "Largest difference between each output row and the row `W[id]`: **0**" in text


def test_settings_change_the_matrix_and_the_quiz_scores(page):
    at = page
    at.slider(key="words_dim").set_value(3).run()
    at.slider(key="words_length").set_value(4).run()
    assert_clean(at)
    quiz = at.radio(key="words_quiz_numbers__choice")
    quiz.set_value(12).run()
    at.button(key="words_quiz_numbers__reveal").click().run()
    assert any("Right: 12" in s.value for s in at.success)
    text = " ".join(m.value for m in at.markdown)
    assert "4 × 3" in text and "12 numbers" in text  # revealed: the output is shown
    # truncation is announced
    assert any("cut off" in w.value for w in at.warning)


@pytest.mark.parametrize("name", ["empty", "punctuation only", "single token", "emoji", "CJK",
                                  "right-to-left", "html script", "html tags", "zero-width",
                                  "control characters", "very long word",
                                  "long paste (about 1 MB)", "many distinct words"])
def test_bad_sentences_give_messages_not_errors(bad_inputs, name):
    text = dict(bad_inputs)[name]
    at = open_page("words")
    at.text_input(key="words_sentence").set_value(text).run()
    assert_clean(at)
    assert len(at.get("plotly_chart")) >= 3
    if name == "long paste (about 1 MB)":
        assert any("longer than 2,000 characters" in w.value for w in at.warning)
    if name == "empty":
        assert any("empty" in i.value for i in at.info)
    if name.startswith("html"):  # never rendered as markup: tokens are shown as plain cells
        assert all("<script>" not in m.value and "<b>" not in m.value for m in at.markdown)


def test_huge_vocabulary_text_is_capped_and_vocab_cap_applies(bad_inputs):
    at = open_page("words")
    at.text_area(key="words_vocab_text").set_value(dict(bad_inputs)["many distinct words"]).run()
    assert_clean(at)
    assert any("longer than 20,000 characters" in w.value for w in at.warning)
    assert any("500 × 6" in m.value for m in at.markdown)  # the size cap (default 500) holds


def test_following_one_token_frames_its_row_of_w_and_its_output_row():
    """Click a row of the token table: that token's row of W and of the output are framed."""
    at = open_page("words")
    at.toggle(key="words__skip_quiz").set_value(True).run()
    assert _follow_frames(at) == ([], [])
    at.session_state["words__follow"] = {"selection": {"rows": [1], "columns": [],
                                                       "cells": []}}
    at.run()
    assert_clean(at)
    framed_w, framed_out = _follow_frames(at)
    token_id = int(at.dataframe[0].value["ID"][1])  # the token at position 1
    labels = chart_spec(at, "words_matrix_chart")["layout"]["yaxis"]["ticktext"]
    rows = [int(t.split(":")[0].lstrip("▶ ")) for t in labels]  # W's rows as drawn
    assert framed_w == [rows.index(token_id)] and framed_out == [1]


def _follow_frames(at) -> tuple[list[int], list[int]]:
    """Row positions framed with the black dotted 'follow' line in W and in the output."""
    def frames(key):
        shapes = chart_spec(at, key)["layout"].get("shapes", [])
        return [round(s["y0"] + 0.5) for s in shapes if s["line"].get("dash") == "dot"]
    return frames("words_matrix_chart"), frames("words_output_chart")

"""Lesson 1 in AppTest: what the page shows is what torch computes; bad input is survived."""

import numpy as np
import pytest

from embedviz.embedding import EmbeddingConfig
from embedviz.examples import DEFAULT_VOCAB_TEXT
from embedviz.lookup import words_to_vectors
from tests.apptest_helpers import assert_clean, chart_spec, open_page, plotly_array


@pytest.fixture(scope="module")
def page():
    return open_page("words")


def test_default_sentence_shows_the_looked_up_rows_and_shape(page):
    at = page
    text = " ".join(m.value for m in at.markdown)
    assert "8 × 6" in text and "48 numbers" in text
    table = at.dataframe[0].value
    assert list(table.loc["token"])[:5] == ["white", "refrigerator", "is", "evil", "."]
    # The output heatmap shows exactly the rows torch's nn.Embedding returns.
    p = words_to_vectors("White refrigerator is evil.", DEFAULT_VOCAB_TEXT,
                         EmbeddingConfig(0, dim=6, seed=0), 8)
    z = plotly_array(chart_spec(at, "words_output_chart")["data"][0]["z"]).astype(float)
    np.testing.assert_allclose(z, p.output, rtol=1e-6)
    assert [int(i) for i in table.loc["ID"]] == p.encoded.ids
    assert "Largest difference between each output row and the row `W[id]`: **0**" in text


def test_settings_change_the_matrix_and_the_quiz_scores(page):
    at = page
    at.slider(key="words_dim").set_value(3).run()
    at.slider(key="words_length").set_value(4).run()
    assert_clean(at)
    text = " ".join(m.value for m in at.markdown)
    assert "4 × 3" in text and "12 numbers" in text
    quiz = at.radio(key="words_quiz_numbers__choice")
    quiz.set_value(12).run()
    at.button(key="words_quiz_numbers__reveal").click().run()
    assert any("Right: 12" in s.value for s in at.success)
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

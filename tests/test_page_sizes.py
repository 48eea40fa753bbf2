"""Lesson 8 in AppTest: the numbers shown are torch's and the sweep's, the quiz comes first,
a small sweep of one's own runs, out-of-range settings are refused with a message."""

import pytest
import torch

from embedviz import minilm, sizes
from tests.apptest_helpers import (
    assert_clean,
    chart_spec,
    lesson_pages,
    open_app,
    open_page,
    plotly_array,
)


@pytest.fixture(scope="module")
def page():
    return open_page("sizes")


def _texts(at):
    return " ".join(str(e.value) for kind in ("markdown", "success", "warning", "info", "caption")
                    for e in getattr(at, kind))


def _y(at, key, trace=0):
    return plotly_array(chart_spec(at, key)["data"][trace]["y"]).tolist()


def test_default_sweep_is_shown_and_the_classifier_chart_waits_for_the_answer(page):
    at = page
    result = sizes.default_sweep()  # the same shared, read-only result
    assert _y(at, "size_fig_words") == [p.neighbour_accuracy for p in result.words()]
    cost = chart_spec(at, "size_fig_cost")["data"]
    assert plotly_array(cost[0]["y"]).tolist() == [p.table_parameters for p in result.words()]
    assert not [c for c in at.get("plotly_chart") if "size_fig_reviews" in (c.proto.id or "")]
    assert "appears once you have answered" in _texts(at)


def test_quiz_reveals_the_measured_answer_and_the_chart(page):
    at = page
    result = sizes.default_sweep()
    reviews = result.reviews(0.25)
    answer = sizes.compare_dims(reviews, 128, 16)
    at.radio(key="size_quiz__choice").set_value(answer).run()
    at.button(key="size_quiz__reveal").click().run()
    assert_clean(at)
    assert any("Right" in s.value for s in at.success)
    assert _y(at, "size_fig_reviews", 0) == [p.validation_accuracy for p in reviews]
    assert _y(at, "size_fig_reviews", 1) == [p.train_accuracy for p in reviews]
    big = result.at(sizes.REVIEWS, 128, 0.25)
    assert f"d = 128 gets {big.validation_correct}/{big.validation_size}" in _texts(at)
    # another share: a new question, the chart hidden again
    at.select_slider(key="size_share").set_value(1.0).run()
    assert_clean(at)
    assert not [c for c in at.get("plotly_chart") if "size_fig_reviews" in (c.proto.id or "")]


def test_real_table_numbers_are_torchs(page):
    tables, shares = page.dataframe[0].value, page.dataframe[1].value  # one table cut at 1024 px
    frame = tables.merge(shares, on="model").set_index("model")
    for name, row in frame.iterrows():
        w = torch.nn.Embedding(_vocab(row), int(row["d"]), device="meta").weight
        assert row["table V × d"] == w.numel(), name
        assert row["MB float32"] == pytest.approx(w.numel() * w.element_size() / 1e6)
        assert row["MB bfloat16"] == pytest.approx(w.numel() * 2 / 1e6)
        assert row["table's share"] == pytest.approx(w.numel() / row["all parameters"])
    cfg = minilm.config()
    assert frame.loc[sizes.MINILM, "d"] == cfg["hidden_size"]
    assert frame.loc[sizes.MINILM, "V (vocabulary)"] == f"{cfg['vocab_size']:,}"
    assert frame.loc["GPT-2 small", "all parameters"] == 124_439_808  # GPT2Config on meta


def _vocab(row) -> int:
    return int(str(row["V (vocabulary)"]).lstrip("≈").replace(",", ""))


def test_calculator_follows_the_sliders(page):
    at = page
    at.select_slider(key="size_vocab").set_value(128_256).run()
    at.select_slider(key="size_dim").set_value(4096).run()
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    w = torch.empty(128_256, 4096, dtype=torch.bfloat16, device="meta")
    assert metrics["Parameters V × d"] == f"{w.numel():,}"
    assert metrics["Memory in bfloat16"] == f"{w.numel() * w.element_size() / 1e6:,.2f} MB"
    assert metrics["Untied (input + output)"] == f"{2 * w.numel():,}"
    text = _texts(at)
    assert "is the table of Llama 3 8B" in text
    assert f"{512 * 128_256 * 4096:,} multiply-adds" in text  # lesson 2's n x V x d


def test_a_small_sweep_of_ones_own_runs_and_matches_the_core():
    at = open_page("sizes")
    at.number_input(key="size_seed").set_value(3).run()
    at.number_input(key="size_words_steps").set_value(20).run()
    at.number_input(key="size_reviews_steps").set_value(20).run()
    assert_clean(at)
    assert any("need a sweep of their own" in i.value for i in at.info)
    at.button(key="size__run").click().run()
    assert_clean(at)
    expected = sizes.run_sweep(sizes.SweepConfig(words_steps=20, reviews_steps=20,
                                                 shares=(0.25,), seed=3))
    assert _y(at, "size_fig_words") == [p.neighbour_accuracy for p in expected.words()]
    # a sweep too long for a student's own budget is refused with a message
    at.number_input(key="size_words_steps").set_value(2_000).run()
    assert_clean(at)
    assert any("refused" in w.value and "at most 5,000" in w.value for w in at.warning)


def _open_with_link(params: dict):
    """The page opened from a shared link: the query parameters are there before it runs."""
    at = open_app()
    page = next(p for p in lesson_pages(at) if p.url_path == "sizes")
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(str(page._page)).run()
    assert_clean(at)
    return at


def test_a_shared_link_opens_the_same_view():
    at = _open_with_link({"size_seed": "5", "size_share": "10%", "size_dim": "4096"})
    assert at.number_input(key="size_seed").value == 5
    assert at.select_slider(key="size_share").value == 0.1
    assert at.select_slider(key="size_dim").value == 4096
    assert any("need a sweep of their own" in i.value for i in at.info)


def test_bad_url_values_do_not_break_the_page():
    at = _open_with_link({"size_share": "7", "size_seed": "-3", "size_vocab": "abc",
                          "size_words_steps": "999999", "size_dim": "<script>"})
    assert at.number_input(key="size_seed").value == 0
    assert at.number_input(key="size_words_steps").value == 400
    assert at.get("plotly_chart")


BOUND_KEYS = ["size_share", "size_seed", "size_words_steps", "size_reviews_steps", "size_vocab",
              "size_dim", "size_batch"]


def test_every_bad_input_as_a_link_value_gets_a_message_not_an_error(bad_inputs):
    # the page has no text box: what a student (or a link) can type is its URL values
    for start in range(0, len(bad_inputs), len(BOUND_KEYS)):
        cases = bad_inputs[start:start + len(BOUND_KEYS)]
        at = _open_with_link({key: text for key, (_, text) in zip(BOUND_KEYS, cases)})
        assert at.get("plotly_chart"), [name for name, _ in cases]
        if sum(len(t) for _, t in cases) > 500_000:  # Streamlit drops a query this long
            assert at.number_input(key="size_seed").value == 0
        elif any(text.strip() for _, text in cases):
            assert any("could not use" in w.value for w in at.warning), [n for n, _ in cases]


def test_the_real_range_and_the_small_table_sentence_are_measured():
    """The intro's range is the table's (its own rows, not a typed "384 to 4,096"), and the
    d = 2 sentence is the sweep's, at the sweep's step count."""
    at = open_page("sizes")
    dims = [t.dim for t in sizes.real_tables()]
    text = _texts(at)
    assert f"use {min(dims):,} to {max(dims):,} numbers per token" in text
    words = sizes.default_sweep().words()
    assert (f"within {sizes.DEFAULT_SWEEP.words_steps:,} skip-gram steps, d = {words[0].dim} "
            f"puts {words[0].neighbour_accuracy:.0%} of the") in text

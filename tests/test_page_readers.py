"""Lesson 10's page under AppTest: both parts, the numbers on screen against the core and the
model, the quizzes, and every bad input through the page's text inputs."""

from __future__ import annotations

import numpy as np
import pytest

from embedviz import readers as rd
from tests.apptest_helpers import (
    assert_clean,
    chart_spec,
    click,
    metrics,
    open_page,
    pick_option,
    plotly_array,
)

PART2 = "Part 2 · Static vs contextual vectors"


@pytest.fixture(scope="module")
def rnn_page():
    return open_page("readers")


def test_the_walk_through_shows_the_live_models_states(rnn_page):
    at = rnn_page
    trainer = at.session_state["read_trainer"]
    assert trainer.reader_config == rd.ReaderConfig(lr=0.03)
    for _ in range(3):
        click(at, "read__step")
    assert metrics(at)["Step"] == "3" and trainer.step_count == 3
    spec = chart_spec(at, "read__walk")
    x, h = (plotly_array(t["z"]) for t in spec["data"])
    ids = rd.encode_review(trainer.vocab, "White refrigerator is evil.", 8).ids
    walk = rd.walk_through(trainer.model, ids)  # the model as it is now, at step 3
    assert x.shape == (8, 5) and h.shape == (8, 8)
    np.testing.assert_allclose(x, walk.x, atol=1e-6)
    np.testing.assert_allclose(h, walk.h, atol=1e-6)
    twin = rd.ReaderTrainer(trainer.reader_config)  # the same numbers for the same link
    twin.step(3)
    np.testing.assert_allclose(rd.walk_through(twin.model, ids).h, walk.h, atol=0)


def test_a_step_shows_input_previous_and_new_state(rnn_page):
    at = rnn_page
    at.selectbox(key="read_example").set_value("the movie was not horrible").run()
    at.slider(key="read_step").set_value(4).run()  # step 3 (0-based): "not"
    assert_clean(at)
    trainer = at.session_state["read_trainer"]
    walk = rd.walk_through(trainer.model, rd.encode_review(
        trainer.vocab, "the movie was not horrible", 8).ids)
    rows = plotly_array(chart_spec(at, "read__step_chart")["data"][0]["z"])
    np.testing.assert_allclose(rows[0, :5], walk.x[3], atol=1e-6)
    np.testing.assert_allclose(rows[1], walk.h_prev[3], atol=1e-6)
    np.testing.assert_allclose(rows[4], walk.h[3], atol=1e-6)
    np.testing.assert_allclose(rows[4], np.tanh(rows[2] + rows[3]), atol=1e-6)


def test_the_flip_quiz_reveals_the_computed_answer(rnn_page):
    at = rnn_page
    trainer = at.session_state["read_trainer"]
    trainer.step(150)  # trains; a full run then asks about the model as it is
    at.run()
    enc = rd.encode_review(trainer.vocab, "the movie was not horrible", 8)
    flip = rd.flip_after(rd.walk_through(trainer.model, enc.ids))
    at.radio(key="read_quiz_flip__choice").set_value(-1 if flip is None else flip).run()
    click(at, "read_quiz_flip__reveal")
    assert any("Right" in s.value for s in at.success)
    bars = plotly_array(chart_spec(at, "read__prediction")["data"][0]["y"])
    np.testing.assert_allclose(bars, rd.walk_through(trainer.model, enc.ids).p_positive[:5],
                               atol=1e-9)


def test_play_trains_one_tick_and_a_setting_builds_a_new_model(rnn_page):
    at = rnn_page
    before = at.session_state["read_trainer"].step_count
    click(at, "read__play")
    assert at.session_state["read__playing"]
    assert at.session_state["read_trainer"].step_count == before + 5
    click(at, "read__play")  # pause
    at.selectbox(key="read_cell").set_value("gru").run()
    assert_clean(at)
    new = at.session_state["read_trainer"]
    assert new.reader_config.cell == "gru" and new.step_count == 0
    assert any("new classifier" in i.value for i in at.info)
    probes = chart_spec(at, "read__probes")["data"]
    np.testing.assert_allclose(plotly_array(probes[0]["x"]),
                               new.probabilities([p.split() for p in rd.PROBES]), atol=1e-9)


def test_own_sentence_bad_inputs_never_break_part_one(bad_inputs):
    at = open_page("readers")
    at.selectbox(key="read_example").set_value("✎ your own sentence").run()
    for name, text in bad_inputs:
        at.text_input(key="read_sentence").set_value(text[:300]).run()
        assert_clean(at)
        assert at.get("plotly_chart"), name


@pytest.fixture(scope="module")
def context_page():
    at = open_page("readers")
    at.radio(key="read_part").set_value(PART2).run()
    assert_clean(at)
    return at


def test_the_cosine_matrix_is_the_models_and_the_quiz_answer_is_computed(context_page):
    from embedviz.minilm import load_minilm

    at, minilm = context_page, load_minilm()
    occ = rd.default_occurrences(minilm, "bank")
    shown = plotly_array(chart_spec(at, "read__cosine")["data"][0]["z"])
    np.testing.assert_allclose(shown, rd.occurrence_similarity(occ), atol=1e-9)
    q = rd.sense_quiz(minilm, "bank")
    choice = at.radio(key="read_quiz_sense__choice")
    same, related = f"“bank” in “{q.other_sense}” (the other meaning)", f"“{q.related}” in “{q.related_in}”"
    choice.set_value(same if q.to_same_word > q.to_related else related).run()
    click(at, "read_quiz_sense__reveal")
    assert any("Right" in s.value for s in at.success)
    assert any(f"{q.to_same_word:.3f}" in m.value for m in at.markdown)
    at.slider(key="read_layer").set_value(0).run()
    shown = plotly_array(chart_spec(at, "read__cosine")["data"][0]["z"])
    np.testing.assert_allclose(shown, rd.occurrence_similarity(occ, 0), atol=1e-9)


def test_each_sets_reveal_says_what_its_own_vectors_show():
    """"The two meanings form groups" only where every occurrence's nearest neighbour has its
    meaning (scikit-learn), per set: not on "bat", whose mean cosines alone would pass."""
    from sklearn.neighbors import NearestNeighbors

    from embedviz.minilm import load_minilm

    at = open_page("readers")
    at.radio(key="read_part").set_value(PART2).run()
    for name, pairs in rd.SENSE_SETS.items():
        at.selectbox(key="read_set").set_value(name).run()
        choice = at.radio(key="read_quiz_sense__choice")
        pick_option(choice, 0).run()
        click(at, "read_quiz_sense__reveal")
        occ = rd.default_occurrences(load_minilm(), name)
        labels = np.array([m for _, m in pairs])[occ.sentence_of]
        _, nn = NearestNeighbors(n_neighbors=2, metric="cosine").fit(
            occ.contextual).kneighbors(occ.contextual)
        same = int((labels[nn[:, 1]] == labels).sum())
        text = " ".join(m.value for m in at.markdown)
        assert f"{same} of {len(labels)} occurrences have one of their own meaning" in text
        assert ("the two meanings form groups" in text) == (same == len(labels)), name
        assert ("do not form clear groups" in text) == (same < len(labels)), name


def test_other_sets_and_own_sentences(context_page):
    at = context_page
    at.selectbox(key="read_set").set_value("spring").run()
    assert_clean(at)
    at.selectbox(key="read_set").set_value("own").run()
    at.text_input(key="read_word").set_value("unbelievably").run()
    at.text_area(key="read_sentences").set_value(
        "Unbelievably, it worked.\nIt was unbelievably good.\nNothing here.").run()
    assert_clean(at)
    assert any("pieces" in i.value for i in at.info)
    assert len(plotly_array(chart_spec(at, "read__cosine")["data"][0]["z"])) == 2


def test_bad_inputs_in_the_word_and_the_sentences(context_page, bad_inputs):
    at = context_page
    at.selectbox(key="read_set").set_value("own").run()
    for name, text in bad_inputs:
        at.text_input(key="read_word").set_value(text[:40]).run()
        assert_clean(at)
        assert at.warning or at.get("plotly_chart"), name  # a message, or the charts
    at.text_input(key="read_word").set_value("bank").run()
    for name, text in bad_inputs:
        at.text_area(key="read_sentences").set_value(text).run()
        assert_clean(at)
        assert at.warning or at.info or at.get("plotly_chart"), name


def test_a_setting_change_or_reset_builds_a_new_classifier_and_says_why():
    at = open_page("readers")
    click(at, "read__step")
    click(at, "read__step")
    old = at.session_state["read_trainer"]
    at.number_input(key="read_seed").set_value(3).run()
    assert_clean(at)
    new = at.session_state["read_trainer"]
    assert new is not old and new.step_count == 0 and new.reader_config.seed == 3
    assert any("You changed the seed: a new classifier was built from step 0 (the old one had "
               "trained 2 steps)" in i.value for i in at.info)
    click(at, "read__step")
    click(at, "read__reset_button")
    assert at.session_state["read_trainer"].step_count == 0
    assert any("Reset: a fresh classifier" in s.value for s in at.success)
    assert at.session_state["read_trainer"].reader_config == new.reader_config

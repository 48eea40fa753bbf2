"""Lesson 9's page under AppTest: the numbers shown are the models' own, training steps all three."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from embedviz import positions as P
from tests.apptest_helpers import (
    assert_clean,
    chart_spec,
    chart_specs,
    click,
    metrics,
    open_page,
    plotly_array,
)


def _model_table(at):
    return next(d.value for d in at.dataframe if "difference" in d.value.columns)


def _running_sum(rows: np.ndarray, ids) -> np.ndarray:
    total = np.zeros(rows.shape[1], dtype=np.float32)
    for i in ids:
        total = total + rows[i]
    return total


def test_step_play_and_the_numbers_shown_are_the_models():
    at = open_page("positions")
    trainer = at.session_state["pos_models"]
    assert isinstance(trainer, P.OrderTrainer) and trainer.config == P.OrderConfig(lr=0.03)
    assert metrics(at)["Step"] == "0"
    for _ in range(2):
        click(at, "pos__step")
    click(at, "pos__play")  # a full run while playing trains one tick (3 steps)
    assert metrics(at)["Step"] == "5" and at.session_state["pos_models"] is trainer
    click(at, "pos__play")  # pause
    twin = P.OrderTrainer(trainer.config)
    twin.step(5)
    for a, b in zip(twin.model.parameters(), trainer.model.parameters()):
        assert torch.equal(a, b)
    # the table of probabilities is the models' own answer for the two sentences
    vocab = trainer.vocab
    ids_a = vocab.encode_tokens("the tiger chased the farmer".split())
    ids_b = vocab.encode_tokens("the farmer chased the tiger".split())
    table = _model_table(at)
    expect_a, expect_b = twin.p_original(ids_a), twin.p_original(ids_b)
    for kind, name in P.POSITION_KINDS.items():
        row = table[table["model"] == name].iloc[0]
        assert float(row["sentence"]) == pytest.approx(expect_a[kind], abs=1e-9)
        assert float(row["reordered"]) == pytest.approx(expect_b[kind], abs=1e-9)
    assert abs(expect_a["none"] - expect_b["none"]) < 1e-6
    assert any("bit for bit: **True**" in m.value for m in at.markdown)
    rows = trainer.model.tokens[0].weight.detach().numpy()  # reading order, float32, by numpy
    sums = [_running_sum(rows, ids) for ids in (ids_a, ids_b)]
    gap = float(np.abs(sums[0] - sums[1]).max())
    assert gap > 0 and any(f"largest difference is **{gap:.1e}**" in m.value
                           for m in at.markdown)
    # the heatmaps: token rows + sinusoidal rows
    spec = chart_spec(at, "pos_rows_chart")
    z = [plotly_array(t["z"]) for t in spec["data"]]
    np.testing.assert_allclose(z[1], P.sinusoidal_table(5, 16).numpy(), atol=1e-6)
    np.testing.assert_allclose(z[2], z[0] + z[1], atol=1e-6)


def test_settings_rebuild_and_learned_rows_and_the_beyond_chart():
    at = open_page("positions")
    at.select_slider(key="pos_dim").set_value(8).run()
    assert_clean(at)
    trainer = at.session_state["pos_models"]
    assert trainer.config.dim == 8
    at.radio(key="pos_kind").set_value("learned").run()
    assert_clean(at)
    spec = chart_spec(at, "pos_rows_chart")
    np.testing.assert_allclose(plotly_array(spec["data"][1]["z"]),
                               trainer.position_table("learned", 5), atol=1e-6)
    beyond = chart_spec(at, "pos_beyond_chart")
    sin = [t for t in beyond["data"] if t["name"] == "Sinusoidal positions"][0]
    expect = P.accuracy_by_start(trainer, [0, 64])["sinusoidal"]
    y = plotly_array(sin["y"])
    assert y[0] == pytest.approx(expect[0]) and y[9] == pytest.approx(expect[1])
    long = " ".join(["the cat"] * 12)  # 24 tokens: more than the 16 learned rows
    at.text_input(key="pos_sentence").set_value(long).run()
    assert_clean(at)
    assert any("no row for position 23" in w.value for w in at.warning)


def test_both_quizzes_reveal_computed_answers():
    at = open_page("positions")
    ahead = at.session_state["pos__ahead"]
    at.radio(key="pos_quiz_learn__choice").set_value("no, it stays at chance (50 %)").run()
    click(at, "pos_quiz_learn__reveal")
    assert any("Right" in s.value for s in at.success)
    check = P.OrderTrainer(at.session_state["pos_models"].config)
    check.step(300)
    assert check.accuracies() == {k: ahead[k] for k in P.POSITION_KINDS}
    assert ahead["none"] == 0.5 and ahead["sinusoidal"] > 0.6
    # MiniLM: the two most similar rows to position 10, from the package's weights
    from safetensors.numpy import load

    from embedviz.minilm import read_file

    w = load(read_file("model.safetensors"))["embeddings.position_embeddings.weight"][:128]
    w = w.astype(np.float64) / np.linalg.norm(w, axis=1, keepdims=True)
    cos = w @ w[10]
    cos[10] = -np.inf
    best = tuple(sorted(np.argsort(-cos)[:2].tolist()))
    at.radio(key="pos_quiz_near__choice").set_value(best).run()
    click(at, "pos_quiz_near__reveal")
    assert sum("Right" in s.value for s in at.success) == 2
    assert not at.session_state["pos_models"].step_count  # the look-ahead used copies


@pytest.mark.parametrize("name", ["empty", "whitespace only", "punctuation only", "single token",
                                  "emoji", "CJK", "right-to-left", "zero-width", "html script",
                                  "html tags", "control characters", "very long word",
                                  "long paste (about 1 MB)", "many distinct words"])
def test_bad_sentences_give_messages_not_errors(bad_inputs, name):
    text = dict(bad_inputs)[name]
    at = open_page("positions")
    at.text_input(key="pos_sentence").set_value(text).run()
    assert_clean(at)
    at.text_input(key="pos_reordered").set_value(text).run()
    assert_clean(at)
    assert len(chart_specs(at)) >= 4  # the live chart (ui.live_chart) and three others
    if name in ("empty", "whitespace only", "punctuation only"):
        assert any("no words" in i.value for i in at.info)
    if name == "single token":
        assert any("only one order" in i.value for i in at.info)
    if name == "long paste (about 1 MB)":
        assert any("longer than 2,000 characters" in w.value for w in at.warning)
    if name.startswith("html"):
        assert all("<script>" not in m.value and "<b>" not in m.value for m in at.markdown)


def test_every_case_of_the_shared_list_is_survived(bad_inputs):
    at = open_page("positions")
    for _, text in bad_inputs:
        at.text_input(key="pos_sentence").set_value(text).run()
        assert_clean(at)

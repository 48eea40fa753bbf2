"""Lesson 3's page under AppTest: step, reset, change settings mid-training, quiz, own text."""

from __future__ import annotations

import numpy as np

from embedviz.training import TrainConfig, Trainer
from tests.apptest_helpers import assert_clean, click, metrics, open_page


def test_step_reset_and_a_settings_change_mid_training():
    at = open_page("train")
    assert metrics(at)["Step"] == "0"
    trainer = at.session_state["train_trainer"]
    assert isinstance(trainer, Trainer) and trainer.config == TrainConfig(lr=0.005, batch_size=128)
    for _ in range(3):
        click(at, "train__step")
    shown = metrics(at)
    assert shown["Step"] == "3" and at.session_state["train_trainer"] is trainer
    assert float(shown["Loss (recent)"]) == round(trainer.history.loss[-1], 3)
    # the table on screen is the real one: same numbers as a fresh trainer after 3 steps
    twin = Trainer(trainer.config)
    twin.step(3)
    assert np.array_equal(twin.embedding_matrix(), trainer.embedding_matrix())

    click(at, "train__play")  # a full run while playing trains one tick of `speed` steps
    assert at.session_state["train__playing"] and metrics(at)["Step"] == "13"
    at.select_slider(key="train_dim").set_value(8).run()  # mid-training: a new model
    assert_clean(at)
    assert any("new one was built from step 0" in i.value and "dimension" in i.value
               for i in at.info)
    new = at.session_state["train_trainer"]
    assert new is not trainer and new.config.dim == 8 and not at.session_state["train__playing"]
    assert metrics(at)["Step"] == "0"

    click(at, "train__step")
    click(at, "train__reset_button")
    assert metrics(at)["Step"] == "0" and any("Reset" in s.value for s in at.success)
    assert at.session_state["train_trainer"] is not new


def test_the_quiz_answer_is_what_the_model_reaches_at_the_asked_step():
    at = open_page("train")
    quiz = at.session_state["train__quiz"]
    assert quiz["word"] == "cat" and quiz["future"][0] in quiz["options"]
    at.radio(key="train__quiz_question__choice").set_value(quiz["future"][0]).run()
    click(at, "train__quiz_question__reveal")
    assert any("Right" in s.value for s in at.success)
    check = Trainer(at.session_state["train_trainer"].config)
    check.step(quiz["ahead_step"])
    assert check.nearest("cat", k=1)[0][0] == quiz["future"][0]
    assert at.session_state["train_trainer"].step_count == 0  # the look-ahead used a copy


def test_reviews_switch_to_the_classifier_and_divergence_is_explained():
    at = open_page("train")
    at.selectbox(key="train_corpus").set_value("reviews").run()
    assert_clean(at)
    assert at.selectbox(key="train_model").value == "classifier"
    assert at.session_state["train_trainer"].config.model == "classifier"
    at.selectbox(key="train_optimizer").set_value("sgd").run()
    at.select_slider(key="train_lr").set_value(100.0).run()
    at.selectbox(key="train_init").set_value("default").run()
    assert_clean(at)
    trainer = at.session_state["train_trainer"]
    trainer.step(500)
    at.run()
    assert_clean(at)
    assert trainer.diverged and any("learning rate" in e.value for e in at.error)
    assert at.button(key="train__play").disabled


def test_own_text_too_short_then_long_enough():
    at = open_page("train")
    at.selectbox(key="train_corpus").set_value("user").run()
    assert_clean(at)
    assert any("Paste a text" in i.value for i in at.info)
    at.text_area(key="train__paste").input("<b>cat</b> sat on the mat. " * 5).run()
    assert_clean(at)
    assert any("at least 200" in w.value for w in at.warning)
    text = ("The cat chased the mouse. The dog chased the cat. A bird sang in the tree. " * 12
            + "The mouse ate cheese while the bird ate seeds. " * 8)
    at.text_area(key="train__paste").input(text).run()
    assert_clean(at)
    trainer = at.session_state["train_trainer"]
    assert trainer.corpus.name == "user" and trainer.config.model == "skipgram"
    click(at, "train__step")
    assert metrics(at)["Step"] == "1"


def test_following_the_training_refits_the_view_as_steps_double_and_off_keeps_it_fixed():
    """Issue #27: the map can follow the training (refit at 100, 200, 400, ... steps) without
    losing the fixed view, which stays the default."""
    from embedviz.projection_fixed import fit_fixed_basis

    at = open_page("train")
    at.number_input(key="train_to").set_value(150).run()
    click(at, "train__go")
    assert at.session_state["train__basis"].fitted_at == 0  # off: the view stays fixed
    at.toggle(key="train_follow").set_value(True).run()
    assert_clean(at)
    trainer = at.session_state["train_trainer"]
    basis = at.session_state["train__basis"]
    assert trainer.step_count == 150 and basis.fitted_at == 150  # due since step 100
    rows = np.arange(2, len(trainer.vocab))
    expected = fit_fixed_basis(trainer.embedding_matrix(), rows, 150)
    np.testing.assert_allclose(basis.project(trainer.embedding_matrix()[rows]),
                               expected.project(trainer.embedding_matrix()[rows]))
    assert any("Follow the training" in c.value and "refitted" in c.value for c in at.caption)
    for _ in range(3):
        click(at, "train__step")  # 153 < 2 x 150: not yet due again
    assert at.session_state["train__basis"].fitted_at == 150

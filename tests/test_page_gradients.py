"""Lesson 4's page under AppTest: the numbers it shows, checked against plain torch."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import torch

from embedviz import gradients as grads
from embedviz.seeding import MAX_SEED
from embedviz.text import PAD_ID
from embedviz.training import OPTIMIZERS, TrainConfig, Trainer
from tests.apptest_helpers import assert_clean, chart_spec, open_app, open_page, plotly_array

ROUTE = "gradients"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def torch_reference(model, batches, name: str, cfg: grads.CompareConfig):
    """Plain torch: step a copy of ``model`` on ``batches``; the last gradient and change."""
    own = grads.copy_for(model, name)
    opt = grads.optimizer_for(own, name, cfg)
    for batch in batches:
        before = own.embedding.weight.detach().clone()
        opt.zero_grad()
        own.loss(batch).backward()
        grad = own.embedding.weight.grad
        grad = grad.to_dense() if grad.is_sparse else grad.clone()
        opt.step()
    changed = (own.embedding.weight.detach() != before).any(1)
    return grad, torch.nonzero(changed).flatten().numpy()


def default_start():
    """The page's default model, rebuilt here: lesson 3's defaults, warmed up 20 steps."""
    trainer = Trainer(TrainConfig(lr=0.005, batch_size=128))
    ahead = trainer.fork()
    ahead.step(grads.WARMUP_STEPS)
    return trainer, copy.deepcopy(ahead.model)


def reveal_answer(at):
    at.button(key="grads__skip_button").click().run()
    assert_clean(at)


def summary(at) -> dict:
    frame = next(d.value for d in at.dataframe if "rows changed" in d.value.columns)
    return {row["optimizer"]: row for _, row in frame.iterrows()}


def test_default_page_counts_and_gradient_match_torch():
    at = open_page(ROUTE)
    assert "default model" in at.info[0].value
    trainer, model = default_start()
    cfg = grads.CompareConfig()
    batches = grads.draw_batches(trainer, cfg.batch_size, cfg.steps, cfg.seed)
    grad, _ = torch_reference(model, batches, "adam", cfg)
    nonzero = int((grad.abs().sum(1) > 0).sum())
    assert nonzero == len(np.setdiff1d(batches[-1].embedding_ids().numpy(), [PAD_ID]))
    assert metric(at, "Rows with a non-zero gradient") == f"{nonzero} of {len(trainer.vocab)}"
    z = plotly_array(chart_spec(at, "grads__gradient")["data"][0]["z"])
    np.testing.assert_allclose(z, grad.numpy(), rtol=0, atol=0)
    assert any("bit for bit" in m.value for m in at.markdown)  # the repeated-token check
    # the later sections wait for a prediction
    assert not [c for c in at.get("plotly_chart") if "grads__change" in (c.proto.id or "")]
    reveal_answer(at)
    chart_spec(at, "grads__change")
    chart_spec(at, "grads__steps")


@pytest.mark.parametrize("name", grads.OPTIMIZER_ORDER)
def test_each_optimizer_quiz_and_table_match_torch(name):
    at = open_page(ROUTE)
    at.selectbox(key="grads_optimizer").set_value(name).run()
    assert_clean(at)
    trainer, model = default_start()
    cfg = grads.CompareConfig()
    batches = grads.draw_batches(trainer, cfg.batch_size, cfg.steps, cfg.seed)
    _, changed = torch_reference(model, batches, name, cfg)
    quiz = at.multiselect(key="grads__quiz__choice")
    rows = [int(re.search(r"\(row (\d+)", label).group(1)) for label in quiz.options]
    assert PAD_ID in rows
    right = [r for r in rows if r in set(changed.tolist())]
    assert right and PAD_ID not in right
    quiz.set_value(right).run()
    at.button(key="grads__quiz__reveal").click().run()
    assert_clean(at)
    assert any("Exactly right" in s.value for s in at.success), [w.value for w in at.warning]
    table = summary(at)
    for other in grads.OPTIMIZER_ORDER:
        _, moved = torch_reference(model, batches, other, cfg)
        row = table[OPTIMIZERS[other]]
        assert int(row["rows changed"]) == len(moved), other
        assert row["[PAD] moved"] == "no"


def test_the_students_live_model_is_used_and_left_alone():
    trainer = Trainer(TrainConfig(corpus="reviews", model="classifier", dim=8, batch_size=32))
    trainer.step(4)
    weights = copy.deepcopy(trainer.model.state_dict())
    at = open_app()
    at.session_state["train_trainer"] = trainer
    page = next(p for p in at.session_state["_lessons"] if p.url_path == ROUTE)
    at.switch_page(str(page._page)).run()
    assert_clean(at)
    assert "your model from lesson 3" in at.info[0].value
    assert "step 4" in at.info[0].value
    assert metric(at, "Rows with a non-zero gradient").endswith(f"of {len(trainer.vocab)}")
    at.selectbox(key="grads_optimizer").set_value("sparse_adam").run()
    at.select_slider(key="grads_batch").set_value(64).run()
    reveal_answer(at)
    assert trainer.step_count == 4
    for k, v in trainer.model.state_dict().items():
        assert torch.equal(v, weights[k]), k
    # the classifier looks [PAD] up, and the page says it gets no gradient
    assert any("[PAD]" in m.value and "no gradient" in m.value for m in at.markdown)


def test_a_blown_up_live_model_falls_back_with_a_message():
    trainer = Trainer(TrainConfig(corpus="reviews", model="classifier", dim=4))
    trainer.diverged = True
    at = open_app()
    at.session_state["train_trainer"] = trainer
    page = next(p for p in at.session_state["_lessons"] if p.url_path == ROUTE)
    at.switch_page(str(page._page)).run()
    assert_clean(at)
    assert "blew up" in at.info[0].value


def test_settings_a_student_can_type_or_put_in_the_url():
    at = open_page(ROUTE)
    at.number_input(key="grads_seed").set_value(MAX_SEED).run()
    assert_clean(at)
    at.slider(key="grads_steps").set_value(1).run()
    assert_clean(at)
    reveal_answer(at)
    assert any("Set **Steps in a row**" in i.value for i in at.info)
    for key, value in (("grads_batch", 1), ("grads_sgd_lr", 10.0), ("grads_adam_lr", 0.1),
                       ("grads_decay", 0.0)):
        at.select_slider(key=key).set_value(value).run()
        assert_clean(at)
    assert any("weight decay 0 is Adam" in m.value for m in at.markdown)


def open_with_link(params: dict):
    from streamlit.testing.v1 import AppTest

    from tests.apptest_helpers import APP, TIMEOUT

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(params)
    at.run()
    page = next(p for p in at.session_state["_lessons"] if p.url_path == ROUTE)
    at.switch_page(str(page._page)).run()
    assert_clean(at)
    return at


def test_a_shared_link_opens_that_view_and_nonsense_in_it_is_ignored():
    # a selectbox is written in the link by its shown label
    at = open_with_link({"grads_batch": "16", "grads_seed": "5", "grads_optimizer": "SGD"})
    assert at.select_slider(key="grads_batch").value == 16
    assert at.number_input(key="grads_seed").value == 5
    assert at.selectbox(key="grads_optimizer").value == "sgd"
    at = open_with_link({"grads_batch": "999", "grads_seed": "-3", "grads_steps": "abc",
                         "grads_optimizer": "<script>alert(1)</script>"})
    assert at.select_slider(key="grads_batch").value == 8
    assert at.number_input(key="grads_seed").value == 0
    assert at.slider(key="grads_steps").value == 3
    assert at.selectbox(key="grads_optimizer").value == "adam"


def test_a_large_vocabulary_from_the_students_text_is_drawn_in_part():
    from embedviz.corpora import corpus_from_text

    words = [f"w{i}" for i in range(2500)]
    text = ". ".join(" ".join(words[i:i + 5]) for i in range(0, 2500, 2)) * 2  # each word 4x
    corpus = corpus_from_text(text)
    trainer = Trainer(TrainConfig(corpus="user", model="cbow", dim=8, batch_size=32), corpus)
    trainer.step(1)
    at = open_app()
    at.session_state["train_trainer"] = trainer
    page = next(p for p in at.session_state["_lessons"] if p.url_path == ROUTE)
    at.switch_page(str(page._page)).run()
    assert_clean(at)
    V = len(trainer.vocab)
    assert V > 300
    assert metric(at, "Rows with a non-zero gradient").endswith(f"of {V:,}")
    z = plotly_array(chart_spec(at, "grads__gradient")["data"][0]["z"])
    assert z.shape[0] == 300
    assert any(f"Your table has {V:,} rows" in c.value for c in at.caption)


def test_hostile_words_from_a_students_text_stay_plain_text(bad_inputs):
    """Lesson 3 trains on the student's text; its words reach this page's tables and charts."""
    from embedviz.corpora import corpus_from_text

    short = [text for _, text in bad_inputs if len(text) < 200]
    corpus = corpus_from_text("\n".join(short * 12))
    words = set(corpus.vocabulary().itos)
    assert {"<", ">", "script", "🍌"} <= words  # the hostile tokens really are in the table
    trainer = Trainer(TrainConfig(corpus="user", model="skipgram", dim=4, batch_size=16),
                      corpus)
    trainer.step(2)
    at = open_app()
    at.session_state["train_trainer"] = trainer
    page = next(p for p in at.session_state["_lessons"] if p.url_path == ROUTE)
    at.switch_page(str(page._page)).run()
    assert_clean(at)
    for key in ("grads_batch", "grads_steps"):
        widget = at.select_slider(key=key) if key == "grads_batch" else at.slider(key=key)
        widget.set_value(64 if key == "grads_batch" else 8).run()
        assert_clean(at)
    reveal_answer(at)
    shown = []
    for chart in ("grads__gradient", "grads__change"):
        spec = chart_spec(at, chart)
        texts = [a.get("text", "") for a in spec["layout"].get("annotations", [])]
        assert texts and not any("<" in t.replace("<br>", "") for t in texts), texts
        shown += texts
    assert any(t.startswith("&lt;") for t in shown)  # the word "<" is there, as text

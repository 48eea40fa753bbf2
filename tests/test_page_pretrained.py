"""Lesson 6's page under AppTest: step the three starts, change settings, quiz, own text."""

from __future__ import annotations

import numpy as np

from embedviz import pretrained_start as pre
from tests.apptest_helpers import assert_clean, chart_spec, click, metrics, open_page, plotly_array


def test_step_the_three_starts_and_the_shown_numbers_are_the_runs():
    at = open_page("pretrained")
    run = at.session_state["pre_run"]
    assert run.config == pre.StartConfig() and run.step_count == 0
    for _ in range(pre.EVAL_EVERY):
        click(at, "pre__step")
    assert at.session_state["pre_run"] is run and run.step_count == pre.EVAL_EVERY
    twin = pre.SideBySide(run.config)
    twin.step(pre.EVAL_EVERY)
    for name in pre.STARTS:  # every model on screen is the real lock-step run
        assert np.array_equal(twin.variants[name].matrix(), run.variants[name].matrix())
    bars = chart_spec(at, "pre__bars")
    shown = [float(plotly_array(t["x"])[0]) for t in bars["data"]]
    assert shown == [twin.variants[n].val.accuracy[-1] for n in pre.STARTS]
    assert bars["layout"]["title"]["text"] == f"Validation, step {pre.EVAL_EVERY}"
    curves = chart_spec(at, "pre__curves")
    assert len(curves["data"]) == 12 and curves["layout"]["title"]["text"] == "Step 5"
    shown = metrics(at)
    assert shown["Frozen table vs step 0"] == "identical"
    assert shown["requires_grad"] == "False" and shown["Optimizer state for it"] == "none"
    assert shown["Frozen: moved"] == "0"
    assert shown["Fine-tuned: moved"] == f"{len(run.moved_rows('finetuned')):,}"
    assert shown["Words GloVe knows"] == f"{len(run.vocab) - 2} of {len(run.vocab) - 2}"


def test_settings_rebuild_and_divergence_is_explained():
    at = open_page("pretrained")
    click(at, "pre__step")
    at.select_slider(key="pre_share").set_value(0.1).run()
    assert_clean(at)
    assert any("three new models" in i.value for i in at.info)
    run = at.session_state["pre_run"]
    assert run.config.train_share == 0.1 and run.step_count == 0
    assert len(run.task.train.sentences) < 130
    at.select_slider(key="pre_held_out").set_value(0).run()
    at.selectbox(key="pre_optimizer").set_value("sgd").run()
    at.select_slider(key="pre_lr").set_value(1000.0).run()
    assert_clean(at)
    run = at.session_state["pre_run"]
    assert run.config == pre.StartConfig(train_share=0.1, held_out=0, optimizer="sgd", lr=1000.0)
    click(at, "pre__play")  # one full run while playing trains one tick
    run.step(200)
    at.run()
    assert_clean(at)
    assert run.diverged and any("blew up" in e.value for e in at.error)
    assert at.button(key="pre__play").disabled
    click(at, "pre__reset_button")
    assert at.session_state["pre_run"].step_count == 0


def test_the_quiz_answers_are_what_the_run_reaches():
    at = open_page("pretrained")
    quiz = at.session_state["pre__quiz"]
    at.radio(key="pre__quiz_best__choice").set_value(quiz["best"]).run()
    click(at, "pre__quiz_best__reveal")
    assert any("Right" in s.value for s in at.success)
    run = at.session_state["pre_run"]
    assert run.step_count == 0  # the look-ahead trained copies
    check = pre.SideBySide(run.config)
    check.step(100)
    assert check.best_on_validation() == quiz["best"]
    answer = pre.closer_or_further(quiz["pair_before"], check.cosine("finetuned", "good", "bad"))
    at.radio(key="pre__quiz_pair__choice").set_value(answer).run()
    click(at, "pre__quiz_pair__reveal")
    assert sum("Right" in s.value for s in at.success) == 2


def test_own_labelled_text_bad_inputs_then_a_real_one(bad_inputs):
    at = open_page("pretrained")
    at.selectbox(key="pre_corpus").set_value("user").run()
    assert_clean(at)
    assert any("Paste labelled sentences" in i.value for i in at.info)
    for name, text in bad_inputs:
        at.text_area(key="pre__paste").input(text).run()
        assert_clean(at)
        assert at.warning or at.info, name
    lines = ([f"positive: the zorbly film was great {i}" for i in range(15)]
             + [f"negative: the glumph film was awful {i}" for i in range(15)]
             + ["<script>alert(1)</script>"])
    at.text_area(key="pre__paste").input("\n".join(lines)).run()
    assert_clean(at)
    run = at.session_state["pre_run"]
    assert run.task.corpus.name == "user" and run.config.held_out == 0
    assert {"zorbly", "glumph"} <= set(run.start.coverage.missing)
    assert any("1 line(s) skipped" in c.value for c in at.caption)
    click(at, "pre__step")
    assert at.session_state["pre_run"].step_count == 1


def test_the_page_states_adamws_decay_rule_as_torch_applies_it():
    """torch.optim.AdamW multiplies a number by (1 - lr * weight_decay) before its Adam step:
    with a zero gradient that is the whole change, and the page says so."""
    import torch

    lr = 0.1
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0, 0.5]))
    opt = torch.optim.AdamW([w], lr=lr, weight_decay=pre.ADAMW_DECAY)
    w.grad = torch.zeros_like(w)
    before = w.detach().clone()
    opt.step()
    assert torch.equal(w.detach(), before * (1 - lr * pre.ADAMW_DECAY))
    assert not torch.equal(w.detach(), before - lr * pre.ADAMW_DECAY)  # not "decays by lr × wd"
    at = open_page("pretrained")
    text = " ".join(m.value for m in at.markdown)
    assert f"multiplies every number by `(1 − lr × {pre.ADAMW_DECAY})`" in text

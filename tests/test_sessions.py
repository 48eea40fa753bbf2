"""Thirty students, one process: every model, optimizer and history is the student's own.

Streamlit serves every session from threads of one Python process, so anything kept at
module level, or any global random generator, would leak from one student to another.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from embedviz.training import TrainConfig, Trainer
from tests.apptest_helpers import assert_clean, metrics, open_page


def _step(at) -> str:
    return metrics(at)["Step"]  # drawn in lesson 3's live chart


def test_two_students_in_one_process_train_separate_models():
    alice = open_page("train")
    for _ in range(3):
        alice.button(key="train__step").click().run()
    mine = alice.session_state["train_trainer"]
    before = mine.embedding_matrix()

    bob = open_page("train")  # a second browser session, same process
    assert _step(bob) == "0" and bob.session_state["train_trainer"] is not mine
    bob.button(key="train__step").click().run()
    bob.button(key="train__reset_button").click().run()
    assert_clean(bob)

    assert _step(bob) == "0"
    assert mine.step_count == 3 and np.array_equal(mine.embedding_matrix(), before)
    alice.run()
    assert _step(alice) == "3" and alice.session_state["train_trainer"] is mine


def test_trainers_stepping_at_once_in_threads_match_training_alone():
    configs = [TrainConfig(seed=s, optimizer=o) for s, o in
               [(0, "adam"), (1, "sgd"), (2, "momentum"), (3, "sparse_adam")]]

    def train(cfg: TrainConfig) -> np.ndarray:
        t = Trainer(cfg)
        for _ in range(30):  # small chunks so the threads interleave
            t.step(2)
        return t.embedding_matrix()

    alone = [train(c) for c in configs]
    with ThreadPoolExecutor(max_workers=len(configs)) as pool:
        together = list(pool.map(train, configs))
    for cfg, a, b in zip(configs, alone, together):
        assert np.array_equal(a, b), f"{cfg.optimizer} seed {cfg.seed} changed when run alongside"
    assert not np.array_equal(alone[0], alone[1])  # different seeds, different models

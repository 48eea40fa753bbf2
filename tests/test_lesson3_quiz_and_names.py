"""Lessons 6, 8 and 10 name lesson 3's classifier as lesson 3 shows it (lesson 3 opens on
word2vec over six kinds of things; its classifier appears once the reviews are picked)."""

from __future__ import annotations

import re
from pathlib import Path

from embedviz.model import LESSON3_CLASSIFIER, MODEL_KINDS
from tests.apptest_helpers import assert_clean, open_page

LESSONS = Path(__file__).parent.parent / "lessons"


def test_lesson_3_opens_on_word2vec_and_shows_the_classifier_for_the_reviews():
    at = open_page("train")
    assert at.selectbox(key="train_corpus").value == "things"
    assert at.selectbox(key="train_model").value == "skipgram"
    at.selectbox(key="train_corpus").set_value("reviews").run()
    assert_clean(at)
    model = at.selectbox(key="train_model")
    assert model.value == "classifier" and MODEL_KINDS["classifier"] in model.options
    assert f"“{MODEL_KINDS['classifier']}”" in LESSON3_CLASSIFIER


def test_no_page_calls_it_lesson_3s_review_classifier():
    for name in ("6_pretrained_start.py", "8_embedding_size.py", "10_what_reads.py"):
        src = (LESSONS / name).read_text()
        assert not re.search(r"[Ll]esson 3's (review )?classifier", src), name
        assert "LESSON3_CLASSIFIER" in src, name


def test_lesson_3s_question_asks_about_a_step_where_the_words_have_grouped():
    """At the page's default settings the copy trained ahead must put "cat" by a word of its
    own kind (at 200 steps it is "feed"): the answer checked by scikit-learn's cosine
    neighbours on an independently trained model at that step."""
    import numpy as np
    from sklearn.neighbors import NearestNeighbors

    from embedviz.training import Trainer

    at = open_page("train")
    trainer, quiz = at.session_state["train_trainer"], at.session_state["train__quiz"]
    assert quiz["step"] == 0 and quiz["word"] == "cat"
    twin = Trainer(trainer.config)
    twin.step(quiz["ahead_step"])
    table = twin.embedding_matrix().astype(np.float64)
    row = twin.vocab.id_of("cat")
    _, nn = NearestNeighbors(n_neighbors=2, metric="cosine").fit(table).kneighbors(table[[row]])
    answer = twin.vocab.itos[int(nn[0, 1])]
    assert quiz["future"][0] == answer
    assert twin.categories.get(answer) == twin.categories["cat"], answer
    question = next(m.value for m in at.markdown if "which word will be nearest" in m.value)
    assert f"After {quiz['ahead_step']:,} more steps" in question

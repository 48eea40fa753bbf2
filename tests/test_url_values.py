"""A URL value cannot break a page (issue #26): every number box bound to the URL, on every
page, opened with values a box cannot hold. Each must be named in one line of text and
replaced by the default; no page may stop, show "Something went wrong", or log an error.

The number boxes are read from the lessons' source (ui.page_widgets), and the test checks
that list against the boxes the pages really draw, so a new box is tested without being
listed here.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

import pytest

from embedviz import lessons
from tests.apptest_helpers import assert_clean
from tests.test_teacher import open_with, warnings
from ui.page_widgets import declared_widgets, number_keys

ROUTES = {Path(lesson.file).name: lesson.url_path for lesson in lessons.LESSONS}
SHOWN_WITH = {"space_seed": {"space_method": "t-SNE"}}  # the seed box exists only for t-SNE

BY_PAGE: dict[str, list[str]] = defaultdict(list)
for _key in sorted(number_keys()):
    BY_PAGE[ROUTES[declared_widgets()[_key].page]].append(_key)

# Named before the page runs, so also on a page that stops at its question (lesson 4).
BAD = ["inf", "1e309", "-1e309", "-inf", "nan", "9" * 30, "abc", "", "1" * 5000, "0x10"]


def test_every_bound_number_box_is_known():
    """The source scan finds each page's number boxes (11 of the issue, plus onehot_seed)."""
    assert {"train_seed", "train_to", "size_words_steps", "size_reviews_steps",
            "words_seed", "read_seed"} <= number_keys()
    assert len(BY_PAGE) == 9 and sum(map(len, BY_PAGE.values())) == 12


@pytest.mark.parametrize("value", BAD, ids=lambda v: v[:12] or "empty")
@pytest.mark.parametrize("route", sorted(BY_PAGE))
def test_a_bad_number_in_the_link_is_named_and_replaced(route, value, caplog):
    keys = BY_PAGE[route]
    extra = {k: v for key in keys for k, v in SHOWN_WITH.get(key, {}).items()}
    with caplog.at_level(logging.WARNING):
        at = open_with(route, **extra, **dict.fromkeys(keys, value))
    assert_clean(at)
    boxes = {n.key: n for n in at.number_input}
    assert set(keys) <= set(boxes), f"{route}: boxes {sorted(boxes)}"
    text = warnings(at)
    for key in keys:
        assert boxes[key].value == boxes[key].proto.default, (key, boxes[key].value)
        assert f"{key}={value[:40]}" in text and "using the default" in text, text
    assert "\n" not in text.strip()  # one line
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_text_box_may_hold_the_word_inf():
    """Only number boxes lose a non-finite value: "inf" is a fine word to follow."""
    at = open_with("words", words_sentence="inf nan 1e309")
    assert at.text_input(key="words_sentence").value == "inf nan 1e309"
    assert "could not use" not in warnings(at)


def test_a_number_out_of_the_box_range_is_named_after_the_run():
    at = open_with("words", words_seed=str(2**40), words_dim="4")
    assert at.number_input(key="words_seed").value == 0
    assert "`words_seed=1099511627776` is not a value this page allows" in warnings(at)
    assert at.slider(key="words_dim").value == 4

"""Locked links say what they are (issue #26): locked controls are hidden (their values
still apply), the link builder names controls by their labels, and the keys read from
the lessons' source are the ones the pages really draw."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_teacher import open_with
from ui.page_widgets import declared_widgets, label_of, lockable_keys

APP_CSS = (Path(__file__).parents[1] / "ui" / "projector.css").read_text(encoding="utf-8")


def hidden_keys(at) -> set[str]:
    """The keys the locked link's own style block hides (the app's style sheet, app.py's
    ui/projector.css, names a container of its own and is not part of the lock)."""
    styles = [h.proto.body for h in at.get("html")
              if ".st-key-" in h.proto.body and APP_CSS.strip()[:60] not in h.proto.body]
    assert len(styles) <= 1
    return set(re.findall(r"\.st-key-([\w-]+)", styles[0])) if styles else set()


def test_a_locked_link_hides_all_but_the_allowed_controls_and_keeps_their_values():
    at = open_with("words", lock="1", allow="words_sentence", words_dim="4")
    hidden = hidden_keys(at)
    assert {"words_dim", "words_length", "words_seed", "words_max_vocab"} <= hidden
    assert "words_sentence" not in hidden and not at.text_input(key="words_sentence").disabled
    dim = at.slider(key="words_dim")
    assert dim.value == 4 and dim.disabled  # hidden, still applied, still locked


def test_an_open_link_hides_nothing():
    assert hidden_keys(open_with("words", words_dim="4")) == set()


def test_the_url_cannot_put_its_own_text_into_the_css():
    at = open_with("words", lock="1", allow="x}body{display:none}")
    assert hidden_keys(at) <= lockable_keys()  # only keys from the lessons' source


def test_the_builder_names_controls_by_their_labels_and_links_by_their_keys():
    at = open_with("words", words_dim="4")
    allow = at.multiselect(key="_teacher_allow")
    assert "Embedding dimension (dim)" in allow.options and "words_dim" not in allow.options
    allow.set_value(["words_dim", "words_max_vocab"]).run()
    link = " ".join(c.value for c in at.sidebar.code)
    assert "lock=1" in link and "allow=words_dim%2Cwords_max_vocab" in link


def test_every_control_a_page_draws_is_known_with_its_label():
    """The source scan sees what the page draws: a control with a label of its own is
    offered under that label, never under its key (the scan can fail: a renamed call or a
    computed key would leave the key here)."""
    at = open_with("train")
    drawn = [w for w in at.main if getattr(w, "key", None) in lockable_keys()]
    assert len(drawn) >= 10
    for widget in drawn:
        assert widget.key in declared_widgets()
        assert label_of(widget.key) == widget.label, widget.key

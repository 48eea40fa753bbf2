"""Every page of the navigation runs, and survives a change of each of its main widgets.

The lessons are read from embedviz/lessons.py, the one list the router, the home page and the
next-lesson links read too, so a new lesson is covered here as soon as it is registered there
(and a lesson file that is not registered fails test_registry_matches_the_lesson_files).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from embedviz import lessons
from tests.apptest_helpers import assert_clean, lesson_pages, open_app

ROOT = Path(__file__).resolve().parents[1]
ROUTES = [lesson.url_path for lesson in lessons.LESSONS]


def test_registry_matches_the_lesson_files():
    assert lessons.problems() == []


def test_a_lesson_without_a_file_or_a_file_without_a_lesson_is_found(tmp_path):
    (tmp_path / "lessons").mkdir()
    for lesson in lessons.LESSONS:
        (tmp_path / lesson.file).write_text("")
    (tmp_path / lessons.HOME_FILE).write_text("")
    assert lessons.problems(root=tmp_path) == []

    eleven = dataclasses.replace(lessons.LESSONS[-1], number=11, title="Eleven",
                                 url_path="eleven", file="lessons/11_eleven.py")
    missing = lessons.problems(lessons.LESSONS + (eleven,), root=tmp_path)
    assert missing == ["lesson 11 (Eleven): no file lessons/11_eleven.py"]

    (tmp_path / "lessons/11_eleven.py").write_text("")
    unlisted = lessons.problems(root=tmp_path)
    assert len(unlisted) == 1 and unlisted[0].startswith("lessons/11_eleven.py is not in")
    assert lessons.problems(lessons.LESSONS + (eleven,), root=tmp_path) == []


def test_registry_finds_misnumbered_or_repeated_lessons():
    first, second = lessons.LESSONS[:2]
    swapped = (second, first) + lessons.LESSONS[2:]
    assert any("numbered" in p for p in lessons.problems(swapped))
    twice = (first, dataclasses.replace(second, url_path=first.url_path)) + lessons.LESSONS[2:]
    assert any("url_path 'words'" in p for p in lessons.problems(twice))
    wrong_file = (dataclasses.replace(first, file=second.file),) + lessons.LESSONS[1:]
    assert any("is not lessons/1_<name>.py" in p for p in lessons.problems(wrong_file))


def _reads_the_lesson_3_model(path: Path) -> bool:
    """Whether a page reads the trainer lesson 3 keeps in the session."""
    return any(isinstance(node, ast.Constant) and node.value == "train_trainer"
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("lesson", lessons.LESSONS[3:], ids=lambda lesson: lesson.url_path)
def test_uses_lesson_3_model_is_true_exactly_for_pages_that_read_it(lesson):
    assert lesson.uses_lesson_3_model == _reads_the_lesson_3_model(ROOT / lesson.file)


@pytest.mark.parametrize("lesson", lessons.LESSONS, ids=lambda lesson: lesson.url_path)
def test_each_page_title_starts_with_its_number(lesson):
    tree = ast.parse((ROOT / lesson.file).read_text(encoding="utf-8"))
    titles = [node.args[0].value for node in ast.walk(tree)
              if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "title"
              and node.args and isinstance(node.args[0], ast.Constant)]
    assert titles and titles[0].startswith(f"{lesson.number} · "), titles


def test_navigation_and_home_page_follow_the_registry():
    at = open_app()
    pages = lesson_pages(at)
    assert [(p.url_path, p.title, p.icon) for p in pages] == [
        (lesson.url_path, lesson.label, lesson.icon) for lesson in lessons.LESSONS]
    links = at.get("page_link")
    assert [link.proto.label for link in links] == [lesson.label for lesson in lessons.LESSONS]
    assert [link.proto.page for link in links] == ROUTES
    shown = " ".join(str(m.value) for m in at.markdown) + " ".join(str(c.value) for c in at.caption)
    for lesson in lessons.LESSONS:
        assert lesson.question in shown
        assert f"about {lesson.minutes} min" in shown
    assert shown.count("uses your lesson-3 model") == sum(
        lesson.uses_lesson_3_model for lesson in lessons.LESSONS)
    total = lessons.total_minutes()
    assert f"about {total // 60} h {total % 60:02d} min" in shown


def _raw_option(widget, label):
    """AppTest lists a select widget's options as formatted labels; find the raw value."""
    fmt = widget.format_func
    owner = getattr(fmt, "__self__", None)  # e.g. format_func=SOME_DICT.get
    candidates = list(owner) if isinstance(owner, dict) else []
    for conv in (str, int, float):
        try:
            candidates.append(conv(label))
        except ValueError:
            pass
    for raw in candidates:
        try:
            if str(fmt(raw)) == label:
                return raw
        except Exception:  # noqa: BLE001 - a format_func that rejects this candidate
            continue
    return None


def _other_value(widget):
    """A valid value different from the widget's current one, or None if unknown."""
    kind = type(widget).__name__
    if kind == "Slider":
        if isinstance(widget.value, tuple):
            return None
        lo, hi = widget.min, widget.max
        return hi if widget.value != hi else lo
    if kind == "NumberInput":
        hi = widget.max if widget.max is not None else (widget.value or 0) + 1
        lo = widget.min if widget.min is not None else (widget.value or 0) - 1
        return hi if widget.value != hi else lo
    if kind in ("Selectbox", "Radio", "SelectSlider"):
        opts = list(widget.options)
        if len(opts) < 2:
            return None
        cur = str(widget.format_func(widget.value)) if widget.value is not None else None
        return _raw_option(widget, opts[-1] if cur != opts[-1] else opts[0])
    if kind in ("Toggle", "Checkbox"):
        return not widget.value
    return None


WIDGET_KINDS = ["slider", "select_slider", "number_input", "selectbox", "radio", "toggle", "checkbox"]


@pytest.mark.parametrize("route", ROUTES)
def test_page_runs_and_survives_each_bound_widget_change(route):
    from tests.apptest_helpers import open_page

    at = open_page(route)
    lesson = lessons.by_url_path(route)
    nxt = lessons.next_lesson(lesson)
    links = [link.proto.label for link in at.get("page_link")]
    if nxt is None:
        assert any("This is the last lesson" in str(m.value) for m in at.markdown)
    else:
        assert f"Next: {nxt.label}" in links, links
    changed = 0
    keys = []
    for kind in WIDGET_KINDS:
        for w in getattr(at, kind):
            if w.key and not w.key.startswith("$$") and "__" not in w.key:
                keys.append((kind, w.key))
    for kind, key in keys:
        widget = next((w for w in getattr(at, kind) if w.key == key), None)
        if widget is None or widget.disabled:
            continue  # hidden or disabled by an earlier change
        value = _other_value(widget)
        if value is None:
            continue
        widget.set_value(value)
        at.run()
        assert_clean(at)
        changed += 1
    assert changed >= 2, f"the {route} page should have main widgets bound to the URL"

"""Every page of the navigation runs, and survives a change of each of its main widgets.

The pages are found from app.py's own st.navigation list, so a new lesson is covered as soon
as it is registered there.
"""

from __future__ import annotations

import pytest

from tests.apptest_helpers import assert_clean, lesson_pages, open_app

ROUTES = ["words", "onehot", "train", "gradients", "space", "pretrained", "subwords", "sizes",
          "positions", "readers"]


def test_navigation_lists_every_lesson_and_home_links_them():
    at = open_app()
    pages = lesson_pages(at)
    assert [p.url_path for p in pages] == ROUTES
    links = at.get("page_link")
    assert len(links) == len(pages)


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

"""The keyed widgets the lesson files declare: each key's kind and label, read from source.

Two things need them before (or without) running a page: the router drops a URL value that
would break a number box before the box reads it (``teacher.start_of_run``), and the
locked-link builder names a control by its label ("Words in the vocabulary"), not by its
key (``words_max_vocab``). Reading the lessons' own calls keeps one source for both: a new
``st.number_input(..., key="x")`` is known here without registering it anywhere.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

LESSONS = Path(__file__).resolve().parents[1] / "lessons"
NUMBER_KINDS = {"number_input"}  # widgets whose URL value Streamlit reads as a float


@dataclass(frozen=True)
class Widget:
    key: str
    kind: str  # the st function: "number_input", "slider", "text_input", ...
    label: str  # its label as written, "…" where the label computes a value
    page: str  # the lesson file's name, "3_train_live.py"


@functools.cache
def _calls(folder: Path) -> tuple[tuple[str, ast.Call], ...]:
    return tuple((path.name, node) for path in sorted(folder.glob("*.py"))
                 for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Call))


@functools.cache
def declared_widgets(folder: Path = LESSONS) -> dict[str, Widget]:
    """Every ``st.<kind>(label, ..., key="literal")`` call in ``folder``'s pages, by key."""
    found: dict[str, Widget] = {}
    for page, node in _calls(folder):
        if not isinstance(node.func, ast.Attribute):
            continue
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        key = kw.get("key")
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            continue
        label = node.args[0] if node.args else kw.get("label")
        found.setdefault(key.value, Widget(key.value, node.func.attr, _text(label, key.value), page))
    return found


def label_of(key: str) -> str:
    """The label of widget ``key`` as its page writes it, or the key itself."""
    widget = declared_widgets().get(key)
    return widget.label if widget else key


def number_keys() -> set[str]:
    return {k for k, w in declared_widgets().items() if w.kind in NUMBER_KINDS}


@functools.cache
def lockable_keys(folder: Path = LESSONS) -> frozenset[str]:
    """The keys the pages pass to ``teacher.locked("key")``: what a locked link can hide."""
    keys = set()
    for _, node in _calls(folder):
        name = getattr(node.func, "attr", getattr(node.func, "id", None))
        first = node.args[0] if node.args else None
        if name == "locked" and isinstance(first, ast.Constant) and isinstance(first.value, str):
            keys.add(first.value)
    return frozenset(keys)


def _text(node: ast.AST | None, fallback: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # f"Your sentences (up to {n})" -> "Your sentences (up to …)"
        return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
    return fallback

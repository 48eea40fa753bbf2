"""Every student can use it (issue #30): skip links, the sidebar's navigation, chart words.

- :func:`anchor` marks a place the skip links jump to (the lesson's first control, a quiz);
  :func:`skip_links` draws the links, hidden until the keyboard reaches them.
- :func:`sidebar_navigation` draws the lesson list as plain links: Streamlit's own navigation
  puts ``<li>`` elements inside extra ``<div>``s of its ``<ul>``, which axe-core reports as
  two serious violations (``list``, ``listitem``) on every page.
- :func:`chart_summary` says in one line what a Plotly figure shows now, and
  :func:`chart_table` lays its traces out as a table; ``ui.charts.show_chart`` uses both.

The style sheet's accessibility block (ui/projector.css) styles these elements.
"""

from __future__ import annotations

import base64
import html
import math
import numbers

import numpy as np
import pandas as pd
import streamlit as st

LESSON_ANCHOR = "lesson-controls"
_QUIZ_TARGETS = "_a11y_quiz_anchors"  # this run's quiz anchors, in order (session state)
MAX_TABLE_ROWS = 500  # a table is for reading: longer traces are cut (and it says so)


def anchor(name: str) -> None:
    """An invisible place for a skip link (it takes no room on the page)."""
    st.html(f'<span id="{html.escape(name)}" class="a11y-anchor" tabindex="-1"></span>')


def quiz_anchor(key: str) -> None:
    """The anchor before a predict-then-reveal question; the first one gets a skip link."""
    name = f"quiz-{key}"
    anchor(name)
    st.session_state.setdefault(_QUIZ_TARGETS, []).append(name)


def start_of_run() -> None:
    st.session_state[_QUIZ_TARGETS] = []


def skip_links() -> None:
    """'Skip to the lesson's controls' and, if the page asked a question in its last run,
    'Skip to the question'. Drawn before the page runs: a page that stops (st.stop) early
    still gets them."""
    links = [(LESSON_ANCHOR, "Skip to the lesson's controls")]
    quizzes = st.session_state.get(_QUIZ_TARGETS) or []
    if quizzes:
        links.append((quizzes[0], "Skip to the question"))
    st.html("".join(f'<a class="a11y-skip-link" href="#{html.escape(target)}">{label}</a>'
                    for target, label in links))


def sidebar_navigation(home, groups: dict[str, list]) -> None:
    """The pages as links (``st.page_link``), in the order and groups given."""
    with st.container(key="a11y_nav"):
        st.page_link(home)
        for name, pages in groups.items():
            st.markdown(f"**{name}**")
            for page in pages:
                st.page_link(page)


# ---- charts in words ------------------------------------------------------------------------


def _title(obj) -> str:
    if isinstance(obj, dict):
        obj = obj.get("text")
    return " ".join(str(obj or "").replace("<br>", " ").split())


def _number(v) -> str:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        return str(v)
    if not math.isfinite(v):
        return str(v)
    return f"{int(v):,}" if float(v).is_integer() and abs(v) < 1e15 else f"{float(v):,.3g}"


def _array(value):
    """A trace's data as a list: Plotly 6 keeps numpy arrays in ``to_dict()`` as typed arrays
    ``{"dtype", "bdata" (base64), "shape"}``."""
    if isinstance(value, dict) and "bdata" in value:
        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        if isinstance(shape, str):
            shape = [int(n) for n in shape.split(",")]
        return (data.reshape(shape) if shape else data).tolist()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, list | tuple):
        return list(value)
    return value


def _trace_words(trace: dict) -> str:
    kind = trace.get("type", "scatter")
    name = _title(trace.get("name")) or kind
    x, y, z = (_array(trace.get(k)) for k in ("x", "y", "z"))
    try:
        if kind == "heatmap" and z is not None:
            rows = list(z)
            values = [v for row in rows for v in row if isinstance(v, numbers.Real)]
            if not values:
                return f"{name}: a grid of {len(rows)} rows"
            return (f"{name}: a grid of {len(rows)} × {len(rows[0])} values from "
                    f"{_number(min(values))} to {_number(max(values))}")
        if kind == "bar":
            labels, values = (y, x) if trace.get("orientation") == "h" else (x, y)
            pairs = [(lab, v) for lab, v in zip(list(labels or []), list(values or []))
                     if isinstance(v, numbers.Real)]
            if pairs:
                top = max(pairs, key=lambda p: p[1])
                return f"{name}: {len(pairs)} bars, highest {top[0]} at {_number(top[1])}"
        if y is not None and len(y):
            ys = list(y)
            xs = list(x) if x is not None else list(range(len(ys)))
            if "lines" in str(trace.get("mode", "lines")) and len(ys) > 1:
                trend = ("rising" if ys[-1] > ys[0] else "falling" if ys[-1] < ys[0]
                         else "flat") if all(isinstance(v, numbers.Real) for v in (ys[0], ys[-1])) else ""
                return (f"{name}: a line of {len(ys)} points, {_number(ys[-1])} at "
                        f"{_number(xs[-1])}{', ' + trend if trend else ''}")
            words = _array(trace.get("text"))
            if isinstance(words, list | tuple) and words and len(words) <= 12:
                return f"{name}: {len(ys)} points ({', '.join(_title(w) for w in words)})"
            return f"{name}: {len(ys)} points"
    except (TypeError, ValueError, IndexError):
        pass
    return name


def chart_summary(spec: dict, max_traces: int = 6) -> str:
    """One line saying what the figure ``spec`` (``fig.to_dict()``) shows: its title, its
    axes, and each trace (a line's last value and trend, a bar chart's highest bar, a
    heatmap's size and range, a scatter's point count)."""
    layout = spec.get("layout", {})
    parts = [_title(layout.get("title")) or "Chart"]
    axes = [f"{axis[0]}: {_title(layout[axis].get('title'))}"
            for axis in ("xaxis", "yaxis") if _title((layout.get(axis) or {}).get("title"))]
    if axes:
        parts.append("; ".join(axes))
    traces = [t for t in spec.get("data", []) if t.get("visible", True) is not False]
    parts += [_trace_words(t) for t in traces[:max_traces]]
    if len(traces) > max_traces:
        parts.append(f"and {len(traces) - max_traces} more series")
    return ". ".join(p for p in parts if p) + "."


def chart_table(spec: dict) -> pd.DataFrame:
    """The figure's traces as one long table: series, x, y (and z for a grid, text if any)."""
    rows = []
    for i, trace in enumerate(spec.get("data", [])):
        name = _title(trace.get("name")) or f"series {i + 1}"
        z = _array(trace.get("z"))
        if z is not None:
            xs, ys = _array(trace.get("x")), _array(trace.get("y"))
            for r, row in enumerate(z):
                for c, v in enumerate(row):
                    rows.append({"series": name,
                                 "x": xs[c] if xs is not None and c < len(xs) else c,
                                 "y": ys[r] if ys is not None and r < len(ys) else r, "value": v})
            continue
        xs, ys, text = (_array(trace.get(k)) for k in ("x", "y", "text"))
        n = max(len(xs) if xs is not None else 0, len(ys) if ys is not None else 0)
        for j in range(n):
            row = {"series": name,
                   "x": xs[j] if xs is not None and j < len(xs) else None,
                   "y": ys[j] if ys is not None and j < len(ys) else None}
            if isinstance(text, list | tuple) and j < len(text):
                row["label"] = _title(text[j])
            rows.append(row)
    frame = pd.DataFrame(rows[:MAX_TABLE_ROWS])
    for column in frame.columns:  # mixed types (numbers and words) shown as text
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: "" if v is None else str(v))
    return frame


def summary_text(summary: str, where=None) -> None:
    """The summary for screen readers, before the chart (visually hidden, no room taken)."""
    (where or st).html(f'<p class="a11y-visually-hidden" role="note">{html.escape(summary)}</p>')

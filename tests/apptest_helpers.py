"""Running the app's pages under Streamlit's AppTest, the way the router runs them."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.guard import FRIENDLY_PREFIX

TIMEOUT = 120
APP = Path(__file__).resolve().parents[1] / "app.py"


def open_app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert_clean(at)
    return at


def lesson_pages(at: AppTest) -> list:
    """The lesson pages exactly as app.py registers them in st.navigation."""
    return list(at.session_state["_lessons"])


def open_page(url_path: str) -> AppTest:
    at = open_app()
    page = next(p for p in lesson_pages(at) if p.url_path == url_path)
    at.switch_page(str(page._page)).run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    """No exception box and no 'something went wrong' message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    friendly = [e.value for e in at.error if FRIENDLY_PREFIX in str(e.value)]
    assert not friendly, friendly


def chart_specs(at: AppTest) -> list[tuple[str, dict]]:
    """Every Plotly figure on the page as ``(element id, figure dict)``: the ``st.plotly_chart``
    ones and the live charts (``ui.live_chart``)."""
    import json

    from ui.live_chart import figure_of

    found = [(c.proto.id or "", json.loads(c.proto.spec)) for c in at.get("plotly_chart")]
    found += [(c.proto.id or "", figure_of(c.proto.bytes))
              for c in at.get("bidi_component") if c.proto.bytes]
    return found


def chart_spec(at: AppTest, key: str) -> dict:
    """The Plotly figure (as a dict) of the chart whose element key contains ``key``."""
    from ui.live_chart import element_key

    charts = [spec for id_, spec in chart_specs(at) if key in id_ or element_key(key) in id_]
    assert charts, f"no plotly chart with key {key!r} on the page"
    return charts[0]


def plotly_array(value):
    """Decode a Plotly JSON array: a plain list or Plotly's typed array {dtype, bdata, shape}."""
    import base64

    import numpy as np

    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            arr = arr.reshape([int(s) for s in str(shape).split(",")])
        return arr
    return np.asarray(value)


def metrics(at: AppTest) -> dict[str, str]:
    """The page's numbers by label: its ``st.metric`` values, and the numbers its charts show
    as annotations named ``metric:<label>`` (lesson 3's live view draws them in its chart)."""
    from embedviz.figures.training import chart_numbers

    shown = {m.label: m.value for m in at.metric}
    for _, spec in chart_specs(at):
        shown.update(chart_numbers(spec))
    return shown


def click(at: AppTest, key: str) -> AppTest:
    """Press the button ``key``, run, and check the page is clean."""
    at.button(key=key).click().run()
    assert_clean(at)
    return at


def wide_tables(at: AppTest, row: str) -> list:
    """The tables on the page with a ``row`` (e.g. "token"), each put back together from the
    blocks ``ui.tables.show_wide`` wraps it into: a block whose first column continues the
    previous block's columns (0..k-1, then k..) belongs to the same table."""
    import pandas as pd

    tables: list[pd.DataFrame] = []
    last_block_end = None
    for df in at.dataframe:
        v = df.value
        if row not in v.index:
            last_block_end = None
            continue
        cols = [int(c) if str(c).isdigit() else None for c in v.columns]
        continues = bool(tables and cols and last_block_end is not None
                         and cols[0] == last_block_end + 1)
        tables[-1:] = [pd.concat([tables[-1], v], axis=1)] if continues else [*tables[-1:], v]
        last_block_end = cols[-1] if cols else None
    return tables


def pick_option(radio, i: int):
    """Set ``radio`` to its ``i``-th option. AppTest lists options as shown (after the quiz's
    ``md_escape``), while ``set_value`` takes the option itself: undo the escaping (a backslash
    before punctuation, zero-width characters) and check it shows as the same label."""
    import re

    shown = radio.options[i]
    raw = re.sub(r"\\(.)", r"\1", shown).replace("\u200b", "").replace("\u2060", "")
    assert radio.format_func(raw) == shown, (raw, shown)
    return radio.set_value(raw)

"""Presenter mode, locked links and a link's bad values (issue #11), in AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from embedviz.figures.common import scaled_fonts
from tests.apptest_helpers import APP, TIMEOUT, assert_clean, chart_spec


def open_with(url_path: str, **params) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    page = next(p for p in at.session_state["_lessons"] if p.url_path == url_path)
    at.switch_page(str(page._page))
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert_clean(at)
    return at


def warnings(at) -> str:
    return " ".join(str(w.value) for w in at.warning)


def test_a_value_the_page_cannot_take_is_named_in_one_line():
    at = open_with("words", words_dim="999", words_length="8", words_nonsense="1")
    text = warnings(at)
    assert "`words_dim=999` is not a value this page allows" in text
    assert "`words_nonsense` is not a setting of this page" in text
    assert "words_length" not in text  # 8 is the default: Streamlit drops it, no mistake
    assert at.slider(key="words_dim").value != 999


def test_a_good_link_raises_nothing():
    at = open_with("words", words_dim="4")
    assert "could not use" not in warnings(at)
    assert at.slider(key="words_dim").value == 4


def test_a_locked_link_disables_every_control_but_the_allowed_ones():
    at = open_with("words", lock="1", allow="words_sentence")
    assert not at.text_input(key="words_sentence").disabled
    assert at.slider(key="words_dim").disabled and at.slider(key="words_length").disabled
    free = open_with("words")
    assert not free.slider(key="words_dim").disabled


def test_presenter_mode_makes_every_chart_font_larger():
    plain, big = open_with("words"), open_with("words", present="true")

    def sizes(spec):
        found = []

        def walk(x):
            if isinstance(x, dict):
                for k, v in x.items():
                    if k.endswith("font") and isinstance(v, dict) and "size" in v:
                        found.append(v["size"])
                    walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)
        walk(spec)
        return found

    a, b = sizes(chart_spec(plain, "words_matrix_chart")), sizes(chart_spec(big, "words_matrix_chart"))
    assert a and len(a) == len(b) and all(y > x for x, y in zip(a, b))
    assert min(a) >= 14 and min(b) >= 16


def test_scaled_fonts_scales_only_font_sizes():
    spec = {"layout": {"font": {"size": 16}, "height": 400,
                       "xaxis": {"tickfont": {"size": 14}, "range": [0, 1]}},
            "data": [{"type": "bar", "textfont": {"size": 14}, "x": [1, 2]}]}
    out = scaled_fonts(spec, 1.25)
    assert out["layout"]["font"]["size"] == 20 and out["layout"]["height"] == 400
    assert out["layout"]["xaxis"]["tickfont"]["size"] == 17.5
    assert out["layout"]["xaxis"]["range"] == [0, 1] and out["data"][0]["x"] == [1, 2]
    assert spec["layout"]["font"]["size"] == 16  # a copy: the original is untouched

"""ui.text.md_escape / md_code: text from a URL, a text box, an upload or a corpus is shown
as text, never as Markdown or HTML (issue #26).

The Markdown is rendered by markdown-it-py (CommonMark, with GFM tables and strikethrough,
as Streamlit's remark-gfm has them); what Streamlit does on top of CommonMark (shortcodes,
colour directives, icons, autolinks, arrows) is checked with the patterns Streamlit 1.67's
frontend bundle applies to the rendered text (quoted below from
streamlit/static/static/js/StreamlitMarkdown.*.js and remark-emoji.*.js). The browser test
tests/browser/test_safe_links.py checks the same in the real page.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from ui.text import WORD_JOINER, md_code, md_escape

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])

# What Streamlit rewrites in a text node after CommonMark has read it.
STREAMLIT_TEXT_PATTERNS = {
    "emoji shortcode": re.compile(r":\+1:|:-1:|:[\w-]+:"),
    "material icon": re.compile(r":material[_/](\w+):"),
    "streamlit logo": re.compile(r":streamlit:"),
    "colour/badge directive": re.compile(r":[A-Za-z][\w-]*\["),
    "GFM autolink (URL)": re.compile(r"(https?://|www(?=\.))[-.\w]+", re.I),
    "GFM autolink (e-mail)": re.compile(r"[-.\w+]+@[-\w]+(\.[-\w]+)+"),
    "typographic arrow": re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
}

ATTACKS = {
    "issue 26's link": "x` [Log in again](https://evil.example/login) "
                       "![t](https://evil.example/p.png) `y",
    "link": "[Log in again](https://evil.example/login)",
    "reference link": "[Log in][1]\n\n[1]: https://evil.example",
    "image": "![t](https://evil.example/p.png)",
    "autolink": "<https://evil.example>",
    "bare URL": "see https://evil.example/login now",
    "www": "go to www.evil.example",
    "e-mail": "write to boss@evil.example",
    "colour": ":red[danger] :blue-background[x] :rainbow[y] :green-badge[z]",
    "material icon": ":material/lock: :material_home:",
    "emoji": ":smile: :+1: :streamlit:",
    "bold": "**bold** __movie__ _not_ *it*",
    "strike": "~~gone~~",
    "html": "<b>bold</b> <img src=x onerror=alert(1)> <script>alert('x')</script>",
    "entity": "&lt;b&gt; &amp; &#x3C;",
    "latex": "$x^2$ and $$\\int$$",
    "backticks": "``code`` ` `",
    "heading": "# Title",
    "quote": "> quoted",
    "list": "- item\n1. first",
    "newline heading": "ok\n\n# Title\n    code block",
    "table": "| a | b |\n|---|---|\n| 1 | 2 |",
    "arrows": "a -> b <- c -- d >= e <= f ~= g",
    "backslash": "C:\\path\\ and a trailing \\",
    "brackets": "{x} (y) [z] !",
}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text += data


def rendered(markdown: str) -> _Page:
    page = _Page()
    page.feed(MD.render(markdown))
    return page


def one_line(text: str) -> str:
    return re.sub(r"\r\n|[\r\n\v\f\x85\u2028\u2029]", " ", text)


def bad_inputs() -> dict[str, str]:
    cases = json.loads((Path(__file__).with_name("bad_inputs.json")).read_text())["cases"]
    return {c["name"]: c["text"] for c in cases if "text" in c}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_escaped_text_renders_as_exactly_that_text(name):
    text = ATTACKS[name]
    page = rendered(md_escape(text))
    assert page.tags == ["p"], (name, page.tags)  # no <a>, <img>, <strong>, <code>, <h1>, ...
    shown = page.text.replace(WORD_JOINER, "").strip()
    assert shown == one_line(text).strip()


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_escaped_text_leaves_nothing_for_streamlit_to_rewrite(name):
    shown = rendered(md_escape(ATTACKS[name])).text
    hits = {what: p.search(shown).group(0) for what, p in STREAMLIT_TEXT_PATTERNS.items()
            if p.search(shown)}
    assert not hits, hits


def test_the_patterns_do_find_the_unescaped_attacks():
    """The check above can fail: without md_escape each Streamlit pattern finds its attack."""
    for what, sample in [("emoji shortcode", "emoji"), ("material icon", "material icon"),
                         ("colour/badge directive", "colour"), ("GFM autolink (URL)", "bare URL"),
                         ("GFM autolink (e-mail)", "e-mail"), ("typographic arrow", "arrows")]:
        assert STREAMLIT_TEXT_PATTERNS[what].search(rendered(ATTACKS[sample]).text), what
    assert "a" in rendered(ATTACKS["link"]).tags and "img" in rendered(ATTACKS["image"]).tags


@pytest.mark.parametrize("name", sorted(bad_inputs()))
def test_the_shared_bad_inputs_render_as_text(name):
    text = bad_inputs()[name]
    page = rendered(md_escape(text))
    assert set(page.tags) <= {"p"}
    expected = one_line(text).replace("\x00", "\ufffd").strip()  # CommonMark's one change
    assert page.text.replace(WORD_JOINER, "").strip() == expected.strip()


def test_inside_a_table_cell_a_pipe_stays_in_its_cell():
    table = f"| word | n |\n|---|---|\n| {md_escape('a | b')} | 1 |"
    html = MD.render(table)
    assert html.count("<td>") == 2 and "a | b" in html.replace(WORD_JOINER, "")


@pytest.mark.parametrize("text", ["x` [a](https://e.x) `y", "``", "`", "a ``` b", "##ing",
                                  "**b**", ":material/lock:", "<b>x</b>", ""])
def test_a_code_span_shows_its_text_literally(text):
    page = rendered(md_code(text))
    assert page.tags == ["p", "code"]
    shown = page.text.rstrip("\n").replace(WORD_JOINER, "")
    assert shown == text or not (text.strip() or shown.strip())
    assert ":material/" not in page.text  # Streamlit rewrites it even inside code


def test_lesson_10s_hover_shows_a_students_sentence_as_text():
    """Plotly renders <a href>, <b> and <span style> in hover text: a sentence is escaped."""
    import numpy as np

    from embedviz.figures.readers import occurrences_scatter

    sentence = '<a href="https://evil.example">bank</a> <b>x</b> <span style="color:red">y</span>'
    fig = occurrences_scatter(np.zeros((1, 2)), ["S1"], [""], None, [sentence], "t")
    shown = fig.data[0].customdata[0]
    assert "<" not in shown and ">" not in shown
    import html

    assert html.unescape(shown) == sentence  # Plotly decodes the entities: shown literally

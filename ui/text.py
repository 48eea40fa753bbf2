"""Showing a student's text safely, and capping what they paste or upload.

Anything that comes from a URL, a text box, an upload or a corpus is shown as text, never
as Markdown or HTML: put it through :func:`md_escape` (prose) or :func:`md_code` (a code
span) before it reaches ``st.markdown``, ``st.warning``/``st.error``/``st.info``/
``st.caption``, a widget's label or help, or an ``st.radio`` option (radio options are
Markdown; selectbox, multiselect and select_slider options, dataframe cells and
``st.text``/``st.code`` are plain text already and need nothing).
"""

from __future__ import annotations

import re

import streamlit as st

from embedviz.text import cap_text

WORD_JOINER = "\u2060"  # invisible and zero-width: breaks patterns a backslash cannot

# The ASCII punctuation that means something to Streamlit's Markdown (CommonMark lets a
# backslash escape any of it): escaped, none can start emphasis, a link, an image, code,
# HTML, an entity, a directive (":red[...]"), LaTeX ("$...$"), a table cell, a heading, a
# list or a quote. The rest (, ; ? ' " % = / @ ^) is inert on one line and left as is.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:])")
# Streamlit also rewrites the *text* left after escapes are read, so these need a break:
# ":smile:" and ":material/x:" / ":material_x:" and ":streamlit:" (shortcodes after a
# colon), "https://..." (GFM autolinks), "www.x" and "a@b.c" (autolinks too), and the
# typographic arrows "->", "<-", "--", ">=", "<=", "~=".
_AFTER_COLON = re.compile(r":")
_WWW = re.compile(r"(?i)(www)(?=\.)")
_TYPOGRAPHIC = re.compile(r"([-<>~])(?=[-<>=])")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")


def md_escape(text: object) -> str:
    """``text`` as Markdown that Streamlit shows exactly as typed, on one line.

    Line breaks become spaces (a pasted text cannot start a heading, list, table or code
    block); every Markdown punctuation character is backslash-escaped; an invisible word
    joiner (U+2060) breaks the patterns Streamlit rewrites after escaping (emoji and icon
    shortcodes, autolinked URLs and e-mail addresses, typographic arrows).
    """
    text = _LINE_BREAKS.sub(" ", str(text))
    text = _AFTER_COLON.sub(":" + WORD_JOINER, text)
    text = text.replace("@", WORD_JOINER + "@")
    text = _WWW.sub(r"\1" + WORD_JOINER, text)
    text = _TYPOGRAPHIC.sub(r"\1" + WORD_JOINER, text)
    return _PUNCTUATION.sub(r"\\\1", text)


def md_code(text: object) -> str:
    """``text`` as a Markdown code span, shown exactly as typed (backticks included).

    Inside a code span nothing is interpreted, so only its fence needs care: one backtick
    more than the longest run in ``text`` (CommonMark), and a space inside the fence when
    ``text`` starts or ends with a backtick. Line breaks become spaces, and ":material/"
    gets a word joiner (Streamlit rewrites it before reading the Markdown, code included).
    """
    text = _LINE_BREAKS.sub(" ", str(text)).replace(":material/", ":" + WORD_JOINER + "material/")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def capped(text: str, max_chars: int, what: str) -> str:
    """Cut a pasted text to ``max_chars`` and say so once, in plain words."""
    text, was_cut = cap_text(text, max_chars)
    if was_cut:
        st.warning(
            f"The {what} is longer than {max_chars:,} characters; only the first "
            f"{max_chars:,} are used."
        )
    return text

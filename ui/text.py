"""Showing a student's text safely, and capping what they paste or upload."""

from __future__ import annotations

import re

import streamlit as st

from embedviz.text import cap_text

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&])")


def md_escape(text: str) -> str:
    """Escape Markdown (and HTML-looking) characters so text is shown exactly as typed."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_code(text: str) -> str:
    """Text as inline code, shown exactly (nothing is escaped inside a code span; a fence
    longer than any run of backticks in the text keeps it whole)."""
    longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}" if longest else f"{fence}{text}{fence}"


def capped(text: str, max_chars: int, what: str) -> str:
    """Cut a pasted text to ``max_chars`` and say so once, in plain words."""
    text, was_cut = cap_text(text, max_chars)
    if was_cut:
        st.warning(
            f"The {what} is longer than {max_chars:,} characters; only the first "
            f"{max_chars:,} are used."
        )
    return text

"""Wide tables (one column per token) wrapped onto several rows, so no column is hidden."""

from __future__ import annotations

import pandas as pd
import streamlit as st

CHAR_PX = 9  # an average character of a table cell (14-px font), with some room
CELL_PAD_PX = 28  # a cell's padding and border
MIN_CELL_PX = 50  # the data grid's narrowest column
FIT_PX = 600  # a 1024-px projector with the sidebar open has about 676 px for the page


def _width(values) -> float:
    return max(MIN_CELL_PX, max(len(str(v)) for v in values) * CHAR_PX + CELL_PAD_PX)


def column_blocks(table: pd.DataFrame, fit_px: float = FIT_PX) -> list[pd.DataFrame]:
    """``table`` cut into consecutive blocks of columns, each about ``fit_px`` wide or less."""
    label = _width(table.index)
    blocks, start, used = [], 0, label
    for k, name in enumerate(table.columns):
        w = _width([name, *table[name]])
        if used + w > fit_px and k > start:
            blocks.append(table.iloc[:, start:k])
            start, used = k, label
        used += w
    blocks.append(table.iloc[:, start:])
    return blocks


def show_wide(table: pd.DataFrame, **kwargs) -> None:
    """``st.dataframe`` of a table with one column per position (tokens, IDs): a long sentence
    is shown as several tables one under the other instead of a table cut on the right, whose
    hidden columns a projector's audience cannot scroll to (issue #27: 13 of 25 tokens)."""
    kwargs.setdefault("width", "stretch")
    for block in column_blocks(table):
        st.dataframe(block, **kwargs)

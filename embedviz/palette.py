"""The one palette of the app: colour-blind safe and readable on a projector.

Categories use the Okabe-Ito palette (distinguishable with every common colour-vision
deficiency), extended with darker tones after its eight colours. Signed values (weights,
gradients, differences) use a diverging scale centred on zero; magnitudes a sequential one.
"""

from __future__ import annotations

OKABE_ITO = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]
EXTRA = ["#6A3D9A", "#8C564B", "#1B7837", "#B2182B", "#5E3C99", "#7F7F7F"]
CATEGORICAL = OKABE_ITO + EXTRA
NEUTRAL = "#9E9E9E"  # words without a category, [PAD], [UNK]
HIGHLIGHT = "#D55E00"  # the looked-up row, the searched word
DIVERGING = "RdBu_r"  # negative blue, zero white, positive red
SEQUENTIAL = "Viridis"
FONT_SIZE = 16  # charts are projected in classrooms
SMALL_FONT = 14  # the smallest chart text anywhere (tick labels, cell numbers, word labels)
FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"


def category_colors(categories) -> dict[str, str]:
    """A stable colour per category name, in sorted order; 'other'/None get grey."""
    names = sorted({c for c in categories if c not in (None, "", "other")})
    colors = {name: CATEGORICAL[i % len(CATEGORICAL)] for i, name in enumerate(names)}
    colors.update({"other": NEUTRAL, "": NEUTRAL})
    return colors

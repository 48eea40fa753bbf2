"""The one palette of the app: colour-blind safe and readable on a projector.

Categories use the Okabe-Ito palette (distinguishable with every common colour-vision
deficiency), extended with darker tones after its eight colours. Every colour here is
also used for text on the white chart background (axis titles, labels, annotations), so
each one is darkened, hue and saturation kept, until it reaches WCAG 2.2's 4.5:1 contrast
for text on white (issue #30; marks need only 3:1). Okabe-Ito's orange, for instance, becomes
a darker amber; black and blue were dark enough already. Sky blue and yellow (marks only)
are darkened to 3:1; see ``MARKS_ONLY``. Signed values (weights,
gradients, differences) use a diverging scale centred on zero; magnitudes a sequential one.
"""

from __future__ import annotations

import colorsys

WHITE = "#FFFFFF"  # the charts' background
TEXT_CONTRAST = 4.5  # WCAG 2.2 AA (1.4.3): normal-size text against its background
MARK_CONTRAST = 3.0  # WCAG 2.2 AA (1.4.11): marks and lines that carry meaning


def relative_luminance(color: str) -> float:
    """WCAG 2.2's relative luminance of a ``#RRGGBB`` colour (0 black to 1 white)."""
    channels = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.2's contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def darkened(color: str, ratio: float = TEXT_CONTRAST, background: str = WHITE) -> str:
    """``color`` with its HLS lightness lowered (hue and saturation kept) in small steps
    until it reaches ``ratio`` against ``background``; unchanged if it already does."""
    h, lightness, s = colorsys.rgb_to_hls(*(int(color.lstrip("#")[i : i + 2], 16) / 255
                                            for i in (0, 2, 4)))
    while True:
        rgb = colorsys.hls_to_rgb(h, lightness, s)
        out = "#" + "".join(f"{round(c * 255):02X}" for c in rgb)
        if contrast_ratio(out, background) >= ratio or lightness <= 0:
            return out
        lightness = max(lightness - 0.005, 0.0)


OKABE_ITO_ORIGINAL = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]
# Sky blue and yellow differ from blue and orange mostly by being lighter: darkened to 4.5:1
# sky blue would become the blue. They stay lighter, at 3:1 (enough for a mark), and are never
# used for text: only for the 5th and 7th category's points, whose legend names them.
MARKS_ONLY = (4, 6)
OKABE_ITO = [darkened(c, MARK_CONTRAST if i in MARKS_ONLY else TEXT_CONTRAST)
             for i, c in enumerate(OKABE_ITO_ORIGINAL)]  # same order and hues
EXTRA = [darkened(c) for c in ["#6A3D9A", "#8C564B", "#1B7837", "#B2182B", "#5E3C99", "#7F7F7F"]]
CATEGORICAL = OKABE_ITO + EXTRA
NEUTRAL = darkened("#9E9E9E")  # words without a category, [PAD], [UNK]: a mid grey
HIGHLIGHT = OKABE_ITO[5]  # vermillion: the looked-up row, the searched word
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

"""The one palette is readable (issue #30): WCAG 2.2 contrast against the white chart background.

The contrast formula is checked against pairs WebAIM's contrast checker and the WCAG
documents quote, so the palette is measured with a ruler that is itself checked.
"""

from __future__ import annotations

import itertools
import math

import pytest

from embedviz import palette
from embedviz.palette import WHITE, contrast_ratio

TEXT_COLORS = [c for i, c in enumerate(palette.OKABE_ITO) if i not in palette.MARKS_ONLY]


@pytest.mark.parametrize(("fg", "bg", "expected"), [
    ("#767676", "#FFFFFF", 4.54),  # the lightest grey that passes AA on white
    ("#000000", "#FFFFFF", 21.0),
    ("#FFFFFF", "#FFFFFF", 1.0),
    ("#828180", "#FFFFFF", 3.888),  # Streamlit's caption grey (axe-core shows 3.88)
    ("#E69F00", "#FFFFFF", 2.254),  # Okabe-Ito's orange, as the issue measured it
])  # fmt: skip
def test_contrast_ratio_matches_known_pairs(fg, bg, expected):
    assert contrast_ratio(fg, bg) == pytest.approx(expected, abs=0.005)
    assert contrast_ratio(bg, fg) == pytest.approx(expected, abs=0.005)  # order does not matter


@pytest.mark.parametrize("color", [*TEXT_COLORS, *palette.EXTRA, palette.NEUTRAL,
                                   palette.HIGHLIGHT])
def test_colours_used_for_text_reach_4_5_to_1_on_white(color):
    assert contrast_ratio(color, WHITE) >= palette.TEXT_CONTRAST


@pytest.mark.parametrize("color", palette.CATEGORICAL)
def test_every_category_colour_reaches_3_to_1_on_white(color):
    assert contrast_ratio(color, WHITE) >= palette.MARK_CONTRAST


def test_darkening_keeps_the_okabe_ito_hues():
    import colorsys

    def hue(c):
        return colorsys.rgb_to_hls(*(int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)))[0]

    for before, after in zip(palette.OKABE_ITO_ORIGINAL, palette.OKABE_ITO, strict=True):
        if before != "#000000":
            assert hue(after) == pytest.approx(hue(before), abs=0.01), (before, after)


def lab(color: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of a ``#RRGGBB`` colour, for a perceptual distance (CIE76)."""
    rgb = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_lab_distance_matches_a_known_value():
    assert math.dist(lab("#FFFFFF"), lab("#000000")) == pytest.approx(100, abs=0.01)


def test_okabe_ito_colours_stay_apart():
    """Darkening must not merge two categories (sky blue into blue, yellow into orange):
    every pair of the eight stays at least 15 CIE76 units apart (2.3 is just noticeable)."""
    for a, b in itertools.combinations(palette.OKABE_ITO, 2):
        assert math.dist(lab(a), lab(b)) >= 15, (a, b)

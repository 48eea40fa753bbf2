"""The live views never flicker (issue #28): while Play runs, in a browser slowed down 4×
(about a school Chromebook), the live chart is never blank or half drawn.

The chart's place on the screen is measured once, drawn and paused; then, playing, that
place is photographed every ``EVERY`` seconds and each photo's *ink* (its share of pixels
that are not white) is compared with the paused chart's. A chart the browser removed and is
drawing anew shows (almost) no ink there. The same sampling measures any server:
``python -m tests.browser.test_live_steady URL [route ...]`` prints the counts (the issue's
"before" was measured this way on main).
"""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from PIL import Image

from tests.browser.conftest import goto, js_errors, wait_for_app_idle
from tests.browser.test_train_live import wait_until

SAMPLES = 10
EVERY = 0.35  # seconds between two photos
SLOWDOWN = 4  # CDP Emulation.setCPUThrottlingRate
BLANK = 0.5  # a photo with less than this share of the paused chart's ink is blank
SIZES = [(1024, 768), (1280, 720)]

# The box of the first chart's element container (it stays where it is while the chart
# inside it is removed and drawn anew), scrolled into view.
CHART_BOX_JS = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  const box = plot && plot.closest('[data-testid="stElementContainer"]');
  if (!box) return null;
  box.scrollIntoView({block: 'nearest'});
  const r = box.getBoundingClientRect();
  return {x: r.left, y: r.top, width: Math.min(r.width, innerWidth - r.left),
          height: Math.min(r.height, innerHeight - r.top)};
}"""
DRAWN_JS = "() => !!document.querySelector('.js-plotly-plot .main-svg .trace')"


def ink(png: bytes) -> float:
    """The share of pixels that are not (nearly) white."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    return float((pixels < 235).mean())


def sample_while_playing(page, app_url: str, route: str, size=(1280, 720)) -> list[float]:
    """Each photo's ink as a share of the paused chart's, while playing 4× slowed down.
    Sets ``page.moved``: whether each photo differs from the one before (the chart moves)."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    goto(page, app_url, route)
    wait_until(lambda: page.evaluate(DRAWN_JS), 60, "the live chart to draw")
    page.wait_for_timeout(1000)
    box = page.evaluate(CHART_BOX_JS)
    assert box and box["width"] > 100 and box["height"] > 100, box
    reference = ink(page.screenshot(clip=box))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOWDOWN})
    try:
        page.get_by_role("button", name="▶ Play").click()
        page.wait_for_timeout(3000)  # Play's run, then the loop's first refreshes
        shares, shots = [], []
        for _ in range(SAMPLES):
            shots.append(page.screenshot(clip=box, timeout=120_000))
            shares.append(ink(shots[-1]) / reference)
            page.wait_for_timeout(EVERY * 1000)
        page.moved = [a != b for a, b in zip(shots, shots[1:])]
    finally:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    page.get_by_role("button", name="❚❚ Pause").click()
    wait_for_app_idle(page)
    return shares


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("route", ["train", "pretrained", "readers"])
def test_the_playing_chart_is_never_blank_on_a_slow_machine(page, app_url, route, size):
    shares = sample_while_playing(page, app_url, route, size)
    blank = [round(s, 2) for s in shares if s < BLANK]
    assert not blank, f"{len(blank)} of {len(shares)} photos of the chart blank: {shares}"
    assert sum(page.moved) >= len(page.moved) // 2, f"the chart stood still: {page.moved}"
    assert not js_errors(page), js_errors(page)


if __name__ == "__main__":  # measure any server: the counts for the note
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    url, routes = sys.argv[1], sys.argv[2:] or ["train", "pretrained", "readers"]
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for route in routes:
            for size in SIZES:
                tab = chromium.new_context().new_page()
                shares = sample_while_playing(tab, url, route, size)
                print(f"{route} {size[0]}x{size[1]}: {sum(s < BLANK for s in shares)} of "
                      f"{len(shares)} blank; ink shares {[round(s, 2) for s in shares]}; "
                      f"moved {sum(tab.moved)} of {len(tab.moved)}", flush=True)
                tab.context.close()
        chromium.close()

"""Picture first and readable everywhere (issue #27), in headless Chromium.

- lesson 4's "Working…" spinner stops when the page has finished (it counted on forever after
  a page ended early with ``st.stop()``);
- at 1024 x 768 each lesson's main picture starts on the first screen, no table is cut on the
  right, and inline code is at least 14 px.
"""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import (
    SCREENSHOTS,
    VIEWPORT,
    goto,
    start_server,
    stop,
    wait_for_app_idle,
)
from tests.browser.test_all_pages import ROUTES

PROJECTOR = {"width": 1024, "height": 768}
# Each lesson's main picture: the chart (by its key) that must start on the first screen.
MAIN_PICTURE = {
    "words": "words_matrix_chart", "onehot": "onehot_fig_textbook", "train": "train__space",
    "gradients": "grads__gradient", "space": "space_chart_map", "pretrained": "pre__curves",
    "subwords": "sub_unk_chart", "sizes": "size_fig_words", "positions": "pos__curves",
    "readers": "read__curves",
}
NOT_YET = {  # lesson: why its picture is still below the first screen at 1024 x 768
    "positions": "the question asked before Play sits between the header and the live chart; "
                 "the live-view redesign of lesson 9 decides where it goes",
}

SPINNERS_JS = """() => [...document.querySelectorAll('[data-testid="stSpinner"]')]
  .map(e => e.innerText.replace(/\\s+/g, ' ').trim())"""


def test_lesson_4s_working_spinner_stops_when_the_page_is_done(browser, tmp_path):
    """On a cold server the first run of lesson 4 takes over half a second, so app.py's
    "Working…" spinner appears; the page then ends early (it waits for the student's
    prediction). The spinner must go when the run ends, not count on."""
    with (tmp_path / "cold-server.log").open("wb") as log:
        proc, url = start_server(log)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            tab = context.new_page()
            tab.goto(f"{url}/gradients", wait_until="domcontentloaded")
            seen, deadline = set(), time.monotonic() + 60
            while time.monotonic() < deadline:  # watch the run: which spinners showed
                seen.update(s.split(" (")[0] for s in tab.evaluate(SPINNERS_JS))
                state = tab.evaluate("""() => { const a = document.querySelector(
                    '[data-testid="stApp"]'); return a && a.getAttribute('data-test-script-state'); }""")
                if state == "notRunning" and seen:
                    break
                tab.wait_for_timeout(50)
            assert "Working…" in seen, f"the run was too quick to show the spinner: {seen}"
            wait_for_app_idle(tab)
            tab.wait_for_timeout(1500)
            left = tab.evaluate(SPINNERS_JS)
            tab.screenshot(path=str(SCREENSHOTS / "gradients_cold_visit.png"))
            assert not left, f"a spinner is still running after the page finished: {left}"
            context.close()
        finally:
            stop(proc)


SCREEN_JS = """(key) => {
  // a live view's chart is a component keyed with "--" for "__" (ui.live_chart.element_key)
  const chart = document.querySelector('.st-key-' + key + ' [data-testid="stPlotlyChart"]')
    || document.querySelector('.st-key-' + key)
    || document.querySelector('.st-key-' + key.replace(/__/g, '--'));
  const cut = [...document.querySelectorAll('[data-testid="stDataFrame"]')]
    .filter(e => e.checkVisibility())
    .map(e => { const s = e.querySelector('.dvn-scroller') || e;
                return [Math.round(e.getBoundingClientRect().top), s.scrollWidth, s.clientWidth]; })
    .filter(([top, scroll, client]) => scroll > client + 2);
  const code = [...document.querySelectorAll('[data-testid="stMain"] code')]
    .filter(c => !c.closest('pre') && c.checkVisibility())
    .map(c => [parseFloat(getComputedStyle(c).fontSize), c.textContent.slice(0, 20)])
    .filter(([size]) => size < 14);
  return {top: chart ? chart.getBoundingClientRect().top : null, cut: cut, code: code};
}"""


@pytest.mark.parametrize("route", [r for r in ROUTES if r])
def test_at_1024x768_the_picture_comes_first_and_nothing_is_cut(page, app_url, route):
    """The first screen shows the lesson's main picture, not only controls; no table hides
    columns on the right; inline code (`[PAD]`, `W[ids]`) is at least 14 px."""
    page.set_viewport_size(PROJECTOR)
    goto(page, app_url, route)
    page.wait_for_timeout(500)  # charts take their size
    shown = page.evaluate(SCREEN_JS, MAIN_PICTURE[route])
    page.screenshot(path=str(SCREENSHOTS / f"first_screen_{route}_1024x768.png"))
    assert not shown["cut"], f"/{route}: tables cut on the right [top, scroll, visible]: {shown['cut']}"
    assert not shown["code"], f"/{route}: inline code below 14 px: {shown['code'][:5]}"
    assert shown["top"] is not None, f"/{route}: no chart {MAIN_PICTURE[route]}"
    if route in NOT_YET:
        pytest.xfail(NOT_YET[route])
    assert shown["top"] < PROJECTOR["height"], (
        f"/{route}: its main picture starts {shown['top']:.0f} px down, below the first screen"
    )

"""Lesson 6 in a real browser: Play trains the three starts live (three curves grow), Pause
stops them, and nothing breaks on the way."""

from __future__ import annotations

import json

from tests.browser.conftest import (
    SCREENSHOTS,
    full_page_screenshot,
    goto,
    js_errors,
    server_log_mark,
    server_log_since,
    wait_for_app_idle,
)
from tests.browser.test_train_live import wait_until
from ui.guard import FRIENDLY_PREFIX

# Name, colour, steps and y of every trace of the curves chart (the first chart), as drawn,
# and the chart's title ("Step 42").
CURVES_JS = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  if (!plot || !plot.data || !plot.layout) return null;
  return JSON.stringify({title: plot.layout.title && plot.layout.title.text,
    traces: plot.data.map(t => [t.name || '', t.line && t.line.color, t.x, t.y])});
}"""


def curves(page) -> dict | None:
    raw = page.evaluate(CURVES_JS)
    return json.loads(raw) if raw else None


def shown_step(page) -> int:
    c = curves(page)
    return int(c["title"].split()[-1].replace(",", "")) if c and c["title"] else -1


def test_play_trains_three_curves_and_pause_stops(page, app_url):
    mark = server_log_mark()
    goto(page, app_url, "pretrained")
    assert shown_step(page) == 0
    page.get_by_role("button", name="▶ Play").click()
    wait_until(lambda: shown_step(page) >= 20, 60, "the step count to rise while playing")
    drawn = curves(page)
    colours = {color for _, color, _, _ in drawn["traces"]}
    assert len(colours) == 3, f"expected three starts' colours, got {colours}"
    assert all(len(x) >= 4 for _, _, x, _ in drawn["traces"]), "the curves did not grow"

    page.get_by_role("button", name="❚❚ Pause").click()
    wait_for_app_idle(page)  # a playing page is never idle: this also proves it paused
    paused_at = shown_step(page)
    page.wait_for_timeout(2000)
    assert shown_step(page) == paused_at, "training went on after Pause"
    assert page.get_by_role("button", name="▶ Play").is_visible()

    body = page.locator('[data-testid="stMain"]').inner_text()
    assert FRIENDLY_PREFIX not in body, server_log_since(mark)
    assert not page.locator('[data-testid="stException"]').count(), server_log_since(mark)
    assert not js_errors(page), js_errors(page)
    full_page_screenshot(page, SCREENSHOTS / "pretrained_live_paused.png")

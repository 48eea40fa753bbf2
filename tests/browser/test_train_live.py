"""Lesson 3 in a real browser: Play trains live (the step count rises, the points move),
Pause stops it, and nothing breaks on the way."""

from __future__ import annotations

import json
import time

from tests.browser.conftest import (
    SCREENSHOTS,
    chart_number,
    full_page_screenshot,
    goto,
    js_errors,
    server_log_mark,
    server_log_since,
    wait_for_app_idle,
)
from ui.guard import FRIENDLY_PREFIX

# The x and y of every trace of the first Plotly chart (the embedding space), as drawn.
POINTS_JS = """() => {
  const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  if (!plot || !plot.data) return null;
  return JSON.stringify(plot.data.map(t => [t.name || '', t.x, t.y]));
}"""


def shown_step(page) -> int:
    """The "Step" number the live chart shows (-1 while the chart is not drawn yet)."""
    shown = chart_number(page, "Step")
    return int(shown["text"].replace(",", "")) if shown else -1


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def test_play_trains_live_and_pause_stops(page, app_url):
    mark = server_log_mark()
    goto(page, app_url, "train")
    wait_until(lambda: shown_step(page) >= 0, 20, "the live chart to draw")
    assert shown_step(page) == 0
    before = wait_until(lambda: page.evaluate(POINTS_JS), 20, "the space chart to draw")

    page.get_by_role("button", name="▶ Play").click()
    wait_until(lambda: shown_step(page) >= 30, 60, "the step count to rise while playing")
    after = wait_until(lambda: page.evaluate(POINTS_JS), 20, "the redrawn space chart")
    assert after != before, "the points did not move while training"
    moved = json.loads(after)
    assert any(name == "animal" for name, *_ in moved), "categories are not drawn"

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
    full_page_screenshot(page, SCREENSHOTS / "train_live_paused.png")

"""Lesson 3 in a real browser: Play trains live (the step count rises, the points move),
Pause stops it, and nothing breaks on the way."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import (
    ROOT,
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
  const plot = document.querySelector('.js-plotly-plot');
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


def test_a_playing_view_redraws_in_place_in_one_run_and_pause_stops_it(app_url):
    """While playing, the live view is redrawn in place by one run of its fragment (not a
    script run per refresh), started by the browser's timer, which it then stops; Pause ends
    the run at once; and
    the numbers are those of an offline Trainer with the same settings. Spoken at the
    protocol level (bench/stclient.py), as the classroom bench does."""
    sys.path.insert(0, str(ROOT / "bench"))
    from classroom import Student, offline_check
    from stclient import StClient

    async def play_then_pause():
        s = Student("t", 5, "train")
        c = s.client = StClient(app_url, "t", on_redraw=s.on_redraw)
        await c.connect()
        try:
            await c.load_page("train", "train_seed=5")
            s.play_sent = time.monotonic()
            await c.click("train__play")
            after_play = len(c.runs)
            deadline = time.monotonic() + 60
            while len(s.redraws) < 10 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            assert len(s.redraws) >= 10, "the live view did not redraw while playing"
            fragment_runs = [r for r in c.runs[after_play:] if r.is_fragment]
            assert len(fragment_runs) == 1 and fragment_runs[0].status is None, \
                [(r.is_fragment, r.status) for r in c.runs[after_play:]]
            assert not c.timers and len(c.fragment_reruns_sent) == 1  # the loop stopped the timer
            steps = [step for _, step, _ in s.redraws]
            assert steps == sorted(set(steps)), steps  # every redraw a new step, in order
            paused = await c.click("train__play")
            assert paused.delivered and c.label_of("train__play") == "▶ Play"
            n = len(c.redraws)
            await asyncio.sleep(1.5)
            assert len(c.redraws) == n, "redraws went on after Pause"
            assert not c.errors, c.errors
            return offline_check(s)
        finally:
            c.stop_auto_reruns()
            await c.close()

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's event loop
        check = pool.submit(asyncio.run, play_then_pause()).result()
    assert "match" in check and "MISMATCH" not in check, check


@pytest.mark.xfail(strict=False, reason=(
    "2026-12-07: in a hand-driven Chromium the step reaches the address bar every ~2 s while "
    "playing (train_to=20, 70, 110, ...), but under this fixture it never does within 60 s; "
    "the cause is not found yet (issue #26 stays open)"))
def test_a_reload_while_playing_opens_the_model_at_the_step_it_had_reached(page, app_url):
    """Issue #26: the step reaches the address bar while playing (at most every 2 s), so F5
    (or the address copied) opens the model there, not at step 0."""
    goto(page, app_url, "train")
    page.get_by_role("button", name="▶ Play").click()
    in_url = wait_until(lambda: int(parse_qs(urlparse(page.url).query).get("train_to", ["0"])[0]),
                        60, "the step to reach the address bar while playing")
    assert in_url > 0 and shown_step(page) >= in_url
    page.reload()
    wait_for_app_idle(page)
    assert shown_step(page) == in_url, (shown_step(page), page.url)
    assert page.get_by_role("button", name="▶ Play").is_visible()  # paused after a reload

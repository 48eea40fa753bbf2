"""Picture first and readable everywhere (issue #27), in headless Chromium.

- lesson 4's "Working…" spinner stops when the page has finished (it counted on forever after
  a page ended early with ``st.stop()``);
"""

from __future__ import annotations

import time

from tests.browser.conftest import (
    SCREENSHOTS,
    VIEWPORT,
    start_server,
    stop,
    wait_for_app_idle,
)

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

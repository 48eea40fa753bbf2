"""Every student can use it (issue #30): axe-core on the home page and every lesson.

axe-core (through ``axe-playwright-python``) checks each page at 1280 x 800, the size the
issue measured; a serious or critical violation fails the test and names the rule, the page
and the first elements. Every violation found (moderate and minor too) is written to
``tests/artifacts/axe/<route>.json``; docs/accessibility.md lists the moderate ones left and
why. The routes come from embedviz/lessons.py, so a new lesson is checked once registered.

Also checked here, in the same browser:
- the skip link is the first thing Tab reaches and takes the focus to the lesson's controls;
- a focused button shows an outline;
- every chart carries a text alternative (role="img" with an aria-label) and a
  "data as a table" toggle.
"""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import ARTIFACTS, BUSY_REASON_JS, SCREENSHOTS, goto, wait_for_app_idle
from tests.browser.test_all_pages import ROUTES

AXE_VIEWPORT = {"width": 1280, "height": 800}
FAILING_IMPACTS = {"serious", "critical"}
AXE_DIR = ARTIFACTS / "axe"
LOAD_TIMEOUT = 180.0  # seconds: lessons 7 and 8 compute a lot on a cold, shared machine


@pytest.fixture(scope="module")
def axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.skip("axe-playwright-python is not installed (pip install -r requirements-dev.txt)")
    return Axe()


def violations(axe, page, route: str) -> list[dict]:
    """axe-core's violations on the idle page, also saved to tests/artifacts/axe/.

    A run that overlapped a rerun (faded stale elements fail contrast) is repeated."""
    for _ in range(3):
        wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
        found = axe.run(page).response["violations"]
        if not page.evaluate(BUSY_REASON_JS):
            break
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    summary = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["html"][:200] for n in v["nodes"]]}
        for v in found
    ]  # fmt: skip
    (AXE_DIR / f"{route or 'home'}.json").write_text(json.dumps(summary, indent=1))
    return found


def describe(found: list[dict]) -> str:
    lines = []
    for v in found:
        lines.append(f"- {v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['help']}")
        lines += [f"    {n['html'][:160]}" for n in v["nodes"][:3]]
    return "\n".join(lines)


@pytest.mark.parametrize("route", ROUTES, ids=[r or "home" for r in ROUTES])
def test_no_serious_axe_violation(page, app_url, axe, route):
    page.set_viewport_size(AXE_VIEWPORT)
    goto(page, app_url, route, timeout=LOAD_TIMEOUT)
    bad = [v for v in violations(axe, page, route) if v["impact"] in FAILING_IMPACTS]
    assert not bad, f"/{route}: serious or critical axe-core violations:\n{describe(bad)}"


SKIP_JS = """() => { const a = document.activeElement;
  return a ? [a.tagName, a.className, a.textContent.trim(), getComputedStyle(a).outlineStyle,
              parseFloat(getComputedStyle(a).outlineWidth), a.getBoundingClientRect().top] : null; }"""


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_skip_link_is_among_the_first_tabs_and_reaches_the_controls(page, app_url, size):
    """Tab 1 is Streamlit's own "Skip to main content"; Enter on it, then Tab: ours."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    goto(page, app_url, "gradients", timeout=LOAD_TIMEOUT)
    for key in ("Tab", "Enter", "Tab"):
        page.keyboard.press(key)
    tag, cls, text, outline, width, top = page.evaluate(SKIP_JS)
    assert "a11y-skip-link" in cls and text == "Skip to the lesson's controls", (tag, cls, text)
    assert outline != "none" and width >= 2 and top >= 0, "the focused skip link is not visible"
    page.screenshot(path=str(SCREENSHOTS / f"a11y_skip_link_{size[0]}x{size[1]}.png"))
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate(SKIP_JS)
    assert "a11y-skip-link" not in focused[1] and focused[0] in ("INPUT", "BUTTON", "TEXTAREA", "A"), focused
    assert not page.evaluate("() => !!document.activeElement.closest('[data-testid=stSidebar]')")
    assert focused[3] != "none" and focused[4] >= 2, f"no focus outline on {focused}"
    page.screenshot(path=str(SCREENSHOTS / f"a11y_first_control_{size[0]}x{size[1]}.png"))


CHARTS_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(c => {
  let e = c.closest('.stElementContainer').previousElementSibling;
  return e ? (e.querySelector('.a11y-visually-hidden') || {}).textContent || '' : ''; })"""


@pytest.mark.parametrize("route", ["words", "sizes"])
def test_every_chart_has_words_and_a_table(page, app_url, route):
    page.set_viewport_size({"width": 1280, "height": 720})
    goto(page, app_url, route, timeout=LOAD_TIMEOUT)
    summaries = page.evaluate(CHARTS_JS)
    assert summaries and all(len(s) > 10 for s in summaries), summaries
    toggles = page.get_by_text("Data as a table")
    assert toggles.count() == len(summaries)
    toggles.first.click()
    wait_for_app_idle(page, timeout=LOAD_TIMEOUT)
    table = page.locator('[data-testid="stDataFrame"]').first
    table.scroll_into_view_if_needed()
    assert table.is_visible()
    page.screenshot(path=str(SCREENSHOTS / f"a11y_chart_table_{route}.png"))

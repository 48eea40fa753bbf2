"""Every page of the served app, in a real browser (issue #2).

The routes are read from embedviz/lessons.py, the list app.py's router reads, so a new lesson
is opened here as soon as it is registered. Each page must finish running with no exception box
and no "Something went wrong" message, each lesson must draw at least one Plotly chart with
data in it, and a full-page screenshot of each lands in tests/artifacts/screenshots/.
When a page breaks, the failure names the route and quotes what the server logged.
"""

from __future__ import annotations

import re

import pytest

from embedviz import lessons
from tests.browser.conftest import (
    SCREENSHOTS,
    full_page_screenshot,
    goto,
    js_errors,
    server_log_mark,
    server_log_since,
    wait_for_app_idle,
)
from ui.guard import FRIENDLY_PREFIX

CHART_TIMEOUT = 15.0  # seconds for the charts to draw once the script has ended


ROUTES = ["", *(lesson.url_path for lesson in lessons.LESSONS)]  # "": the home page


def screenshot_name(route: str) -> str:
    return f"{route or 'home'}.png"


# What the page shows, collected in one round trip. Plotly keeps a figure's traces on its
# graph div (gd.data); a chart with none, or with no size, drew nothing a student can see.
PAGE_REPORT_JS = """(prefix) => {
  const main = document.querySelector('[data-testid="stMain"]') || document.body;
  const text = main.innerText;
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"], .embedviz-live-chart')].map((c) => {
    const gd = c.matches('.js-plotly-plot') ? c : c.querySelector('.js-plotly-plot');
    const box = gd ? gd.getBoundingClientRect() : {width: 0, height: 0};
    const key = [...(c.closest('[class*="st-key-"]') || c).classList]
      .find((k) => k.startsWith('st-key-'));
    return {key: key ? key.slice(7) : '(no key)', drawn: !!gd,
            traces: gd && gd.data ? gd.data.length : 0,
            width: Math.round(box.width), height: Math.round(box.height)};
  });
  return {
    exceptions: [...document.querySelectorAll('[data-testid="stException"]')].map((e) =>
      (e.querySelector('[data-testid="stExceptionMessage"]') || e).innerText.trim()),
    friendly: text.split('\\n').filter((line) => line.includes(prefix)),
    dialogs: [...document.querySelectorAll('[role="dialog"]')].map((d) => d.innerText.trim()),
    title: (document.querySelector('h1') || {}).innerText || '',
    charts: charts,
  };
}"""


def page_report(page) -> dict:
    return page.evaluate(PAGE_REPORT_JS, FRIENDLY_PREFIX)


CHARTS_DRAWN_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"], .embedviz-live-chart')]
  .every((c) => c.querySelector('.main-svg'))"""


def wait_for_charts_drawn(page) -> None:
    """Give every chart on the page time to draw; one that never does is reported later."""
    try:
        page.wait_for_function(CHARTS_DRAWN_JS, timeout=CHART_TIMEOUT * 1000)
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError; problems_of reports it
        pass


def problems_of(report: dict, route: str, errors: list[str]) -> list[str]:
    problems = [f"exception box: {text}" for text in report["exceptions"]]
    problems += [f"error message: {line}" for line in report["friendly"]]
    problems += [f"JavaScript error: {err}" for err in errors]
    problems += [f"dialog over the page: {d}" for d in report["dialogs"] if "not found" in d]
    if not report["title"]:
        problems.append("no title (h1): the page drew nothing")
    if route:  # every lesson teaches with at least one chart
        if not report["charts"]:
            problems.append("no Plotly chart on this lesson page")
        for c in report["charts"]:
            if not (c["drawn"] and c["traces"] and c["width"] and c["height"]):
                problems.append(f"empty chart {c['key']}: {c}")
    return problems


@pytest.mark.parametrize("route", ROUTES, ids=[r or "home" for r in ROUTES])
def test_page_renders_cleanly_with_charts(page, app_url, route):
    mark = server_log_mark()
    goto(page, app_url, route)
    wait_for_charts_drawn(page)
    full_page_screenshot(page, SCREENSHOTS / screenshot_name(route))
    problems = problems_of(page_report(page), route, js_errors(page))
    if problems:
        pytest.fail(
            f"page /{route} is broken:\n  - "
            + "\n  - ".join(problems)
            + f"\nscreenshot: {SCREENSHOTS / screenshot_name(route)}"
            + f"\nserver log while it ran:\n{server_log_since(mark) or '(nothing)'}",
            pytrace=False,
        )


# ---- lesson 1: the URL carries the settings, and student text stays text ----------------------

DIM_SLIDER = ".st-key-words_dim input[type=range]"
SENTENCE_BOX = ".st-key-words_sentence input"
LINKED_DIM = 3


def slider_state(page) -> dict:
    box = page.locator(DIM_SLIDER)
    return {k: int(box.get_attribute(k)) for k in ("value", "min", "max")}


def press_right_on_slider(page, attempts: int = 3) -> None:
    """One step right with the keyboard, as a student would; retried if focus was lost."""
    start = slider_state(page)["value"]
    for _ in range(attempts):
        if slider_state(page)["value"] != start:
            return
        page.locator(DIM_SLIDER).focus()
        if page.evaluate("() => document.activeElement.type") == "range":
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(1000)
    assert slider_state(page)["value"] == start + 1, "the slider did not move with the keyboard"


def test_query_parameter_sets_the_widget_and_the_widget_sets_the_url(page, app_url):
    value = LINKED_DIM  # not the slider's default (6), so only the link can put it there
    goto(page, app_url, "words", query={"words_dim": value})
    # lesson 1's settings start folded (the picture comes first): a student opens them
    page.locator('[data-testid="stExpander"] summary',
                 has_text="Settings of the embedding layer").click()
    shown = slider_state(page)
    assert shown["min"] <= value < shown["max"]
    assert shown["value"] == value, "the link's words_dim did not reach the slider"
    thumb = page.locator(".st-key-words_dim [data-testid='stSliderThumbValue']")
    assert thumb.inner_text().strip() == str(value)

    press_right_on_slider(page)
    assert re.search(rf"[?&]words_dim={value + 1}(&|$)", page.url), page.url
    wait_for_app_idle(page)
    assert slider_state(page)["value"] == value + 1
    assert not page_report(page)["exceptions"]


HOSTILE = '<b>bold</b><script>alert(1)</script><img src="x" onerror="window.__xss = 1">'


def test_html_in_the_sentence_is_shown_as_text_never_run(page, app_url):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    goto(page, app_url, "words")
    mark = server_log_mark()
    page.locator(SENTENCE_BOX).fill(HOSTILE)
    page.locator(SENTENCE_BOX).press("Enter")
    page.wait_for_url(re.compile(r"[?&]words_sentence="), timeout=10_000)
    wait_for_app_idle(page)

    full_page_screenshot(page, SCREENSHOTS / "words-html-as-text.png")
    assert page.locator(SENTENCE_BOX).input_value() == HOSTILE
    main = page.locator('[data-testid="stMain"]')
    assert main.locator("b").count() == 0, "the student's <b> became a bold element"
    assert main.locator("script").count() == 0, "the student's <script> is in the page"
    assert main.locator('img[src="x"]').count() == 0, "the student's <img> is in the page"
    assert page.evaluate("() => window.__xss") is None, "the student's onerror handler ran"
    assert dialogs == [], f"the student's script ran: alert {dialogs}"
    shown = main.inner_text()
    assert "bold" in shown, "the student's words should be shown, as text"
    stray = sorted(set(re.findall(r"\\[<>()_=/]", shown)))
    assert not stray, f"shown with backslashes the student never typed: {stray}"
    report = page_report(page)
    assert not report["exceptions"] and not report["friendly"], (
        f"{report}\n{server_log_since(mark)}"
    )


WORLD = "I love 🐱 and 🍌 🍌. 我喜欢猫。 אני אוהב חתולים. café naïve"


def test_emoji_cjk_and_rtl_sentence_runs_and_is_screenshotted(page, app_url):
    """Look at words-world-text.png: tofu boxes there mean the machine lacks fonts."""
    mark = server_log_mark()
    goto(page, app_url, "words", query={"words_sentence": WORLD, "words_length": 16})
    assert page.locator(SENTENCE_BOX).input_value() == WORLD
    wait_for_charts_drawn(page)
    full_page_screenshot(page, SCREENSHOTS / "words-world-text.png")
    problems = problems_of(page_report(page), "words", js_errors(page))
    assert not problems, f"{problems}\n{server_log_since(mark)}"
    assert "猫" in page.locator('[data-testid="stMain"]').inner_text()


def test_a_cold_server_serves_a_deep_link_through_the_router(browser, tmp_path):
    """A woken app's first visitor often arrives by a shared deep link. It must get app.py's
    router (its titles, its error guard), with no "Page not found" notice: this is what a
    `pages/` folder next to app.py used to break, through Streamlit's auto-discovery."""
    from tests.browser.conftest import VIEWPORT, start_server, stop

    with (tmp_path / "cold-server.log").open("wb") as log:
        proc, url = start_server(log)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            tab = context.new_page()
            tab.goto(f"{url}/gradients?grads_steps=2", wait_until="domcontentloaded")
            wait_for_app_idle(tab)
            assert tab.get_by_text("Page not found").count() == 0
            nav = tab.locator(".st-key-a11y_nav").inner_text()  # ui.a11y
            assert "1 · Words to vectors" in nav and "Start here" in nav
            assert "4 · Gradients" in tab.locator("h1").first.inner_text()
            context.close()
        finally:
            stop(proc)

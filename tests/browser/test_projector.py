"""Made for the projector (issue #11), measured in a real browser at 1024 x 768 and 1280 x 720.

- every chart's rendered SVG text is at least 14 px (16 px with presenter mode);
- lesson 3: Play, the Step and Loss numbers and the whole live chart are on the first screen
  (presenter mode or not);
  beside the open sidebar at 1024 px no text of its side panels is cut or runs into another;
- the tables the audit found cut (lesson 1's tokens) show every column without scrolling;
- presenter mode and a locked link open the prepared view, other controls disabled;
- every lesson ends with a link to the next one.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS, chart_number, goto, wait_for_app_idle
from tests.browser.test_all_pages import ROUTES

SIZES = [(1024, 768), (1280, 720)]
LESSONS = [r for r in ROUTES if r]

FONT_SIZES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot text'))
  .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0)
  .map(t => [parseFloat(getComputedStyle(t).fontSize), t.textContent.slice(0, 30)])"""

IN_VIEW_JS = """(sel) => { const e = document.querySelector(sel); if (!e) return null;
  const r = e.getBoundingClientRect();
  return [r.top, r.bottom, r.left, r.right, innerHeight, innerWidth]; }"""



def resize(page, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("route", ["words", "onehot", "train", "gradients", "space"])
def test_chart_text_is_readable_on_a_projector(page, app_url, route, size):
    resize(page, size)
    goto(page, app_url, route)
    fonts = page.evaluate(FONT_SIZES_JS)
    for _ in range(30):  # a live view's chart (ui.live_chart) draws once Plotly has loaded
        if fonts:
            break
        page.wait_for_timeout(500)
        fonts = page.evaluate(FONT_SIZES_JS)
    assert fonts, "no chart text drawn"
    small = [f for f in fonts if f[0] < 14]
    assert not small, f"chart text below 14 px on /{route}: {small[:8]}"
    page.screenshot(path=str(SCREENSHOTS / f"projector_{route}_{size[0]}x{size[1]}.png"))


def test_presenter_mode_makes_chart_text_at_least_16_px(page, app_url):
    resize(page, SIZES[0])
    goto(page, app_url, "words", {"present": "true"})
    fonts = page.evaluate(FONT_SIZES_JS)
    assert fonts and min(f[0] for f in fonts) >= 16, sorted(fonts)[:5]
    page.screenshot(path=str(SCREENSHOTS / "presenter_words_1024x768.png"))


@pytest.mark.parametrize("present", ["true", "false"], ids=["presenter", "sidebar"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lesson_3_play_numbers_and_chart_on_one_screen(page, app_url, size, present):
    resize(page, size)
    goto(page, app_url, "train", {"present": present})
    play = page.get_by_role("button", name="▶ Play").bounding_box()
    assert play and play["y"] + play["height"] <= size[1], play
    for label in ("Step", "Loss (recent)", "Neighbour accuracy"):  # drawn in the live chart
        shown = chart_number(page, label)
        assert shown and shown["box"], f"no {label} number in the live chart"
        top, bottom, left, right = shown["box"]
        assert 0 <= top and bottom <= size[1] and right <= size[0] + 1, (label, shown)
    chart = page.evaluate(IN_VIEW_JS, '[data-testid="stPlotlyChart"], .embedviz-live-chart')
    top, bottom, left, right, height, width = chart
    assert bottom <= height + 1, f"the live chart ends {bottom - height:.0f} px below the screen"
    assert right <= width + 1
    page.screenshot(path=str(SCREENSHOTS / f"train_one_screen_{present}_{size[0]}x{size[1]}.png"))


CHART_TEXTS_JS = """() => { const c = document.querySelector('[data-testid="stPlotlyChart"], .embedviz-live-chart');
  const r = c.getBoundingClientRect();
  const texts = Array.from(c.querySelectorAll('.main-svg text'))
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0)
    .map(t => { const b = t.getBoundingClientRect();
                return [t.textContent, b.top, b.bottom, b.left, b.right]; });
  const boxes = sel => Array.from(c.querySelectorAll(sel)).map(t => t.getBoundingClientRect())
    .filter(b => b.width > 0).map(b => [b.top, b.bottom, b.left, b.right]);
  return [r.left, r.right, texts, boxes('.legend rect.bg'), boxes('g[class^="y"][class$="tick"] text')]; }"""


def overlap(a, b) -> bool:
    """Two [top, bottom, left, right] boxes share some area."""
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def test_lesson_3s_side_panels_fit_beside_the_open_sidebar(page, app_url):
    """At 1024 px the sidebar is open: the page keeps narrow margins (ui/projector.css), so the
    live view is wide enough that no text of its side panels is cut or runs into another."""
    resize(page, SIZES[0])
    goto(page, app_url, "train")
    assert page.locator('[data-testid="stSidebar"]').bounding_box()["width"] > 200
    left, right, texts, legend, y_ticks = page.evaluate(CHART_TEXTS_JS)
    assert right - left >= 640, f"the live view is {right - left:.0f} px wide"
    cut = [t[0] for t in texts if t[3] < left - 1 or t[4] > right + 1]
    assert not cut, f"text cut at the chart's edge: {cut}"
    for title, label in (("Loss", "Loss (recent)"), ("Accuracy", "Neighbour accuracy")):
        title_box = next(t[1:] for t in texts if t[0].startswith(title + " "))
        number = chart_number(page, label)["text"]  # its text, right of the title
        number_box = next(t[1:] for t in texts if t[0] == number and t[3] > title_box[2])
        assert title_box[3] <= number_box[2], f"{title!r} runs into {number}: {title_box}, {number_box}"
    hidden = [t for t in y_ticks if any(overlap(t, g) for g in legend)]
    assert not hidden, f"y-axis numbers under the map's legend: {hidden}"
    page.screenshot(path=str(SCREENSHOTS / "train_sidebar_open_1024x768.png"))


TOKEN_TABLE_JS = """() => { const e = document.querySelector(
    '.st-key-words__follow [data-testid="stDataFrame"], [data-testid="stDataFrame"].st-key-words__follow');
  if (!e) return null;
  const s = e.querySelector('.dvn-scroller') || e;
  const heads = Array.from(e.querySelectorAll('[role="columnheader"]'))
    .map(h => h.textContent.trim()).filter(t => t);
  return [s.scrollWidth, s.clientWidth, heads]; }"""


def test_lesson_1_token_table_shows_every_column(page, app_url):
    """The token table (key words__follow) is there, has the four columns, and shows them all
    without scrolling sideways (no table at all fails: the old loop passed over nothing)."""
    resize(page, SIZES[0])
    goto(page, app_url, "words")
    found = page.evaluate(TOKEN_TABLE_JS)
    assert found is not None, "no token table on lesson 1"
    scroll, client, heads = found
    assert heads == ["position", "token", "ID", "status"], heads
    assert scroll <= client + 2, (scroll, client)


def test_a_locked_link_hides_all_but_the_allowed_control(page, app_url):
    resize(page, SIZES[1])
    goto(page, app_url, "words", {"lock": "1", "allow": "words_sentence", "words_dim": "4"})
    sentence = page.get_by_role("textbox", name="Your sentence")
    assert sentence.is_enabled()
    dim = page.locator(".st-key-words_dim")  # locked: hidden (issue #26), still applied
    assert not dim.is_visible()
    slider = dim.get_by_role("slider", include_hidden=True)
    assert slider.is_disabled() and slider.get_attribute("value") == "4"
    page.screenshot(path=str(SCREENSHOTS / "locked_words_1280x720.png"))


@pytest.mark.parametrize("route", LESSONS)
def test_every_lesson_links_to_the_next(page, app_url, route):
    goto(page, app_url, route)
    i = LESSONS.index(route)
    link = page.locator('[data-testid="stPageLink"]').filter(has_text="Next:")
    if i + 1 < len(LESSONS):
        assert link.count() == 1, f"/{route} has no next-lesson link"
        link.first.click()
        wait_for_app_idle(page)
        assert page.url.split("?")[0].rstrip("/").endswith(LESSONS[i + 1])
    else:
        assert "This is the last lesson" in page.locator('[data-testid="stMain"]').inner_text()


def test_clicking_a_point_on_lesson_5s_map_studies_that_word(page, app_url):
    """As in the Embedding Projector: a click on a point lists its nearest words."""
    resize(page, SIZES[1])
    goto(page, app_url, "space")
    point = (page.locator('[data-testid="stPlotlyChart"], .embedviz-live-chart').first
             .locator(".scatterlayer .trace .points path").nth(5))
    point.scroll_into_view_if_needed()
    word = point.evaluate("p => p.__data__ && p.__data__.data && p.__data__.data[0]")
    box = point.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_for_app_idle(page)
    searched = page.get_by_role("textbox", name="Find a word").input_value()
    assert word, "the clicked point carries no word (Plotly's point data)"
    assert searched == word, (searched, word)
    heads = page.locator("h3").all_inner_texts()
    assert any(f"Neighbours of “{searched}”" in h for h in heads), heads


def test_clicking_a_point_on_lesson_3s_map_studies_that_word(page, app_url):
    resize(page, SIZES[1])
    goto(page, app_url, "train")
    studied_js = """() => { const t = document.querySelector('[data-testid="stPlotlyChart"], .embedviz-live-chart')
        .textContent; const m = t.match(/Nearest to “([^”]+)”/); return m && m[1]; }"""
    before = page.evaluate(studied_js)
    assert before == "cat"
    point = (page.locator('[data-testid="stPlotlyChart"], .embedviz-live-chart').first
             .locator(".scatterlayer .trace .points path").nth(40))
    box = point.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_for_app_idle(page)
    after = page.evaluate(studied_js)
    assert after and after != before, "the clicked word did not become the studied word"

"""A crafted link cannot phish the class, and a locked link hides what it locks (issue #26).

Issue 26's link puts Markdown in a query *key*: before the fix the "This link has values…"
warning rendered it, so the page showed a clickable "Log in again", coloured text, and the
browser fetched the remote image. Here every page element is checked in the real DOM, and
every request the browser makes is watched: nothing may go to evil.example.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import SCREENSHOTS, goto, server_log_mark, server_log_since

WJ = "\u2060"  # ui.text.WORD_JOINER: invisible, breaks shortcodes and autolinks
# The issue's key (the warning quotes a key's first 40 characters), then short keys that
# each try one more break-out inside those 40: an image, a colour, LaTeX and an icon, an
# e-mail autolink, bold and HTML.
CRAFTED_KEY = ("x` [Log in again](https://evil.example/login) "
               "![t](https://evil.example/p.png) `y")
SHORT_KEYS = ["`![t](https://evil.example/p.png)`", ":red[coloured] $x^2$ :material/lock:",
              "boss@evil.example www.evil.example", "**b** <b>h</b> __u__"]

MAIN = '[data-testid="stMain"]'
CHECK_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const evil = (el) => ['href', 'src'].some((a) => (el.getAttribute(a) || '').includes('evil'));
  return {
    links: [...main.querySelectorAll('a')].filter(evil).map((a) => a.outerHTML),
    mailto: [...main.querySelectorAll('a[href^="mailto:"]')].map((a) => a.outerHTML),
    images: [...main.querySelectorAll('img')].filter(evil).map((i) => i.outerHTML),
    coloured: [...main.querySelectorAll('[data-testid="stAlert"] span[style*="color"]')]
      .map((s) => s.outerHTML),
    icons: [...main.querySelectorAll('[data-testid="stAlert"] [data-testid="stMarkdownContainer"] span[role="img"]')]
      .map((s) => s.outerHTML),
    katex: main.querySelectorAll('[data-testid="stAlert"] .katex').length,
    alerts: [...main.querySelectorAll('[data-testid="stAlert"]')].map((a) => a.innerText),
  };
}"""


def watch_requests(page) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url)
            if (urlparse(r.url).hostname or "").endswith("evil.example") else None)
    return sent


def assert_shown_as_text(page, expected: str, sent: list[str], where: str) -> None:
    found = page.evaluate(CHECK_JS)
    assert not found["links"] and not found["mailto"], found
    assert not found["images"], found
    assert not found["coloured"] and not found["icons"] and not found["katex"], found
    assert sent == [], f"the browser fetched {sent}"
    shown = " ".join(found["alerts"]).replace(WJ, "")
    assert expected in shown, f"{where}: {expected!r} not shown literally in {found['alerts']}"


@pytest.mark.parametrize("route", ["pretrained", ""])
def test_issue_26s_link_shows_its_key_as_text(page, app_url, route):
    sent = watch_requests(page)
    mark = server_log_mark()
    goto(page, app_url, route, dict.fromkeys([CRAFTED_KEY, *SHORT_KEYS], "1"), timeout=180)
    page.screenshot(path=str(SCREENSHOTS / f"crafted-key-{route or 'home'}.png"))
    for key in [CRAFTED_KEY, *SHORT_KEYS]:
        assert_shown_as_text(page, key[:40], sent, route or "home")
    assert page.locator(f"{MAIN} [data-testid='stAlert'] strong, {MAIN} [data-testid='stAlert'] b").count() == 0
    assert "Traceback" not in server_log_since(mark)


@pytest.mark.parametrize("word", [  # several words each: the warning quotes the word
    "![t](https://evil.example/p.png)**b**", ":red[c] $x^2$ :material/lock: :smile:",
    "boss@evil.example https://evil.example", "a -> b <b>h</b> `c` # d"])
def test_lesson_10s_word_to_follow_is_shown_as_text(page, app_url, word):
    sent = watch_requests(page)
    goto(page, app_url, "readers", {"read_part": "Part 2 · Static vs contextual vectors",
                                    "read_set": "Your own sentences", "read_word": word}, timeout=180)
    name = re.sub(r"\W", "_", word[:8])
    page.screenshot(path=str(SCREENSHOTS / f"crafted-word-readers-{name}.png"))
    assert_shown_as_text(page, word, sent, "readers")
    assert page.locator(f"{MAIN} [data-testid='stAlert'] strong").count() == 0


def test_a_bad_number_in_a_link_is_named_and_the_page_works(page, app_url):
    mark = server_log_mark()
    goto(page, app_url, "sizes", {"size_seed": "1e309", "size_words_steps": "inf"}, timeout=180)
    text = page.locator(MAIN).inner_text()
    assert "size_seed=1e309" in text and "size_words_steps=inf" in text
    assert "Something went wrong" not in text
    assert "size_seed" not in page.url and "size_words_steps" not in page.url
    assert "Traceback" not in server_log_since(mark)


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_a_locked_link_hides_what_it_locks(page, app_url, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    goto(page, app_url, "train", {"lock": "1", "allow": "train_lr,train_word", "train_dim": "2"},
         timeout=180)
    page.screenshot(path=str(SCREENSHOTS / f"locked-train-{size[0]}x{size[1]}.png"))
    shown = page.evaluate(DISPLAYED_JS, ["train_lr", "train_word", "train_dim", "train_corpus",
                                         "train_seed", "train_optimizer", "train__play"])
    assert shown == {"train_lr": True, "train_word": True, "train_dim": False,
                     "train_corpus": False, "train_seed": False, "train_optimizer": False,
                     "train__play": True}, shown
    # the hidden control's value still applies: with a dimension of 2 the map is the table
    assert "The dimension is 2" in page.locator(MAIN).inner_text()


# Whether each keyed element is displayed by the page's CSS (an element inside a closed
# expander is not on screen but still displayed: the expander is the student's choice).
DISPLAYED_JS = """(keys) => Object.fromEntries(keys.map((k) => {
  const el = document.querySelector('[data-testid="stMain"] .st-key-' + k);
  return [k, !!el && getComputedStyle(el).display !== 'none'];
}))"""


def test_lesson_10s_quiz_options_are_shown_as_text(page, app_url):
    """st.radio renders its options as Markdown: a token "__movie__" was bold there."""
    goto(page, app_url, "readers", {"read_example": "✎ your own sentence",
                                    "read_sentence": "the __movie__ was _not_ bad"}, timeout=180)
    quiz = page.locator(".st-key-read_quiz_flip__choice")
    page.screenshot(path=str(SCREENSHOTS / "crafted-quiz-readers.png"))
    text = quiz.inner_text().replace(WJ, "")
    assert "__movie__" in text or "_not_" in text, text
    assert quiz.locator("strong, em").count() == 0


def test_an_expander_left_with_only_locked_controls_is_hidden(page, app_url):
    page.set_viewport_size({"width": 1024, "height": 768})
    goto(page, app_url, "words", {"lock": "1", "allow": "words_sentence"}, timeout=180)
    page.screenshot(path=str(SCREENSHOTS / "locked-words-1024x768.png"))
    settings = page.locator(f"{MAIN} [data-testid='stExpander']").filter(
        has_text="Settings of the embedding layer")
    assert settings.count() == 1 and not settings.is_visible()
    assert page.locator(".st-key-words_sentence").is_visible()

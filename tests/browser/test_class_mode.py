"""Class mode in real browsers (issue #29): a teacher (1024 x 768, the projector) and three
students (390 x 844, phones), each in their own browser context, against one server: start,
join, bring everyone, answer a poll, reveal, pause. Screenshots in tests/artifacts/."""

from __future__ import annotations

import re
import time

from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    goto,
    server_log_mark,
    server_log_since,
)

TEACHER_VIEW = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
QUIZ_RADIO = '[data-testid="stRadio"]'


def wait_until(condition, timeout: float, what: str, tab=None):
    deadline = time.monotonic() + timeout
    if tab is not None:
        tab.bring_to_front()  # Chromium draws only the front tab of a browser window
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if tab is not None:
            tab.wait_for_timeout(200)  # lets Playwright take in the page's events (its URL)
        else:
            time.sleep(0.2)
    if tab is not None:  # what the page showed instead
        tab.screenshot(path=str(SCREENSHOTS / "class-timed-out.png"))
        text = body(tab)
        at = text.find("how many numbers")
        what += f"; now {condition()!r}; the page shows: {text[max(0, at - 300):at + 300]!r} at {tab.url}"
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def new_tab(browser, viewport):
    context = browser.new_context(viewport=viewport)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.on("pageerror", lambda exc: errors.setdefault(tab, []).append(str(exc)))
    return context, tab


errors: dict = {}


def open_sidebar(tab) -> None:
    button = tab.locator('[data-testid="stExpandSidebarButton"]')
    if button.count() and button.first.is_visible():
        button.first.click()
        tab.wait_for_timeout(400)


def close_sidebar(tab) -> None:
    button = tab.locator('[data-testid="stSidebarCollapseButton"] button')
    if button.count():
        button.first.click(force=True)
        tab.wait_for_timeout(400)


class SidebarButton:
    """A button in the sidebar, pressed with a click event: the teacher's sidebar redraws its
    "N joined" line every few seconds, so Playwright's wait for a still element may not end."""

    def __init__(self, locator):
        self.locator = locator

    def click(self):
        self.locator.dispatch_event("click")


def sidebar_button(tab, name: str):
    return SidebarButton(tab.locator('[data-testid="stSidebar"]').get_by_role("button", name=name))


def body(tab) -> str:
    """The page's text as drawn. The tab is brought to the front first: Chromium does not draw
    a tab in the background (its animation frames wait), so its text would lag behind."""
    tab.bring_to_front()
    return tab.locator('[data-testid="stApp"]').inner_text()


# Four people on four devices: every window is drawn and its timers run, as each would be on
# its own screen (Chromium otherwise draws only the front window and slows the others' timers).
ALL_IN_FRONT = ["--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
                "--disable-background-timer-throttling"]


def test_a_teacher_and_three_students(browser, app_url):
    mark = server_log_mark()
    contexts = []
    browser = browser.browser_type.launch(executable_path=CHROMIUM,
                                          args=CHROMIUM_ARGS + ALL_IN_FRONT)
    try:
        ctx, teacher = new_tab(browser, TEACHER_VIEW)
        contexts.append(ctx)
        goto(teacher, app_url, "")
        open_sidebar(teacher)
        teacher.locator('[data-testid="stSidebar"]').get_by_text("Class mode").click()
        sidebar_button(teacher, "Start a class").click()
        heading = wait_until(lambda: re.search(r"Join code: ([A-Z0-9]{6})", body(teacher)), 20,
                             "the join code", teacher)
        code = heading.group(1)
        teacher.wait_for_timeout(1000)
        teacher.screenshot(path=str(SCREENSHOTS / "class-teacher-join-1024x768.png"))

        students = []
        for i in range(3):
            ctx, tab = new_tab(browser, PHONE)
            contexts.append(ctx)
            goto(tab, app_url, "", {"class": code})  # the join link
            open_sidebar(tab)
            side = tab.locator('[data-testid="stSidebar"]')
            side.get_by_label("Nickname (optional)").fill(f"<b>s{i}</b>" if i == 0 else "")
            side.get_by_label("Nickname (optional)").press("Enter")
            tab.wait_for_timeout(300)
            sidebar_button(tab, "Join").click()
            wait_until(lambda t=tab: "In class" in body(t), 20, "the student to join", tab)
            if i == 0:
                assert "<b>s0</b>" in body(tab)  # the nickname as typed, as text
            close_sidebar(tab)
            students.append(tab)
        wait_until(lambda: "3 joined" in body(teacher), 10, "the teacher to see 3 students", teacher)
        token = teacher.evaluate("() => document.body.textContent.match(/teacher=([\\w-]+)/)?.[1]")
        assert token and len(token) >= 30  # the private link, folded in the teacher's sidebar
        for tab in students:  # the token is not on a student's page (text nor HTML)
            assert token not in tab.content()

        # The teacher goes to lesson 1 and brings everyone there.
        teacher.locator('.st-key-a11y_nav').get_by_text("1 · Words to vectors").click()
        t0 = time.monotonic()
        wait_until(lambda: "/words" in teacher.url and "Class poll" in body(teacher), 60,
                   "the teacher's lesson 1 with its poll", teacher)
        print(f"lesson 1 drew its poll on the teacher's page after {time.monotonic() - t0:.1f} s")
        sidebar_button(teacher, "Bring everyone here").click()
        for tab in students:
            wait_until(lambda t=tab: "/words" in t.url and "Class poll" in body(t), 90,
                       "a student's page to follow the teacher to lesson 1", tab)

        # Each student answers the poll (two pick the first option, one the second).
        for i, tab in enumerate(students):
            tab.bring_to_front()
            radio = tab.locator(QUIZ_RADIO).last
            wait_until(lambda r=radio: r.count(), 30, "the poll's choices", tab)
            # Click events, not clicks: the page's follower redraws it every 2 s, and
            # Playwright's wait for a still element may not end (as in the sidebar).
            radio.locator('[role="radiogroup"] label').nth(i % 2).dispatch_event("click")
            send = tab.get_by_role("button", name="Send my answer")
            wait_until(lambda s=send: s.is_enabled(), 60, "Send to be enabled by a pick", tab)
            send.dispatch_event("click")
            wait_until(lambda t=tab: "Your answer is in" in body(t), 60, "the answer to be in", tab)
        sent = time.monotonic()
        wait_until(lambda: "3 of 3 students answered" in body(teacher), 10,
                   "the teacher's poll to show all three answers", teacher)
        seen_after = time.monotonic() - sent
        teacher.bring_to_front()
        poll = teacher.get_by_text("3 of 3 students answered")
        poll.evaluate("e => e.scrollIntoView()")
        teacher.wait_for_timeout(800)
        teacher.screenshot(path=str(SCREENSHOTS / "class-teacher-poll-1024x768.png"))
        sizes = teacher.evaluate("""() => [...document.querySelectorAll(
            '[data-testid="stPlotlyChart"] svg text')].map(t => parseFloat(
            getComputedStyle(t).fontSize)).filter(s => s > 0)""")
        assert sizes and min(sizes) >= 14, sizes  # readable from the back of the room

        teacher.bring_to_front()
        teacher.get_by_role("button", name="Reveal for everyone").dispatch_event("click")
        for tab in students:
            wait_until(lambda t=tab: re.search(r"Right:|Not quite", body(t)), 15,
                       "each student to see whether they were right", tab)
        students[0].bring_to_front()
        students[0].get_by_text(re.compile("Right:|Not quite")).first.evaluate(
            "e => e.scrollIntoView()")
        students[0].wait_for_timeout(500)
        students[0].screenshot(path=str(SCREENSHOTS / "class-student-reveal-390x844.png"))

        # Lesson 3: a student plays; the teacher pauses the class; the student's Play stops.
        teacher.locator('.st-key-a11y_nav').get_by_text("3 · Train it live").click()
        wait_until(lambda: "/train" in teacher.url, 30, "the teacher's lesson 3", teacher)
        teacher.wait_for_timeout(1500)
        sidebar_button(teacher, "Bring everyone here").click()
        player = students[1]
        wait_until(lambda: "/train" in player.url and player.get_by_role(
            "button", name="▶ Play").count(), 90, "a student's page to follow to lesson 3", player)
        player.wait_for_timeout(1500)
        player.bring_to_front()
        player.get_by_role("button", name="▶ Play").dispatch_event("click")
        wait_until(lambda: player.get_by_role("button", name=re.compile("Pause")).count(), 20,
                   "the student's Play to start", player)
        teacher.bring_to_front()
        sidebar_button(teacher, "Pause the class").click()
        paused_at = time.monotonic()
        wait_until(lambda: "paused the class" in body(player), 60,
                   "the student's page to say the class is paused", player)
        wait_until(lambda: player.get_by_role("button", name="▶ Play").count(), 60,
                   "the student's Play to stop", player)
        stopped_after = time.monotonic() - paused_at
        player.wait_for_timeout(500)
        player.screenshot(path=str(SCREENSHOTS / "class-student-paused-390x844.png"))
        teacher.bring_to_front()
        sidebar_button(teacher, "Resume the class").click()
        wait_until(lambda: "paused the class" not in body(player), 60, "the resume", player)
        print(f"teacher saw 3 answers {seen_after:.1f} s after the last; "
              f"a student's Play stopped {stopped_after:.1f} s after Pause")
        for tab in [teacher, *students]:
            assert not errors.get(tab), errors.get(tab)
        assert "Traceback" not in server_log_since(mark)
    finally:
        for ctx in contexts:
            ctx.close()
        browser.close()

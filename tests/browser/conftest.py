"""Fixtures for the browser tests (issue #2): the real app, served, in headless Chromium.

``app_url`` starts ``streamlit run app.py`` on a free port, the way a student gets the app
(``EMBEDVIZ_STRICT`` unset, so errors become the polite message a student would see), and
stops it after the session. ``browser`` is Playwright's Chromium, using Debian's
``/usr/bin/chromium`` (``playwright install`` is never needed). ``page`` is a fresh tab of
1400 x 1000 pixels for each test.

Helpers: :func:`goto` opens a route and waits; :func:`wait_for_app_idle` waits until the
script has finished and every element has drawn; :func:`full_page_screenshot` saves the
whole page; :func:`server_log_since` gives what the server printed (tracebacks included)
after a point, so a failure can say *why* a page broke.

Every test in this folder gets the ``browser`` marker: ``pytest -m "not browser"`` skips
them. Without Chromium or Playwright they are skipped, unless ``CI=true``: then they fail,
because CI must run them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import weakref
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
SERVER_LOG = ARTIFACTS / "streamlit-server.log"

CHROMIUM = os.environ.get("EMBEDVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_TIMEOUT = 60.0  # seconds; the first start imports torch, sklearn, plotly
PAGE_TIMEOUT = 60.0  # seconds for one page to finish running and drawing
SETTLE = 0.75  # seconds the app must stay idle before we believe it is done
MAX_SHOT_HEIGHT = 20_000  # pixels; a longer page is cut there


# ---- the marker ---------------------------------------------------------------------------


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: runs the served app in headless Chromium (deselect: -m 'not browser')"
    )


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m filter looks at the markers
def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# ---- what the tests need installed ----------------------------------------------------------


def unavailable(reason: str):
    """Skip, or fail on CI (``CI=true``), where the browser tests must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def sync_playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the 'playwright' Python package is not installed (pip install playwright)")
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return sync_playwright


# ---- the served app -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("EMBEDVIZ_STRICT", None)  # tests/conftest.py sets it; a student's app runs without
    env["PYTHONUNBUFFERED"] = "1"  # the log is read while the server runs
    return env


def is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def stop(proc: subprocess.Popen) -> None:
    """Terminate the server and everything it started (its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def start_server(log) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run`` and wait for its health check; retry if the port was taken."""
    for _ in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            server_command(port), cwd=ROOT, env=server_env(), stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if is_healthy(url) and proc.poll() is None:  # ours, not a neighbour on the port
                return proc, url
            time.sleep(0.2)
        stop(proc)
        if "already in use" not in SERVER_LOG.read_text(errors="replace"):
            break
    tail = SERVER_LOG.read_text(errors="replace")[-3000:]
    pytest.fail(f"streamlit run app.py did not become healthy:\n{tail}", pytrace=False)


@pytest.fixture(scope="session")
def app_url(browser):
    """Base URL (no trailing slash) of the app served for this test session."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with SERVER_LOG.open("wb") as log:
        proc, url = start_server(log)
        try:
            yield url
        finally:
            stop(proc)


def server_log_mark() -> int:
    """A point in the server's log; pass it to :func:`server_log_since`."""
    return SERVER_LOG.stat().st_size if SERVER_LOG.exists() else 0


def server_log_since(mark: int, max_chars: int = 6000) -> str:
    """What the server printed after ``mark`` (the end, if it is long)."""
    if not SERVER_LOG.exists():
        return ""
    with SERVER_LOG.open("rb") as f:
        f.seek(mark)
        text = f.read().decode("utf-8", errors="replace")
    return text if len(text) <= max_chars else "...\n" + text[-max_chars:]


# ---- the browser --------------------------------------------------------------------------

_JS_ERRORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@pytest.fixture(scope="session")
def browser(sync_playwright_api):
    with sync_playwright_api() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh tab (its own context: no cookies or storage shared between tests)."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.set_default_timeout(PAGE_TIMEOUT * 1000)
    errors = _JS_ERRORS.setdefault(tab, [])
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()


def js_errors(page) -> list[str]:
    """Uncaught JavaScript errors in this tab so far (a chart that failed to draw, ...)."""
    return list(_JS_ERRORS.get(page, []))


# ---- waiting for Streamlit ------------------------------------------------------------------

# Streamlit 1.67 writes the script's state on the root element: data-test-script-state is
# "initial", "running", "rerunRequested", "stopRequested", "notRunning" or "compilationError".
# The status widget ("Running...") is hidden by toolbarMode = "minimal", so it is checked only
# in case that changes. After a run, lazily loaded elements (Plotly charts) show an stSkeleton
# until their code has arrived, and elements of the previous run are marked data-stale.
BUSY_REASON_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return 'the app has not loaded';
  const conn = app.getAttribute('data-test-connection-state');
  if (conn !== 'CONNECTED') return 'connection ' + conn;
  const script = app.getAttribute('data-test-script-state');
  if (script !== 'notRunning' && script !== 'compilationError') return 'script ' + script;
  if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return 'running icon';
  if (document.querySelector('[data-testid="stSkeleton"]')) return 'an element is loading';
  if (document.querySelector('[data-stale="true"]')) return 'stale elements of the last run';
  return '';
}"""


def wait_for_app_idle(page, timeout: float = PAGE_TIMEOUT, settle: float = SETTLE) -> None:
    """Wait until the script has finished and everything is drawn, for ``settle`` seconds.

    ``timeout`` is in seconds (Playwright's own timeouts are in milliseconds); on timeout a
    ``TimeoutError`` says what was still busy.

    A page whose fragment reruns itself faster than ``settle`` (a playing training loop)
    never becomes idle: pause it first.
    """
    deadline = time.monotonic() + timeout
    idle_since = None
    reason = "not checked"
    while time.monotonic() < deadline:
        reason = page.evaluate(BUSY_REASON_JS)
        now = time.monotonic()
        if reason:
            idle_since = None
        elif idle_since is None:
            idle_since = now
        elif now - idle_since >= settle:
            return
        page.wait_for_timeout(50)
    raise TimeoutError(f"{page.url}: still busy after {timeout:.0f} s ({reason})")


def route_url(app_url: str, route: str, query: dict | None = None) -> str:
    url = f"{app_url}/{route.strip('/')}"
    return f"{url}?{urlencode(query, doseq=True)}" if query else url


def goto(
    page, app_url: str, route: str, query: dict | None = None, timeout: float = PAGE_TIMEOUT
) -> None:
    """Open ``route`` ("" is the home page) with optional query parameters, and wait.

    Streamlit silently sends an unknown route to the home page; that fails here.
    """
    page.goto(route_url(app_url, route, query), wait_until="domcontentloaded")
    wait_for_app_idle(page, timeout)
    shown = urlparse(page.url).path.strip("/")
    assert shown == route.strip("/"), (
        f"asked for /{route} but the app shows /{shown} (is the route registered in app.py?)"
    )


# ---- screenshots --------------------------------------------------------------------------

PAGE_HEIGHT_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (main) main.scrollTop = 0;
  return Math.ceil(Math.max(main ? main.scrollHeight : 0,
                            document.documentElement.scrollHeight));
}"""


def full_page_screenshot(page, path: Path) -> Path:
    """Save the whole page, not only the first screen.

    Streamlit scrolls inside ``stMain``, so Playwright's ``full_page`` alone captures one
    screen; the window is made as tall as the content for the shot, then restored.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    size = dict(page.viewport_size or VIEWPORT)
    height = min(max(page.evaluate(PAGE_HEIGHT_JS), size["height"]), MAX_SHOT_HEIGHT)
    page.set_viewport_size({"width": size["width"], "height": height})
    try:
        page.wait_for_timeout(400)  # let charts follow the new size
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


# A number a chart shows as an annotation named "metric:<label>" (lesson 3's live view draws
# its Step, Loss and accuracy in its chart): its text and its box on the screen, or null.
CHART_NUMBER_JS = """(label) => {
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const notes = (plot.layout && plot.layout.annotations) || [];
    const i = notes.findIndex(a => a.name === 'metric:' + label);
    if (i < 0) continue;
    const g = plot.querySelector('.annotation[data-index="' + i + '"]');
    const r = g && g.getBoundingClientRect();
    return {text: notes[i].text, box: r ? [r.top, r.bottom, r.left, r.right] : null};
  }
  return null;
}"""


def chart_number(page, label: str) -> dict | None:
    """``{"text", "box"}`` of the chart number called ``label`` (see ``CHART_NUMBER_JS``)."""
    return page.evaluate(CHART_NUMBER_JS, label)

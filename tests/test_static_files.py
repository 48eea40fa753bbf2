"""ui.static_files: Streamlit's frontend files from memory, gzip-compressed once, the same
bytes as on disk; anything else goes on to Streamlit."""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip

from ui import static_files as sf


def call(app, path, method="GET", accept="gzip, deflate, br"):
    sent, passed = [], []

    async def inner(scope, receive, send):
        passed.append(scope["path"])

    async def send(msg):
        sent.append(msg)

    scope = {"type": "http", "method": method, "path": path,
             "headers": [(b"accept-encoding", accept.encode())]}
    # a thread of its own: the browser tests' Playwright keeps an event loop running in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, sf.CompressedStatic(inner, sf.StaticStore())(scope, None, send)
                    ).result()
    if passed:
        return None
    head = dict(sent[0]["headers"])
    return sent[0]["status"], head, sent[1]["body"]


def a_big_js_file() -> str:
    js = max((sf.STATIC_DIR / "static" / "js").glob("*.js"), key=lambda p: p.stat().st_size)
    return js.name


def test_a_script_is_sent_compressed_and_is_the_file_on_disk():
    name = a_big_js_file()
    status, head, body = call(None, f"/static/js/{name}")
    raw = (sf.STATIC_DIR / "static" / "js" / name).read_bytes()
    assert status == 200 and head[b"content-encoding"] == b"gzip"
    assert gzip.decompress(body) == raw
    assert len(body) < len(raw) / 2  # Streamlit's bundles compress about 3.5 times
    assert int(head[b"content-length"]) == len(body)
    assert head[b"cache-control"] == sf.CACHE_CONTROL.encode()
    assert head[b"content-type"].startswith(b"text/javascript")


def test_a_client_without_gzip_gets_the_plain_file_and_head_gets_no_body():
    name = a_big_js_file()
    raw = (sf.STATIC_DIR / "static" / "js" / name).read_bytes()
    status, head, body = call(None, f"/static/js/{name}", accept="identity")
    assert body == raw and b"content-encoding" not in head
    status, head, body = call(None, f"/static/js/{name}", accept="gzip;q=0")
    assert body == raw
    status, head, body = call(None, f"/static/js/{name}", method="HEAD")
    assert body == b"" and int(head[b"content-length"]) > 0


def test_fonts_are_sent_as_they_are():
    font = next((sf.STATIC_DIR / "static" / "media").glob("*.woff2"))
    status, head, body = call(None, f"/static/media/{font.name}")
    assert body == font.read_bytes() and b"content-encoding" not in head


def test_everything_else_goes_on_to_streamlit():
    assert call(None, "/train") is None  # the page (HTML): Streamlit's own answer
    assert call(None, "/_stcore/health") is None
    assert call(None, "/static/js/no-such-file.js") is None  # Streamlit's 404
    assert call(None, "/static/../../config.py") is None  # outside the folder: never read
    assert call(None, "/static/js/x.js", method="POST") is None

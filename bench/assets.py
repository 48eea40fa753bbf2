"""What a browser downloads besides the websocket when it opens a page (issue #26).

A browser's first visit fetches the HTML page and Streamlit's static files (JavaScript, CSS,
fonts: several megabytes) from the same process that runs the scripts. ``bench/stclient.py``
speaks only the websocket, so :func:`record` opens the page once in a real Chromium
(``/usr/bin/chromium`` through Playwright) and notes every same-origin HTTP request it makes
until the page is drawn; :func:`fetch_all` then makes the same requests for each simulated
student, six at a time over fresh HTTP/1.1 connections (a browser's limit per host), with a
browser's ``Accept-Encoding``, and reports the time and the bytes on the wire.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("EMBEDVIZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PER_HOST = 6  # Chromium's parallel HTTP/1.1 connections per host
ACCEPT_ENCODING = "gzip, deflate, br, zstd"


def record(url: str, wait_for: str = "[data-testid='stPlotlyChart']",
           timeout_ms: int = 90_000) -> list[str]:
    """The same-origin HTTP GETs (paths with their queries) a real Chromium makes when it
    opens ``url``, until ``wait_for`` is on the page (the websocket is left out)."""
    from playwright.sync_api import sync_playwright

    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    seen: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.on("request", lambda r: seen.append(r.url)
                    if r.url.startswith(origin) and r.method == "GET"
                    and r.resource_type != "websocket" else None)
            page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
            page.wait_for_selector(wait_for, timeout=timeout_ms)
        finally:
            browser.close()
    paths = []
    for u in seen:
        p = urlsplit(u)
        path = p.path + (f"?{p.query}" if p.query else "")
        if "/_stcore/stream" not in path and path not in paths:
            paths.append(path)
    return paths


@dataclass
class Fetched:
    seconds: float  # first request sent -> last byte of the last response
    wire_bytes: int  # bytes received (headers and bodies, as sent: compressed or not)
    requests: int
    statuses: dict[int, int]
    encodings: dict[str, int]  # Content-Encoding -> responses ("identity" for none)
    static_failures: int  # /static/... responses that were not 200 (a browser's own 404s
    # on /<page>/_stcore/health, tried before /_stcore/health, are not failures)


async def _get(host: str, port: int, path: str, headers: dict[str, str]) -> tuple[int, int, str]:
    """One GET on a fresh connection: (status, bytes received, content encoding)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}"
                     "Connection: close\r\n\r\n".encode("latin-1"))
        await writer.drain()
        data = await reader.read()  # until the server closes: Connection: close
    finally:
        writer.close()
    top, _, _ = data.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    enc = next((ln.split(":", 1)[1].strip() for ln in lines[1:]
                if ln.lower().startswith("content-encoding:")), "identity")
    return status, len(data), enc


async def fetch_all(base_url: str, paths: list[str], cookie: str = "") -> Fetched:
    """Every path once, ``PER_HOST`` at a time, as a browser with an empty cache would."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    headers = {"User-Agent": "embedviz-bench", "Accept": "*/*",
               "Accept-Encoding": ACCEPT_ENCODING}
    if cookie:
        headers["Cookie"] = cookie
    sem = asyncio.Semaphore(PER_HOST)
    statuses: dict[int, int] = {}
    encodings: dict[str, int] = {}
    failures = [0]

    async def one(path: str) -> int:
        async with sem:
            status, n, enc = await _get(host, port, path, headers)
        statuses[status] = statuses.get(status, 0) + 1
        failures[0] += status != 200 and path.startswith("/static/")
        encodings[enc] = encodings.get(enc, 0) + 1
        return n

    t0 = time.monotonic()
    first, rest = paths[:1], paths[1:]  # the HTML first: it names everything else
    sizes = [await one(p) for p in first]
    sizes += await asyncio.gather(*(one(p) for p in rest))
    return Fetched(time.monotonic() - t0, sum(sizes), len(paths), statuses, encodings,
                   failures[0])

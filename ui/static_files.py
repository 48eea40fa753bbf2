"""Streamlit's frontend files served from memory, compressed once per process (issue #26).

A browser's first page of this app downloads about 9 MB of Streamlit's JavaScript, CSS and
fonts (116 requests for lesson 3; ``bench/assets.py`` records them with Chromium). Streamlit
1.67 serves them from disk, uncompressed on purpose (``starlette_gzip_middleware.py``: its
gzip middleware would compress them again on every request), in 64 KB chunks through its
middleware stack. A class arriving at once makes the one Python process send 40 × 9 MB
while it also runs their first pages: that is where the arrival time went
(``docs/capacity.md``).

:class:`CompressedStatic` answers ``GET``/``HEAD`` of ``/static/...`` itself: each file is
read and (if it is text: JavaScript, CSS, JSON, SVG, source maps) gzip-compressed once, kept
in memory, and sent in one piece with the same long-lived ``Cache-Control`` Streamlit sends
for these content-hashed files. Fonts and images are already compressed: they are kept and
sent as they are. Anything else (the HTML page, ``/_stcore/...``, the websocket, a file that
is not there) goes on to Streamlit unchanged.

It is an ordinary ASGI middleware given to Streamlit's public ``st.App`` (``serve.py``), so
it takes no private Streamlit API. In the replicas deployment nginx can do the same in
front (``deploy/``); this is for one process, as on Streamlit Community Cloud.
"""

from __future__ import annotations

import asyncio
import gzip
import mimetypes
import threading
from pathlib import Path

import streamlit

STATIC_DIR = Path(streamlit.__file__).parent / "static"
PREFIX = "/static/"
CACHE_CONTROL = "public, immutable, max-age=31536000"  # Streamlit's own for hashed files
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
TEXT_SUFFIXES = (".js", ".mjs", ".css", ".map", ".json", ".svg", ".txt", ".html")
LEVEL = 6  # zlib's default: 3.5x smaller for Streamlit's bundles, about 25 MB/s to compress


class StaticFile:
    """One file as sent: its bytes, and gzip-compressed bytes if compressing pays."""

    def __init__(self, raw: bytes, content_type: str, gz: bytes | None) -> None:
        self.raw, self.content_type, self.gz = raw, content_type, gz


def is_text(name: str, content_type: str) -> bool:
    return name.endswith(TEXT_SUFFIXES) or content_type.startswith(TEXT_TYPES)


def load(path: Path) -> StaticFile:
    """Read a file and compress it if it is text (deterministic: no time in the header)."""
    raw = path.read_bytes()
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix in (".js", ".mjs"):
        content_type = "text/javascript"  # what browsers expect for modules
    gz = None
    if is_text(path.name, content_type) and len(raw) > 1024:
        packed = gzip.compress(raw, compresslevel=LEVEL, mtime=0)
        gz = packed if len(packed) < 0.9 * len(raw) else None
    if content_type.startswith("text/") and "charset" not in content_type:
        content_type += "; charset=utf-8"
    return StaticFile(raw, content_type, gz)


class StaticStore:
    """The files of ``directory`` by relative path, each read and compressed once."""

    def __init__(self, directory: Path = STATIC_DIR) -> None:
        self.directory = directory.resolve()
        self._files: dict[str, StaticFile | None] = {}
        self._lock = threading.Lock()  # guards the dicts only, never a compression
        self._reading: dict[str, threading.Lock] = {}  # a file being read: its own lock

    def resolve(self, rel: str) -> Path | None:
        """The file for a URL path below /static/, or None (missing, or outside the dir)."""
        if not rel or "\\" in rel or "\x00" in rel:
            return None
        path = (self.directory / "static" / rel).resolve()
        if not path.is_relative_to(self.directory) or not path.is_file():
            return None
        return path

    def peek(self, rel: str) -> tuple[bool, StaticFile | None]:
        """(whether ``rel`` was looked at before, its file): never reads or compresses."""
        with self._lock:
            return rel in self._files, self._files.get(rel)

    def get(self, rel: str) -> StaticFile | None:
        """The file, read and compressed by the first caller; a caller asking for the same
        file meanwhile waits for that one reading (forty students arriving at once ask for
        the same files), a caller asking for another file does not."""
        with self._lock:
            if rel in self._files:
                return self._files[rel]
            reading = self._reading.setdefault(rel, threading.Lock())
        with reading:
            with self._lock:
                if rel in self._files:
                    return self._files[rel]
            path = self.resolve(rel)
            found = load(path) if path is not None else None
            with self._lock:
                self._files[rel] = found
                self._reading.pop(rel, None)
            return found

    def warm(self, suffixes: tuple[str, ...] = (".js", ".css", ".woff2")) -> int:
        """Read and compress every file a page may ask for (a server's start-up)."""
        n = 0
        for path in sorted((self.directory / "static").rglob("*")):
            if path.is_file() and path.suffix in suffixes:
                self.get(path.relative_to(self.directory / "static").as_posix())
                n += 1
        return n


def _header(scope, name: bytes) -> str:
    for k, v in scope.get("headers", ()):
        if k.lower() == name:
            return v.decode("latin-1")
    return ""


def accepts_gzip(accept_encoding: str) -> bool:
    """True if the client takes gzip (``gzip`` listed without ``q=0``)."""
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and float(q[2:] or 0) == 0)
    return False


class CompressedStatic:
    """ASGI middleware: see the module docstring."""

    def __init__(self, app, store: StaticStore | None = None) -> None:
        self.app = app
        self.store = store or STORE

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD")
                or not path.startswith(PREFIX)):
            await self.app(scope, receive, send)
            return
        rel = path[len(PREFIX):]
        known, found = self.store.peek(rel)
        if not known:
            found = await asyncio.to_thread(self.store.get, rel)  # a first read: off the loop
        if found is None:
            await self.app(scope, receive, send)  # Streamlit answers (its 404, its fallback)
            return
        use_gz = found.gz is not None and accepts_gzip(_header(scope, b"accept-encoding"))
        body = found.gz if use_gz else found.raw
        headers = [(b"content-type", found.content_type.encode()),
                   (b"content-length", str(len(body)).encode()),
                   (b"cache-control", CACHE_CONTROL.encode())]
        if found.gz is not None:
            headers.append((b"vary", b"Accept-Encoding"))
        if use_gz:
            headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body",
                    "body": b"" if scope["method"] == "HEAD" else body})


STORE = StaticStore()

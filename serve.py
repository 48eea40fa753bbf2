"""Start the app with ``streamlit run serve.py`` (the same app as ``streamlit run app.py``).

Streamlit's public ``st.App`` wraps ``app.py`` (which still routes every page) and adds what
a plain ``streamlit run app.py`` cannot have, for a class that arrives at once (issue #26):

- ``ui.static_files.CompressedStatic``: Streamlit's frontend files (about 9 MB a first page)
  sent from memory, gzip-compressed once per process, instead of read from disk and sent
  uncompressed for every student;
- a start-up hook (``ui.process.start_up``): before the first student comes, it compresses
  those files and starts the heavy shared results (lesson 8's default sweep, lesson 7's
  merges of its built-in texts) in the background worker, so a first visit to any lesson
  shows its first chart at once.

``streamlit run`` finds ``app`` below and serves it with uvicorn; every ``--server.*`` flag
and ``.streamlit/config.toml`` apply as with ``app.py``.
"""

from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware

from ui.static_files import CompressedStatic


@asynccontextmanager
async def start_up(_app):
    from ui import process

    process.start_up()
    yield


app = st.App("app.py", middleware=[Middleware(CompressedStatic)], lifespan=start_up)

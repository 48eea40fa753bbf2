"""Done once per server process, on the first import (``app.py`` imports this first).

The heavy modules every page uses are imported, then ``gc.freeze()`` moves every object that
exists by then (hundreds of thousands: torch, Plotly's validators, Streamlit) out of the
garbage collector's reach. They live as long as the process anyway; without the freeze each
full collection walks them all again (hundreds of milliseconds, during which no student's
page moves). Streamlit's own full collection after every run is off too
(``runner.postScriptGC = false`` in ``.streamlit/config.toml``).
"""

from __future__ import annotations

import gc

import numpy  # noqa: F401
import pandas  # noqa: F401
import plotly.graph_objects  # noqa: F401
import plotly.io  # noqa: F401
import torch

GEN0_THRESHOLD = 20_000  # allocations between young collections (Python's default: 700)

torch.set_num_threads(1)  # many students share two cores: one thread per session's work
gc.collect()
gc.freeze()
# A live tick makes and drops thousands of small objects (figure dicts, messages): at Python's
# default threshold (700) each tick ran several young collections, and now and then a full
# one over everything the sessions keep (a gc.callbacks hook showed it). Collection only
# matters for reference cycles; refcounting frees the rest at once, so a higher threshold
# only lets cyclic garbage wait a little longer (bench/train_tick.py part 3 measures the tick).
gc.set_threshold(GEN0_THRESHOLD, 20, 10)


_started = False


def _glove() -> None:
    from embedviz import pretrained

    pretrained.load_glove()


def _minilm() -> None:
    from embedviz import minilm, subwords

    minilm.load_minilm()
    subwords.real_table()


def _real_tables() -> None:
    from embedviz import sizes

    sizes.real_tables()


# Shared read-only results that take a second or more on a first visit (lessons 5-10): read
# once in this process as it starts, while no student waits (each is cached where it lives).
WARM_IN_PROCESS = (_real_tables, _glove, _minilm)
QUIET_SHARE = 0.3  # of a core: below this for a second, the server is not busy with a class


def _wait_until_quiet(longest: float = 300.0, window: float = 1.0) -> None:
    """Sleep until this process used under ``QUIET_SHARE`` of a core for ``window`` s (all
    its threads: page runs, live views), or ``longest`` s passed."""
    import time

    deadline = time.monotonic() + longest
    while time.monotonic() < deadline:
        before = time.process_time()
        time.sleep(window)
        if time.process_time() - before < QUIET_SHARE * window:
            return


def start_up() -> None:
    """Once per process, as the server starts (``serve.py``'s hook; ``app.py`` calls it too,
    for a server started with ``streamlit run app.py``): start the heavy shared results a
    first visit needs (``ui.background.start_up_jobs``: lesson 8's default sweep, lesson 7's
    merges of its default text) in the worker process, and, in a background thread, read and
    compress Streamlit's frontend files for ``ui.static_files``."""
    global _started
    if _started:
        return
    _started = True
    from embedviz import shared_work

    if shared_work.work().worker.inline:  # tests: pages compute in their run, no warming
        return
    import threading

    def warm() -> None:
        from ui import background, static_files

        static_files.STORE.warm()  # zlib lets go of the GIL while it compresses
        background.warm(background.start_up_jobs())  # in the worker process: the other core
        for step in WARM_IN_PROCESS:  # read-only results shared by every session, each
            _wait_until_quiet()  # when no class is arriving (they hold the GIL a while)
            try:
                step()
            except Exception:  # noqa: BLE001 - warming is a head start, never a failure
                pass

    threading.Thread(target=warm, name="embedviz-warm", daemon=True).start()

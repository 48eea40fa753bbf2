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

"""ui/live_chart.py: what the live chart sends is the figure, exactly as Plotly's own JSON
encoder writes it (arrays of words, NumPy numbers, NaN as a gap), and its key suits Streamlit."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from embedviz.figures import training as figs
from embedviz.training import TrainConfig, Trainer
from ui import live_chart


def test_a_message_carries_the_figure_as_plotly_itself_encodes_it():
    trainer = Trainer(TrainConfig(batch_size=64, seed=1))
    trainer.step(5)
    h = trainer.history
    curves = figs.curves_parts(h.steps, h.loss, h.accuracy, chance=1 / 6, word="cat",
                               accuracy_label="neighbour accuracy", latest=("1", "2"),
                               categories=trainer.categories, neighbours=trainer.nearest("cat", 3))
    spec = figs.live_figure(*curves, title="Step 5", height=420).to_dict()
    words = np.array(["cat", "dog"], dtype=object)  # what orjson cannot write by itself
    made = go.Figure(go.Scatter(x=np.float32([1, np.nan]), y=np.int64([2, 3]), customdata=words,
                                text=[np.float64(0.5), None])).to_dict()
    for figure in (spec, made):
        sent = live_chart.figure_of(live_chart.message(figure, height=420))
        assert sent == json.loads(json.dumps(figure, cls=PlotlyJSONEncoder))


def test_a_chart_key_is_one_streamlit_accepts_for_a_component():
    assert live_chart.element_key("train__space") == "train--space"
    assert "__" not in live_chart.element_key("read__probes__x")

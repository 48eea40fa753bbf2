"""Charts with words (issue #30): ui.a11y's summary and table say what the figure holds."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.a11y import chart_summary, chart_table


def test_a_line_says_its_last_value_and_trend():
    fig = go.Figure(go.Scatter(x=[0, 60, 120], y=np.array([2.3, 1.1, 0.84]), mode="lines",
                               name="loss"))
    fig.update_layout(title="Training", xaxis_title="step", yaxis_title="loss")
    summary = chart_summary(fig.to_dict())
    assert summary == ("Training. x: step; y: loss. loss: a line of 3 points, 0.84 at 120, "
                       "falling.")


def test_bars_and_heatmaps_are_described_from_their_numbers():
    bars = go.Figure(go.Bar(x=["sgd", "adam"], y=[3, 7], name="rows moved"))
    assert "highest adam at 7" in chart_summary(bars.to_dict())
    z = np.arange(6, dtype=np.float32).reshape(2, 3)  # Plotly 6 keeps it as a typed array
    heat = go.Figure(go.Heatmap(z=z, x=["a", "b", "c"], y=["r", "s"]))
    assert "a grid of 2 × 3 values from 0 to 5" in chart_summary(heat.to_dict())


def test_the_table_holds_every_value_of_the_figure():
    z = np.random.default_rng(0).normal(size=(3, 4))
    fig = go.Figure([go.Heatmap(z=z, name="W"),
                     go.Scatter(x=[1, 2], y=[5.0, 6.0], text=["cat", "dog"], name="pts")])
    table = chart_table(fig.to_dict())
    grid = table[table.series == "W"]
    assert np.allclose(grid.value.astype(float).to_numpy(), z.ravel())
    pts = table[table.series == "pts"]
    assert pts.label.tolist() == ["cat", "dog"] and pts.y.astype(float).tolist() == [5.0, 6.0]

"""Plotly figure builders: plain data in, ``go.Figure`` out. No Streamlit here.

One module a lesson (``lookup``, ``onehot``, ``training``, ``gradients``, ``space``), all on
the shared layout of :mod:`embedviz.figures.common`.
"""

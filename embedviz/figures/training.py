"""Figures of lesson 3: the space in a fixed view, the loss/accuracy/neighbour panels, replay.

Plain data in, ``go.Figure`` out. Points are coloured by category (one trace each, so the
legend names the kinds); words without a category are small grey dots.

The two live charts come in two halves: ``*_parts`` computes the traces and layout (pure),
``*_figure`` makes a validated figure of them, :func:`live_figure` a fast one for each tick of
the live view (a validated figure copies Plotly's whole template: about 7 ms each).
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from embedviz.figures.common import SpecFigure, base_layout
from embedviz.palette import CATEGORICAL, FONT_SIZE, HIGHLIGHT, NEUTRAL, SMALL_FONT, category_colors

LABEL_LIMIT = 80  # words written on the points up to this many labelled points
LABELS_PER_KIND = 3  # with more than FEW_LABELS words, only this many per kind are written
FEW_LABELS = 24  # (and the chosen word and its neighbours): the rest are on hover
OTHER = "other"


def _sent(values) -> np.ndarray:
    """Coordinates as they go to the browser: float32, the precision of the embedding table
    itself (half the JSON of float64's 17 digits; a NaN is sent as null, a gap in a line)."""
    return np.asarray(values, dtype=np.float32)


def _panel_title(text: str, top: float) -> dict:
    return dict(text=f"<b>{text}</b>", x=0, xref="paper", y=top, yref="paper",
                xanchor="left", yanchor="bottom", showarrow=False, font=dict(size=16))


def curves_parts(
    steps: Sequence[int],
    loss: Sequence[float],
    accuracy: Sequence[float],
    *,
    chance: float | None,
    accuracy_label: str,
    neighbours: Sequence[tuple[str, float]],
    categories: Mapping[str, str],
    word: str,
    latest: Sequence[str] | None = None,
) -> tuple[list, dict]:
    """Traces and layout of three stacked panels in one figure (one chart to redraw per tick,
    not three): the loss, the accuracy with its chance level, the nearest words to ``word``.

    ``latest`` (the loss and the accuracy now, as text) writes each big at the right of its
    panel's title, as an annotation named ``metric:<label>`` (see :func:`chart_number`)."""
    colors = category_colors(categories.values())
    steps = np.asarray(steps, dtype=np.int64)
    names = [w for w, _ in neighbours]
    sims = [s for _, s in neighbours]
    data = [
        dict(type="scatter", x=steps, y=_sent(loss), mode="lines", xaxis="x", yaxis="y",
                   line=dict(color=CATEGORICAL[0], width=3), showlegend=False,
                   hovertemplate="step %{x}<br>loss %{y:.4f}<extra></extra>"),
        dict(type="scatter", x=steps, y=_sent(accuracy), mode="lines", xaxis="x2", yaxis="y2",
             connectgaps=True,  # measured at every few points (History.accuracy_every)
                   line=dict(color=CATEGORICAL[2], width=3), showlegend=False,
                   hovertemplate="step %{x}<br>" + accuracy_label + " %{y:.0%}<extra></extra>"),
        dict(type="bar", x=sims, y=names, orientation="h", xaxis="x3", yaxis="y3", showlegend=False,
               marker=dict(color=[colors.get(categories.get(w, OTHER), NEUTRAL) for w in names],
                           opacity=0.45),  # the word is written over its bar
               text=[f"{s:.2f}" for s in sims], textposition="outside", cliponaxis=False,
               constraintext="none", textfont=dict(size=SMALL_FONT),  # never shrunk below 14 px
               hovertemplate="%{y}: cosine %{x:.3f}<extra></extra>"),
    ]
    shapes, notes = [], [
        # short titles: the side column is narrow on a 1024-px projector
        _panel_title("Loss ↓", 0.93),
        _panel_title(f"{accuracy_label.split()[-1].capitalize()} ↑", 0.60),  # "Accuracy ↑"
        _panel_title(f"Nearest to “{word}”", 0.24),
    ]
    if latest is not None:
        for (label, top), text in zip(((LOSS_LABEL, 0.93), (accuracy_label.capitalize(), 0.60)),
                                      latest):
            # into the figure's 10-px right margin: beside the open sidebar at 1024 px the
            # side column is some 160 px, and a title and its number need all of it
            notes.append(chart_number(label, text, x=1.0, y=top, xanchor="right", xshift=8))
    if chance is not None:
        shapes.append(dict(type="line", xref="x2 domain", x0=0, x1=1, yref="y2", y0=chance,
                           y1=chance, line=dict(color=NEUTRAL, dash="dash", width=2)))
        notes.append(dict(text=f"chance ≈ {chance:.0%}", xref="x2 domain", x=1, yref="y2",
                          y=chance, xanchor="right", yanchor="bottom", showarrow=False,
                          font=dict(size=14, color="#555")))
    else:
        notes.append(dict(text="no word categories: no accuracy", xref="x2 domain", x=0.5,
                          yref="y2 domain", y=0.5, showarrow=False, font=dict(color="#555")))
    low = min(0.0, min(sims, default=0.0))
    layout = dict(
        # three stacked panels that stay apart at 300 px and in presenter mode's larger text
        # (the step ticks under the accuracy clear the title below): few ticks, no axis titles
        # (the panel titles say what each is; the x axes of the curves are the step)
        # the loss and the accuracy share their steps: the ticks once, under the accuracy
        xaxis=dict(domain=[0, 1], anchor="y", rangemode="tozero", nticks=4, matches="x2",
                   showticklabels=False),
        yaxis=dict(domain=[0.72, 0.92], rangemode="tozero", nticks=3),
        xaxis2=dict(domain=[0, 1], anchor="y2", rangemode="tozero", nticks=4),
        yaxis2=dict(domain=[0.405, 0.59], range=[0, 1.05], tickformat=".0%", nticks=3),
        # room right of a bar of cosine 1 for its number
        xaxis3=dict(domain=[0, 1], anchor="y3", range=[low, 1.3], showticklabels=False),
        # the words inside the panel, over their bars (outside they ran into the map's
        # legend in a narrow live view); 16 px skipped every other word in 300 px
        yaxis3=dict(domain=[0, 0.23], autorange="reversed", type="category",
                    ticklabelposition="inside", tickfont=dict(size=SMALL_FONT, color="#222")),
        annotations=notes, bargap=0.25,
    )
    if shapes:
        layout["shapes"] = shapes
    return data, layout


def curves_figure(*args, height: int = 760, **kwargs) -> go.Figure:
    """:func:`curves_parts` as a (validated) figure."""
    data, layout = curves_parts(*args, **kwargs)
    return base_layout(go.Figure(data=data, layout=layout), None, height)


NOT_CARTESIAN = ("geo", "polar", "scene", "ternary", "mapbox", "map")  # template parts a
# live (2D) chart never uses: a live chart sends the template with every tick


@functools.lru_cache(maxsize=32)
def _base(title: bool, height: int | None) -> dict:
    """The shared ``base_layout`` as a plain dict, made (and validated) once per shape, its
    template without the parts a 2D chart never uses (geo, polar, 3D, ternary)."""
    base = base_layout(go.Figure(), "title" if title else None, height).layout.to_plotly_json()
    template = base["template"]
    layout = {k: v for k, v in template["layout"].items() if k not in NOT_CARTESIAN}
    base["template"] = dict(layout=layout, data=template["data"])
    return base


def _template_for(base: dict, data: list[dict]) -> dict:
    """The template's trace defaults for the trace types ``data`` has, and its layout."""
    template = base["template"]
    kinds = {t.get("type", "scatter") for t in data}
    return dict(layout=template["layout"],
                data={k: v for k, v in template["data"].items() if k in kinds})


TYPED_CODES = {"float32": "f4", "float64": "f8", "int32": "i4"}  # Plotly.js typed arrays


def _typed(value):
    """A NumPy array as Plotly's typed-array spec (its dtype code and its bytes in base64), the
    form a validated ``go.Figure`` sends: a quarter of the JSON of decimals, and no number
    formatting (Plotly's own converter makes a defensive copy first, 50 times slower here)."""
    if not isinstance(value, np.ndarray) or value.size == 0:
        return value
    if value.dtype.kind in "iu":
        value = value.astype(np.int32)  # steps and counts: Plotly.js has no 64-bit integers
    code = TYPED_CODES.get(str(value.dtype))
    if code is None:
        return value
    data = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<")).tobytes()
    return {"dtype": code, "bdata": base64.b64encode(data).decode("ascii")}


def live_figure(
    data: list[dict], layout: dict, title: str | None = None, height: int | None = None
) -> SpecFigure:
    """A figure for a live tick: ``base_layout``'s look, as a plain dict (:class:`SpecFigure`).

    Making and sending a validated Plotly figure costs about 7 ms for the two live charts,
    as much as ten training steps; the layout of :func:`base_layout` is validated once and
    cached, and the traces are plain dicts from ``*_parts`` (the tests check they validate).
    Without validation Plotly's shortcuts are not expanded: write ``title=dict(text=...)``,
    never ``title_text=...``, in the parts."""
    base = _base(title is not None, height)
    data = [{k: _typed(v) for k, v in trace.items()} for trace in data]
    full = {**base, "template": _template_for(base, data), **layout}
    if title is not None:
        full["title"] = {**base["title"], "text": title}
    else:
        full.pop("title", None)
    return SpecFigure(dict(data=data, layout=full))


_AXIS = re.compile(r"^([xy])(\d*)( domain)?$")  # an axis reference: "x", "y2", "x3 domain"
_AXIS_KEY = re.compile(r"^([xy])axis(\d*)$")  # a layout key: "xaxis", "yaxis2"
METRIC = "metric:"  # the name of an annotation that holds one of the chart's numbers
LOSS_LABEL = "Loss (recent)"


def beside(left: tuple[list, dict], right: tuple[list, dict], *, split: float,
           right_from: float) -> tuple[list, dict]:
    """Two figures' parts as one figure: ``left`` in the paper's x range [0, split], ``right``
    in [right_from, 1], its axes numbered after the left one's (both keep their heights).

    One chart to send per live tick instead of two: each element Streamlit sends costs the
    server a message, and a chart its own marshalling. The left figure's layout wins where both
    set the same property; annotations and shapes are kept from both."""
    (ldata, llayout), (rdata, rlayout) = left, right
    shift = {k: max([int(m.group(2) or 1) for m in map(_AXIS_KEY.match, llayout) if m
                     and m.group(1) == k] or [0]) for k in "xy"}

    def ref(value):
        m = _AXIS.match(value) if isinstance(value, str) else None
        if m is None:
            return value  # "paper", or not an axis
        return f"{m.group(1)}{int(m.group(2) or 1) + shift[m.group(1)]}{m.group(3) or ''}"

    def squeeze(x: float) -> float:  # the right figure's paper x, in the combined figure
        return right_from + x * (1.0 - right_from)

    data = list(ldata) + [{**t, "xaxis": ref(t.get("xaxis", "x")),
                           "yaxis": ref(t.get("yaxis", "y"))} for t in rdata]
    layout = {}
    for key, value in llayout.items():
        m = _AXIS_KEY.match(key)
        if m and m.group(1) == "x":
            lo, hi = value.get("domain", [0.0, 1.0])
            value = {**value, "domain": [lo * split, hi * split]}
        layout[key] = value
    for key, value in rlayout.items():
        m = _AXIS_KEY.match(key)
        if m:
            kind, other = m.group(1), "y" if m.group(1) == "x" else "x"
            axis = {k: ref(v) if k in ("anchor", "overlaying", "scaleanchor", "matches") else v
                    for k, v in value.items()}
            axis.setdefault("anchor", ref(f"{other}{m.group(2)}"))  # never the left's axes
            if kind == "x":
                axis["domain"] = [squeeze(v) for v in value.get("domain", [0.0, 1.0])]
            layout[f"{kind}axis{int(m.group(2) or 1) + shift[kind]}"] = axis
        elif key in ("annotations", "shapes"):
            moved = []
            for item in value:
                item = {**item, "xref": ref(item.get("xref", "paper")),
                        "yref": ref(item.get("yref", "paper"))}
                if item["xref"] == "paper":
                    for k in ("x", "x0", "x1"):
                        if k in item:
                            item[k] = squeeze(item[k])
                moved.append(item)
            layout[key] = list(llayout.get(key, [])) + moved
        else:
            layout.setdefault(key, value)
    return data, layout


def chart_number(label: str, text: str, **where) -> dict:
    """A number written big in a chart (like ``st.metric``, but no element of its own: each
    element costs the server a message per live tick), as an annotation named
    ``"metric:<label>"`` so that tests and the load bench can read it. ``where``: x, y,
    xanchor (paper coordinates, the text's bottom at y)."""
    return dict(text=text, name=METRIC + label, xref="paper", yref="paper", yanchor="bottom",
                showarrow=False, font=dict(size=22), **where)


def chart_numbers(spec: dict) -> dict[str, str]:
    """The numbers a figure (as a dict) writes with :func:`chart_number`: {label: text}."""
    notes = spec.get("layout", {}).get("annotations", [])
    return {n["name"][len(METRIC):]: n.get("text", "") for n in notes
            if str(n.get("name", "")).startswith(METRIC)}


# the live view: the map, its legend, then the curves; beside the open sidebar at 1024 px the
# legend's longest word and the accuracy's "100%" leave each other a few pixels
MAP_SPLIT, CURVES_FROM = 0.465, 0.74


def live_view_parts(space: tuple[list, dict], curves: tuple[list, dict],
                    step: str) -> tuple[list, dict]:
    """Lesson 3's live view as one figure: the map on the left with its legend beside it, the
    loss, accuracy and nearest-word panels on the right (``curves_parts`` with ``latest``),
    the ``step`` big above them. One chart per tick instead of two charts and three
    ``st.metric`` elements in columns: each element costs the server a message per tick."""
    data, layout = beside(space, curves, split=MAP_SPLIT, right_from=CURVES_FROM)
    layout["annotations"] = layout.get("annotations", []) + [
        dict(text="Step", xref="paper", yref="paper", x=CURVES_FROM, y=1.0, yanchor="bottom",
             xanchor="left", yshift=32, showarrow=False, font=dict(size=SMALL_FONT, color="#555")),
        chart_number("Step", step, x=CURVES_FROM, y=1.0, xanchor="left"),
    ]
    layout["legend"] = dict(orientation="v", x=MAP_SPLIT + 0.005, xanchor="left", y=1.0,
                            yanchor="top", itemsizing="constant")
    layout["margin"] = dict(l=10, r=10, t=64, b=10)  # the step goes in the top margin
    return data, layout


def _groups(words: Sequence[str], categories: Mapping[str, str]) -> dict[str, np.ndarray]:
    """Row positions of each category, categories sorted, 'other' last (read-only arrays)."""
    return _groups_of(tuple(words), tuple(categories.items()))


@functools.lru_cache(maxsize=64)
def _groups_of(words: tuple[str, ...], categories: tuple[tuple[str, str], ...]) -> dict:
    """:func:`_groups`, computed once per vocabulary (a live chart asks twice every tick)."""
    kind = dict(categories)
    groups: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        groups.setdefault(kind.get(w, OTHER), []).append(i)
    order = sorted(g for g in groups if g != OTHER) + ([OTHER] if OTHER in groups else [])
    out = {}
    for g in order:
        out[g] = np.array(groups[g], dtype=np.int64)
        out[g].flags.writeable = False  # shared by every tick of every student
    return out


def readable_labels(words: Sequence[str], categories: Mapping[str, str],
                    must: Sequence[str] = ()) -> set[str]:
    """The words to write on a crowded map: the first few of each kind (the list is most
    frequent first), and the ``must`` words (the chosen word, its neighbours)."""
    labelled = [w for w in words if categories.get(w, OTHER) != OTHER]
    if len(labelled) <= FEW_LABELS:
        return set(labelled) | set(must)
    keep, per_kind = set(must), {}
    for w in labelled:
        kind = categories[w]
        if per_kind.get(kind, 0) < LABELS_PER_KIND:
            keep.add(w)
            per_kind[kind] = per_kind.get(kind, 0) + 1
    return keep


def _point_traces(
    points: np.ndarray, words: Sequence[str], categories: Mapping[str, str],
    show_labels: bool, colors: Mapping[str, str], labelled: set[str] | None = None,
) -> list[dict]:
    """One trace per kind; ``labelled`` (None: all) are the words written on their points."""
    traces = []
    for cat, idx in _groups(words, categories).items():
        other = cat == OTHER
        label_here = show_labels and not other
        names = [words[i] for i in idx]
        text = {}  # no text at all for points that write none (the grey "other" words)
        if label_here:
            text = dict(text=[w if labelled is None or w in labelled else "" for w in names],
                        textposition="top center",
                        textfont=dict(size=SMALL_FONT, color=colors[cat]))
        traces.append(
            dict(
                type="scatter", x=_sent(points[idx, 0]), y=_sent(points[idx, 1]), name=cat,
                mode="markers+text" if label_here else "markers", **text,
                customdata=names,
                marker=dict(
                    color=colors[cat], size=6 if other else 11, opacity=0.45 if other else 0.95,
                    line=dict(width=0 if other else 1, color="white"),
                ),
                hovertemplate=f"<b>%{{customdata}}</b> ({cat})<br>x %{{x:.3f}}, y %{{y:.3f}}<extra></extra>",
            )
        )
    return traces


def _trail_traces(
    trails: np.ndarray, words: Sequence[str], categories: Mapping[str, str],
    colors: Mapping[str, str],
) -> list[dict]:
    """trails: (positions, n, 2), oldest first. One line trace per category, gaps between."""
    traces = []
    for cat, idx in _groups(words, categories).items():
        if cat == OTHER:
            continue
        gap = np.full((len(idx), 1), np.nan)
        xs = np.hstack([trails[:, idx, 0].T, gap]).ravel()  # word by word, a gap between
        ys = np.hstack([trails[:, idx, 1].T, gap]).ravel()
        traces.append(
            dict(
                type="scatter", x=_sent(xs), y=_sent(ys), mode="lines",
                line=dict(color=colors[cat], width=2),
                opacity=0.4, hoverinfo="skip", showlegend=False,
            )
        )
    return traces


def space_parts(
    points: np.ndarray,
    words: Sequence[str],
    categories: Mapping[str, str],
    *,
    half_width: float,
    axis_titles: tuple[str, str],
    trails: np.ndarray | None = None,
    focus: str | None = None,
    neighbours: Sequence[str] = (),
    show_labels: bool | None = None,
) -> tuple[list, dict]:
    """Traces and layout of the words as points in the fixed 2D view; ``points`` is (n, 2).

    ``focus`` is drawn as a star with dotted lines to its ``neighbours``; ``trails``
    (t, n, 2) are the last positions of every categorised word, oldest first."""
    points = np.asarray(points, dtype=float)
    colors = category_colors(categories.values())
    colors.setdefault(OTHER, NEUTRAL)
    if show_labels is None:
        show_labels = sum(w in categories for w in words) <= LABEL_LIMIT
    data = []
    if trails is not None and len(trails) > 1:
        data += _trail_traces(trails, words, categories, colors)
    position = {w: i for i, w in enumerate(words)}
    if focus in position:
        f = position[focus]
        xs, ys = [], []
        for j in (position[n] for n in neighbours if n in position):
            xs += [points[f, 0], points[j, 0], None]
            ys += [points[f, 1], points[j, 1], None]
        data.append(dict(type="scatter", x=xs, y=ys, mode="lines", hoverinfo="skip", showlegend=False,
                               line=dict(color=HIGHLIGHT, width=2, dash="dot")))
    labelled = readable_labels(words, categories, [focus, *neighbours] if focus else neighbours)
    data += _point_traces(points, words, categories, show_labels, colors, labelled)
    if focus in position:
        f = position[focus]
        data.append(dict(
            type="scatter", x=[points[f, 0]], y=[points[f, 1]], mode="markers", name=f"“{focus}”",
            marker=dict(symbol="star", size=22, color=HIGHLIGHT,
                        line=dict(width=1.5, color="black")),
            hovertemplate=f"<b>{focus}</b> (chosen word)<extra></extra>",
        ))
    r = half_width
    layout = dict(
        xaxis=dict(range=[-r, r], title=dict(text=axis_titles[0]), zerolinecolor="#DDD"),
        yaxis=dict(range=[-r, r], title=dict(text=axis_titles[1]), zerolinecolor="#DDD",
                   scaleanchor="x", scaleratio=1),
        # below the axis title, so a narrow screen's wrapped legend never covers the title
        legend=dict(orientation="h", yanchor="top", y=-0.24, xanchor="left", x=0,
                    itemsizing="constant"),
        uirevision="space",  # keeps a student's zoom while the points move
        margin=dict(l=10, r=10, b=130, t=60),  # room for the title, and the legend below
    )
    return data, layout


def space_figure(*args, title: str | None = None, height: int = 640, **kwargs) -> go.Figure:
    """:func:`space_parts` as a (validated) figure."""
    data, layout = space_parts(*args, **kwargs)
    fig = base_layout(go.Figure(data=data, layout=layout), title, height)
    return fig.update_layout(margin=layout["margin"])


def replay_figure(
    steps: Sequence[int],
    frames: Sequence[np.ndarray],
    words: Sequence[str],
    categories: Mapping[str, str],
    *,
    half_width: float,
    axis_titles: tuple[str, str],
    show_labels: bool | None = None,
    title: str | None = None,
    height: int = 700,
) -> go.Figure:
    """A Plotly animation over saved snapshots (each (n, 2) in the same fixed view), with a
    play button and a step slider; it runs in the browser, no Python per frame."""
    colors = category_colors(categories.values())
    colors.setdefault(OTHER, NEUTRAL)
    if show_labels is None:
        show_labels = sum(w in categories for w in words) <= LABEL_LIMIT
    fig = space_figure(
        frames[0], words, categories, half_width=half_width, axis_titles=axis_titles,
        show_labels=show_labels, title=f"{title or 'Replay'}: step {steps[0]:,}", height=height,
    )
    fig.frames = [
        go.Frame(data=_point_traces(p, words, categories, show_labels, colors,
                                    readable_labels(words, categories)), name=str(s),
                 layout=dict(title=dict(text=f"{title or 'Replay'}: step {s:,}",
                                        font=dict(size=FONT_SIZE + 2))))
        for s, p in zip(steps, frames)
    ]
    # redraw=True: each frame also sets the title (its step); 60 frames of ~250 points is cheap
    play = dict(frame=dict(duration=150, redraw=True), transition=dict(duration=0),
                fromcurrent=True, mode="immediate")
    fig.update_layout(
        updatemenus=[dict(
            type="buttons", direction="left", x=0, y=-0.13, xanchor="left", yanchor="top",
            pad=dict(t=10, r=10), showactive=False,
            buttons=[
                dict(label="▶ Replay", method="animate", args=[None, play]),
                dict(label="❚❚ Pause", method="animate",
                     args=[[None], dict(frame=dict(duration=0, redraw=True), mode="immediate")]),
            ],
        )],
        sliders=[dict(
            x=0.3, y=-0.13, len=0.7, xanchor="left", yanchor="top", pad=dict(t=10),
            currentvalue=dict(visible=False),  # the title says the step
            font=dict(color="rgba(0,0,0,0)"),  # no tick label per frame: the title says it
            steps=[dict(label=str(s), method="animate",
                        args=[[str(s)], dict(frame=dict(duration=0, redraw=True),
                                             mode="immediate")])
                   for s in steps],
        )],
        # the play controls take the space below the axis, so the legend goes on top here
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
        margin=dict(l=10, r=10, t=130, b=150),
        uirevision=None,
    )
    return fig

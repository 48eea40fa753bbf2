"""A protocol-level Streamlit client: one websocket, Streamlit's own protobuf messages.

It does what the browser's frontend does (Streamlit 1.67, ``static/js/index.*.js``), minus the
drawing, so a benchmark can play many students from one cheap asyncio process:

- connect to ``ws://HOST:PORT/_stcore/stream`` with the subprotocol ``streamlit`` (the
  server reads ``Sec-WebSocket-Protocol`` as ``streamlit, <xsrf token>, <session id>``; the
  XSRF token only matters for the auth cookie, so a plain client sends none);
- the first ``BackMsg.rerun_script`` names the page by ``page_name`` (its url_path) with an
  empty ``page_script_hash``; later reruns send the ``page_script_hash`` the server reported
  in the ``navigation`` message, the current query string, every widget value the client holds, the
  hashes of the cached messages it holds and a ``context_info`` like a browser's;
- widget values are kept like the frontend's ``WidgetStateManager``: a widget's value is its
  element's ``value`` when the server sets one (``set_value``), else the value already held,
  else its default; a button click is a one-off ``trigger_value=True`` that is dropped after
  it is sent; values of widgets that left the page are dropped when a run finishes;
- ``ForwardMsg.auto_rerun`` (interval, fragment id) starts a repeating timer, exactly as
  ``App.handleAutoRerun`` does with ``setInterval``: every ``interval`` seconds it sends a
  rerun with ``fragment_id`` and ``is_auto_rerun=True`` whether or not the previous run has
  finished; a message with the same interval for the same fragment keeps the timer; a
  ``new_session`` of a full run (no fragment ids) and ``stop_auto_rerun`` cancel timers;
- forward-message cache: messages marked ``metadata.cacheable`` are kept by hash; the server
  sends a ``ref_hash`` message instead of a message whose hash the client listed in
  ``cached_message_hashes``; the client resolves it from its cache (a miss is an error) and
  ages entries out after ``max_cached_message_age`` finished runs, like ``ForwardMsgCache``;
- elements are kept by ``delta_path`` with the run that sent them; when a run finishes the
  elements of earlier runs are dropped (for a fragment run, only that fragment's), as the
  frontend's ``clearStaleNodes`` does;
- a redraw is a chart carrying named numbers (``chart_metrics``) as it arrives, in a run that
  finished or in one still running (a live view redrawn in place, ``ui.live.show_live``):
  ``redraws`` lists (client time, numbers) and ``on_redraw`` is called for each; the pace
  lines the page writes ("the picture refreshes every 1.5 s") are kept in ``pace_lines``, with
  an empty text when another element replaces one (the server is no longer busy).

Usage::

    c = StClient("http://127.0.0.1:8501")
    await c.connect()
    run = await c.load_page("train", "train_seed=3")      # waits for script_finished
    await c.click("train__play")                           # returns the full run
    ...                                                    # auto-reruns follow on their own
    c.metric("Step")                                       # -> "1,230"
    await c.close()
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "success",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile_error",
    ForwardMsg.FINISHED_EARLY_FOR_RERUN: "early_for_rerun",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "fragment_success",
}
ERROR_ALERT = 1  # Alert.Format.ERROR
FRIENDLY_ERROR = "Something went wrong"  # ui.guard's message for an unexpected exception
PACE_LINE = "the picture refreshes every"  # ui.live.pace_line, when the server is busy

CHART_METRIC = '"metric:'  # a chart's number: an annotation named "metric:<label>"


def chart_metrics(spec: str) -> dict[str, str]:
    """The numbers a Plotly chart's JSON shows as named annotations: {label: text}. The same
    reading as ``embedviz.figures.training.chart_numbers``, kept here so that the client
    imports nothing of the app (like the browser, it only reads what the server sends)."""
    if CHART_METRIC not in spec:
        return {}
    notes = json.loads(spec).get("layout", {}).get("annotations", [])
    return {a["name"][len("metric:"):]: a.get("text", "") for a in notes
            if str(a.get("name", "")).startswith("metric:")}


# Element types that hold a widget value (the frontend's widgets that call widgetMgr.set*).
TRIGGER_WIDGETS = {"button", "download_button"}


@dataclass
class Run:
    """One script run as the client saw it: started by new_session, ended by script_finished."""

    run_id: str
    fragment_ids: tuple[str, ...]
    started: float  # client clock (time.monotonic) when new_session arrived
    finished: float | None = None
    status: str | None = None
    n_deltas: int = 0
    metrics: dict[str, str] = field(default_factory=dict)  # label -> body, this run's output

    @property
    def is_fragment(self) -> bool:
        return bool(self.fragment_ids)

    @property
    def delivered(self) -> bool:
        """Finished successfully and its output arrived (deltas were received)."""
        return self.status in ("success", "fragment_success") and self.n_deltas > 0


@dataclass
class Node:
    """An element or block on the client's page, by delta path."""

    run_id: str
    fragment_id: str
    kind: str  # element type ("metric", "button", ...) or "block"
    element: object | None = None  # the Element proto, kept for widgets, metrics and alerts


def _widget_id(el) -> str | None:
    kind = el.WhichOneof("type")
    inner = getattr(el, kind, None)
    return getattr(inner, "id", None) or None


def _has(msg, name: str) -> bool:
    """HasField for optional fields; plain proto3 scalars always count as present."""
    try:
        return msg.HasField(name)
    except ValueError:
        return True


def widget_state_from_element(el, held: WidgetState | None) -> WidgetState | None:
    """The WidgetState the browser keeps for a widget element (None: it keeps none).

    Mirrors the widgets of the frontend: the server's value when it sets one (set_value),
    else the value already held, else the default. Option widgets hold the option's text
    (the server sends the formatted options), sliders with options hold their texts."""
    kind = el.WhichOneof("type")
    w = getattr(el, kind)
    if kind in TRIGGER_WIDGETS or not getattr(w, "id", ""):
        return None
    set_value = getattr(w, "set_value", False)
    if held is not None and not set_value:
        return held
    s = WidgetState(id=w.id)
    if kind == "checkbox":
        s.bool_value = w.value if set_value else w.default
    elif kind == "number_input":
        has = _has(w, "value") if set_value else _has(w, "default")
        if has:
            v = w.value if set_value else w.default
            if w.data_type == type(w).INT:
                s.int_value = int(v)
            else:
                s.double_value = v
    elif kind in ("selectbox", "radio"):
        if set_value and _has(w, "raw_value"):
            s.string_value = w.raw_value
        elif not set_value and _has(w, "default") and 0 <= w.default < len(w.options):
            s.string_value = w.options[w.default]
    elif kind == "slider":
        if len(w.options):  # select_slider: the texts of the chosen options
            vals = list(w.raw_value) if set_value else [w.options[int(i)] for i in w.default]
            s.string_array_value.data.extend(vals)
        else:
            s.double_array_value.data.extend(list(w.value) if set_value else list(w.default))
    elif kind in ("text_input", "text_area"):
        if set_value and _has(w, "value"):
            s.string_value = w.value
        elif not set_value and _has(w, "default"):
            s.string_value = w.default
    elif kind == "multiselect":
        vals = list(w.raw_values) if set_value else [w.options[i] for i in w.default]
        s.string_array_value.data.extend(vals)
    elif kind == "color_picker":
        s.string_value = w.value if set_value else w.default
    else:
        return None  # a widget this client does not model: the server keeps its value
    return s


class StClient:
    """One simulated browser tab: see the module docstring."""

    def __init__(self, base_url: str, name: str = "", *, follow_auto_rerun: bool = True,
                 on_run_finished: Callable[[StClient, Run], None] | None = None,
                 on_rerun_sent: Callable[[StClient, BackMsg], None] | None = None,
                 on_redraw: Callable[[StClient, float, dict[str, str]], None] | None = None):
        parts = urlsplit(base_url if "://" in base_url else f"http://{base_url}")
        scheme = "wss" if parts.scheme == "https" else "ws"
        self.base_path = parts.path.rstrip("/")
        self.ws_url = f"{scheme}://{parts.netloc}{self.base_path}/_stcore/stream"
        self.page_url = f"{parts.scheme}://{parts.netloc}{self.base_path}"
        self.name = name
        self.follow_auto_rerun = follow_auto_rerun
        self.on_run_finished = on_run_finished
        self.on_rerun_sent = on_rerun_sent
        self.on_redraw = on_redraw
        self.redraws: list[tuple[float, dict[str, str]]] = []  # (time, a chart's numbers)
        self.pace_lines: list[tuple[float, str]] = []  # (time, text) of the busy-server line
        self.elements_in: Counter[str] = Counter()  # new elements received, by kind
        self.charts_in: list[tuple[float, str]] = []  # (time, element id) of every chart
        self._pace_paths: set[tuple[int, ...]] = set()  # where pace lines were drawn
        self.ws = None
        self.page_name = ""
        self.page_script_hash = ""
        self.app_pages: dict[str, str] = {}  # page script hash -> url path
        self.query_string = ""
        self.widgets: dict[str, WidgetState] = {}  # id -> value, the WidgetStateManager
        self.nodes: dict[tuple[int, ...], Node] = {}
        self.cache: dict[str, list] = {}  # hash -> [serialized msg, run count, fragment id]
        self.cache_runs = 0
        self.max_cached_message_age = 2
        self.timers: dict[str, tuple[float, asyncio.Task]] = {}  # fragment id -> timer
        self.intervals_seen: set[float] = set()
        self.auto_rerun_msgs: list[tuple[float, float]] = []  # (time, interval) received
        self.runs: list[Run] = []
        self.run: Run | None = None  # the run in progress (last new_session)
        self.errors: list[str] = []
        self.notes: list[str] = []  # error alerts that are the app's own (e.g. divergence)
        self.reruns_sent = 0
        self.fragment_reruns_sent: list[float] = []  # times of auto-rerun requests
        self.bytes_in = 0
        self.msgs_in = 0
        self._finished = asyncio.Event()
        self._reader: asyncio.Task | None = None
        self.closed = False

    # -- connection ----------------------------------------------------------------------
    async def connect(self, timeout: float = 30) -> None:
        self.ws = await websockets.connect(
            self.ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=timeout,
            compression=None, ping_interval=None)
        self._reader = asyncio.create_task(self._read_loop(), name=f"read-{self.name}")

    async def close(self) -> None:
        self.closed = True
        for _, task in self.timers.values():
            task.cancel()
        self.timers.clear()
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass

    # -- what the student does -----------------------------------------------------------
    async def load_page(self, page_name: str, query_string: str = "",
                        timeout: float = 120) -> Run:
        """The first rerun of a tab opened at /<page_name>?<query_string>."""
        self.page_name, self.query_string = page_name, query_string
        self.page_script_hash = ""
        return await self._rerun_and_wait(self._rerun_msg(), timeout)

    async def click(self, key: str, timeout: float = 120, wait: bool = True) -> Run | None:
        """Press the button whose widget id ends with ``-<key>`` (a full rerun, or a fragment
        rerun when the button is inside a fragment)."""
        wid, node = self.find_widget(key)
        if node.kind not in TRIGGER_WIDGETS:
            raise ValueError(f"{key} is a {node.kind}, not a button")
        trigger = WidgetState(id=wid, trigger_value=True)
        msg = self._rerun_msg(extra=[trigger], fragment_id=node.fragment_id or "")
        return await self._rerun_and_wait(msg, timeout) if wait else self._send(msg)

    async def set_widget(self, key: str, state_fn: Callable[[WidgetState], None],
                         timeout: float = 120, wait: bool = True) -> Run | None:
        """Change a widget's value as a student would (``state_fn`` edits its WidgetState)."""
        wid, node = self.find_widget(key)
        s = WidgetState(id=wid)
        state_fn(s)
        self.widgets[wid] = s
        self._bind_to_url(node.element, s)
        msg = self._rerun_msg(fragment_id=node.fragment_id or "")
        return await self._rerun_and_wait(msg, timeout) if wait else self._send(msg)

    def _bind_to_url(self, el, s: WidgetState) -> None:
        """WidgetStateManager's query-param binding: a bound widget's new value goes into the
        address bar (and so into the query_string of later reruns); its default leaves it."""
        w = getattr(el, el.WhichOneof("type"))
        param = getattr(w, "query_param_key", "")
        if not param:
            return
        which = s.WhichOneof("value")
        value = getattr(s, which) if which else None
        if hasattr(value, "data"):
            value = ",".join(str(v) for v in value.data)
        plain = type(el)()
        plain.CopyFrom(el)
        if hasattr(getattr(plain, plain.WhichOneof("type")), "set_value"):
            getattr(plain, plain.WhichOneof("type")).set_value = False
        default = widget_state_from_element(plain, None)
        dwhich = default.WhichOneof("value") if default is not None else None
        dvalue = getattr(default, dwhich) if dwhich else None
        if hasattr(dvalue, "data"):
            dvalue = ",".join(str(v) for v in dvalue.data)
        pairs = [kv for kv in parse_qsl(self.query_string, keep_blank_values=True)
                 if kv[0] != param]
        if value is not None and value != dvalue:
            pairs.append((param, str(value)))
        self.query_string = urlencode(pairs)

    # -- reading the page ----------------------------------------------------------------
    def find_widget(self, key: str) -> tuple[str, Node]:
        for node in self.nodes.values():
            if node.element is None:
                continue
            wid = _widget_id(node.element)
            if wid and (wid.endswith(f"-{key}") or wid == key):
                return wid, node
        raise KeyError(f"no widget with key {key!r} on the page")

    def elements(self, kind: str | None = None) -> list:
        return [n.element for n in self.nodes.values()
                if n.element is not None and (kind is None or n.kind == kind)]

    def metric(self, label: str) -> str | None:
        """The value of the ``st.metric`` called ``label``, or of a chart's number of that
        label (an annotation named ``metric:<label>``, ``embedviz.figures.training``)."""
        for el in self.elements("metric"):
            if el.metric.label == label:
                return el.metric.body
        for el in self.elements("plotly_chart"):
            found = chart_metrics(el.plotly_chart.spec).get(label)
            if found is not None:
                return found
        return None

    def widget_value(self, key: str):
        """The value this client holds for a widget (as sent in widget_states)."""
        wid, _ = self.find_widget(key)
        s = self.widgets.get(wid)
        if s is None or s.WhichOneof("value") is None:
            return None
        v = getattr(s, s.WhichOneof("value"))
        return list(v.data) if hasattr(v, "data") else v

    def label_of(self, key: str) -> str:
        _, node = self.find_widget(key)
        kind = node.element.WhichOneof("type")
        return getattr(node.element, kind).label

    # -- messages out --------------------------------------------------------------------
    def _rerun_msg(self, extra: list[WidgetState] = (), fragment_id: str = "",
                   auto: bool = False) -> BackMsg:
        msg = BackMsg()
        rs = msg.rerun_script
        rs.query_string = self.query_string
        if self.page_script_hash:
            rs.page_script_hash = self.page_script_hash
        else:
            rs.page_name = self.page_name
        states = {s.id: s for s in self.widgets.values()}
        states.update({s.id: s for s in extra})
        if states or self.page_script_hash:
            rs.widget_states.widgets.extend(states.values())
        if fragment_id:
            rs.fragment_id = fragment_id
        if auto:
            rs.is_auto_rerun = True
        rs.cached_message_hashes.extend(self.cache.keys())
        ci = rs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
        ci.url = f"{self.page_url}/{self.page_name}"
        ci.is_embedded, ci.color_scheme = False, "light"
        return msg

    def _send(self, msg: BackMsg) -> None:
        if self.closed or self.ws is None:
            return
        self.reruns_sent += 1
        if self.on_rerun_sent:
            self.on_rerun_sent(self, msg)
        asyncio.ensure_future(self._send_bytes(msg.SerializeToString()))

    async def _send_bytes(self, data: bytes) -> None:
        try:
            await self.ws.send(data)
        except websockets.ConnectionClosed as exc:
            if not self.closed:
                self.errors.append(f"send on closed websocket: {exc}")

    async def _rerun_and_wait(self, msg: BackMsg, timeout: float) -> Run:
        self._finished.clear()
        n_before = len(self.runs)
        self._send(msg)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.name}: no script_finished within {timeout} s")
            await asyncio.wait_for(self._finished.wait(), left)
            self._finished.clear()
            done = [r for r in self.runs[n_before:] if r.finished is not None
                    and not r.is_fragment and r.status != "early_for_rerun"]
            if done:
                return done[-1]

    def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        """App.handleAutoRerun: setInterval(sendUpdateWidgetsMessage(fragmentId, true))."""
        self.intervals_seen.add(interval)
        self.auto_rerun_msgs.append((time.monotonic(), interval))
        held = self.timers.get(fragment_id)
        if held is not None and held[0] == interval:
            return
        self._cancel_timer(fragment_id)
        task = asyncio.ensure_future(self._timer(fragment_id, interval))
        self.timers[fragment_id] = (interval, task)

    async def _timer(self, fragment_id: str, interval: float) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + interval
        while not self.closed:
            await asyncio.sleep(max(0.0, due - loop.time()))
            self.fragment_reruns_sent.append(time.monotonic())
            self._send(self._rerun_msg(fragment_id=fragment_id, auto=True))
            due += interval
            if due < loop.time():  # a late timer fires once, not in a burst
                due = loop.time() + interval

    def _cancel_timer(self, fragment_id: str) -> None:
        held = self.timers.pop(fragment_id, None)
        if held is not None:
            held[1].cancel()

    def stop_auto_reruns(self) -> None:
        for fid in list(self.timers):
            self._cancel_timer(fid)

    # -- messages in ---------------------------------------------------------------------
    async def _read_loop(self) -> None:
        try:
            async for data in self.ws:
                self.bytes_in += len(data)
                self.msgs_in += 1
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg, data)
        except websockets.ConnectionClosed as exc:
            if not self.closed:
                self.errors.append(f"websocket closed by the server: {exc}")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug here must show, not hang the bench
            self.errors.append(f"client error: {type(exc).__name__}: {exc}")
        finally:
            self._finished.set()

    def _handle(self, msg: ForwardMsg, data: bytes) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(msg.ref_hash)
            if cached is None:
                self.errors.append(f"forward-message cache miss {msg.ref_hash}")
                return
            cached[1] = self.cache_runs
            full = ForwardMsg()
            full.ParseFromString(cached[0])
            full.metadata.CopyFrom(msg.metadata)
            msg, kind = full, full.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash and msg.hash not in self.cache:
            self.cache[msg.hash] = [data, self.cache_runs, msg.delta.fragment_id]

        if kind == "delta":
            self._handle_delta(msg)
        elif kind == "new_session":
            self._new_session(msg)
        elif kind == "script_finished":
            self._script_finished(msg)
        elif kind == "auto_rerun":
            if self.follow_auto_rerun:
                self._auto_rerun(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                self._cancel_timer(fid)
        elif kind == "navigation":  # AppNavigation.handleNavigation: the page now shown
            self.page_script_hash = msg.navigation.page_script_hash
            self.app_pages = {p.page_script_hash: p.url_pathname
                              for p in msg.navigation.app_pages}
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "session_event":
            ev = msg.session_event
            which = ev.WhichOneof("type")
            if which == "script_compilation_exception":
                self.errors.append("script compilation exception: "
                                   f"{ev.script_compilation_exception.message}")
        elif kind == "page_not_found":
            self.errors.append(f"page not found: {msg.page_not_found.page_name}")

    def _new_session(self, msg: ForwardMsg) -> None:
        ns = msg.new_session
        run = Run(msg.metadata.run.script_run_id, tuple(msg.metadata.run.fragment_ids),
                  time.monotonic())
        self.runs.append(run)
        self.run = run
        if not run.is_fragment:
            self.stop_auto_reruns()  # App.handleNewSession -> cleanupAutoReruns
            if ns.page_script_hash and ns.page_script_hash != ns.main_script_hash:
                self.page_script_hash = ns.page_script_hash  # an app without st.navigation
            if ns.HasField("config"):
                self.max_cached_message_age = ns.config.max_cached_message_age or 2

    def _handle_delta(self, msg: ForwardMsg) -> None:
        run = self.run
        if run is None:
            return
        run.n_deltas += 1
        d = msg.delta
        path = tuple(msg.metadata.delta_path)
        which = d.WhichOneof("type")
        if which == "new_element":
            el = d.new_element
            kind = el.WhichOneof("type")
            self.elements_in[kind] += 1
            if kind == "plotly_chart":
                self.charts_in.append((time.monotonic(), el.plotly_chart.id))
            keep = None
            if kind == "metric":
                run.metrics[el.metric.label] = el.metric.body
                keep = el
            elif kind == "plotly_chart" and CHART_METRIC in el.plotly_chart.spec:
                numbers = chart_metrics(el.plotly_chart.spec)
                run.metrics.update(numbers)
                keep = el
                now = time.monotonic()
                self.redraws.append((now, numbers))
                if self.on_redraw:
                    self.on_redraw(self, now, numbers)
            elif kind == "markdown" and PACE_LINE in el.markdown.body:
                self.pace_lines.append((time.monotonic(), el.markdown.body))
                self._pace_paths.add(path)
            if path in self._pace_paths and not (kind == "markdown" and PACE_LINE in el.markdown.body):
                self.pace_lines.append((time.monotonic(), ""))  # the line went: not busy
            elif kind == "exception":
                self.errors.append(f"exception: {el.exception.type}: {el.exception.message}")
            elif kind == "alert" and el.alert.format == ERROR_ALERT:
                text = el.alert.body
                (self.errors if FRIENDLY_ERROR in text else self.notes).append(text[:200])
                keep = el
            elif _widget_id(el):
                keep = el
                wid = _widget_id(el)
                state = widget_state_from_element(el, self.widgets.get(wid))
                if state is not None:
                    self.widgets[wid] = state
            self.nodes[path] = Node(run.run_id, d.fragment_id, kind, keep)
        elif which == "add_block":
            self.nodes[path] = Node(run.run_id, d.fragment_id, "block")
        # arrow_add_rows and others: the element stays where it is

    def _script_finished(self, msg: ForwardMsg) -> None:
        status = FINISHED.get(msg.script_finished, str(msg.script_finished))
        rid = msg.metadata.run.script_run_id
        run = next((r for r in reversed(self.runs) if r.run_id == rid), self.run) if rid \
            else self.run
        if run is None:
            return
        run.finished, run.status = time.monotonic(), status
        if status in ("success", "fragment_success"):
            self._clear_stale(run)
        if status != "early_for_rerun":
            self._age_cache(run.fragment_ids)
        if self.on_run_finished:
            self.on_run_finished(self, run)
        self._finished.set()

    def _clear_stale(self, run: Run) -> None:
        """ElementTree.clearStaleNodes + WidgetStateManager.removeInactive."""
        frags = set(run.fragment_ids)
        if frags:
            stale = [p for p, n in self.nodes.items()
                     if n.fragment_id in frags and n.run_id != run.run_id]
        else:
            stale = [p for p, n in self.nodes.items() if n.run_id != run.run_id]
        for p in stale:
            del self.nodes[p]
        active = {_widget_id(n.element) for n in self.nodes.values() if n.element is not None}
        for wid in [w for w in self.widgets if w not in active]:
            del self.widgets[wid]

    def _age_cache(self, fragment_ids: tuple[str, ...]) -> None:
        """ForwardMsgCache.incrementRunCount."""
        self.cache_runs += 1
        for h, (_, runs, frag) in list(self.cache.items()):
            if fragment_ids and (not frag or frag not in fragment_ids):
                continue
            if self.cache_runs - runs > self.max_cached_message_age:
                del self.cache[h]

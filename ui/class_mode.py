"""Class mode (issue #29, ``docs/class-mode.md``): the teacher sees the class.

The teacher starts a class in the sidebar (a join code, a join link, a QR code, a private
teacher link); students join with the code and a nickname. While a class is on, every
predict-then-reveal question (``ui.quiz``) is a class poll (:func:`class_poll`), the teacher
can bring everyone to the current view, pause every student's Play, and run a race on
lesson 3. The state lives in ``server.classes`` over ``server.store``; this module only draws.

Hooks, each one line where it is called (so they can be re-hooked when a page changes):
- ``app.py``: :func:`sidebar` in the sidebar, :func:`top_of_page` above the page;
- ``ui.quiz.predict_then_reveal``: :func:`class_poll` (None when no class is on);
- ``ui.live.train_tick``: :func:`play_allowed` (a paused class stops Play);
- ``lessons/3_train_live.py``'s live view: :func:`report_progress` (the race).

Cost: a student's page follows the class with a fragment that reads one key every
``FOLLOW_SECONDS`` s and reruns the page only when something it shows changed; the teacher's
poll and race boards read their hash every ``BOARD_SECONDS`` s (``bench/class_poll.py``).
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable, Sequence
from urllib.parse import urlencode, urlsplit

import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from server.classes import CODE_LENGTH, RACE_TARGET, ClassError, Classes, Member
from server.store import StoreDown, default_store
from ui.text import md_escape

FOLLOW_SECONDS = 2.0  # a student's page looks at the class's state this often
BOARD_SECONDS = 1.0  # the teacher's poll board is redrawn this often
STATE_MAX_AGE = 1.0  # s: a page run and Play's ticks reuse the state read this recently
REPORT_EVERY = 1.0  # s between two race reports of one student
URL_CLASS, URL_TEACHER = "class", "teacher"  # the join link's and the teacher link's params
NOT_A_SETTING = {"lock", "allow", "present", URL_CLASS, URL_TEACHER}  # never "brought"
STORE_DOWN = ("Class mode is unavailable: the class store cannot be reached. The lessons work "
              "as usual; answers are not collected until it is back.")

state = st.session_state


def _classes() -> Classes:
    return Classes(default_store())


def _role() -> str | None:
    return state.get("class__role")


def _down(error: Exception) -> None:
    state["class__down"] = STORE_DOWN if isinstance(error, StoreDown) else str(error)


def _class_state(max_age: float = STATE_MAX_AGE) -> dict | None:
    """The class's shared state (one key read, reused for ``max_age`` s), or None when no
    class is on, the store is down, or the class ended (then this session leaves it)."""
    if _role() is None:
        return None
    cached = state.get("class__state")
    if cached is not None and time.monotonic() - state.get("class__state_at", 0) < max_age:
        return cached
    try:
        shared = _classes().state(state["class__code"])
    except StoreDown as e:
        _down(e)
        return None
    state.pop("class__down", None)
    if shared is None:
        _leave("The class has ended.")
        return None
    state["class__state"], state["class__state_at"] = shared, time.monotonic()
    return shared


def _leave(message: str = "") -> None:
    for k in [k for k in state if str(k).startswith("class__") and k != "class__names"]:
        del state[k]
    if message:
        state["class__message"] = message


def _session_id() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def _base_url() -> str:
    """The app's address as the browser sees it (for the join link and the QR code)."""
    parts = urlsplit(st.context.url or "")
    base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else "http://localhost:8501"
    path = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{base}/{path}" if path else base


def join_link(code: str) -> str:
    return f"{_base_url()}/?{urlencode({URL_CLASS: code})}"


def qr_png(text: str) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=8, border=2)
    return out.getvalue()


# ---- the sidebar -------------------------------------------------------------------------
def sidebar() -> None:
    """Start or join a class; the teacher's controls; a student's class. A full run of the
    page reads the class's state here, once (:func:`top_of_page` and the page reuse it)."""
    _from_url()
    _class_state(max_age=0)
    with st.expander("Class mode", icon=":material/groups:", expanded=_role() is not None
                     or bool(state.get("class__join_code"))):
        if msg := state.pop("class__message", ""):
            st.info(msg)
        if state.get("class__down"):
            st.warning(state["class__down"])
        if _role() == "teacher":
            _teacher_panel()
        elif _role() == "student":
            member: Member = state["class__member"]
            st.text(f"In class {member.code} as {member.nickname}")
            st.button("Leave the class", key="class__leave_btn", on_click=_leave)
        else:
            _start_or_join()


def _from_url() -> None:
    """A join link (``?class=CODE``) fills in the code; a teacher link also has the token.
    Both are taken out of the URL (the token must not stay in the address bar)."""
    code = st.query_params.get(URL_CLASS)
    token = st.query_params.get(URL_TEACHER)
    if code is None and token is None:
        return
    for k in (URL_CLASS, URL_TEACHER):
        if k in st.query_params:
            del st.query_params[k]
    code = str(code or "").strip().upper()[:CODE_LENGTH * 2]
    if token:
        try:
            ok = _classes().is_teacher(code, token)
        except StoreDown as e:
            return _down(e)
        if ok:
            _leave()
            state.update({"class__role": "teacher", "class__code": code, "class__token": token})
            return
        state["class__message"] = "This teacher link is not valid (or the class has ended)."
    if _role() is None:
        state["class__join_code"] = code


def _start_or_join() -> None:
    st.caption("A teacher starts a class; students join with its code.")
    st.button("Start a class", key="class__start", icon=":material/co_present:",
              on_click=_start)
    st.text_input("Join code", key="class__join_code", max_chars=CODE_LENGTH * 2,
                  placeholder="e.g. K7PX3M")
    st.text_input("Nickname (optional)", key="class__join_name", max_chars=60,
                  placeholder="blank: student 7")
    st.button("Join", key="class__join", on_click=_join,
              disabled=not state.get("class__join_code"))


def _start() -> None:
    try:
        code, token = _classes().start()
    except (StoreDown, ClassError) as e:
        return _down(e)
    state.update({"class__role": "teacher", "class__code": code, "class__token": token,
                  "class__show_join": True})


def _join() -> None:
    try:
        member = _classes().join(
            state.get("class__join_code", ""), state.get("class__join_name", ""),
            address=str(st.context.ip_address or "unknown"), session=_session_id())
    except StoreDown as e:
        return _down(e)
    except ClassError as e:
        state["class__message"] = str(e)
        return
    state.update({"class__role": "student", "class__code": member.code,
                  "class__member": member})
    shared = _class_state(max_age=0)
    if shared is not None:  # a student who joins late does not go back to an old "bring"
        state["class__bring_seq"] = shared["bring"]["seq"]


def _teacher_panel() -> None:
    code, token = state["class__code"], state["class__token"]
    shared = _class_state()
    if shared is None:
        return
    st.markdown(f"**Class {code}**")
    _members_line()
    st.toggle("Show the join code on the page", key="class__show_join")
    st.toggle("Show names", key="class__names", value=False,
              help="Names are hidden by default on the projector.")
    b1, b2 = st.columns(2)
    b1.button("Bring everyone here", key="class__bring", on_click=_act, args=("bring",),
              help="Every student's page follows you to this lesson and its settings.")
    paused = shared["paused"]
    b2.button("Resume the class" if paused else "Pause the class", key="class__pause",
              on_click=_act, args=("pause", not paused),
              help="Stops every student's Play; their pages say why.")
    race_on = shared["race"]["on"]
    st.button("Stop the race" if race_on else "Race on lesson 3", key="class__race",
              on_click=_act, args=("race", not race_on),
              help="Brings everyone to lesson 3; each student trains with their own "
                   "settings; you see each one's step and neighbour accuracy.")
    with st.expander("Private teacher link"):
        st.caption("Opens this class as its teacher, on another device. Keep it private.")
        st.code(f"{_base_url()}/?{urlencode({URL_CLASS: code, URL_TEACHER: token})}",
                language=None, wrap_lines=True)
    st.button("End the class", key="class__end", on_click=_act, args=("end",),
              icon=":material/logout:", help="Everything about the class is deleted now.")


@st.fragment(run_every=3.0)
def _members_line() -> None:
    try:
        names = list(_classes().members(state["class__code"]).values())
    except StoreDown as e:
        _down(e)
        return
    st.caption(f"{len(names)} joined")
    if names and state.get("class__names"):
        st.text("\n".join(sorted(names, key=str.lower)))  # as text: never Markdown or HTML


def _act(action: str, *args) -> None:
    """A teacher's button: the action on the class, with this session's token."""
    classes, code, token = _classes(), state.get("class__code"), state.get("class__token")
    try:
        if action == "bring":
            classes.bring(code, token, state.get("_current_url_path", ""), _view_settings())
        elif action == "pause":
            classes.pause(code, token, *args)
        elif action == "race":
            classes.race(code, token, *args)
            if args[0]:
                classes.bring(code, token, "train", {})
        elif action == "end":
            classes.end(code, token)
            _leave("The class has ended; nothing about it is kept.")
            return
        elif action == "reveal":
            classes.reveal(code, token, *args)
        elif action == "reset":
            classes.reset(code, token, *args)
    except StoreDown as e:
        return _down(e)
    except ClassError as e:
        state["class__message"] = str(e)
    state.pop("class__state", None)  # read it afresh


def _view_settings() -> dict[str, str]:
    return {k: v for k, v in st.query_params.to_dict().items() if k not in NOT_A_SETTING}


# ---- above the page ----------------------------------------------------------------------
def top_of_page() -> None:
    """Above every page: the class's messages, the teacher's join screen and race board, and
    a student's page following the class (``_follow``)."""
    if _role() is None:
        return
    shared = _class_state()  # read by :func:`sidebar` in this run
    if state.get("class__down"):
        st.warning(state["class__down"])
    if shared is None:
        return
    if _role() == "teacher":
        if state.get("class__show_join"):
            _join_screen()
        if shared["race"]["on"] or (shared["race"]["seq"]
                                    and state.get("_current_url_path") == "train"):
            _race_board()
        return
    _follow_bring(shared)
    state["class__seen"] = shared
    state["class__page_keys"] = []  # the page's polls add their keys as it runs
    allowed, why = play_allowed()
    if not allowed:
        st.warning(why, icon=":material/pause_circle:")
    if shared["race"]["on"]:
        st.info("Class race on lesson 3: train with your own settings; your teacher sees your "
                f"step and {RACE_TARGET:.0%} neighbour accuracy.", icon=":material/flag:")
    _follow()


def _what_a_page_shows(shared: dict, keys: list[str]) -> tuple:
    return (shared["paused"], shared["race"]["on"], shared["bring"]["seq"],
            tuple(repr(shared["polls"].get(k)) for k in keys))


@st.fragment(run_every=FOLLOW_SECONDS)
def _follow() -> None:
    """A student's page, every ``FOLLOW_SECONDS`` s: one key read; the page runs again only
    when what it shows changed (a reveal, a pause, "bring everyone")."""
    if _role() != "student" or st.session_state.get("class__page_keys") is None:
        return
    shared = _class_state(max_age=0)
    if shared is None:
        st.rerun(scope="app")  # the class ended or the store is down: the page says so
    keys, seen = state["class__page_keys"], state.get("class__seen") or shared
    if _what_a_page_shows(shared, keys) != _what_a_page_shows(seen, keys):
        st.rerun(scope="app")


def _follow_bring(shared: dict) -> None:
    bring = shared["bring"]
    if bring["seq"] <= state.get("class__bring_seq", 0):
        return
    state["class__bring_seq"] = bring["seq"]
    pages = list(state.get("_lessons", []))
    page = next((p for p in pages if p.url_path == bring["page"]), None)
    for k in bring["query"]:  # the page's widgets take the teacher's values from the URL
        state.pop(k, None)
    st.switch_page(page or "lessons/0_home.py", query_params=bring["query"])


def _join_screen() -> None:
    code = state["class__code"]
    link = join_link(code)
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        st.markdown(f"# Join code: {code}")
        st.markdown("Open the link (or scan the code) and type a nickname:")
        st.code(link, language=None)
    right.image(qr_png(link), width=260, caption="Scan to join")


def play_allowed() -> tuple[bool, str]:
    """Whether this session may play a live view now, and why not: the teacher paused the
    class, or is bringing everyone to another page. The state read is reused for a second."""
    if _role() != "student":
        return True, ""
    shared = _class_state()
    if shared is None:
        return True, ""
    if shared["paused"]:
        return False, "Your teacher has paused the class: Play is off until they resume."
    if shared["bring"]["seq"] > state.get("class__bring_seq", 0):
        return False, "Your teacher is bringing the class to another page."
    return True, ""


def report_progress(lesson: str, step: int, accuracy: float, settings: dict) -> None:
    """A student's live training on lesson 3 (the race): at most every ``REPORT_EVERY`` s,
    and only while the teacher runs a race."""
    if _role() != "student" or lesson != "train":
        return
    now = time.monotonic()
    if now - state.get("class__reported_at", 0.0) < REPORT_EVERY:
        return
    shared = _class_state()
    if shared is None or not shared["race"]["on"]:
        return
    state["class__reported_at"] = now
    try:
        state["class__race_last"] = _classes().report(
            state["class__member"], step, accuracy, settings, state.get("class__race_last"))
    except (StoreDown, ClassError) as e:
        _down(e)


# ---- polls -------------------------------------------------------------------------------
def _labels(choice, multi: bool, format_func: Callable):
    if multi:
        return sorted(str(format_func(x)) for x in (choice or []))
    return None if choice is None else str(format_func(choice))


def class_poll(key: str, question: str, options: Sequence, correct, explanation: str, *,
               multi: bool, format_func: Callable, verdict: Callable) -> bool | None:
    """``ui.quiz.predict_then_reveal`` while a class is on: the question as a class poll.
    Returns whether it is revealed, or None when no class is on (the quiz asks as usual)."""
    shared = _class_state()
    if shared is None:
        return None
    poll = shared["polls"].get(key, {"round": 0, "revealed": False})
    version = hashlib.sha256(repr((question, list(map(str, options)), str(correct)))
                             .encode()).hexdigest()[:16]
    if _role() == "teacher":
        return _teacher_poll(key, question, options, correct, explanation, poll, version,
                             multi=multi, format_func=format_func, verdict=verdict)
    keys = state.setdefault("class__page_keys", [])
    if key not in keys:
        keys.append(key)
    if state.get(f"{key}__class_round") != poll["round"]:  # a new round: nothing picked
        state[f"{key}__class_round"] = poll["round"]
        state[f"{key}__choice"] = [] if multi else None
        state.pop(f"{key}__class_answered", None)
    answered = state.get(f"{key}__class_answered")
    revealed = poll["revealed"]
    with st.container(border=True):
        st.markdown(f"**Class poll: predict, then wait for the reveal.** {question}")
        if multi:
            choice = st.multiselect("Your prediction", options, key=f"{key}__choice",
                                    disabled=bool(answered) or revealed,
                                    format_func=format_func, select_all=False,
                                    placeholder="Pick every answer you expect")
        else:
            choice = st.radio("Your prediction", options, index=None, key=f"{key}__choice",
                              disabled=bool(answered) or revealed, format_func=format_func,
                              horizontal=len(options) <= 5)
        if revealed:
            if answered:
                verdict(choice, correct, multi, format_func)
            else:
                st.info("Your teacher revealed the answer before you sent yours. "
                        + _answer_line(correct, multi, format_func))
            st.markdown(explanation)
        elif answered:
            st.info("Your answer is in. Your teacher reveals the answer for everyone.",
                    icon=":material/how_to_vote:")
        else:
            st.button("Send my answer", key=f"{key}__send", type="primary",
                      disabled=not choice, on_click=_send,
                      args=(key, poll["round"], version, _labels(choice, multi, format_func)))
    return revealed


def _send(key: str, round_: int, version: str, answer) -> None:
    try:
        _classes().answer(state["class__member"], key, round_, version, answer)
        state[f"{key}__class_answered"] = True
    except StoreDown as e:
        _down(e)
    except ClassError as e:
        state["class__message"] = str(e)


def _teacher_poll(key, question, options, correct, explanation, poll, version, *, multi,
                  format_func, verdict) -> bool:
    revealed = poll["revealed"]
    with st.container(border=True):
        st.markdown(f"**Class poll.** {question}")
        _poll_board(key, poll["round"], version, [str(format_func(o)) for o in options],
                    multi)
        left, right = st.columns(2)
        left.button("Reveal for everyone", key=f"{key}__class_reveal", type="primary",
                    disabled=revealed, on_click=_act, args=("reveal", key))
        right.button("Reset and ask again", key=f"{key}__class_reset", on_click=_act,
                     args=("reset", key))
        if revealed:
            st.success(_answer_line(correct, multi, format_func))
            st.markdown(explanation)
    return revealed


def _answer_line(correct, multi: bool, format_func: Callable) -> str:
    right = sorted(correct) if multi else [correct]
    return "The answer: " + ", ".join(md_escape(str(format_func(x))) for x in right) + "."


def poll_counts(answers: dict[str, dict], version: str, labels: list[str],
                multi: bool) -> tuple[list[int], int, int]:
    """Per option, how many of the answers to this version picked it; how many answered
    this version; how many answered another version (other settings, another question)."""
    same = [a["a"] for a in answers.values() if a.get("q") == version]
    counts = [sum((label in a) if multi else (a == label) for a in same) for label in labels]
    return counts, len(same), len(answers) - len(same)


def poll_figure(labels: list[str], counts: list[int]) -> go.Figure:
    """The spread of answers: one horizontal bar per option, its count written on it."""
    fig = go.Figure(go.Bar(x=counts, y=labels, orientation="h", text=counts,
                           textposition="auto", marker_color="#0072B2",
                           textfont={"size": 20}, hoverinfo="skip"))
    fig.update_layout(height=max(180, 60 + 48 * len(labels)), margin=dict(l=10, r=10, t=10, b=30),
                      font={"size": 18}, xaxis={"dtick": 1 if max(counts, default=0) < 10 else None,
                                                "rangemode": "tozero", "title": None},
                      yaxis={"autorange": "reversed", "automargin": True,
                             "type": "category"})  # "48" is an option, not a number
    return fig


@st.fragment(run_every=BOARD_SECONDS)
def _poll_board(key: str, round_: int, version: str, labels: list[str], multi: bool) -> None:
    try:
        answers = _classes().answers(state["class__code"], key, round_)
        members = _classes().members(state["class__code"])
    except StoreDown as e:
        _down(e)
        st.warning(STORE_DOWN)
        return
    counts, answered, other = poll_counts(answers, version, labels, multi)
    line = f"{answered} of {len(members)} students answered"
    if other:
        line += (f"; {other} answered another version of this question (other settings: "
                 "**Bring everyone here** gives them yours)")
    st.markdown(f"**{line}.**")
    st.plotly_chart(poll_figure(labels, counts), theme=None, key=f"{key}__class_chart",
                    config={"displayModeBar": False})
    if state.get("class__names") and answers:
        rows = [{"student": members.get(m, "?"), "answer": ", ".join(a["a"]) if multi
                 else a["a"]} for m, a in answers.items() if a.get("q") == version]
        st.dataframe(rows, hide_index=True)


# ---- the race ----------------------------------------------------------------------------
@st.fragment(run_every=2.0)
def _race_board() -> None:
    shared = _class_state()
    if shared is None:
        return
    try:
        board = _classes().race_board(state["class__code"], shared["race"]["seq"])
        members = _classes().members(state["class__code"])
    except StoreDown as e:
        return _down(e)
    title = "Class race on lesson 3" + ("" if shared["race"]["on"] else " (ended)")
    st.markdown(f"**{title}: {len(board)} students training.**")
    if not board:
        return
    names = state.get("class__names")
    rows = []
    for i, (m, r) in enumerate(sorted(board.items(), key=_race_order), start=1):
        s = r["settings"]
        rows.append({"student": members.get(m, "?") if names else f"#{i}", "step": r["step"],
                     "accuracy": r["accuracy"], "learning rate": s.get("lr"),
                     "batch": s.get("batch"), "dimension": s.get("dim"),
                     "optimizer": s.get("optimizer"),
                     f"step at {RACE_TARGET:.0%}": r["reached"]})
    left, right = st.columns([3, 2])
    left.dataframe(rows, hide_index=True, height=260, column_config={
        "accuracy": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent")})
    right.plotly_chart(race_figure(rows), theme=None, key="class__race_chart",
                       config={"displayModeBar": False})


def _race_order(item) -> tuple:
    r = item[1]
    return (r["reached"] is None, r["reached"] or 0, -(r["accuracy"] or 0))


def race_figure(rows: list[dict]) -> go.Figure:
    """Learning rate against the step where each student reached the target accuracy, one
    marker per optimizer; batch and dimension on hover (those who have not: not drawn)."""
    fig = go.Figure()
    done = [r for r in rows if r[f"step at {RACE_TARGET:.0%}"] is not None]
    for opt in sorted({r["optimizer"] for r in done}):
        mine = [r for r in done if r["optimizer"] == opt]
        fig.add_trace(go.Scatter(
            x=[r["learning rate"] for r in mine], y=[r[f"step at {RACE_TARGET:.0%}"] for r in mine],
            mode="markers", name=str(opt), marker={"size": 14},
            text=[f"{r['student']}: batch {r['batch']}, dimension {r['dimension']}" for r in mine],
            hovertemplate="%{text}<br>learning rate %{x}<br>step %{y}<extra></extra>"))
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=40, b=10), font={"size": 16},
                      title={"text": f"Step at {RACE_TARGET:.0%} by learning rate "
                                     f"({len(done)} of {len(rows)})", "font": {"size": 16}},
                      xaxis={"type": "log", "title": "learning rate"},
                      yaxis={"title": "step", "rangemode": "tozero"}, legend={"font": {"size": 14}})
    return fig

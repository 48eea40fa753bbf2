"""For the teacher: presenter mode, locked links, and the link's own mistakes (issues #11, #26).

- **Presenter mode** (the sidebar switch, ``?present=true`` in the URL): larger chart fonts,
  explanations folded into expanders, settings tucked away, so a projected page shows the
  lesson's controls and chart on one screen.
- **Locked links**: the link builder in the sidebar writes the current view's URL with
  ``lock=1`` and ``allow=<keys>``, listing controls by their labels. Opening such a link
  shows the same view with every control but the allowed ones hidden (their values still
  apply), as the TensorFlow Playground's hide flags do. Pages pass
  ``disabled=teacher.locked("key")`` to their widgets. A lock keeps a class on one view; it
  is not a security boundary: anyone who removes ``lock=1`` from the address sees every
  control again (docs/teaching.md).
- **A link's bad values** (``words_dim=999``, ``train_seed=inf``): a value a number box
  cannot hold is dropped before the page runs (Streamlit 1.67 would raise OverflowError
  inside the box); Streamlit drops or corrects the others. On a page's first run in a
  session, every such value is named in one line, as text, instead of vanishing silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st

from ui.page_widgets import label_of, lockable_keys, number_keys
from ui.text import md_code

LOCK, ALLOW, PRESENT = "lock", "allow", "present"
_REGISTERED = "_lockable_keys"  # widget keys this run offered to the link builder
_UNREPORTED = "_link_values_unreported"  # (page, first URL values, dropped) until reported


def presenter() -> bool:
    """True in presenter mode (the sidebar switch, bound to ``?present=true``)."""
    return bool(st.session_state.get(PRESENT, False))


def explain(markdown: str) -> None:
    """Explanatory text: shown, or folded into an expander in presenter mode."""
    if presenter():
        with st.expander("Explanation", icon=":material/menu_book:"):
            st.markdown(markdown)
    else:
        st.markdown(markdown)


def _allowed() -> set[str]:
    raw = st.query_params.get(ALLOW, "")
    return {k for k in raw.split(",") if k}


def is_locked_link() -> bool:
    return st.query_params.get(LOCK) == "1"


def locked(key: str) -> bool:
    """Whether the widget ``key`` is disabled by a locked link (and offer it to the builder)."""
    st.session_state.setdefault(_REGISTERED, [])
    if key not in st.session_state[_REGISTERED]:
        st.session_state[_REGISTERED].append(key)
    return is_locked_link() and key not in _allowed()


@dataclass
class FirstValues:
    """A page's URL values on its first run in a session, and where their report goes."""

    before: dict[str, str]
    dropped: dict[str, str]  # number boxes' values taken out of the URL before the page ran
    line: object  # an st.empty() above the page: the report's one line


def start_of_run(page_path: str) -> FirstValues | None:
    """Called before a page runs (inside the container above it): the URL's values, if
    this is the page's first run here.

    On that first run a number box's value that no number box can take (``inf``,
    ``1e309``, ``nan``, ``abc``) leaves the URL and the run starts again, so the box starts
    from its default (Streamlit seeds widgets from the address the run started with); the
    value is named at once, before the page runs (a page that stops at its question
    could not add it later). A locked link's hidden controls are hidden from the first
    frame on.
    """
    st.session_state[_REGISTERED] = []
    _hide_locked_controls()
    pending = st.session_state.get(_UNREPORTED)
    if not (pending and pending[0] == page_path):  # else not reported yet: report again
        seen = st.session_state.setdefault("_pages_checked", set())
        if page_path in seen:
            return None
        seen.add(page_path)
        before = st.query_params.to_dict()
        dropped = {k: before[k] for k in sorted(number_keys() & set(before))
                   if any(_breaks_a_number_box(v) for v in st.query_params.get_all(k))}
        pending = st.session_state[_UNREPORTED] = (page_path, before, dropped)
        if dropped:
            for key in dropped:
                del st.query_params[key]
            st.rerun()  # costs one run of app.py up to here: the page has not started
    _, before, dropped = pending
    first = FirstValues(before, dropped, st.empty())
    if dropped:
        _warn(first.line, [_not_allowed(k, v, None) for k, v in dropped.items()])
    return first


def _breaks_a_number_box(text: str) -> bool:
    """Whether no number box can take this URL value: not a number ("abc", ""), not finite
    ("inf", "1e309", "nan") or beyond the integers a browser holds exactly (2**53).

    Streamlit 1.67 reads the value with ``float`` and an integer box then calls ``int``,
    which raises OverflowError on an infinity: the page stopped there. Finite values out
    of a box's own range Streamlit replaces by the default itself; those are named after
    the page has run."""
    try:
        number = float(text)
    except ValueError:
        return True
    return not math.isfinite(number) or abs(number) > 2**53


def _hide_locked_controls() -> None:
    """On a locked link, hide every lockable control the link does not allow (CSS on the
    ``st-key-<key>`` class Streamlit gives a keyed element; the widget still runs, so its
    URL value still applies, and it is disabled too). Only keys read from the lessons'
    source reach the CSS, never text from the URL."""
    if not is_locked_link():
        return
    hidden = sorted(lockable_keys() - _allowed())
    if hidden:
        selectors = ", ".join(f".st-key-{k}" for k in hidden)
        # ...and an expander left with nothing but hidden controls (no empty box)
        empty = ('[data-testid="stExpander"]:not(:has([data-testid="stElementContainer"]'
                 f':not({selectors})))')
        st.html(f"<style>{selectors}, {empty} {{ display: none !important; }}</style>")


def report_bad_link_values(first: FirstValues | None) -> None:
    """After the page's first full run: name each URL value that a widget dropped or
    corrected, in the line :func:`start_of_run` placed above the page.

    A run that ends in ``st.stop()`` or ``st.rerun()`` never gets here: the next run of
    the page reports instead (:func:`start_of_run` keeps the values until a report has
    been written)."""
    if first is None:
        return
    st.session_state.pop(_UNREPORTED, None)
    now = st.query_params.to_dict()
    skip = {LOCK, ALLOW, PRESENT}
    bad = [(k, v, now.get(k)) for k, v in first.before.items()
           if k not in skip and k in st.session_state and now.get(k) != v
           and not (k not in now and _same(st.session_state[k], v))]  # the default, dropped
    unknown = [k for k in first.before if k not in skip and k not in st.session_state
               and not k.startswith("_")]
    parts = [_not_allowed(k, v, fixed) for k, v, fixed in bad]
    parts += [f"{md_code(_cut(k))} is not a setting of this page" for k in unknown[:5]]
    if parts:
        _warn(first.line, parts)


def _not_allowed(key: str, value: str, fixed: str | None) -> str:
    return (f"{md_code(f'{_cut(key)}={_cut(value)}')} is not a value this page allows"
            + (f" (using {md_code(_cut(fixed))})" if fixed else " (using the default)"))


def _cut(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _warn(line, parts: list[str]) -> None:
    line.warning("This link has values the page could not use: " + "; ".join(parts) + ".",
                 icon=":material/link_off:")


def _same(value, text: str) -> bool:
    """Whether a widget's value is what the URL said (Streamlit drops a default from the
    URL: that is not a mistake of the link)."""
    if isinstance(value, bool):
        return text.lower() == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            return float(text) == float(value)
        except ValueError:
            return False
    if isinstance(value, (list, tuple)):
        return text == ",".join(map(str, value))
    return str(value) == text


def sidebar_switch() -> None:
    st.toggle("Presenter mode", key=PRESENT, bind="query-params",
              help="For a projector: larger chart text, explanations folded, settings tucked "
              "away. It is in the URL too (present=true).")


def link_builder() -> None:
    """The sidebar's 'Share a locked link': choose what students may change, copy the link."""
    keys = list(dict.fromkeys(st.session_state.get(_REGISTERED, [])))
    if not keys:
        return
    with st.expander("Share a locked link", icon=":material/lock:"):
        st.caption("Set up the view, choose what students may change, and copy the link: it "
                   "opens exactly this view with every other control hidden. A lock keeps "
                   "a class on one view; it is not a security boundary (removing lock=1 "
                   "from the address shows every control).")
        allow = st.multiselect("Students may change", keys, key="_teacher_allow",
                               format_func=label_of, placeholder="nothing: a fixed view")
        params = {k: v for k, v in st.query_params.to_dict().items()
                  if k not in (LOCK, ALLOW)}
        params |= {LOCK: "1", ALLOW: ",".join(allow)}
        base = _page_url()
        st.code(f"{base}?{urlencode(params)}", language=None, wrap_lines=True)
    if is_locked_link():
        st.info("This is a locked link: the teacher chose this view, and only the controls "
                "shown can be changed.", icon=":material/lock:")


def _page_url() -> str:
    try:
        url = st.context.url  # the address the browser shows, without the query string
    except AttributeError:  # pragma: no cover - older Streamlit
        url = ""
    return (url or "").split("?")[0]

"""For the teacher: presenter mode, locked links, and the link's own mistakes (issue #11).

- **Presenter mode** (the sidebar switch, ``?present=true`` in the URL): larger chart fonts,
  explanations folded into expanders, settings tucked away, so a projected page shows the
  lesson's controls and chart on one screen.
- **Locked links**: the link builder in the sidebar writes the current view's URL with
  ``lock=1`` and ``allow=<keys>``. Opening such a link shows the same view with every control
  but the allowed ones disabled (as the TensorFlow Playground's per-control hide flags do).
  Pages pass ``disabled=locked("key")`` (or ``... or locked("key")``) to their widgets.
- **A link's bad values** (``words_dim=999``): Streamlit drops or corrects a URL value that
  a widget cannot take; on a page's first run in a session, every such value is named in one
  line instead of vanishing silently.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

LOCK, ALLOW, PRESENT = "lock", "allow", "present"
_REGISTERED = "_lockable_keys"  # widget keys this run offered to the link builder


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


def start_of_run(page_path: str) -> dict[str, str] | None:
    """Called before a page runs: the URL's values, if this is the page's first run here."""
    st.session_state[_REGISTERED] = []
    seen = st.session_state.setdefault("_pages_checked", set())
    if page_path in seen:
        return None
    seen.add(page_path)
    return st.query_params.to_dict()


def report_bad_link_values(before: dict[str, str] | None) -> None:
    """After the page's first run: name each URL value that a widget dropped or corrected."""
    if not before:
        return
    now = st.query_params.to_dict()
    skip = {LOCK, ALLOW, PRESENT}
    bad = [(k, v, now.get(k)) for k, v in before.items()
           if k not in skip and k in st.session_state and now.get(k) != v
           and not (k not in now and _same(st.session_state[k], v))]  # the default, dropped
    unknown = [k for k in before if k not in skip and k not in st.session_state
               and not k.startswith("_")]
    parts = [f"`{k}={v[:40]}` is not a value this page allows"
             + (f" (using `{fixed[:40]}`)" if fixed else " (using the default)")
             for k, v, fixed in bad]
    parts += [f"`{k}` is not a setting of this page" for k in unknown[:5]]
    if parts:
        st.warning("This link has values the page could not use: " + "; ".join(parts) + ".",
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
                   "opens exactly this view with every other control disabled.")
        allow = st.multiselect("Students may change", keys, key="_teacher_allow",
                               placeholder="nothing: a fixed view")
        params = {k: v for k, v in st.query_params.to_dict().items()
                  if k not in (LOCK, ALLOW)}
        params |= {LOCK: "1", ALLOW: ",".join(allow)}
        base = _page_url()
        st.code(f"{base}?{urlencode(params)}", language=None, wrap_lines=True)
    if is_locked_link():
        st.info("This is a locked link: only some controls can be changed.",
                icon=":material/lock:")


def _page_url() -> str:
    try:
        url = st.context.url  # the address the browser shows, without the query string
    except AttributeError:  # pragma: no cover - older Streamlit
        url = ""
    return (url or "").split("?")[0]

"""Long shared work on a page: ask for it, wait a moment, else show its progress (issue #26).

The work itself is ``embedviz.shared_work`` (computed once per server, off the page's thread,
one job per student). Here a page asks for a result by its key: if it is ready within
``PAGE_WAIT`` seconds the page draws it in the same run; else the page shows a progress bar
that looks again every ``POLL`` seconds (a small fragment run, not the page) and reruns the
page once the result is there. Nothing here computes: a page's own thread never spends more
than a dictionary lookup and a short sleep on such work.

The heavy results a first visit needs are started as the server starts (:func:`warm`), so
the first student of a lesson finds them computed or under way.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import streamlit as st

from embedviz import shared_work
from embedviz.shared_work import Job
from ui.text import md_escape

PAGE_WAIT = 1.0  # seconds a page run waits for a result before it shows progress instead
POLL = 1.0  # seconds between two looks at a job that is not over


def session_owner() -> str:
    """This browser tab's session: the owner of the jobs it starts."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def lookup(key: Hashable) -> Job | None:
    """The job for ``key`` if anyone asked for it (done, failed or not over yet)."""
    return shared_work.work().lookup(key)


def ask(key: Hashable, fn: Callable, *args, title: str, mine: bool = True,
        wait: float = PAGE_WAIT) -> Job | None:
    """The finished job for ``key`` (started now if nobody asked before), or None after
    showing why not: its progress, a refusal (one computation per student), a failure.

    ``mine``: the job counts as this student's own (one at a time); a result every visitor
    of a lesson needs (a default) counts as the server's."""
    work = shared_work.work()
    try:
        job = work.submit(key, fn, *args, owner=session_owner() if mine else None, title=title)
    except shared_work.Busy as busy:
        st.warning(md_escape(str(busy)))
        return None
    return settle(job, wait)


def settle(job: Job, wait: float = PAGE_WAIT) -> Job | None:
    """``job`` if it is done (after waiting up to ``wait`` s), else None after showing it."""
    if not job.over:
        job.wait(wait)  # a sleep on an event: no CPU while the worker computes
    if job.state == "done":
        return job
    if job.state == "failed":
        st.warning(f"{md_escape(job.title)} could not be computed "
                   f"({md_escape(job.error or 'no reason given')}). Change a setting and ask "
                   "again.")
        return None
    _progress(job.key, job.title)
    return None


@st.fragment(run_every=POLL)
def _progress(key: Hashable, title: str) -> None:
    work = shared_work.work()
    job = work.lookup(key)
    if job is None or job.over:
        st.rerun(scope="app")  # the result is there (or gone): draw the page with it
    st.progress(job.fraction, text=f"{title}: {shared_work.describe(job, work.ahead(job))}. "
                "It is computed once on this server and shared; this page shows it when it "
                "is ready.")


def ask_for(spec: tuple, mine: bool = True, wait: float = PAGE_WAIT) -> Job | None:
    """:func:`ask` with a job spec from below: ``(key, fn, args, title)``."""
    key, fn, args, title = spec
    return ask(key, fn, *args, title=title, mine=mine, wait=wait)


def warm(jobs: list[tuple]) -> None:
    """Start the server's own jobs (``ui.process.start_up``): specs (key, fn, args, title)."""
    work = shared_work.work()
    if work.worker.inline:  # tests: nothing runs in the background, the pages compute
        return
    for key, fn, args, title in jobs:
        work.submit(key, fn, *args, title=title)


# ---- the shared results of the lessons: (key, fn, args, title), one place for pages and warming


def merges_job(text: str, alphabet: str) -> tuple:
    """Lesson 7: a text's merges and trade-off (``embedviz.subwords.learn_text``)."""
    from embedviz import subwords

    return (("merges", *subwords.text_key(text, alphabet)), subwords.learn_text,
            (text, alphabet), f"The merges of this text ({len(text):,} characters)")


def sweep_job(cfg=None) -> tuple:
    """Lesson 8: the default sweep (``cfg`` None) or a student's own."""
    from embedviz import sizes

    if cfg is None or cfg == sizes.DEFAULT_SWEEP:
        return (("sweep", sizes.DEFAULT_SWEEP), sizes.default_sweep, (),
                "The default sweep (7 sizes, every data share)")
    return (("sweep", cfg), sizes.run_sweep, (cfg,),
            f"A sweep of your own ({cfg.total_steps:,} training steps)")


def tsne_job(matrix, cfg) -> tuple:
    """Lesson 5: a t-SNE picture (``embedviz.projection.tsne``)."""
    from embedviz import projection

    return (("tsne", *projection.cache_key(matrix, cfg)), projection.tsne, (matrix, cfg),
            f"t-SNE of {len(matrix):,} words in {cfg.dims}-D")


def start_up_jobs() -> list[tuple]:
    """What a first visit needs that takes seconds: started as the server starts."""
    from embedviz import subwords

    # the short one first: it is done in a second or two, the sweep takes ten or more
    return [merges_job(subwords.builtin_text("python"), "characters"), sweep_job()]

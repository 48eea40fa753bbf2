"""Long work a class shares: computed once, off the page's thread, one job per student.

Some results take seconds of CPU: a t-SNE of 3,000 words (lesson 5), the merges of a pasted
text (lesson 7), a dimension sweep (lesson 8). Computed in the page's own run, one student's
request holds up everyone's page (one process serves the class), and a lock around it makes
even students asking for a result already computed wait. So such work is a **job**:

- a job is known by its **key** (everything its result depends on); the same key asked for
  twice is one job, whoever asks: computed once, then its result is shared read-only;
- jobs run one at a time, first come first served, on a **worker**: by default a separate
  process (:class:`ProcessWorker`), so a long computation uses the machine's other core and
  never the server's GIL (a busy thread in the server would hand the GIL back and forth with
  every live view's PyTorch operations); :class:`ThreadWorker` runs them in a thread of this
  process (tests), :class:`InlineWorker` at once in the caller (page tests);
- **a student has at most one job of their own** waiting or running: asking for another is
  refused with :class:`Busy` (joining a job someone else started costs nothing and is never
  refused), and the queue as a whole holds at most ``max_waiting`` jobs;
- a job reports its **progress** (a fraction and a few words) as it runs, readable at any
  time; a result already computed is read under a lock held only for a dictionary lookup,
  never while anything is computed.

The job function must be importable by name (a module-level function: it is sent to the
worker process) and take a keyword ``progress``, called as ``progress(fraction)``,
``progress(fraction, note)`` or ``progress(done, total, note)``.

This module is plain Python (no Streamlit): the pages reach it through ``ui.background``.
"""

from __future__ import annotations

import collections
import itertools
import multiprocessing
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

KEEP_RESULTS = 48  # finished jobs kept (a t-SNE result is a few KB, a sweep a few hundred)
MAX_WAITING = 8  # jobs waiting or running, for the whole server


class Busy(Exception):
    """A job was refused: its message says why, in plain words, for the student."""


def progress_of(*args) -> tuple[float, str]:
    """(fraction, note) from ``(fraction)``, ``(fraction, note)`` or ``(done, total, note)``."""
    if len(args) == 3:
        done, total, note = args
        return (min(1.0, done / total) if total else 0.0), str(note)
    if len(args) == 2:
        return float(args[0]), str(args[1])
    return float(args[0]), ""


@dataclass(eq=False)
class Job:
    key: Hashable
    title: str  # what it computes, in words ("t-SNE of 3,000 words")
    fn: Callable
    args: tuple
    owner: Hashable | None  # the session that asked first (None: the server's own warming)
    number: int  # order of submission: the queue is first come, first served
    state: str = "waiting"  # waiting, running, done, failed
    fraction: float = 0.0
    note: str = ""
    result: object = None
    error: str | None = None
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    finished: float | None = None
    cpu_seconds: float | None = None  # the worker's CPU time for this job
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def over(self) -> bool:
        return self.state in ("done", "failed")

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until the job is over (True) or ``timeout`` seconds passed (False)."""
        return self._done.wait(timeout)


class Work:
    """The server's jobs (see the module docstring)."""

    def __init__(self, worker: Worker | None = None, keep: int = KEEP_RESULTS,
                 max_waiting: int = MAX_WAITING) -> None:
        self.worker = worker or ThreadWorker()
        self.keep, self.max_waiting = keep, max_waiting
        self._jobs: collections.OrderedDict[Hashable, Job] = collections.OrderedDict()
        self._lock = threading.Lock()  # held for dictionary reads and writes only
        self._queue: queue.Queue[Job] = queue.Queue()
        self._numbers = itertools.count()
        self._runner: threading.Thread | None = None

    # -- asking ------------------------------------------------------------------------
    def lookup(self, key: Hashable) -> Job | None:
        """The job for ``key`` (finished or not), or None. Never waits for a computation."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.state == "done":
                self._jobs.move_to_end(key)
            return job

    def submit(self, key: Hashable, fn: Callable, *args, owner: Hashable | None = None,
               title: str = "") -> Job:
        """The job for ``key``: the one already there (waiting, running or done: shared),
        else a new one at the back of the queue. Raises :class:`Busy` if ``owner`` already
        has another job not yet over, or if the queue is full."""
        if self.worker.inline:
            return self._inline(key, fn, args, owner, title)
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.state != "failed":
                return job
            mine = self._open_job_of(owner)
            if mine is not None:
                raise Busy(f"You already have one computation on this server: {mine.title} "
                           f"({describe(mine, self._ahead_locked(mine))}). It must finish "
                           "before you start another; its result is kept when it does.")
            waiting = sum(not j.over for j in self._jobs.values())
            if owner is not None and waiting >= self.max_waiting:
                raise Busy(f"The server is already computing {waiting} things for the class: "
                           "try again in a minute (results already computed still show).")
            job = Job(key, title or str(key), fn, args, owner, next(self._numbers))
            self._jobs[key] = job
            self._jobs.move_to_end(key)
            self._trim_locked()
        self._queue.put(job)
        self._ensure_runner()
        return job

    def ahead(self, job: Job) -> int:
        """Jobs that will run before this one (0: it runs now or is next)."""
        with self._lock:
            return self._ahead_locked(job)

    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    # -- inside ------------------------------------------------------------------------
    def _open_job_of(self, owner: Hashable | None) -> Job | None:
        if owner is None:
            return None
        return next((j for j in self._jobs.values() if j.owner == owner and not j.over), None)

    def _ahead_locked(self, job: Job) -> int:
        return sum(1 for j in self._jobs.values()
                   if not j.over and j.number < job.number and j is not job)

    def _trim_locked(self) -> None:
        done = [k for k, j in self._jobs.items() if j.over]
        for k in done[: max(0, len(done) - self.keep)]:  # the least recently used first
            del self._jobs[k]

    def _inline(self, key, fn, args, owner, title) -> Job:
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.state == "done":
                return job
            job = Job(key, title or str(key), fn, args, owner, next(self._numbers))
        self._run(job)
        with self._lock:
            self._jobs[key] = job
            self._trim_locked()
        return job

    def _ensure_runner(self) -> None:
        with self._lock:
            if self._runner is None or not self._runner.is_alive():
                self._runner = threading.Thread(target=self._serve, name="embedviz-work",
                                                daemon=True)
                self._runner.start()

    def _serve(self) -> None:
        while True:
            self._run(self._queue.get())

    def _run(self, job: Job) -> None:
        job.state, job.started = "running", time.monotonic()

        def report(*args) -> None:
            job.fraction, note = progress_of(*args)
            job.note = note or job.note

        try:
            job.result, job.cpu_seconds = self.worker.run(job.fn, job.args, report)
            job.fraction, job.state = 1.0, "done"
        except Exception as exc:  # noqa: BLE001 - a failed job is a result the page shows
            job.error, job.state = f"{type(exc).__name__}: {exc}", "failed"
        job.finished = time.monotonic()
        job._done.set()
        with self._lock:
            self._trim_locked()


def describe(job: Job, ahead: int) -> str:
    """Where a job is, in words: "2 jobs ahead of it", "running: 40 %", "done"."""
    if job.state == "waiting":
        return ("next in line" if ahead == 0 else
                f"waiting, {ahead} computation{'s' if ahead != 1 else ''} ahead of it")
    if job.state == "running":
        if not job.fraction and not job.note:
            return "starting"
        return f"running: {job.fraction:.0%}" + (f", {job.note}" if job.note else "")
    return job.state


# ---------------------------------------------------------------------------- workers


class Worker:
    inline = False  # True: jobs run in the caller's thread, at once

    def run(self, fn: Callable, args: tuple, report: Callable) -> tuple[object, float]:
        """Compute ``fn(*args, progress=report)``: (its result, CPU seconds it took)."""
        raise NotImplementedError


class InlineWorker(Worker):
    """In the caller's thread, at once (page tests: the page gets its result in its run)."""

    inline = True

    def run(self, fn, args, report):
        start = time.thread_time()
        return fn(*args, progress=report), time.thread_time() - start


class ThreadWorker(InlineWorker):
    """In one thread of this process, one job at a time (the runner thread of ``Work``)."""

    inline = False


def _child(conn) -> None:
    """The worker process: run each (fn, args) it is sent, sending progress and the result."""
    os.environ["OMP_NUM_THREADS"] = "1"  # before a job's module imports torch: one thread
    while True:
        try:
            fn, args = conn.recv()
        except EOFError:
            return
        start = time.process_time()

        def report(*a) -> None:
            conn.send(("progress", progress_of(*a)))

        try:
            result = fn(*args, progress=report)
            conn.send(("done", (result, time.process_time() - start)))
        except Exception as exc:  # noqa: BLE001 - sent back as the job's failure
            traceback.print_exc()
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))


class ProcessWorker(Worker):
    """In one separate process, started on the first job and again if it ever dies."""

    def __init__(self) -> None:
        self._proc = None
        self._conn = None

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # never fork a server full of threads
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_child, args=(child,), name="embedviz-worker",
                                 daemon=True)
        self._proc.start()
        child.close()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.is_alive() else None

    def run(self, fn, args, report):
        if self._proc is None or not self._proc.is_alive():
            self._start()
        try:
            self._conn.send((fn, args))
            while True:
                kind, payload = self._conn.recv()
                if kind == "progress":
                    report(*payload)
                elif kind == "done":
                    return payload
                else:
                    raise RuntimeError(payload)
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._proc = None  # it died (out of memory, killed): the next job starts another
            raise RuntimeError("the worker process stopped while computing this") from exc


def default_worker() -> Worker:
    """``EMBEDVIZ_WORK``: ``process`` (the default), ``thread`` or ``inline``."""
    kind = os.environ.get("EMBEDVIZ_WORK", "process")
    return {"thread": ThreadWorker, "inline": InlineWorker}.get(kind, ProcessWorker)()


_work: Work | None = None
_work_lock = threading.Lock()


def work() -> Work:
    """The server's one job registry (created on first use)."""
    global _work
    with _work_lock:
        if _work is None:
            _work = Work(default_worker())
        return _work

"""embedviz.shared_work: a cached answer never waits on a running job, one job per student,
progress readable, and the worker process computes what the library computes directly."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from embedviz import shared_work as sw
from embedviz.shared_work import Busy, ProcessWorker, ThreadWorker, Work


def slow(gate_name: str, value, progress):
    """Waits for the test to open its gate, reporting progress, then returns ``value``."""
    gate = GATES[gate_name]
    progress(0.5, "half way")
    assert gate.wait(10)
    return value


GATES: dict[str, threading.Event] = {}


def quick(value, progress):
    progress(1, 2, "counting")
    return value * 2


def failing(progress):
    raise ValueError("bad input")


@pytest.fixture
def gate():
    GATES["g"] = threading.Event()
    yield GATES["g"]
    GATES["g"].set()


def test_a_cached_answer_does_not_wait_for_a_running_job(gate):
    work = Work(ThreadWorker())
    done = work.submit("cached", quick, 21)
    assert done.wait(5) and done.result == 42
    running = work.submit("slow", slow, "g", "x")
    deadline = time.monotonic() + 5
    while running.state != "running" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert running.state == "running", running.error

    # another student's thread asks for the cached answer while the slow job holds the worker
    got, took = [], []

    def ask():
        t = time.monotonic()
        got.append(work.lookup("cached"))
        again = work.submit("cached", quick, 21, owner="someone else")
        took.append(time.monotonic() - t)
        got.append(again)

    t = threading.Thread(target=ask)
    t.start()
    t.join(2)
    assert not t.is_alive(), "a cached answer waited for the running job"
    assert got[0] is done and got[1] is done and got[0].result == 42
    assert took[0] < 0.5
    assert running.fraction == 0.5 and running.note == "half way"  # progress while it runs
    gate.set()
    assert running.wait(5) and running.result == "x"


def test_one_job_per_student_the_rest_refused_joining_is_free(gate):
    work = Work(ThreadWorker())
    first = work.submit("a", slow, "g", 1, owner="alice", title="t-SNE of 3,000 words")
    with pytest.raises(Busy, match="t-SNE of 3,000 words"):
        work.submit("b", quick, 2, owner="alice")
    # the same key again, or someone else's job, is not a new job of hers
    assert work.submit("a", slow, "g", 1, owner="alice") is first
    bob = work.submit("c", quick, 3, owner="bob")
    assert work.ahead(bob) == 1  # first come, first served: alice's job runs first
    gate.set()
    assert first.wait(5) and bob.wait(5) and bob.result == 6
    # once hers is over she may start another
    again = work.submit("b", quick, 2, owner="alice")
    assert again.wait(5) and again.result == 4


def test_the_queue_is_capped_for_students_but_not_for_the_servers_warming(gate):
    work = Work(ThreadWorker(), max_waiting=2)
    work.submit("a", slow, "g", 1, owner="s1")
    work.submit("b", quick, 1, owner="s2")
    with pytest.raises(Busy, match="already computing 2 things"):
        work.submit("c", quick, 1, owner="s3")
    warm = work.submit("d", quick, 5)  # owner None: the server's own start-up work
    gate.set()
    assert warm.wait(5) and warm.result == 10


def test_a_failed_job_says_why_and_can_be_asked_again():
    work = Work(ThreadWorker())
    job = work.submit("f", failing, owner="s")
    assert job.wait(5) and job.state == "failed" and "bad input" in job.error
    assert work.submit("f", quick, 1, owner="s").wait(5)  # a failure is not kept as the answer


def test_progress_of_the_three_forms():
    assert sw.progress_of(0.25) == (0.25, "")
    assert sw.progress_of(0.5, "x") == (0.5, "x")
    assert sw.progress_of(30, 120, "skip-gram at dimension 4") == (0.25,
                                                                   "skip-gram at dimension 4")


def test_finished_results_are_kept_up_to_a_limit_least_recently_used_first():
    work = Work(ThreadWorker(), keep=2)
    for k in "abc":
        work.submit(k, quick, 1).wait(5)
        if k == "b":
            work.lookup("a")  # a was used again: b is now the oldest
    assert work.lookup("b") is None and work.lookup("a") and work.lookup("c")


def test_the_worker_process_gives_what_the_library_gives_directly():
    """t-SNE in the worker process: the same coordinates as openTSNE called here."""
    from embedviz import projection

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 8)).astype(np.float32)
    cfg = projection.TSNEConfig(dims=2, perplexity=10, n_iter=100, seed=3)
    worker = ProcessWorker()
    work = Work(worker)
    seen = []
    job = work.submit(("tsne", 1), projection.tsne, x, cfg, owner="s")
    while not job.wait(0.05):
        seen.append(job.fraction)
    assert job.state == "done", job.error
    direct = projection.tsne(x, cfg)
    np.testing.assert_array_equal(job.result.coords, direct.coords)
    assert job.result.kl_divergence == direct.kl_divergence
    assert job.cpu_seconds > 0
    assert worker.pid is not None  # a separate process did it
    import os

    assert worker.pid != os.getpid()


def test_a_learned_text_never_waits_for_another_texts_training():
    """Lesson 7: while one student's long text is being learned (held mid-training here),
    another student's request for a text already learned returns at once (issue #26: the
    module lock used to be held across every training)."""
    from embedviz import subwords

    cached = "the cat sat on the mat. " * 20
    subwords.bpe_for_text(cached, "characters")
    subwords.real_table()  # read once before: below, both are answers already computed
    started, gate = threading.Event(), threading.Event()

    def held(fraction):
        started.set()
        assert gate.wait(10)

    long_text = " ".join(f"word{i} other{i % 97} thing{i % 13}" for i in range(3000))
    trainer = threading.Thread(target=subwords.bpe_for_text,
                               args=(long_text, "characters", held))
    trainer.start()
    try:
        assert started.wait(30)
        t = time.monotonic()
        again = subwords.bpe_for_text(cached, "characters")
        table = subwords.real_table()  # the real token table has its own lock too
        assert time.monotonic() - t < 1.0
        assert again.merges == subwords.bpe_for_text(cached, "characters").merges
        assert table[0].shape == (30522, 384)
    finally:
        gate.set()
        trainer.join(30)


def test_lesson_7s_job_gives_what_the_merge_loop_gives_directly():
    from embedviz import subwords

    text = subwords.builtin_text("things")
    job = Work(ThreadWorker()).submit("m", subwords.learn_text, text, "bytes")
    assert job.wait(60) and job.state == "done", job.error
    direct = subwords.train_bpe(subwords.word_counts(text),
                                subwords.BPEConfig("bytes", subwords.MAX_MERGES))
    assert job.result.bpe.merges == direct.merges and job.result.bpe.vocab == direct.vocab
    seen, held = subwords.held_out_split(text)
    assert job.result.trade_off == subwords.trade_off(text, "bytes")
    assert job.fraction == 1.0

"""The classroom pace (issue #10): mechanisms only, no timing.

The pace must (1) refresh less often as more students play, (2) keep every student at or
above the training floor while it can, (3) keep the server's share within its budget under
the cost model it is given, and (4) not flip between two intervals at a threshold.
"""

from __future__ import annotations

import pytest

from embedviz import classroom
from embedviz.classroom import LiveRegistry, pace_for, server_load

TICK, STEP = 0.014, 0.0009  # a refresh besides training, and a step, on a 2-core machine


def test_one_student_gets_the_fastest_refresh_and_the_speed_they_chose():
    p = pace_for(1, 10, TICK, STEP)
    assert (p.interval, p.steps_per_tick, p.live_views) == (0.5, 10, 1)
    assert p.steps_per_second == 20 and not p.slowed


def test_the_interval_grows_with_the_number_of_live_views():
    paces = [pace_for(n, 10, TICK, STEP) for n in (1, 5, 10, 20, 40, 80, 200)]
    intervals = [p.interval for p in paces]
    assert intervals == sorted(intervals) and intervals[0] < intervals[-1]
    assert all(p.interval in classroom.INTERVALS for p in paces)


@pytest.mark.parametrize("n", [1, 2, 5, 10, 20, 30, 40])
def test_a_class_of_40_stays_within_the_budget_and_above_the_training_floor(n):
    p = pace_for(n, 10, TICK, STEP)
    load = server_load(n, p.interval, p.steps_per_second, TICK, STEP)
    assert load <= classroom.SERVER_BUDGET + n * STEP / p.interval  # rounding to whole steps
    assert p.steps_per_second >= classroom.MIN_STEPS_PER_SECOND - 1 / p.interval


def test_beyond_capacity_the_interval_is_longest_and_training_at_its_floor():
    p = pace_for(200, 10, TICK, STEP)
    assert p.interval == classroom.MAX_INTERVAL
    assert p.steps_per_second == pytest.approx(classroom.MIN_STEPS_PER_SECOND, abs=0.5)


def test_refresh_slows_before_training_does():
    """A class that fits by refreshing less often keeps its training speed."""
    for n in range(1, 200):
        p = pace_for(n, 10, TICK, STEP)
        if p.slowed:
            assert p.interval >= classroom.SLOW_INTERVAL
        else:
            assert p.steps_per_second == pytest.approx(20, rel=0.05)


def test_a_student_who_asks_for_little_is_never_sped_up():
    p = pace_for(40, 1, TICK, STEP)
    assert p.steps_per_second <= 2 + 1e-9


def test_more_costly_refreshes_mean_a_slower_pace():
    cheap, dear = pace_for(20, 10, 0.002, STEP), pace_for(20, 10, 0.05, STEP)
    assert dear.interval > cheap.interval


def test_registry_counts_live_sessions_and_forgets_paused_and_gone_ones():
    reg = LiveRegistry()
    for i in range(30):
        reg.tick(f"s{i}", 10, now=100.0)
    assert reg.count(now=100.0) == 30
    reg.stop("s0")
    assert reg.count(now=100.0) == 29
    later = 100.0 + classroom.STALE_AFTER + classroom.MAX_INTERVAL + 0.1
    reg.tick("s1", 10, now=later)
    assert reg.count(now=later) == 1  # the others stopped refreshing: they left


def _registry(tick=TICK, step=STEP):
    reg = LiveRegistry(clock=lambda: 0.0, cpu=lambda: 0.0)
    reg.tick_cost, reg.step_cost = tick, step
    return reg


def test_interval_goes_up_at_once_and_comes_down_only_after_holding_it():
    reg = _registry()
    crowded = None
    for i in range(40):
        crowded = reg.tick(f"s{i}", 10, now=1.0)
    assert crowded.interval > 0.5
    for i in range(1, 40):  # everybody else leaves
        reg.stop(f"s{i}")
    kept = reg.tick("s0", 10, current_interval=crowded.interval, now=1.2)
    assert kept.interval == crowded.interval  # no rerun of the whole page for it yet
    assert kept.steps_per_second == pytest.approx(20, rel=0.1)  # but training speeds up again
    t = 1.2
    while t + crowded.interval < 1.2 + classroom.HOLD_SECONDS:  # held since its first tick there
        t += crowded.interval
        assert reg.tick("s0", 10, current_interval=crowded.interval, now=t).interval == \
            crowded.interval
    later = 1.2 + classroom.HOLD_SECONDS + 0.1
    assert reg.tick("s0", 10, current_interval=crowded.interval, now=later).interval == 0.5
    assert reg.tick("s1", 10, current_interval=None, now=later).interval == 0.5  # a new Play


def test_a_class_at_a_threshold_does_not_flip_between_two_intervals():
    """One student leaving may make a shorter interval fit only just: the view keeps its
    interval (each change is a run of the whole page) until the shorter one fits with room."""
    sizes = [n for n in range(2, 80)
             if pace_for(n, 10, TICK, STEP).interval < pace_for(n + 1, 10, TICK, STEP).interval
             and pace_for(n, 10, TICK, STEP, budget=classroom.SERVER_BUDGET
                          * classroom.COME_DOWN_MARGIN).interval
             == pace_for(n + 1, 10, TICK, STEP).interval]
    assert sizes, "no class size sits at a threshold: the test would check nothing"
    n = sizes[0]
    reg = _registry()
    for i in range(n + 1):
        reg.tick(f"s{i}", 10, now=1.0)
    upper = pace_for(n + 1, 10, TICK, STEP).interval
    reg.stop(f"s{n}")  # one leaves: the pace alone would come down
    for t in range(2, 60, 2):  # a minute more of the n others playing
        for i in range(n):
            assert reg.tick(f"s{i}", 10, current_interval=upper, now=float(t)).interval == upper


def test_the_costs_are_read_from_the_process_cpu_time_in_windows():
    clock, cpu = [0.0], [0.0]
    reg = LiveRegistry(clock=lambda: clock[0], cpu=lambda: cpu[0])
    for _ in range(60):  # two minutes: 12 refreshes of 10 steps per 2-s window
        for _ in range(12):
            clock[0] += classroom.WINDOW / 12
            cpu[0] += 0.05  # each refresh: 0.02 s of training (this thread) + 0.03 s besides
            reg.record(steps=10, step_seconds=0.02)
    assert reg.tick_cost == pytest.approx(0.03, rel=0.01)
    assert reg.step_cost == pytest.approx(0.002, rel=0.01)


def test_a_window_needs_a_few_refreshes_and_a_burst_moves_the_average_only_a_part():
    """Behaviour, not the formula: a steady per-refresh cost is learned exactly; a window with
    too few refreshes says nothing; a 5-s burst moves the average only part of the way (the
    module's "about ten seconds" of memory) and fades after ten ordinary seconds."""
    clock, cpu = [0.0], [0.0]
    reg = LiveRegistry(clock=lambda: clock[0], cpu=lambda: cpu[0])
    per_refresh, train = 0.004, 0.02  # what one refresh really costs beyond its training

    def window(refreshes: int, extra: float = 0.0) -> None:
        for _ in range(refreshes):
            clock[0] += classroom.WINDOW / refreshes
            cpu[0] += per_refresh + train + extra / refreshes
            reg.record(steps=10, step_seconds=train)

    for _ in range(60):  # two minutes of a steady class
        window(8)
    assert reg.tick_cost == pytest.approx(per_refresh, rel=1e-3)
    assert reg.step_cost == pytest.approx(train / 10, rel=1e-3)
    steady = reg.tick_cost
    for _ in range(classroom.MIN_TICKS - 1):  # too few refreshes: the window stays open
        clock[0] += classroom.WINDOW
        cpu[0] += 5.0 / (classroom.MIN_TICKS - 1)  # 5 s of CPU on page loads meanwhile
        reg.record(steps=10, step_seconds=train)
    assert reg.tick_cost == steady
    reg.record(steps=10, step_seconds=train)  # now the window closes with the burst in it
    burst = 5.0 / classroom.MIN_TICKS  # what the burst would make a refresh seem to cost
    moved = (reg.tick_cost - steady) / (burst - steady)
    assert 0.1 < moved < 0.3  # one 2-s window of about ten seconds of memory
    for _ in range(round(10 / classroom.WINDOW)):  # ten ordinary seconds
        window(8)
    assert reg.tick_cost - steady < 0.5 * (burst - steady) * moved  # faded by more than half


def test_batch_tables_are_shared_read_only_and_change_no_result():
    """Students on a built-in corpus share one copy of its batch tables (built once per
    server); each keeps its own model, optimizer and generator, and the numbers are exactly
    those of a trainer with tables of its own."""
    import torch

    from embedviz import corpora
    from embedviz.training import BatchSampler, TrainConfig, Trainer

    cfg = TrainConfig(lr=0.005, batch_size=64, seed=5)
    a, b = Trainer(cfg), Trainer(TrainConfig(lr=0.005, batch_size=64, seed=6))
    assert a.sampler_shared and b.sampler_shared
    assert a.sampler.pairs is b.sampler.pairs  # one copy of the tables
    assert a.model is not b.model and a.optimizer is not b.optimizer
    assert a.model.embedding.weight.data_ptr() != b.model.embedding.weight.data_ptr()
    alone = Trainer(cfg)
    alone.sampler = BatchSampler(alone.corpus, alone.vocab, cfg)  # private tables
    before = a.sampler.pairs.pair_table.prob.clone()
    a.step(30)
    b.step(30)
    alone.step(30)
    assert torch.equal(a.model.embedding.weight, alone.model.embedding.weight)
    assert torch.equal(a.sampler.pairs.pair_table.prob, before)  # training never writes to them
    text = " ".join(f"the cat{i % 12} sat on the mat{i % 9} and the dog{i % 7} ran far."
                    for i in range(120))
    own = corpora.corpus_from_text(text)
    assert not Trainer(cfg, own).sampler_shared  # a student's own text: own tables


# ---------------------------------------------------------------- one trainer at a time


def _run(*targets):
    import threading

    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread never got its turn (deadlock)"


def test_turns_let_one_thread_in_at_a_time():
    import time

    turns, inside, most = classroom.Turns(), [0], [0]

    def work():
        for _ in range(20):
            with turns:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                time.sleep(0.0005)  # another thread would get in here without the turn
                inside[0] -= 1

    _run(*[work] * 6)
    assert most[0] == 1 and inside[0] == 0


def test_turns_are_handed_over_in_the_order_they_were_asked_for():
    import threading
    import time

    turns, order = classroom.Turns(), []
    release = threading.Event()

    def first():
        with turns:
            release.wait(10)  # hold the turn while the others queue up

    def nth(i):
        def take():
            with turns:
                order.append(i)
        return take

    holder = threading.Thread(target=first, daemon=True)
    holder.start()
    while turns._owner is None:  # the holder has it
        time.sleep(0.001)
    queued = []
    for i in range(5):
        t = threading.Thread(target=nth(i), daemon=True)
        t.start()
        queued.append(t)
        while turns.waiting < i + 1:  # this one is in the queue before the next one asks
            time.sleep(0.001)
    release.set()
    for t in [holder, *queued]:
        t.join(timeout=10)
    assert order == [0, 1, 2, 3, 4]


def test_the_owner_may_take_its_turn_again_inside_it():
    turns, got = classroom.Turns(), []

    def nested():
        with turns:
            with turns:  # a callback that trains, inside a step
                got.append(1)
        with turns:  # and the turn is free again afterwards
            got.append(2)

    _run(nested)
    assert got == [1, 2] and turns.waiting == 0


def test_trainers_taking_turns_in_threads_give_the_numbers_they_give_alone():
    import numpy as np

    from embedviz.training import TrainConfig, Trainer

    configs = [TrainConfig(seed=s, batch_size=32) for s in range(4)]
    alone = []
    for cfg in configs:
        t = Trainer(cfg)
        t.step(40)
        alone.append(t.embedding_matrix())
    together = [Trainer(cfg) for cfg in configs]
    _run(*[(lambda t=t: [t.step(5) for _ in range(8)]) for t in together])
    for t, expected in zip(together, alone):
        assert t.step_count == 40
        np.testing.assert_array_equal(t.embedding_matrix(), expected)


def test_page_runs_are_left_out_of_what_a_refresh_costs():
    """Thirty page loads at once are a burst, not the pace of the class: their CPU (in their
    own thread, and about as much again to send their messages) is not a refresh's."""
    clock, cpu = [0.0], [0.0]
    reg = LiveRegistry(clock=lambda: clock[0], cpu=lambda: cpu[0])
    before = reg.tick_cost
    for _ in range(10):  # refreshes of 0.01 s besides training, and a page run as big as them
        clock[0] += classroom.WINDOW / 10
        cpu[0] += 0.01 + 0.02 + 0.2
        reg.record_page_run(0.2)
        reg.record(steps=10, step_seconds=0.02)
    assert reg.tick_cost == before  # page runs were most of the window: it says nothing
    for _ in range(10):  # a quiet window: only refreshes
        clock[0] += classroom.WINDOW / 10
        cpu[0] += 0.01 + 0.02
        reg.record(steps=10, step_seconds=0.02)
    assert reg.tick_cost == pytest.approx(before + classroom.WEIGHT * (0.01 - before))

"""Class mode's state and abuse rules (issue #29), the same tests on both stores: the
in-process one and a real redis-server (``tests/class_stores.py``)."""

from __future__ import annotations

import time

import pytest

from server import classes as C
from server.classes import ClassError, Classes, NotTeacher
from server.store import MemoryStore, RedisStore, StoreDown
from tests import class_stores
from tests.class_stores import free_port

redis_url, store = class_stores.redis_url, class_stores.store  # the fixtures


def test_store_basics(store):
    assert store.get("a") is None
    assert store.set("a", "1", 60)
    assert not store.set("a", "2", 60, only_new=True)
    assert store.get("a") == "1"
    assert store.incr("n", 60) == 1 and store.incr("n", 60) == 2
    assert store.hset("h", "x", "1", 60, only_new=True)
    assert not store.hset("h", "x", "2", 60, only_new=True)
    assert store.hset("h", "y", "3", 60)
    assert store.hset("h", "y", "4", 60)  # an update is a write too
    assert store.hgetall("h") == {"x": "1", "y": "4"}
    store.set("cls:AB:x", "1", 60)
    store.set("cls:AB*:x", "1", 60)  # a prefix is matched literally, not as a pattern
    store.delete_prefix("cls:AB:")
    assert store.get("cls:AB:x") is None and store.get("cls:AB*:x") == "1"


def test_keys_expire(store):
    store.set("a", "1", 1)
    store.hset("h", "x", "1", 1)
    store.incr("n", 1)
    time.sleep(1.2)
    assert store.get("a") is None and store.hgetall("h") == {} and store.get("n") is None


def test_memory_store_sweeps_expired_keys():
    now = [0.0]
    s = MemoryStore(clock=lambda: now[0])
    for i in range(10):
        s.set(f"k{i}", "v", 5)
    now[0] = 10
    for i in range(s.SWEEP_EVERY):
        s.set("live", str(i), 60)
    assert len(s) == 1  # the ten expired keys are gone without being read


def test_a_class_expires_after_twelve_hours():
    now = [1000.0]
    mem = MemoryStore(clock=lambda: now[0])
    classes = Classes(mem, clock=lambda: now[0])
    code, token = classes.start()
    member = classes.join(code, "ana", address="a", session="s")
    classes.answer(member, "q", 0, "v", "x")
    now[0] += C.CLASS_SECONDS - 1
    assert classes.state(code) is not None
    now[0] += 2
    assert classes.state(code) is None and classes.members(code) == {}
    assert not classes.is_teacher(code, token)


def test_every_class_key_has_a_time_to_live(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    classes = Classes(RedisStore(redis_url))
    code, token = classes.start()
    m = classes.join(code, "ana", address="a", session="s")
    classes.answer(m, "q", 0, "v", "x")
    classes.race(code, token, True)
    classes.report(m, 10, 0.5, {"lr": 0.1})
    keys = client.keys("*")
    assert len(keys) >= 6
    ttls = {k: client.ttl(k) for k in keys}
    assert all(0 < t <= C.CLASS_SECONDS for t in ttls.values()), ttls
    classes.end(code, token)
    assert [k for k in client.keys("*") if k.startswith("cls:")] == []


def test_start_join_and_members(store):
    classes = Classes(store)
    code, token = classes.start()
    assert len(code) == C.CODE_LENGTH and set(code) <= set(C.CODE_ALPHABET)
    assert classes.is_teacher(code, token) and not classes.is_teacher(code, token + "x")
    assert not classes.is_teacher(code, "") and not classes.is_teacher(code, None)
    a = classes.join(code.lower()[:3] + " " + code.lower()[3:], "Ana", address="1", session="s1")
    b = classes.join(code, "", address="1", session="s2")
    assert (a.nickname, b.nickname) == ("Ana", "student 2")
    assert classes.members(code) == {a.member_id: "Ana", b.member_id: "student 2"}
    assert token not in str(classes.state(code))  # what every page reads holds no token


@pytest.mark.parametrize("typed, shown", [
    ("  Ana  María ", "Ana María"),
    ("a\x00b\x1b[31mc\u202etxe", "a b [31mc txe"),  # controls and a bidi override dropped
    ("<script>alert(1)</script>", "<script>alert(1)</script>"[:C.MAX_NICKNAME]),
    ("x" * 500, "x" * C.MAX_NICKNAME),
    ("\n\t ", ""),
    (None, ""),
])
def test_nicknames_are_cleaned(typed, shown):
    assert C.clean_nickname(typed) == shown


def test_wrong_codes_are_limited_per_address_and_session(store):
    now = [6000.0]
    classes = Classes(store, clock=lambda: now[0])
    code, _ = classes.start()
    wrong = "Z" * C.CODE_LENGTH if code != "Z" * C.CODE_LENGTH else "Y" * C.CODE_LENGTH
    for i in range(C.FAILED_JOINS_PER_MINUTE):
        with pytest.raises(ClassError, match="No class"):
            classes.join(wrong, "x", address="9.9.9.9", session=f"s{i}")
    with pytest.raises(ClassError, match="Too many"):  # even the right code, from that address
        classes.join(code, "x", address="9.9.9.9", session="new")
    assert classes.join(code, "x", address="8.8.8.8", session="other")  # others are not blocked
    for _ in range(C.FAILED_JOINS_PER_MINUTE):
        with pytest.raises(ClassError, match="No class"):
            classes.join("nope", "x", address="7.7.7.7", session="one-session")
    with pytest.raises(ClassError, match="Too many"):  # the session, from a new address
        classes.join(code, "x", address="6.6.6.6", session="one-session")
    now[0] += 60  # the next minute
    assert classes.join(code, "x", address="9.9.9.9", session="new")


def test_many_students_behind_one_address_can_join(store):
    classes = Classes(store)
    code, _ = classes.start()
    for i in range(40):  # a school's NAT: successful joins do not count against the address
        classes.join(code, f"s{i}", address="school", session=f"s{i}")
    assert len(classes.members(code)) == 40


def test_a_class_has_a_maximum_size(store):
    classes = Classes(store)
    code, _ = classes.start()
    for i in range(C.MAX_MEMBERS):
        classes.join(code, "", address=f"a{i}", session=f"s{i}")
    with pytest.raises(ClassError, match="full"):
        classes.join(code, "late", address="z", session="z")
    assert len(classes.members(code)) == C.MAX_MEMBERS


def test_a_student_answers_once_and_only_as_themself(store):
    classes = Classes(store)
    code, token = classes.start()
    a = classes.join(code, "a", address="1", session="1")
    b = classes.join(code, "b", address="1", session="2")
    assert classes.answer(a, "q", 0, "v1", "cat")
    assert not classes.answer(a, "q", 0, "v1", "dog")  # a second answer is refused
    forged = C.Member(code, "made-up-id", "a")
    with pytest.raises(ClassError, match="not in this class"):
        classes.answer(forged, "q", 0, "v1", "dog")
    assert classes.answer(b, "q", 0, "v2", ["dog", "cow"])
    assert classes.answers(code, "q", 0) == {a.member_id: {"q": "v1", "a": "cat"},
                                             b.member_id: {"q": "v2", "a": ["dog", "cow"]}}
    with pytest.raises(ClassError, match="too long"):
        classes.answer(b, "q2", 0, "v", "x" * 1000)


def test_reveal_and_reset(store):
    classes = Classes(store)
    code, token = classes.start()
    a = classes.join(code, "a", address="1", session="1")
    classes.answer(a, "q", 0, "v", "cat")
    classes.reveal(code, token, "q")
    assert classes.state(code)["polls"]["q"] == {"round": 0, "revealed": True}
    with pytest.raises(ClassError, match="revealed"):  # no answering after the reveal
        classes.answer(classes.join(code, "b", address="1", session="2"), "q", 0, "v", "dog")
    classes.reset(code, token, "q")
    assert classes.state(code)["polls"]["q"] == {"round": 1, "revealed": False}
    with pytest.raises(ClassError):  # an answer to the old round
        classes.answer(a, "q", 0, "v", "dog")
    assert classes.answer(a, "q", 1, "v", "dog")  # asked again: a new answer
    assert classes.answers(code, "q", 1)[a.member_id]["a"] == "dog"


def test_only_the_teacher_acts(store):
    classes = Classes(store)
    code, token = classes.start()
    other_code, other_token = classes.start()
    student = classes.join(code, "a", address="1", session="1")
    for bad in ["", "x", other_token, student.member_id, code]:
        for act in (lambda t: classes.reveal(code, t, "q"), lambda t: classes.reset(code, t, "q"),
                    lambda t: classes.pause(code, t, True), lambda t: classes.end(code, t),
                    lambda t: classes.bring(code, t, "train", {}),
                    lambda t: classes.race(code, t, True)):
            with pytest.raises(NotTeacher):
                act(bad)
    assert classes.state(code)["v"] == 0 and classes.state(other_code) is not None
    classes.pause(code, token, True)
    classes.bring(code, token, "train", {"train_lr": "0.1"})
    state = classes.state(code)
    assert state["paused"] and state["bring"] == {"seq": 1, "page": "train",
                                                   "query": {"train_lr": "0.1"}}
    classes.end(code, token)
    assert classes.state(code) is None and classes.members(code) == {}
    with pytest.raises(ClassError, match="ended"):
        classes.answer(student, "q", 0, "v", "x")


def test_race_records_the_step_where_each_reached_the_target(store):
    classes = Classes(store)
    code, token = classes.start()
    a = classes.join(code, "a", address="1", session="1")
    assert classes.report(a, 5, 0.95, {"lr": 0.1}) is None  # no race on: nothing recorded
    classes.race(code, token, True)
    s = {"lr": 0.1, "batch": 64}
    last = None
    for step, acc in [(10, 0.5), (20, 0.91), (30, 0.85), (40, 0.97)]:
        last = classes.report(a, step, acc, s, last)
    board = classes.race_board(code, 1)[a.member_id]
    assert (board["step"], board["accuracy"], board["reached"]) == (40, 0.97, 20)
    last = classes.report(a, 3, 0.2, s, last)  # a new model (the step went back): count again
    assert last["reached"] is None
    last = classes.report(a, 9, float("nan"), {"lr": 3.0}, last)  # blew up: no accuracy
    assert last["accuracy"] is None and last["reached"] is None
    classes.race(code, token, True)  # a new race: an empty board
    assert classes.race_board(code, 2) == {}


def test_a_store_that_is_down_says_so():
    down = RedisStore(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    with pytest.raises(StoreDown, match="cannot be reached"):
        Classes(down).start()
    with pytest.raises(StoreDown):
        Classes(down).state("ABCDEF")


def test_the_join_code_space():
    assert C.CODE_SPACE == 31 ** 6 == 887_503_681

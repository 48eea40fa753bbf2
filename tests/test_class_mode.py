"""Class mode's pages (issue #29): a teacher and students as separate AppTest sessions sharing
this process's in-process store, the way one server serves a class."""

from __future__ import annotations

import pytest

import server.store
from server.classes import CLASS_SECONDS, MAX_NICKNAME
from server.store import MemoryStore, RedisStore
from tests.apptest_helpers import assert_clean, open_app, open_page
from tests.class_stores import free_port
from ui import class_mode

QUIZ = "words_quiz_numbers"


@pytest.fixture(autouse=True)
def fresh_store(monkeypatch):
    monkeypatch.setattr(server.store, "_store", MemoryStore())


def page_text(at) -> str:
    """Everything the page sends to the browser, as text (every element's protobuf)."""
    return "\n".join(str(node.proto) for node in at.main) + "\n".join(
        str(node.proto) for node in at.sidebar)


def start_class():
    teacher = open_app()
    teacher.button(key="class__start").click().run()
    assert_clean(teacher)
    return teacher, teacher.session_state["class__code"], teacher.session_state["class__token"]


def join(code: str, nickname: str = "", page: str = "words"):
    at = open_page(page)
    at.text_input(key="class__join_code").input(code.lower())
    at.text_input(key="class__join_name").input(nickname).run()
    at.button(key="class__join").click().run()
    assert_clean(at)
    return at


def test_a_student_joins_and_never_sees_the_teacher_token():
    teacher, code, token = start_class()
    assert token and len(code) == 6
    shown = page_text(teacher)
    join_links = [c.value for c in teacher.code if token not in c.value]
    assert any(f"class={code}" in v for v in join_links)  # the join link: the code only
    assert token in shown  # the private teacher link is on the teacher's own page
    student = join(code, "<b>Ana</b>\x07" + "x" * 40)
    assert student.session_state["class__role"] == "student"
    assert token not in page_text(student)
    nick = student.session_state["class__member"].nickname
    assert nick == ("<b>Ana</b> " + "x" * 40)[:MAX_NICKNAME]  # the bell: a space; cut
    assert any(nick in t.value for t in student.sidebar.text)  # shown as text, not Markdown
    teacher.toggle(key="class__names").set_value(True).run()
    assert "1 joined" in str([c.value for c in teacher.sidebar.caption])
    assert any(nick in t.value for t in teacher.sidebar.text)


def test_a_wrong_code_is_refused_with_a_message():
    start_class()
    student = join("ZZZZZZ")
    assert "class__role" not in student.session_state
    assert any("No class has this code" in i.value for i in student.sidebar.info)


def test_a_poll_from_answers_to_reveal():
    teacher, code, _ = start_class()
    teacher.switch_page("lessons/1_words_to_vectors.py").run()
    assert_clean(teacher)
    students = [join(code, f"s{i}") for i in range(3)]
    picks = []
    for i, s in enumerate(students):
        radio = s.radio(key=f"{QUIZ}__choice")
        pick = radio.options[i % 2]
        picks.append(pick)
        radio.set_value(radio.options[i % 2]).run()
        s.button(key=f"{QUIZ}__send").click().run()
        assert_clean(s)
        assert any("Your answer is in" in x.value for x in s.info)
        assert s.radio(key=f"{QUIZ}__choice").disabled  # no second answer
        assert not [b for b in s.button if b.key == f"{QUIZ}__send"]
    teacher.run()
    assert any("3 of 3 students answered" in m.value for m in teacher.markdown)
    fig = [c for c in teacher.get("plotly_chart") if "class_chart" in (c.proto.id or "")]
    import json

    bars = json.loads(fig[0].proto.spec)["data"][0]
    counts = dict(zip(bars["y"], bars["x"]))
    assert counts[picks[0]] == 2 and counts[picks[1]] == 1 and sum(counts.values()) == 3
    assert not [b for b in students[0].button if b.key == f"{QUIZ}__reveal"]  # students can't
    teacher.button(key=f"{QUIZ}__class_reveal").click().run()
    for s in students:
        s.session_state["class__state_at"] = 0  # as the page's follower would, a second later
        s.run()
        assert_clean(s)
        assert s.success or s.warning  # each sees whether they were right
    teacher.button(key=f"{QUIZ}__class_reset").click().run()
    s = students[0]
    s.session_state["class__state_at"] = 0
    s.run()
    assert not s.radio(key=f"{QUIZ}__choice").disabled  # asked again
    assert s.radio(key=f"{QUIZ}__choice").value is None


def test_pause_stops_a_students_play_and_says_why():
    teacher, code, _ = start_class()
    student = join(code, "p", page="train")
    teacher.button(key="class__pause").click().run()
    student.session_state["class__state_at"] = 0
    student.button(key="train__play").click().run()
    assert_clean(student)
    assert not student.session_state["train__playing"]
    assert any("paused the class" in w.value for w in student.warning)
    teacher.button(key="class__pause").click().run()  # resume
    student.session_state["class__state_at"] = 0
    student.button(key="train__play").click().run()
    assert student.session_state["train__playing"]


def test_the_teacher_ends_the_class_and_nothing_is_kept():
    teacher, code, token = start_class()
    student = join(code, "e")
    teacher.button(key="class__end").click().run()
    assert "class__role" not in teacher.session_state
    assert len(server.store._store) == 0 or all(
        not k.startswith("cls:") for k in server.store._store._data)
    student.session_state["class__state_at"] = 0
    student.run()
    assert "class__role" not in student.session_state
    assert any("ended" in i.value for i in student.sidebar.info)
    assert CLASS_SECONDS == 12 * 3600


def test_a_store_that_is_down_leaves_the_lessons_working(monkeypatch):
    monkeypatch.setattr(server.store, "_store", RedisStore(f"redis://127.0.0.1:{free_port()}/0"))
    at = open_page("words")
    at.button(key="class__start").click().run()
    assert_clean(at)
    assert any(class_mode.STORE_DOWN in w.value for w in at.sidebar.warning)
    at.radio(key=f"{QUIZ}__choice").set_value(at.radio(key=f"{QUIZ}__choice").options[0]).run()
    at.button(key=f"{QUIZ}__reveal").click().run()  # the quiz as without a class
    assert_clean(at)
    assert at.session_state[f"{QUIZ}__revealed"]


def test_poll_counts_and_figure():
    answers = {"a": {"q": "v", "a": "x"}, "b": {"q": "v", "a": "y"}, "c": {"q": "w", "a": "x"},
               "d": {"q": "v", "a": "x"}}
    assert class_mode.poll_counts(answers, "v", ["x", "y", "z"], False) == ([2, 1, 0], 3, 1)
    multi = {"a": {"q": "v", "a": ["x", "y"]}, "b": {"q": "v", "a": ["y"]}}
    assert class_mode.poll_counts(multi, "v", ["x", "y"], True) == ([1, 2], 2, 0)
    fig = class_mode.poll_figure(["x", "y"], [2, 1]).to_dict()
    assert fig["layout"]["font"]["size"] >= 14 and fig["data"][0]["textfont"]["size"] >= 14

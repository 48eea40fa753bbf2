"""A class: the teacher starts it, students join with a code, every question becomes a poll.

Everything a class holds lives in a :mod:`server.store` under ``cls:<code>:`` and expires with
the class (``CLASS_SECONDS``, or at once when the teacher ends it):

- ``token``: a SHA-256 of the teacher's secret token (the token itself is never stored);
- ``state``: one small JSON document every page polls (paused, "bring everyone" target,
  each poll's round and whether it is revealed, the race's round); only the teacher writes it;
- ``members`` (member id -> nickname) and ``count`` (joins so far, for the size limit and
  "student 7");
- ``poll:<key>:<round>``: member id -> that member's answer (written once);
- ``race:<round>``: member id -> step, accuracy, settings, the step where 0.9 was reached.

Abuse rules: a join code is 6 characters from 31 (``CODE_SPACE`` = 887,503,681 codes) and an
address or a session gets ``FAILED_JOINS_PER_MINUTE`` wrong codes a minute; every teacher action
needs the token; a member id is a secret only its own session holds; an answer is written
once; nicknames are cleaned (:func:`clean_nickname`); at most ``MAX_MEMBERS`` join.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import unicodedata
from dataclasses import dataclass

from server.store import Store

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a projector
CODE_LENGTH = 6
CODE_SPACE = len(CODE_ALPHABET) ** CODE_LENGTH
CLASS_SECONDS = 12 * 3600
MAX_MEMBERS = 200
MAX_NICKNAME = 24
MAX_ANSWER = 400  # characters of one stored answer (option labels)
FAILED_JOINS_PER_MINUTE = 10  # per address and per session
RACE_TARGET = 0.9  # neighbour accuracy the race is run to


class ClassError(Exception):
    """A request the class refuses; the message is for the person who made it."""


class NotTeacher(ClassError):
    pass


@dataclass(frozen=True)
class Member:
    code: str
    member_id: str
    nickname: str


def clean_code(text: str) -> str:
    """What a student typed as a code, upper-cased, spaces and dashes dropped."""
    return "".join(c for c in str(text).upper() if c not in " -\t")[: CODE_LENGTH * 2]


def clean_nickname(text: str | None) -> str:
    """A nickname as it will be shown (as text, never Markdown or HTML): control and format
    characters (including bidirectional overrides) dropped, white space collapsed, at most
    ``MAX_NICKNAME`` characters. May be "" (then the class names the student)."""
    text = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in str(text or ""))
    return " ".join(text.split())[:MAX_NICKNAME].strip()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Classes:
    """Every class on a store. ``clock`` is wall time (seconds)."""

    def __init__(self, store: Store, clock=time.time) -> None:
        self.store = store
        self.clock = clock

    # ---- keys and the shared state --------------------------------------------------------
    @staticmethod
    def _k(code: str, *parts: str) -> str:
        return ":".join(("cls", code, *parts))

    def _ttl(self, state: dict) -> int:
        return max(1, int(state["ends"] - self.clock()))

    def state(self, code: str) -> dict | None:
        """The class's shared state (None: no such class, or it ended). One key read."""
        raw = self.store.get(self._k(code, "state"))
        return json.loads(raw) if raw else None

    def _write_state(self, code: str, state: dict) -> dict:
        state["v"] += 1
        self.store.set(self._k(code, "state"), json.dumps(state), self._ttl(state))
        return state

    # ---- the teacher ----------------------------------------------------------------------
    def start(self) -> tuple[str, str]:
        """A new class: (join code, teacher token)."""
        token = secrets.token_urlsafe(24)
        now = self.clock()
        state = {"v": 0, "started": now, "ends": now + CLASS_SECONDS, "paused": False,
                 "bring": {"seq": 0, "page": "", "query": {}}, "polls": {},
                 "race": {"seq": 0, "on": False}}
        for _ in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if self.store.set(self._k(code, "state"), json.dumps(state), CLASS_SECONDS,
                              only_new=True):
                self.store.set(self._k(code, "token"), _hash(token), CLASS_SECONDS)
                return code, token
        raise ClassError("Could not find a free join code; try again.")

    def is_teacher(self, code: str, token: str | None) -> bool:
        stored = self.store.get(self._k(code, "token"))
        return bool(stored and token and hmac.compare_digest(stored, _hash(str(token))))

    def _teacher_state(self, code: str, token: str) -> dict:
        if not self.is_teacher(code, token):
            raise NotTeacher("Only the teacher can do that.")
        state = self.state(code)
        if state is None:
            raise ClassError("This class has ended.")
        return state

    def reveal(self, code: str, token: str, key: str) -> None:
        state = self._teacher_state(code, token)
        state["polls"].setdefault(key, {"round": 0, "revealed": False})["revealed"] = True
        self._write_state(code, state)

    def reset(self, code: str, token: str, key: str) -> None:
        """Ask the question again: a new round, nobody has answered it."""
        state = self._teacher_state(code, token)
        poll = state["polls"].setdefault(key, {"round": 0, "revealed": False})
        poll["round"] += 1
        poll["revealed"] = False
        self._write_state(code, state)

    def bring(self, code: str, token: str, page: str, query: dict[str, str]) -> None:
        """Send every student to ``page`` (a url_path) with the settings ``query``."""
        state = self._teacher_state(code, token)
        state["bring"] = {"seq": state["bring"]["seq"] + 1, "page": str(page),
                          "query": {str(k): str(v) for k, v in query.items()}}
        self._write_state(code, state)

    def pause(self, code: str, token: str, paused: bool) -> None:
        state = self._teacher_state(code, token)
        state["paused"] = bool(paused)
        self._write_state(code, state)

    def race(self, code: str, token: str, on: bool) -> None:
        """Start (a new round, an empty board) or stop the race on lesson 3."""
        state = self._teacher_state(code, token)
        if on:
            state["race"] = {"seq": state["race"]["seq"] + 1, "on": True}
        else:
            state["race"]["on"] = False
        self._write_state(code, state)

    def end(self, code: str, token: str) -> None:
        """End the class: every key it had is deleted now."""
        if not self.is_teacher(code, token):
            raise NotTeacher("Only the teacher can end the class.")
        self.store.delete_prefix(self._k(code, ""))

    # ---- students -------------------------------------------------------------------------
    def join(self, code: str, nickname: str | None, *, address: str, session: str) -> Member:
        """Join with a code; a wrong code counts against the address and the session."""
        minute = int(self.clock() // 60)
        limits = [f"rl:join:a:{address}:{minute}", f"rl:join:s:{session}:{minute}"]
        for k in limits:
            used = self.store.get(k)
            if used is not None and int(used) >= FAILED_JOINS_PER_MINUTE:
                raise ClassError("Too many wrong codes: wait a minute, then try again.")
        code = clean_code(code)
        state = self.state(code) if len(code) == CODE_LENGTH else None
        if state is None:
            for k in limits:
                self.store.incr(k, 120)
            raise ClassError("No class has this code (or it has ended). Check the code on "
                             "the projector.")
        n = self.store.incr(self._k(code, "count"), self._ttl(state))
        if n > MAX_MEMBERS:
            raise ClassError(f"This class is full ({MAX_MEMBERS} students).")
        name = clean_nickname(nickname) or f"student {n}"
        member = Member(code, secrets.token_urlsafe(12), name)
        self.store.hset(self._k(code, "members"), member.member_id, name, self._ttl(state))
        return member

    def members(self, code: str) -> dict[str, str]:
        return self.store.hgetall(self._k(code, "members"))

    def _member_state(self, member: Member) -> dict:
        state = self.state(member.code)
        if state is None:
            raise ClassError("This class has ended.")
        if member.member_id not in self.members(member.code):
            raise ClassError("You are not in this class.")
        return state

    def answer(self, member: Member, key: str, round_: int, version: str, answer) -> bool:
        """Record ``member``'s answer to the poll ``key`` (its round ``round_``; ``version``
        names which version of the question the student saw). False if already answered."""
        state = self._member_state(member)
        poll = state["polls"].get(key, {"round": 0, "revealed": False})
        if poll["round"] != round_ or poll["revealed"]:
            raise ClassError("This question has been revealed or asked again.")
        value = json.dumps({"q": str(version)[:64], "a": answer})
        if len(value) > MAX_ANSWER:
            raise ClassError("That answer is too long.")
        return self.store.hset(self._k(member.code, "poll", key, str(round_)), member.member_id,
                               value, self._ttl(state), only_new=True)

    def answers(self, code: str, key: str, round_: int) -> dict[str, dict]:
        """member id -> {"q": version, "a": answer} for the poll ``key``'s round ``round_``."""
        raw = self.store.hgetall(self._k(code, "poll", key, str(round_)))
        return {m: json.loads(v) for m, v in raw.items()}

    def report(self, member: Member, step: int, accuracy: float, settings: dict,
               previous: dict | None = None) -> dict | None:
        """A student's progress in the race (nothing when no race is on). ``previous`` is what
        this call returned last time (the student's session keeps it): the step where the
        accuracy first reached ``RACE_TARGET`` is kept while the settings stay and the step does
        not go back (a new model starts the count again). Returns what was written."""
        state = self.state(member.code)
        if state is None or not state["race"]["on"]:
            return None
        race = state["race"]["seq"]
        reached = None
        if (previous and previous.get("race") == race and previous["settings"] == settings
                and previous["step"] <= step):
            reached = previous["reached"]
        finite = accuracy == accuracy and abs(accuracy) != float("inf")
        if reached is None and finite and accuracy >= RACE_TARGET:
            reached = int(step)
        value = {"race": race, "step": int(step), "accuracy": float(accuracy) if finite else None,
                 "settings": settings, "reached": reached}
        self.store.hset(self._k(member.code, "race", str(race)), member.member_id,
                        json.dumps(value), self._ttl(state))
        return value

    def race_board(self, code: str, round_: int) -> dict[str, dict]:
        raw = self.store.hgetall(self._k(code, "race", str(round_)))
        return {m: json.loads(v) for m, v in raw.items()}

"""The lessons, described once: the router, the home page, the next-lesson links, the tests
and the README's lesson table all read this list.

Plain data, no Streamlit, so tests, benchmarks and ``python -m embedviz.lessons`` (which
prints the README's table) can read it without starting the app. docs/adding-a-lesson.md
says how to add one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOME_FILE = "lessons/0_home.py"  # the "Start here" page: not a lesson, so not in LESSONS


@dataclass(frozen=True)
class Lesson:
    number: int
    title: str  # what the sidebar and the links say after "N · "
    url_path: str  # the page's address: /words
    file: str  # relative to the repository root: lessons/<number>_<name>.py
    icon: str  # a Material Symbols name, as st.Page takes it
    question: str  # the question the lesson answers, on the home page and in the README
    shows: str  # what the student does there, in one line, for the README
    minutes: int  # about how long a student takes
    uses_lesson_3_model: bool  # the page reads the model the student trained in lesson 3

    @property
    def label(self) -> str:
        return f"{self.number} · {self.title}"


LESSONS: tuple[Lesson, ...] = (
    Lesson(1, "Words to vectors", "words", "lessons/1_words_to_vectors.py",
           ":material/text_fields:",
           "How does a sentence become a matrix of numbers?",
           "tokens, IDs (`[PAD]`, `[UNK]`), the rows of the matrix lit up, the `seq_len × dim` "
           "output; why not integer IDs or one-hot",
           10, False),
    Lesson(2, "One-hot × W = lookup", "onehot", "lessons/2_onehot_lookup.py",
           ":material/grid_on:",
           "Why is a lookup the same as multiplying one-hot vectors by W, and cheaper?",
           "the equality forward and backward, and the cost up to GPT-2's 50,257 × 768",
           10, False),
    Lesson(3, "Train it live", "train", "lessons/3_train_live.py",
           ":material/play_circle:",
           "How does training put words of the same kind near each other?",
           "Play / Pause / Step on a small word2vec model; the map, the loss and the neighbours",
           15, False),
    Lesson(4, "Gradients touch only the batch", "gradients", "lessons/4_gradients.py",
           ":material/gradient:",
           "Which rows does one training step change, and which optimizers move others?",
           "one backward pass's gradient rows; SGD, momentum, Adam, AdamW and SparseAdam",
           10, True),
    Lesson(5, "Explore the space", "space", "lessons/5_explore_space.py",
           ":material/scatter_plot:",
           "What does the learned space look like, and what do GloVe's 400,000 words show?",
           "PCA and t-SNE, neighbours (click a point), similarity, analogies",
           15, True),
    Lesson(6, "Start from GloVe: frozen or fine-tuned?", "pretrained",
           "lessons/6_pretrained_start.py", ":material/ac_unit:",
           "Should a model start from GloVe, and should those vectors stay frozen?",
           "random, frozen GloVe and fine-tuned GloVe trained side by side; which rows moved",
           15, False),
    Lesson(7, "Words it has never seen", "subwords", "lessons/7_unknown_words.py",
           ":material/extension:",
           "What happens to a word the vocabulary has never seen?",
           "`[UNK]`, byte-pair merges built live, a real WordPiece vocabulary",
           15, False),
    Lesson(8, "How many numbers per word?", "sizes", "lessons/8_embedding_size.py",
           ":material/straighten:",
           "How many numbers per word are enough, and what do they cost?",
           "a dimension sweep, real models' embedding tables, a size calculator",
           10, False),
    Lesson(9, "Where is each word?", "positions", "lessons/9_positions.py",
           ":material/format_list_numbered:",
           "How does a model know where each word stands?",
           "order blindness, sinusoidal vs learned positions trained side by side",
           15, False),
    Lesson(10, "What reads the vectors", "readers", "lessons/10_what_reads.py",
           ":material/menu_book:",
           "What reads the vectors next, and can one row per word be enough?",
           "an RNN reading token by token; static vs contextual vectors in all-MiniLM-L6-v2",
           15, False),
)


def by_url_path(url_path: str | None) -> Lesson | None:
    return next((lesson for lesson in LESSONS if lesson.url_path == url_path), None)


def next_lesson(lesson: Lesson) -> Lesson | None:
    """The lesson after ``lesson`` on the path, or None after the last one."""
    i = LESSONS.index(lesson)
    return LESSONS[i + 1] if i + 1 < len(LESSONS) else None


def total_minutes(lessons: tuple[Lesson, ...] = LESSONS) -> int:
    return sum(lesson.minutes for lesson in lessons)


def problems(lessons: tuple[Lesson, ...] = LESSONS, root: Path = ROOT) -> list[str]:
    """Why this list and the files in ``lessons/`` disagree; empty when they agree."""
    found = []
    numbers = [lesson.number for lesson in lessons]
    if numbers != list(range(1, len(lessons) + 1)):
        found.append(f"lessons are numbered {numbers}, not 1 to {len(lessons)} in order")
    for field in ("url_path", "file", "title"):
        values = [getattr(lesson, field) for lesson in lessons]
        found += [f"two lessons have the {field} {v!r}" for v in sorted(set(values))
                  if values.count(v) > 1]
    for lesson in lessons:
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", lesson.url_path):
            found.append(f"lesson {lesson.number}'s url_path {lesson.url_path!r} is not a "
                         "lower-case word")
        if not re.fullmatch(rf"lessons/{lesson.number}_\w+\.py", lesson.file):
            found.append(f"lesson {lesson.number}'s file {lesson.file} is not "
                         f"lessons/{lesson.number}_<name>.py")
        if not (root / lesson.file).is_file():
            found.append(f"lesson {lesson.number} ({lesson.title}): no file {lesson.file}")
    listed = {lesson.file for lesson in lessons} | {HOME_FILE}
    for path in sorted((root / "lessons").glob("*.py")):
        name = path.relative_to(root).as_posix()
        if name not in listed:
            found.append(f"{name} is not in embedviz/lessons.py's LESSONS: the app would "
                         "never show it")
    return found


def readme_table(lessons: tuple[Lesson, ...] = LESSONS) -> str:
    """The README's lesson table (``python -m embedviz.lessons`` prints it)."""
    rows = ["| # | lesson (address) | the question it answers | what the student does | "
            "min |", "|---|---|---|---|---|"]
    for lesson in lessons:
        model = " (uses the lesson-3 model)" if lesson.uses_lesson_3_model else ""
        rows.append(f"| {lesson.number} | {lesson.title} (`/{lesson.url_path}`) | "
                    f"{lesson.question} | {lesson.shows}{model} | {lesson.minutes} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(readme_table())

"""The README stays short and true: at most 150 lines, every link into the repository
resolves (docs/ pages and their #sections), and its lesson table is the registry's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from embedviz import lessons

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MAX_LINES = 150
TABLE_START = "<!-- lesson table: printed by `python -m embedviz.lessons` from embedviz/lessons.py -->"
TABLE_END = "<!-- end of lesson table -->"
# Written on other branches at the same time as this test (issue #27); once merged they are
# checked like every other link. A link to a file missing from this set always fails.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def links(markdown: str) -> list[str]:
    """The targets of the Markdown links and images, outside code blocks."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    return LINK.findall(text)


def heading_anchors(markdown: str) -> set[str]:
    """The #anchors GitHub gives a file's headings."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    anchors = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    """Links of ``page`` into the repository whose file or #section does not exist."""
    broken = []
    for target in links(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        name = file.relative_to(root).as_posix() if file.is_relative_to(root) else str(file)
        if not file.exists():
            broken.append(f"{target}: no file {name}")
        elif anchor and file.suffix == ".md":
            if anchor not in heading_anchors(file.read_text(encoding="utf-8")):
                broken.append(f"{target}: no heading #{anchor} in {name}")
    return broken


def test_readme_is_at_most_150_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_LINES, (
        f"README.md has {len(lines)} lines: put measurements and decisions in docs/")


def test_readme_links_every_docs_page_it_names_and_they_resolve():
    targets = links(README.read_text(encoding="utf-8"))
    docs = {t.partition("#")[0] for t in targets if t.startswith("docs/")}
    assert {"docs/install.md", "docs/teaching.md", "docs/capacity.md", "docs/benchmarks.md",
            "docs/decisions.md", "docs/architecture.md", "docs/adding-a-lesson.md"} <= docs
    assert broken_links(README) == []


@pytest.mark.parametrize("page", sorted((ROOT / "docs").glob("*.md")), ids=lambda p: p.name)
def test_links_in_docs_resolve(page):
    assert broken_links(page) == []


def test_readme_lesson_table_is_the_registrys():
    text = README.read_text(encoding="utf-8")
    assert TABLE_START in text and TABLE_END in text
    table = text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    assert table == lessons.readme_table(), (
        "README's lesson table differs from embedviz/lessons.py: paste the output of "
        "`python -m embedviz.lessons` between the table's markers")


def test_broken_links_are_found(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Some part, 2026\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/a.md) [ok](docs/a.md#some-part-2026) [web](https://example.org/x)\n"
        "```\n[in code](docs/nowhere.md)\n```\n"
        "[gone](docs/gone.md) [no part](docs/a.md#other-part)\n")
    assert broken_links(page, root=tmp_path) == [
        "docs/gone.md: no file docs/gone.md",
        "docs/a.md#other-part: no heading #other-part in docs/a.md"]

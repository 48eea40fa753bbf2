"""The project's own rules, checked: the core never imports Streamlit; the code is lint-clean."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_core_never_imports_streamlit():
    offenders = []
    for path in (ROOT / "embedviz").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "streamlit"]
    assert not offenders


def test_core_imports_in_a_fresh_interpreter_without_streamlit():
    code = (
        "import sys; sys.modules['streamlit'] = None\n"  # any import of streamlit would fail
        "import pkgutil, importlib, embedviz\n"
        "for m in pkgutil.walk_packages(embedviz.__path__, 'embedviz.'):\n"
        "    importlib.import_module(m.name)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_no_page_uses_unsafe_html():
    lessons = sorted((ROOT / "lessons").glob("*.py"))
    assert len(lessons) >= 6  # home + five lessons
    for path in [ROOT / "app.py", *lessons, *(ROOT / "ui").glob("*.py")]:
        assert "unsafe_allow_html=True" not in path.read_text(encoding="utf-8"), path


def test_there_is_no_pages_folder():
    # Streamlit auto-discovers a `pages/` folder next to app.py and serves the first deep link
    # after a cold start from it, bypassing app.py's router and error guard. Lessons live in
    # `lessons/` so that st.navigation is the only page list.
    assert not (ROOT / "pages").exists()


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -r requirements-dev.txt)")
    result = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_end_early_with_end_page_not_st_stop():
    # app.py runs each page inside a "Working…" spinner; after st.stop() Streamlit drops the
    # spinner's "clear" message, so a slow page that stopped kept a spinner counting forever
    # (issue #27). Pages end early with ui.guard.end_page(), which app.py catches.
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in [*(ROOT / "lessons").glob("*.py"), *(ROOT / "ui").glob("*.py")]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr == "stop" and getattr(node.func.value, "id", None) == "st"
    ]
    assert not offenders

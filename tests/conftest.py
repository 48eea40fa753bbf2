import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["EMBEDVIZ_STRICT"] = "1"  # errors fail the tests instead of becoming polite messages
# Shared long work (embedviz.shared_work) runs in the page's run in tests, so a page shows its
# result in one AppTest run; tests/test_shared_work.py tests the background worker itself.
os.environ.setdefault("EMBEDVIZ_WORK", "inline")
os.chdir(ROOT)  # AppTest and st.Page resolve paths from the app's folder

import torch  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def bad_inputs():
    """The shared list of hostile inputs, expanded into (name, text) pairs."""
    import json

    path = ROOT.parent / "shared" / "bad_inputs.json"
    if not path.exists():
        path = ROOT / "tests" / "bad_inputs.json"
    cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
    out = []
    for c in cases:
        if "text" in c:
            out.append((c["name"], c["text"]))
        elif "repeat" in c:
            out.append((c["name"], c["repeat"] * c["times"]))
        elif c.get("generate") == "distinct-words":
            out.append((c["name"], " ".join(f"w{i}" for i in range(c["count"]))))
    return out

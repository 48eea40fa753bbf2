"""The install files: what README command 1 and 2, Community Cloud and the Dockerfile read.

requirements.txt must install from PyPI alone (no local version label, no extra index) and
carry no CUDA pins; requirements-dev.txt must agree with it; Pipfile (Community Cloud) must
carry exactly requirements.txt's pins, with torch alone from PyTorch's CPU index. All three are
written by deploy/relock.sh; these tests catch a hand edit or a re-lock that went wrong.
`python bench/install.py` measures the installs themselves (they need the network).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$", re.M)
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _pins(name: str) -> dict[str, str]:
    return {k.lower(): v for k, v in PIN.findall((ROOT / name).read_text(encoding="utf-8"))}


def _lines(name: str) -> list[str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def test_app_lock_installs_from_pypi_alone():
    for line in _lines("requirements.txt"):
        # Only pins: an option line (--extra-index-url, --find-links, -i ...) would make pip ask
        # another host for every package, and retry each where that host is unreachable.
        assert PIN.match(line), f"requirements.txt: not a plain pin: {line!r}"
    pins = _pins("requirements.txt")
    # PyPI has no local versions (+cpu): the pin must be the public version.
    assert all("+" not in v for v in pins.values()), {k: v for k, v in pins.items() if "+" in v}
    assert "torch" in pins
    # Resolved against the CPU wheel: no CUDA package is pinned (PyPI's Linux torch still pulls
    # its own on a machine without the CPU wheel; that is the user's choice of index).
    assert not [p for p in pins if p.startswith(("nvidia-", "triton", "cuda-"))]


def test_torch_pin_selects_the_cpu_wheel_where_pip_sees_it():
    # The reason the lock can say torch==X: X+cpu matches ==X (PEP 440 ignores the local label
    # of a candidate when the specifier has none), and sorts above X, so pip, choosing the
    # highest matching version, takes the CPU wheel when both are visible.
    version = _pins("requirements.txt")["torch"]
    spec, cpu, public = SpecifierSet(f"=={version}"), Version(f"{version}+cpu"), Version(version)
    assert spec.contains(cpu) and spec.contains(public)
    assert cpu > public


def test_dev_lock_agrees_with_the_app_lock():
    app, dev = _pins("requirements.txt"), _pins("requirements-dev.txt")
    assert set(app) <= set(dev), sorted(set(app) - set(dev))
    assert {k: dev[k] for k in app if dev[k] != app[k]} == {}
    assert not [p for p in dev if p.startswith(("nvidia-", "triton", "cuda-"))]
    assert "kubernetes-validate" in dev  # tests/test_deploy_k8s.py's offline schemas


def test_pipfile_has_the_app_lock_and_torch_from_the_cpu_index_only():
    pipfile = tomllib.loads((ROOT / "Pipfile").read_text(encoding="utf-8"))
    sources = {s["name"]: s["url"] for s in pipfile["source"]}
    assert sources == {"pypi": "https://pypi.org/simple", "pytorch-cpu": CPU_INDEX}
    # pypi first: pipenv's default index for every package without an `index` key.
    assert pipfile["source"][0]["name"] == "pypi"
    packages = pipfile["packages"]
    on_cpu_index = [k for k, v in packages.items() if isinstance(v, dict) and v.get("index")]
    assert on_cpu_index == ["torch"] and packages["torch"]["index"] == "pytorch-cpu"
    as_pins = {
        k.lower(): (v["version"] if isinstance(v, dict) else v).removeprefix("==")
        for k, v in packages.items()
    }
    assert as_pins == _pins("requirements.txt")


def test_dockerfile_builds_from_a_mirror_and_stays_cpu_only():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    # A "# syntax=" directive makes BuildKit pull a frontend image from Docker Hub.
    assert not re.search(r"^#\s*syntax\s*=", text, re.M | re.I)
    run = re.search(r"^RUN set -eu;.*?(?=^\S)", text, re.M | re.S).group(0)
    torch_step = run.index("--no-deps --index-url \"$TORCH_INDEX_URL\"")
    assert torch_step < run.index("-r requirements.txt")
    assert "grep -i -E '^(nvidia-|triton=)'" in run
    assert f"ARG TORCH_INDEX_URL={CPU_INDEX}" in text


def test_compose_file_reads_in_compose_v1_and_v2_and_rotates_logs():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    # docker-compose 1.29 (Debian 12) rejects a top-level `name:`.
    assert set(compose) <= {"services", "volumes", "networks", "configs", "secrets"} | {
        k for k in compose if k.startswith("x-")
    }
    for name, svc in compose["services"].items():
        assert svc["restart"] in ("always", "unless-stopped"), name
        assert svc["logging"]["driver"] == "json-file", name
        assert re.fullmatch(r"\d+[kmg]", svc["logging"]["options"]["max-size"]), name

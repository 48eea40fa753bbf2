"""README command 1's install, timed in fresh virtual environments, as a new user and as we do.

    python bench/install.py                    dry runs and full installs, 1 round
    python bench/install.py --rounds 3         3 interleaved rounds (min/median/max)
    python bench/install.py --dry-run-only     resolution only (no wheel is installed)
    python bench/install.py --full-only        full installs only
    python bench/install.py --side-by-side     baseline and local dry runs at the same time,
                                               and whether they install the same files
    python bench/install.py --baseline REV     today's figures against REV's requirements.txt
                                               (default: the parent of the commit that made
                                               torch's pin installable from PyPI)

Variants, each in a new venv (python3.11 -m venv) with an empty pip cache (PIP_NO_CACHE_DIR):
  pypi-only  what a new user's machine sees: pip's config files and PIP_FIND_LINKS ignored
             (PIP_CONFIG_FILE=/dev/null), so PyPI alone; on Linux x86-64 that is torch's CUDA
             build and its nvidia-* wheels
  local      this machine's pip config (find-links with the CPU wheel of torch, extra indexes)
  baseline   `local` with the baseline revision's requirements.txt (torch==X+cpu)

Prints, per variant: seconds (min/median/max over rounds), whether it succeeded, packages
installed, CUDA packages among them, venv size; and the ratio of each variant's median to the
baseline's. Needs the network (PyPI) and, for `local`, this machine's pip config; about 5 GB of
free disk for the pypi-only venv, removed after each round.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CUDA_PREFIXES = ("nvidia-", "nvidia_", "triton", "cuda-", "cuda_")
DEFAULT_BASELINE = "b9700a8^"  # requirements.txt with torch==2.13.0+cpu


def _env(variant: str) -> dict[str, str]:
    env = dict(os.environ, PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    if variant == "pypi-only":
        for key in [k for k in env if k.startswith("PIP_") and k not in (
                "PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_CERT",
                "PIP_DEFAULT_TIMEOUT")]:
            del env[key]
        # No config file at all: no find-links, no extra index, no global constraint.
        env["PIP_CONFIG_FILE"] = os.devnull
    return env


def _du(path: Path) -> int:
    out = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0])


def _run_once(variant: str, requirements: Path, dry_run: bool, python: str) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"embedviz-install-{variant}-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip"]
        report = Path(tmp) / "report.json"
        cmd = [*pip, "install", "-q", "-r", str(requirements)]
        if dry_run:
            cmd += ["--dry-run", "--ignore-installed", "--report", str(report)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=_env(variant), capture_output=True, text=True, cwd=tmp)
        seconds = time.perf_counter() - t0
        result = {"seconds": seconds, "ok": proc.returncode == 0}
        if proc.returncode != 0:
            result["error"] = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            return result
        if dry_run:
            items = json.loads(report.read_text())["install"]
            names = [f"{i['metadata']['name']}=={i['metadata']['version']}" for i in items]
            result["files"] = sorted(i["download_info"]["url"] for i in items)
        else:
            listed = subprocess.run([*pip, "list", "--format=freeze"], capture_output=True,
                                    text=True, check=True, env=_env(variant)).stdout.split()
            names = [n for n in listed if not n.lower().startswith(("pip==", "setuptools=="))]
            result["venv_bytes"] = _du(venv)
            site = next((venv / "lib").glob("python3*/site-packages"))
            cuda_dirs = [p for p in site.iterdir()
                         if p.is_dir() and p.name.lower().startswith(("nvidia", "triton"))]
            result["cuda_bytes"] = sum(_du(p) for p in cuda_dirs)
        result["packages"] = len(names)
        result["torch"] = next((n for n in names if n.lower().startswith("torch==")), None)
        result["cuda"] = sorted(n for n in names if n.lower().startswith(CUDA_PREFIXES))
        return result


def _download_mb(urls: list[str]) -> float:
    """Size of these files (HEAD requests to where pip would download them), in MB."""
    import urllib.request  # noqa: PLC0415
    total = 0
    for url in urls:
        if url.startswith("file:"):
            total += Path(urllib.request.url2pathname(url[5:])).stat().st_size
            continue
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=30) as r:
            total += int(r.headers["Content-Length"])
    return total / 1e6


def _summary(label: str, runs: list[dict], base_median: float | None) -> None:
    ok = [r for r in runs if r["ok"]]
    secs = sorted(r["seconds"] for r in ok)
    if not ok:
        print(f"  {label:<10} FAILED: {runs[-1].get('error')}")
        return
    med = statistics.median(secs)
    line = (f"  {label:<10} {med:7.1f} s median  [{secs[0]:.1f} - {secs[-1]:.1f}] over "
            f"{len(secs)}/{len(runs)} ok  {ok[-1]['torch']}  {ok[-1]['packages']} packages, "
            f"{len(ok[-1]['cuda'])} CUDA")
    if "venv_bytes" in ok[-1]:
        line += (f"  venv {ok[-1]['venv_bytes'] / 1e9:.2f} GB"
                 f" (CUDA libraries {ok[-1]['cuda_bytes'] / 1e9:.2f} GB)")
    if base_median:
        line += f"  ratio to baseline {med / base_median:.2f}"
    print(line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--dry-run-only", action="store_true")
    ap.add_argument("--full-only", action="store_true", help="full installs only, no dry runs")
    ap.add_argument("--side-by-side", action="store_true",
                    help="dry runs of baseline and local at the same time (same machine load), "
                         "and whether they would install the same files")
    ap.add_argument("--baseline", default=DEFAULT_BASELINE)
    ap.add_argument("--variants", default="baseline,local,pypi-only")
    ap.add_argument("--python", default=shutil.which("python3.11") or sys.executable)
    args = ap.parse_args()
    variants = args.variants.split(",")

    with tempfile.TemporaryDirectory() as tmp:
        base_req = Path(tmp) / "requirements-baseline.txt"
        base_req.write_text(subprocess.run(
            ["git", "show", f"{args.baseline}:requirements.txt"], cwd=ROOT, check=True,
            capture_output=True, text=True).stdout)
        reqs = {"baseline": base_req, "local": ROOT / "requirements.txt",
                "pypi-only": ROOT / "requirements.txt"}
        if args.side_by_side:
            from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415
            for r in range(args.rounds):
                with ThreadPoolExecutor(2) as pool:
                    futs = {v: pool.submit(_run_once, "local", reqs[v], True, args.python)
                            for v in ("baseline", "local")}
                    res = {v: f.result() for v, f in futs.items()}
                b, n = res["baseline"], res["local"]
                print(f"side by side, round {r + 1}: baseline {b['seconds']:.1f} s, local "
                      f"{n['seconds']:.1f} s, ratio {n['seconds'] / b['seconds']:.2f}; same "
                      f"files to install: {b.get('files') == n.get('files')} "
                      f"({len(n.get('files', []))} files, torch {n.get('torch')})")
            return 0
        modes = [True] if args.dry_run_only else [False] if args.full_only else [True, False]
        print(f"python: {args.python}; baseline: {args.baseline}:requirements.txt; "
              f"rounds: {args.rounds}; disk free: "
              f"{shutil.disk_usage(tempfile.gettempdir()).free / 1e9:.0f} GB")
        for dry in modes:
            runs: dict[str, list[dict]] = {v: [] for v in variants}
            for r in range(args.rounds):
                # Interleaved, and the order turned each round.
                order = variants if r % 2 == 0 else variants[::-1]
                for v in order:
                    res = _run_once(v if v != "baseline" else "local", reqs[v], dry, args.python)
                    runs[v].append(res)
                    size = (f"  venv {res['venv_bytes'] / 1e9:.2f} GB, CUDA libraries "
                            f"{res['cuda_bytes'] / 1e9:.2f} GB" if "venv_bytes" in res else "")
                    print(f"    round {r + 1} {v:<10} {'ok' if res['ok'] else 'FAILED'} "
                          f"{res['seconds']:.1f} s{size}", file=sys.stderr, flush=True)
            print(("pip install --dry-run -r requirements.txt" if dry else
                   "pip install -r requirements.txt (full install)") + ", fresh venv:")
            base = [r["seconds"] for r in runs.get("baseline", []) if r["ok"]]
            base_median = statistics.median(base) if base else None
            for v in variants:
                _summary(v, runs[v], base_median if v != "baseline" else None)
            for v in variants:
                ok = [r for r in runs[v] if r["ok"]]
                if ok and ok[-1]["cuda"]:
                    print(f"    {v}: CUDA packages: {' '.join(ok[-1]['cuda'])}")
                if dry and ok and ok[-1].get("files"):
                    files = ok[-1]["files"]
                    heavy = [u for u in files if Path(u.split("#")[0]).name.lower().startswith(
                        ("torch-", "nvidia", "triton", "cuda"))]
                    print(f"    {v}: download {_download_mb(files):,.0f} MB in all, of which "
                          f"torch and CUDA wheels {_download_mb(heavy):,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

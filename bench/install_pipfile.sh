#!/usr/bin/env bash
# What Community Cloud's pipenv does with our Pipfile, as far as this machine can show it:
# `pipenv lock` of a copy of Pipfile in which PyTorch's CPU index (unreachable here) is replaced
# by a stand-in index on loopback serving the one torch X+cpu wheel from WHEEL_DIR. Everything
# else comes from PyPI, with pip's config files and PIP_FIND_LINKS ignored (a user's machine).
#
#   bench/install_pipfile.sh            WHEEL_DIR=/opt/wheels by default
#
# Prints the time of `pipenv lock`, torch's locked version and index, the packages locked from
# each index, and the CUDA packages among them (there must be none). Writes only under a
# temporary directory (pipenv from PyPI in its own venv), removed at the end.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
wheels="${WHEEL_DIR:-/opt/wheels}"
torch_version="$(sed -n 's/^torch==//p' "$repo/requirements.txt")"
wheel="$(ls "$wheels"/torch-"$torch_version"+cpu-*.whl 2>/dev/null | head -n 1)"
[ -n "$wheel" ] || { echo "install_pipfile.sh: no torch-$torch_version+cpu wheel in $wheels" >&2; exit 1; }
py="$(command -v python3.11 || command -v python3)"

tmp="$(mktemp -d -t embedviz-pipfile.XXXXXX)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
unset PIP_FIND_LINKS PIP_EXTRA_INDEX_URL PIP_INDEX_URL PIP_CONSTRAINT

mkdir -p "$tmp/index/torch" "$tmp/project"
ln -s "$wheel" "$tmp/index/torch/"
port="$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$py" -m http.server "$port" --bind 127.0.0.1 --directory "$tmp/index" >"$tmp/http.log" 2>&1 &
server=$!
# (Two passes: lines read by `n` skip the other expressions.) The stand-in is plain http.
sed -e '/name = "pytorch-cpu"/{n;n;s/verify_ssl = true/verify_ssl = false/}' "$repo/Pipfile" \
  | sed -e "s#https://download.pytorch.org/whl/cpu#http://127.0.0.1:$port/#" >"$tmp/project/Pipfile"
grep -q "127.0.0.1:$port" "$tmp/project/Pipfile" || { echo "install_pipfile.sh: index not replaced" >&2; exit 1; }

"$py" -m venv "$tmp/pipenv-venv"
"$tmp/pipenv-venv/bin/pip" install -q pipenv
echo "pipenv: $("$tmp/pipenv-venv/bin/pipenv" --version)"

cd "$tmp/project"
start=$SECONDS
PIPENV_VENV_IN_PROJECT=1 PIPENV_YES=1 PIPENV_NOSPIN=1 PIPENV_IGNORE_VIRTUALENVS=1 \
  "$tmp/pipenv-venv/bin/pipenv" lock --python "$py" >"$tmp/lock.log" 2>&1 \
  || { tail -n 30 "$tmp/lock.log" >&2; exit 1; }
echo "pipenv lock: $((SECONDS - start)) s (stand-in CPU index on loopback, PyPI for the rest)"

"$py" - Pipfile.lock <<'PY'
import json, sys
lock = json.load(open(sys.argv[1]))["default"]
torch = lock["torch"]
by_index = {}
for name, entry in lock.items():
    by_index.setdefault(entry.get("index", "?"), []).append(name)
cuda = sorted(n for n in lock if n.startswith(("nvidia", "triton", "cuda")))
print(f"torch {torch['version']} from index {torch.get('index')!r}")
for index, names in sorted(by_index.items()):
    print(f"  {index}: {len(names)} packages" + (f" ({', '.join(names)})" if len(names) < 4 else ""))
print(f"CUDA packages locked: {cuda or 'none'}")
ok = torch["version"].endswith("+cpu") and by_index.get("pytorch-cpu") == ["torch"] and not cuda
sys.exit(0 if ok else 1)
PY

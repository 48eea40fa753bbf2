#!/usr/bin/env bash
# Build the Dockerfile and report: build time, image size, whether the container becomes
# healthy (and how fast), torch's build inside, CUDA packages inside (must be 0).
#
#   bench/install_image.sh                       base python:3.11-slim, PyTorch's CPU index
#   BASE_IMAGE=IMG TORCH_INDEX_URL=URL bench/install_image.sh
#   STANDIN=1 bench/install_image.sh             this machine: no image can be pulled and
#                                                PyTorch's index is unreachable, so build a
#                                                stand-in base (Debian 12 + its Python 3.11,
#                                                mmdebstrap) and serve /opt/wheels' CPU wheel
#                                                on loopback as the torch index
#
# Needs a running Docker engine (here: dockerd --iptables=false --bridge=none, so the build and
# the container use the host's network). NO_CACHE=1 adds --no-cache. The container runs with a
# read-only root (tmpfs /tmp and home), as deploy/k8s/embedviz.yaml runs it, on PORT (8501).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
docker_bin="${DOCKER:-docker}"
port="${PORT:-8501}"
tag="${TAG:-embedviz:bench}"
tmp="$(mktemp -d -t embedviz-image.XXXXXX)"
server=""
name="embedviz-bench-$$"
cleanup() {
  "$docker_bin" rm -f "$name" >/dev/null 2>&1 || true
  [ -n "$server" ] && kill "$server" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

base="${BASE_IMAGE:-python:3.11-slim}"
index="${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"
if [ "${STANDIN:-0}" = 1 ]; then
  base=embedviz-standin-base:bookworm-py311-ca
  if ! "$docker_bin" image inspect "$base" >/dev/null 2>&1; then
    command -v mmdebstrap >/dev/null || apt-get install -y -q mmdebstrap
    # Debian's pip refuses system installs (PEP 668); the official image has no such marker.
    # The host's CA bundle goes in too: this machine reaches PyPI through a proxy with its own CA.
    mmdebstrap --quiet --variant=minbase --include=python3,python3-pip,python-is-python3,ca-certificates \
      --customize-hook='rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED' \
      --customize-hook='cat /etc/ssl/certs/ca-certificates.crt > "$1"/etc/ssl/certs/ca-certificates.crt' \
      bookworm "$tmp/base.tar"
    "$docker_bin" import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      "$tmp/base.tar" "$base" >/dev/null
  fi
  version="$(sed -n 's/^torch==//p' "$repo/requirements.txt")"
  mkdir -p "$tmp/index/torch"
  ln -s /opt/wheels/torch-"$version"+cpu-*.whl "$tmp/index/torch/"
  iport="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  python3 -m http.server "$iport" --bind 127.0.0.1 --directory "$tmp/index" >/dev/null 2>&1 &
  server=$!
  index="http://127.0.0.1:$iport/"
fi
echo "base image: $base ($("$docker_bin" image inspect --format '{{.Size}}' "$base" 2>/dev/null | awk '{printf "%.0f MB", $1/1e6}' || echo "not here yet"))"
echo "torch index: $index"

cache=()
[ "${NO_CACHE:-0}" = 1 ] && cache=(--no-cache)
start=$(date +%s.%N)
DOCKER_BUILDKIT=1 "$docker_bin" build -q "${cache[@]}" --network host \
  --build-arg BASE_IMAGE="$base" --build-arg TORCH_INDEX_URL="$index" -t "$tag" "$repo" >/dev/null
end=$(date +%s.%N)
printf 'build: %.0f s%s; load average %s\n' "$(echo "$end - $start" | bc)" \
  "$([ "${NO_CACHE:-0}" = 1 ] && echo ' (no cache)' || echo ' (layer cache allowed)')" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
"$docker_bin" image inspect --format '{{.Size}}' "$tag" | awk '{printf "image: %.2f GB\n", $1/1e9}'

start=$(date +%s.%N)
"$docker_bin" run -d --name "$name" --network host --read-only --tmpfs /tmp \
  --tmpfs /home/embedviz "$tag" streamlit run app.py --server.port "$port" \
  --server.address 127.0.0.1 --server.headless true >/dev/null
for _ in $(seq 240); do
  if python3 -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:$port/_stcore/health', timeout=2).status != 200)" 2>/dev/null; then
    printf 'healthy after %.1f s (read-only root)\n' "$(echo "$(date +%s.%N) - $start" | bc)"
    break
  fi
  sleep 0.5
done
"$docker_bin" exec "$name" python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
echo "CUDA packages in the image: $("$docker_bin" exec "$name" sh -c 'python -m pip list --format=freeze 2>/dev/null | grep -c -i -E "^(nvidia-|triton=)" || true')"

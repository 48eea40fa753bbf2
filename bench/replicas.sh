#!/usr/bin/env bash
# K Streamlit replicas of embedviz behind nginx with cookie-based session affinity, on this
# machine, without Docker: the same nginx template as compose.yaml (deploy/embedviz.conf.template),
# rendered into a temporary directory for Debian's nginx. Loopback addresses only.
#
#   bench/replicas.sh [-k K] start           start, wait for health, print URL and PIDs, run until
#                                            Ctrl-C; a replica that exits is started again (same
#                                            port, new PID, a line on stderr); nginx exiting stops all
#   bench/replicas.sh [-k K] run -- CMD...   start, run CMD with EMBEDVIZ_URL, EMBEDVIZ_PIDS
#                                            (space-separated replica PIDs) and EMBEDVIZ_LOG_DIR set,
#                                            stop everything, exit with CMD's status
#
# Environment: REPLICAS (K, default 2), EMBEDVIZ_PORT (nginx port, default 8610; replica i
# listens on EMBEDVIZ_PORT + i), PYTHON (default: the active venv's, else /work/venv's, else python3),
# EMBEDVIZ_KEEP_LOGS=1 keeps the temporary directory (logs, rendered config) after the stop.
#
# Nothing outside the temporary directory is written: nginx gets its own prefix, pid, logs and
# temp paths (-p/-c/-e), runs in the foreground as our child, and the system nginx config is
# never read. An EXIT trap stops nginx and every replica, so no daemon is left behind.
set -euo pipefail

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

repo="$(cd "$(dirname "$0")/.." && pwd)"
k="${REPLICAS:-2}"
while [ $# -gt 0 ]; do
  case "$1" in
    -k|--replicas) k="${2:?-k needs a number}"; shift 2 ;;
    -h|--help) usage ;;
    *) break ;;
  esac
done
mode="${1:-}"
[ $# -gt 0 ] && shift
case "$mode" in
  start) [ $# -eq 0 ] || usage ;;
  run)
    [ "${1:-}" = "--" ] && shift
    [ $# -gt 0 ] || usage
    ;;
  *) usage ;;
esac
case "$k" in ''|*[!0-9]*) echo "replicas.sh: K must be a positive integer, got '$k'" >&2; exit 2 ;; esac
[ "$k" -ge 1 ] || { echo "replicas.sh: K must be >= 1" >&2; exit 2; }

port="${EMBEDVIZ_PORT:-8610}"
if [ -n "${PYTHON:-}" ]; then
  py="$PYTHON"
elif [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
  py="$VIRTUAL_ENV/bin/python"
elif [ -x /work/venv/bin/python ]; then
  py=/work/venv/bin/python
else
  py="$(command -v python3)"
fi
nginx_bin="$(command -v nginx 2>/dev/null || true)"
[ -n "$nginx_bin" ] || { [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx; }
if [ -z "$nginx_bin" ]; then
  echo "replicas.sh: nginx not found; installing Debian's nginx (apt-get install -y nginx)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx \
    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx; }
  # Debian's package starts its own system service; that one is left alone (we never use it).
  nginx_bin=/usr/sbin/nginx
fi

http_ok() {  # http_ok URL: 0 if GET URL answers 200 within 2 s
  "$py" - "$1" <<'PY' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
}

port_free() {  # port_free PORT: 0 if nothing answers on 127.0.0.1:PORT
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

tmp="$(mktemp -d -t embedviz-replicas.XXXXXX)"
# nginx's workers (an unprivileged user when we are root) must reach the temp paths inside.
chmod 755 "$tmp"
pids=()
nginx_pid=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -TERM "$nginx_pid" 2>/dev/null || true  # TERM: fast shutdown, open websockets closed
  fi
  local p
  for p in "${pids[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
  done
  local all=("${pids[@]}")
  [ -n "$nginx_pid" ] && all+=("$nginx_pid")
  local i
  for i in $(seq 50); do  # up to 10 s for a clean exit, then KILL
    local alive=0
    for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.2
  done
  for p in "${all[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${EMBEDVIZ_KEEP_LOGS:-0}" = 1 ]; then
    echo "replicas.sh: stopped; logs kept in $tmp" >&2
  else
    rm -rf "$tmp"
    echo "replicas.sh: stopped (nginx and $k replica(s))" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for i in $(seq 0 "$k"); do
  port_free "$((port + i))" || { echo "replicas.sh: 127.0.0.1:$((port + i)) is already in use" >&2; exit 1; }
done

# --- the replicas ------------------------------------------------------------------------------
cd "$repo"  # Streamlit reads .streamlit/config.toml from the working directory
start_replica() {  # start_replica I: replica I (1..K) on EMBEDVIZ_PORT + I; sets pids[I-1]
  local p=$((port + $1))
  "$py" -m streamlit run app.py \
    --server.port "$p" --server.address 127.0.0.1 --server.headless true \
    --server.fileWatcherType none --browser.gatherUsageStats false \
    >>"$tmp/replica-$p.log" 2>&1 &
  pids[$(($1 - 1))]=$!
}
upstreams=""
for i in $(seq 1 "$k"); do
  start_replica "$i"
  upstreams+="server 127.0.0.1:$((port + i)) max_fails=3 fail_timeout=30s; "
done

# --- nginx, from the same template as compose.yaml -----------------------------------------------
mkdir -p "$tmp/logs"
EMBEDVIZ_LISTEN="127.0.0.1:$port" \
EMBEDVIZ_UPSTREAM_SERVERS="$upstreams" \
EMBEDVIZ_ACCESS_LOG="$tmp/logs/access.log" \
  "$py" - "$repo/deploy/embedviz.conf.template" "$tmp/embedviz.conf" <<'PY'
# envsubst restricted to ${EMBEDVIZ_...}, as the nginx image does with NGINX_ENVSUBST_FILTER.
import os, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
out = re.sub(r"\$\{(EMBEDVIZ_[A-Z_]+)\}", lambda m: os.environ[m.group(1)], text)
open(sys.argv[2], "w", encoding="utf-8").write(out)
PY

user_line=""
if [ "$(id -u)" -eq 0 ]; then
  # As root nginx switches its workers to a user; Debian has no group "nobody".
  if id www-data >/dev/null 2>&1; then user_line="user www-data;"; else user_line="user nobody nogroup;"; fi
fi
cat >"$tmp/nginx.conf" <<EOF
# Generated by bench/replicas.sh; everything lives in $tmp.
$user_line
daemon off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log notice;
events { worker_connections 1024; }
http {
    default_type application/octet-stream;
    client_body_temp_path $tmp/client_body_temp;
    proxy_temp_path $tmp/proxy_temp;
    fastcgi_temp_path $tmp/fastcgi_temp;
    uwsgi_temp_path $tmp/uwsgi_temp;
    scgi_temp_path $tmp/scgi_temp;
    include $tmp/embedviz.conf;
}
EOF
"$nginx_bin" -t -q -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" \
  || { cat "$tmp/logs/error.log" >&2; exit 1; }

# --- wait for every replica, then start nginx ---------------------------------------------------
deadline=$((SECONDS + 180))
for i in $(seq 1 "$k"); do
  p=$((port + i)); pid="${pids[$((i - 1))]}"
  until http_ok "http://127.0.0.1:$p/_stcore/health"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "replicas.sh: replica on port $p (pid $pid) exited; its log:" >&2
      cat "$tmp/replica-$p.log" >&2
      exit 1
    fi
    [ "$SECONDS" -lt "$deadline" ] || { echo "replicas.sh: replica on port $p not healthy after 180 s" >&2; exit 1; }
    sleep 0.5
  done
done

"$nginx_bin" -p "$tmp/" -c "$tmp/nginx.conf" -e "$tmp/logs/error.log" &
nginx_pid=$!
url="http://127.0.0.1:$port"
until http_ok "$url/_stcore/health"; do
  kill -0 "$nginx_pid" 2>/dev/null || { echo "replicas.sh: nginx exited:" >&2; cat "$tmp/logs/error.log" >&2; exit 1; }
  [ "$SECONDS" -lt "$deadline" ] || { echo "replicas.sh: nginx not healthy in time" >&2; exit 1; }
  sleep 0.2
done

export EMBEDVIZ_URL="$url"
export EMBEDVIZ_PIDS="${pids[*]}"
export EMBEDVIZ_LOG_DIR="$tmp"
echo "replicas.sh: $k replica(s) healthy behind nginx at $EMBEDVIZ_URL" >&2
for i in $(seq 1 "$k"); do
  echo "replicas.sh:   replica $i  127.0.0.1:$((port + i))  pid ${pids[$((i - 1))]}" >&2
done
echo "replicas.sh:   nginx      127.0.0.1:$port  pid $nginx_pid  (logs: $tmp)" >&2

if [ "$mode" = start ]; then
  echo "EMBEDVIZ_URL=$EMBEDVIZ_URL"
  echo "EMBEDVIZ_PIDS=$EMBEDVIZ_PIDS"
  echo "replicas.sh: running; Ctrl-C stops everything" >&2
  # Supervise: a replica that exits is started again on its port (its students get a new, empty
  # session; nginx's max_fails sends new students elsewhere meanwhile). If one keeps dying (5
  # starts within 60 s), stop: its log says why. nginx exiting stops everything.
  set +e
  declare -A starts=()
  while true; do
    ended=""
    wait -n -p ended "${pids[@]}" "$nginx_pid"
    rc=$?
    [ -n "$ended" ] || continue  # a signal, not a child
    if [ "$ended" = "$nginx_pid" ]; then
      echo "replicas.sh: nginx exited (status $rc); stopping the replicas" >&2
      cat "$tmp/logs/error.log" >&2
      exit 1
    fi
    for i in $(seq 1 "$k"); do
      [ "${pids[$((i - 1))]}" = "$ended" ] || continue
      p=$((port + i))
      now=$SECONDS
      recent=""
      for t in ${starts[$i]:-}; do [ $((now - t)) -lt 60 ] && recent+="$t "; done
      starts[$i]="$recent$now"
      if [ "$(wc -w <<<"${starts[$i]}")" -ge 5 ]; then
        echo "replicas.sh: replica $i (127.0.0.1:$p) exited 5 times within 60 s; stopping. Its log:" >&2
        tail -n 40 "$tmp/replica-$p.log" >&2
        exit 1
      fi
      echo "replicas.sh: replica $i (127.0.0.1:$p, pid $ended) exited with status $rc; starting it again" >&2
      sleep 1
      start_replica "$i"
      echo "replicas.sh:   replica $i  127.0.0.1:$p  pid ${pids[$((i - 1))]}" >&2
    done
  done
else
  set +e
  "$@"
  rc=$?
  set -e
  exit "$rc"
fi

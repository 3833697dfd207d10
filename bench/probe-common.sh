# Shared by bench/schemathesis.sh and bench/kill9.sh (issue 11): the binary, the venv, a free
# loopback port, starting the server on a throw-away data folder and stopping it by its pid.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/bench/out"
VENV="$ROOT/bench/.venv"
mkdir -p "$OUT"

# The binary: the first argument, else the release build, else the debug build. The folder
# Lvze_LvzeServer.resources must lie beside it (SwiftPM puts it there).
probe_binary() {
  local bin="${1:-}"
  if [ -z "$bin" ]; then
    if [ -x "$ROOT/.build/release/lvze" ]; then bin="$ROOT/.build/release/lvze"; else bin="$ROOT/.build/debug/lvze"; fi
  fi
  if [ ! -x "$bin" ]; then
    echo "$0: $bin is not an executable file (build it: swift build -c release --product lvze)" >&2
    exit 2
  fi
  echo "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
}

# bench/.venv with bench/requirements-probes.txt installed (once; again when the file changes).
ensure_probe_venv() {
  local req="$ROOT/bench/requirements-probes.txt" stamp="$VENV/.requirements-probes"
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  if ! cmp -s "$req" "$stamp"; then
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
    cp "$req" "$stamp"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server BIN DATA LOG PORT [serve options...]: sets SERVER_PID; returns once /healthz
# answers "ok" (at most 120 s), or exits with the log's tail.
SERVER_PID=""
start_server() {
  local bin=$1 data=$2 log=$3 port=$4; shift 4
  LVZE_DATA="$data" LVZE_BCRYPT_COST=4 "$bin" serve --hostname 127.0.0.1 --port "$port" "$@" >>"$log" 2>&1 &
  SERVER_PID=$!
  local started=$SECONDS
  until [ "$(curl -s --noproxy '*' --max-time 2 "http://127.0.0.1:$port/healthz" || true)" = ok ]; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "the server exited before answering /healthz; its log ($log):" >&2
      tail -n 40 "$log" >&2
      exit 1
    fi
    if [ $((SECONDS - started)) -ge 120 ]; then
      echo "the server did not answer /healthz with \"ok\" within 120 s; its log ($log):" >&2
      tail -n 40 "$log" >&2
      exit 1
    fi
    sleep 0.3
  done
}

# stop_server: SIGTERM to the server this script started, SIGKILL after 15 s. Prints how it
# ended ("exit N" or "signal N") and leaves it in SERVER_END.
SERVER_END=""
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "the server did not stop within 15 s of SIGTERM: SIGKILL" >&2
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
  fi
  local rc=0
  wait "$SERVER_PID" 2>/dev/null || rc=$?
  if [ "$rc" -gt 128 ]; then SERVER_END="signal $((rc - 128))"; else SERVER_END="exit $rc"; fi
  SERVER_PID=""
}

# login BASE USER: prints the API token.
login() {
  curl -s --noproxy '*' -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"$2\",\"password\":\"Lvze@Demo2026\"}" "$1/api/v1/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

#!/usr/bin/env bash
# The browser walk (issue 10): headless Chromium, driven by Selenium, uses a running server as
# people do — logs in, fills forms, uploads a photo, imports and exports Excel, reads the report.
#
#   Tests/Browser/run.sh PATH/TO/lvze
#
# Installs what it needs if it is missing (Debian's chromium, chromium-driver, fonts-noto-cjk;
# a Python venv in Tests/Browser/.venv with requirements.txt), starts the given binary with the
# demo district on a throw-away data folder and a free port on 127.0.0.1, runs walk.py and exits
# with its status. Screenshots, page sources of failed steps and the server's log go to
# ${LVZE_BROWSER_OUT:-Tests/Browser/out}.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -ne 1 ]; then
  echo "usage: $0 PATH/TO/lvze" >&2
  exit 2
fi
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
if [ ! -x "$bin" ]; then
  echo "$0: $1 is not an executable file" >&2
  exit 2
fi

# --- Debian packages -------------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
missing=()
for pkg in chromium chromium-driver chromium-l10n fonts-noto-cjk; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} =="
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- Python venv -----------------------------------------------------------------------------
venv="$here/.venv"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$stamp"; then
  echo "== Python venv $venv =="
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$stamp"
fi

# --- the server ------------------------------------------------------------------------------
out="${LVZE_BROWSER_OUT:-$here/out}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
# Only what an earlier walk left there: the folder may be one that CI names.
find "$out" -maxdepth 1 -type f \( -name '*.png' -o -name '*.html' -o -name 'server.log' -o -name '*.docx' \) -delete
data="$(mktemp -d /tmp/lvze-browser-data.XXXXXX)"
log="$out/server.log"
port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting $bin on $base (data $data, log $log) =="
LVZE_DATA="$data" LVZE_BCRYPT_COST=4 "$bin" serve --demo --hostname 127.0.0.1 --port "$port" >"$log" 2>&1 &
server_pid=$!

started=$(date +%s)
healthy() {
  "$venv/bin/python" - "$base/healthz" <<'PY' 2>/dev/null
import sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # straight to 127.0.0.1
with opener.open(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.read().strip() == b"ok" else 1)
PY
}
until healthy; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited before answering /healthz; its log ($log):" >&2
    tail -n 40 "$log" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  if [ $(( $(date +%s) - started )) -ge 120 ]; then
    echo "the server did not answer /healthz with \"ok\" within 120 s; its log ($log):" >&2
    tail -n 40 "$log" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  sleep 0.5
done
echo "== server ready after $(( $(date +%s) - started )) s =="

# --- the day's reminder pass -----------------------------------------------------------------
# As an IT office's own scheduler would run it (the server runs the same pass by itself a minute
# after start and then daily); the walk then finds the notices in 消息.
echo "== lvze remind =="
LVZE_DATA="$data" LVZE_BCRYPT_COST=4 "$bin" remind | tee "$out/remind.txt"

# --- the walk --------------------------------------------------------------------------------
# walk.py's last line is the count ("N passed, N failed"); nothing is printed after it.
status=0
"$venv/bin/python" "$here/walk.py" --base "$base" --out "$out" --server-log "$log" || status=$?
exit "$status"

# Shared by the bench scripts: tools, the release binary, a scratch folder.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/bench/out"
VENV="$ROOT/bench/.venv"
LVZE="$ROOT/.build/release/lvze"
mkdir -p "$OUT"

ensure_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v sqlite3 >/dev/null || missing+=(sqlite3)
  [ -x /usr/bin/time ] || missing+=(time)
  command -v curl >/dev/null || missing+=(curl)
  if [ -n "${DATABASE_URL:-}" ]; then command -v psql >/dev/null || missing+=(postgresql-client); fi
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q python-calamine openpyxl xlsxwriter
  fi
  build_release
}

# The release binary, rebuilt when a source is newer (a script given a binary replaces this).
build_release() {
  if [ ! -x "$LVZE" ] || [ -n "$(find "$ROOT/Sources" -newer "$LVZE" -type f | head -1)" ]; then
    (cd "$ROOT" && swift build -c release --product lvze >/dev/null)
  fi
}

# Peak resident memory (MB) and wall seconds of a command: "SECONDS MB".
measure() {
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >"$OUT/last.log" 2>&1 || { cat "$OUT/last.log"; return 1; }
  awk '{ printf "%s %.0f\n", $1, $2 / 1024 }' "$OUT/time.txt"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# One value from the database the run uses: PostgreSQL when DATABASE_URL is set, else the
# data folder's SQLite file.
dbq() {
  if [ -n "${DATABASE_URL:-}" ]; then psql "$DATABASE_URL" -Atqc "$1"; else sqlite3 "$LVZE_DATA/lvze.sqlite" "$1"; fi
}

# DATABASE_URL's server with another database name (its query string kept).
pg_url() {
  local url=${DATABASE_URL%%\?*} query=""
  [ "$url" != "$DATABASE_URL" ] && query="?${DATABASE_URL#*\?}"
  echo "${url%/*}/$1$query"
}

# An empty PostgreSQL database under DATABASE_URL's name: dropped and made again.
fresh_pg_database() {
  local url=${DATABASE_URL%%\?*}
  local name=${url##*/}
  psql "$(pg_url postgres)" -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" -c "CREATE DATABASE \"$name\"" >/dev/null
}

# CPU time a request costs, read from /proc around a wrk run: the server's (process $1), and
# a local PostgreSQL's (all its processes) when DATABASE_URL is set. On a machine whose speed
# drifts between runs this is steadier than requests per second, and it says which side a
# page's time goes to. Prints "SERVER_TICKS DATABASE_TICKS".
cpu_ticks() {
  local own=0 db=0 pid v
  [ -n "${1:-}" ] && own=$(awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0)
  if [ -n "${DATABASE_URL:-}" ]; then
    for pid in $(pgrep -u postgres || true); do
      v=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0); db=$((db + v))
    done
  fi
  echo "$own $db"
}

# "lvze X ms, PostgreSQL Y ms": the ticks before and after a run over the requests of its
# wrk output ($1; then server before, after, database before, after).
cpu_per_request() {
  local n tick_ms
  n=$(awk '/requests in/ { print $1 }' "$1")
  tick_ms=$(awk -v t="$(getconf CLK_TCK)" 'BEGIN { print 1000 / t }')
  awk -v a="$2" -v b="$3" -v c="$4" -v d="$5" -v n="$n" -v t="$tick_ms" \
    'BEGIN { if (n > 0) printf "lvze %.2f ms", (b - a) * t / n; if (n > 0 && d > c) printf ", PostgreSQL %.2f ms", (d - c) * t / n }'
}

# Once the server on port $1 answers, a browser session of the demo leader (lingdao): the
# login form's CSRF cookie and token, then the session cookie, printed as a Cookie header value.
leader_session() {
  local jar="$OUT/cookies-$1.txt" token
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && break; sleep 0.5; done
  rm -f "$jar"
  token=$(curl -s -c "$jar" "http://127.0.0.1:$1/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$token" --data-urlencode "username=lingdao" \
    --data-urlencode "password=Lvze@Demo2026" --data-urlencode "next=/" "http://127.0.0.1:$1/login"
  awk '$6 == "lvze_session" { print "lvze_session=" $7 }' "$jar"
}

# Refuses to go on when something already answers on port $1 (a server an interrupted run left
# behind): the figures would be that server's.
port_free() {
  if curl -s -o /dev/null "http://127.0.0.1:$1/healthz"; then
    echo "port $1 is in use (a server left running?); stop it or set PORT" >&2
    exit 1
  fi
}

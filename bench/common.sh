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

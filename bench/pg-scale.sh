#!/usr/bin/env bash
# PostgreSQL at scale: the demo district loaded into PostgreSQL 15 at about 1,000,000 (`large`)
# and 10,000,000 (`10m`) records, and the figures bench/ measures on SQLite: the load, every
# report metric against psql running the very statements Lvze runs, the list pages, 整改督办,
# the home page and a dashboard under wrk -c32 (bench/web.sh), and the 100,000-row import and
# its export (bench/import-export.sh).
#
# PGBASE names the server (default: the one .ci/run starts); its settings are the IT office's
# (bench/pg-settings.sql holds those the figures in docs/scale.md were measured with).
# Each scale's district is kept in its own database (lvze_bench_large, lvze_bench_10m) and made
# only when missing; FRESH=1 makes it again.
source "$(dirname "$0")/common.sh"
PGBASE=${PGBASE:-postgres://postgres:lvze-ci@127.0.0.1:5432}
export DATABASE_URL="$PGBASE/lvze_bench_import?sslmode=disable"   # for ensure_tools' psql check
ensure_tools
export LVZE_BCRYPT_COST=4 LVZE_ADMIN_PASSWORD='Bench-Passw0rd!'
YEAR=$(( $(date +%Y) - 1 ))
best() { sort -n | head -1; }
psql "$PGBASE/postgres" -Atc "SELECT 'pg      ' || version()" | cut -c1-60
psql "$PGBASE/postgres" -Atc "SELECT 'pg      shared_buffers=' || current_setting('shared_buffers') || ' work_mem=' || current_setting('work_mem') || ' jit=' || current_setting('jit')"

for scale in ${SCALES:-large 10m}; do
  export DATABASE_URL="$PGBASE/lvze_bench_$scale?sslmode=disable" LVZE_DATA="$OUT/pg-$scale"
  if [ "${FRESH:-0}" = 1 ] || [ "$(psql "$(pg_url postgres)" -Atc "SELECT count(*) FROM pg_database WHERE datname = 'lvze_bench_$scale'")" = 0 ] \
     || [ "$(psql "$DATABASE_URL" -Atc "SELECT to_regclass('records') IS NOT NULL AND EXISTS (SELECT 1 FROM records)")" != t ]; then
    fresh_pg_database
    rm -rf "$LVZE_DATA"
    read -r load_s load_mb < <(measure "$LVZE" demo --scale "$scale")
    t0=$(date +%s%N); psql "$DATABASE_URL" -qc "VACUUM ANALYZE"; t1=$(date +%s%N)
    echo "load    $scale: $(tail -n 1 "$OUT/last.log" | cut -c1-120)"
    echo "load    $scale: ${load_s}s (peak ${load_mb} MB), then VACUUM ANALYZE $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')s"
  fi
  records=$(dbq "SELECT count(*) FROM records")
  echo "size    $scale: records=$records  database $(dbq "SELECT pg_size_pretty(pg_database_size(current_database()))")  records table $(dbq "SELECT pg_size_pretty(pg_table_size('records'))") + indexes $(dbq "SELECT pg_size_pretty(pg_indexes_size('records'))")"

  # Every metric of the default template: Lvze against psql on the same statements, each best of three.
  "$LVZE" report --unit DEMO --year "$YEAR" --format docx --print-sql >"$OUT/pg-report-$scale.sql"
  statements=$(grep -c '^SELECT' "$OUT/pg-report-$scale.sql")
  psql "$DATABASE_URL" -q -o /dev/null -f "$OUT/pg-report-$scale.sql"   # warm the cache for both
  ps=$(for _ in 1 2 3; do
    t0=$(date +%s%N); psql "$DATABASE_URL" -q -o /dev/null -f "$OUT/pg-report-$scale.sql"; t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
  done | best)
  runs=$(for _ in 1 2 3; do "$LVZE" report --unit DEMO --year "$YEAR" --out "$OUT/pg-report-$scale.docx" --timing 2>&1 >/dev/null | grep '^timing'; done)
  ev=$(echo "$runs" | sed -n 's/.*evaluate=\([0-9.]*\)s.*/\1/p' | best)
  echo "report  $scale: statements=$statements  Lvze evaluate ${ev}s  psql ${ps}s  ratio $(ratio "$ev" "$ps")  (target ≤ 1.5)"
  # The slowest statements, for docs/scale.md: psql's own timing of each.
  psql "$DATABASE_URL" -q -o /dev/null -c '\timing on' -f "$OUT/pg-report-$scale.sql" 2>&1 | awk '/^Time:/ { print $2 }' \
    | sort -rn | head -3 | tr '\n' ' ' | sed 's/^/report  slowest statements (ms): /'; echo

  PORT=${PORT:-8181} bash "$ROOT/bench/web.sh" | sed "s/^/[$scale] /"
done

# The 100,000-row import and its export, into a database of its own.
export DATABASE_URL="$PGBASE/lvze_bench_import?sslmode=disable"
bash "$ROOT/bench/import-export.sh" | sed 's/^/[pg] /'

#!/usr/bin/env bash
# Every metric of the default report template, computed by Lvze, against the sqlite3 tool
# running the very statements Lvze runs (`lvze report --print-sql`), on demo districts of
# about 10,000, 100,000 and 1,000,000 records; and the Word file written from them.
source "$(dirname "$0")/common.sh"
ensure_tools
export LVZE_BCRYPT_COST=4 LVZE_ADMIN_PASSWORD='Bench-Passw0rd!'
YEAR=$(( $(date +%Y) - 1 ))
best() { sort -n | head -1; }
for scale in ${SCALES:-10k 100k large}; do
  export LVZE_DATA="$OUT/report-$scale"
  if [ ! -f "$LVZE_DATA/lvze.sqlite" ]; then
    "$LVZE" demo --scale "$scale" >/dev/null 2>&1
  fi
  db="$LVZE_DATA/lvze.sqlite"
  records=$(sqlite3 "$db" "SELECT count(*) FROM records")
  "$LVZE" report --unit DEMO --year "$YEAR" --format docx --print-sql >"$OUT/report-$scale.sql"
  statements=$(grep -c '^SELECT' "$OUT/report-$scale.sql")
  sqlite3 "$db" <"$OUT/report-$scale.sql" >/dev/null   # warm the page cache for both
  sq=$(for _ in 1 2 3; do
    t0=$(date +%s%N); sqlite3 "$db" <"$OUT/report-$scale.sql" >/dev/null; t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
  done | best)
  runs=$(for _ in 1 2 3; do "$LVZE" report --unit DEMO --year "$YEAR" --out "$OUT/report-$scale.docx" --timing 2>&1 >/dev/null | grep '^timing'; done)
  ev=$(echo "$runs" | sed -n 's/.*evaluate=\([0-9.]*\)s.*/\1/p' | best)
  dx=$(echo "$runs" | sed -n 's/.*write(docx)=\([0-9.]*\)s.*/\1/p' | best)
  rd=$(echo "$runs" | sed -n 's/.*render=\([0-9.]*\)s.*/\1/p' | best)
  echo "report  $scale: records=$records statements=$statements  Lvze evaluate ${ev}s  sqlite3 ${sq}s  ratio $(ratio "$ev" "$sq")  (target ≤ 1.5)  render ${rd}s + docx ${dx}s"
done

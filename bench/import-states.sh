#!/usr/bin/env bash
# A historical hazard ledger with states (是否销号, 销号日期, 整改进展, 延期次数; 100,000 rows)
# imported parse-to-committed, against python-calamine's bare parse of the same file (issue 14:
# within 2×); then the same sheet a month later — 1,000 rows moved on — imported again with
# --update (within 3×), and the unchanged sheet once more (0 new, 0 changed).
source "$(dirname "$0")/common.sh"
ensure_tools
ROWS=${ROWS:-100000}
CHANGE=${CHANGE:-1000}
FILE="$OUT/hazard-states-$ROWS.xlsx"
NEXT="$OUT/hazard-states-$ROWS-next.xlsx"
[ -f "$FILE" ] || "$VENV/bin/python" "$ROOT/bench/make_hazard_xlsx.py" "$FILE" "$ROWS" --states
[ -f "$NEXT" ] || "$VENV/bin/python" "$ROOT/bench/make_hazard_xlsx.py" "$NEXT" "$ROWS" --states --change "$CHANGE"

calamine() {
  "$VENV/bin/python" - "$1" <<'PY'
import sys, time
from python_calamine import CalamineWorkbook
t = time.perf_counter(); rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python(); print(f"{time.perf_counter() - t:.2f}")
PY
}
cal=$(calamine "$FILE")
cal_next=$(calamine "$NEXT")
export LVZE_DATA="$OUT/import-states-data" LVZE_BCRYPT_COST=4 LVZE_ADMIN_PASSWORD='Bench-Passw0rd!'
rm -rf "$LVZE_DATA"
"$LVZE" demo >/dev/null
db="$LVZE_DATA/lvze.sqlite"
before=$(sqlite3 "$db" "SELECT count(*) FROM records WHERE kind = 'hazard'")

read -r first_s first_mb < <(measure "$LVZE" import hazard "$FILE" --unit DEMO)
closed=$(sqlite3 "$db" "SELECT count(*) FROM records WHERE kind = 'hazard' AND status = 'closed' AND id > (SELECT max(id) FROM records) - $ROWS")
events=$(sqlite3 "$db" "SELECT count(*) FROM record_events WHERE action = 'import'")
read -r next_s next_mb < <(measure "$LVZE" import hazard "$NEXT" --unit DEMO --update)
next_summary=$(grep -E "^新增" "$OUT/last.log" || true)
read -r same_s same_mb < <(measure "$LVZE" import hazard "$NEXT" --unit DEMO --update)
same_summary=$(grep -E "^新增" "$OUT/last.log" || true)
after=$(sqlite3 "$db" "SELECT count(*) FROM records WHERE kind = 'hazard'")
requested=$(sqlite3 "$db" "SELECT count(*) FROM records WHERE kind = 'hazard' AND status = 'closure_requested'")

echo "import with states   rows=$ROWS  lvze=${first_s}s (peak ${first_mb} MB)  calamine-parse=${cal}s  lvze/calamine=$(ratio "$first_s" "$cal")  closed=$closed  history-lines=$events"
echo "re-import, $CHANGE changed  lvze=${next_s}s (peak ${next_mb} MB)  calamine-parse=${cal_next}s  lvze/calamine=$(ratio "$next_s" "$cal_next")  [$next_summary]  close-out requests=$requested"
echo "same sheet again     lvze=${same_s}s (peak ${same_mb} MB)  lvze/calamine=$(ratio "$same_s" "$cal_next")  [$same_summary]  hazards before=$before after=$after"

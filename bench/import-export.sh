#!/usr/bin/env bash
# Import of a 100,000-row hazard XLSX (parse to committed) against python-calamine and
# openpyxl parsing the same file; export of those rows against xlsxwriter writing them.
source "$(dirname "$0")/common.sh"
ensure_tools
ROWS=${ROWS:-100000}
FILE="$OUT/hazard-$ROWS.xlsx"
[ -f "$FILE" ] || "$VENV/bin/python" "$ROOT/bench/make_hazard_xlsx.py" "$FILE" "$ROWS"

calamine=$("$VENV/bin/python" - "$FILE" <<'PY'
import sys, time
from python_calamine import CalamineWorkbook
t = time.perf_counter(); rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python(); print(f"{time.perf_counter() - t:.2f}")
PY
)
openpyxl=$("$VENV/bin/python" - "$FILE" <<'PY'
import sys, time
import openpyxl
t = time.perf_counter(); wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
n = sum(1 for _ in wb.active.iter_rows(values_only=True)); print(f"{time.perf_counter() - t:.2f}")
PY
)
export LVZE_DATA="$OUT/import-data" LVZE_BCRYPT_COST=4 LVZE_ADMIN_PASSWORD='Bench-Passw0rd!'
rm -rf "$LVZE_DATA"
[ -z "${DATABASE_URL:-}" ] || fresh_pg_database
"$LVZE" demo >/dev/null
read -r import_s import_mb < <(measure "$LVZE" import hazard "$FILE" --unit DEMO)
count=$(dbq "SELECT count(*) FROM records WHERE kind = 'hazard'")

read -r export_s export_mb < <(measure "$LVZE" export hazard --unit DEMO --out "$OUT/export.xlsx")
xlsxwriter=$("$VENV/bin/python" - "$OUT/export.xlsx" <<'PY'
import sys, time
from python_calamine import CalamineWorkbook
import xlsxwriter
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()
t = time.perf_counter()
wb = xlsxwriter.Workbook("/tmp/lvze-bench-xlsxwriter.xlsx", {"constant_memory": True})
ws = wb.add_worksheet()
for i, row in enumerate(rows):
    ws.write_row(i, 0, row)
wb.close(); print(f"{time.perf_counter() - t:.2f}")
PY
)
echo "import  rows=$count  lvze=${import_s}s (peak ${import_mb} MB)  calamine-parse=${calamine}s  openpyxl-parse=${openpyxl}s  lvze/calamine=$(ratio "$import_s" "$calamine")  openpyxl/lvze=$(ratio "$openpyxl" "$import_s")"
echo "export  rows=$count  lvze=${export_s}s (peak ${export_mb} MB)  xlsxwriter=${xlsxwriter}s  lvze/xlsxwriter=$(ratio "$export_s" "$xlsxwriter")"

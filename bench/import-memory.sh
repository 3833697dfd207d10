#!/usr/bin/env bash
# Import memory: a legal XLSX with 420 MB of shared strings (bench/make_sst_bomb.py) imported
# through the page as a clerk, once and then four at once; prints the server's resident memory
# before, at its peak, and after the imports finished. Target: peak under 300 MB.
#
#   bash bench/import-memory.sh [PATH/TO/lvze]     (default: the release build)
source "$(dirname "$0")/common.sh"
if [ $# -ge 1 ]; then
  LVZE="$1"
  build_release() { :; }   # a given binary is used as it is
fi
ensure_tools
BIN="$LVZE"
SST_MB=${SST_MB:-420}
file="$OUT/sst-bomb-$SST_MB.xlsx"
[ -f "$file" ] || "$VENV/bin/python" "$ROOT/bench/make_sst_bomb.py" "$file" --sst-mb "$SST_MB"
echo "import-memory  file $(du -m "$file" | cut -f1) MB compressed, $SST_MB MB of shared strings"
data=$(mktemp -d /tmp/lvze-bench-mem.XXXXXX)
PORT=${PORT:-8183}
LVZE_DATA="$data" LVZE_BCRYPT_COST=4 "$BIN" serve --demo --port "$PORT" >"$OUT/import-memory-server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
rss() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }
hwm() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }
jar="$OUT/import-memory-cookies.txt"; rm -f "$jar"
token=$(curl -s -c "$jar" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$token" --data-urlencode "username=jingban" \
  --data-urlencode "password=Lvze@Demo2026" --data-urlencode "next=/" "http://127.0.0.1:$PORT/login"
token=$(curl -s -b "$jar" "http://127.0.0.1:$PORT/ledgers/hazard/import" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
import_once() {
  local job
  job=$(curl -s -b "$jar" -o /dev/null -w "%{redirect_url}" -F "_csrf=$token" -F "unit=DEMO" -F "mode=dry" \
        -F "file=@$file;filename=hazard.xlsx" "http://127.0.0.1:$PORT/ledgers/hazard/import")
  [ -n "$job" ] || { echo "import refused" >&2; return 1; }
  for _ in $(seq 1 1200); do
    page=$(curl -s -b "$jar" -D - "$job")
    echo "$page" | grep -qi '^Refresh:' || { echo "$page" | grep -o '可导入[0-9]*条' | head -1; return 0; }
    sleep 0.5
  done
  echo "import did not finish" >&2; return 1
}
before=$(rss)
start=$(date +%s.%N)
one=$(import_once)
t1=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
peak1=$(hwm)
echo "import-memory  one import: ${t1} s, ${one:-?}; RSS before ${before} MB, peak ${peak1} MB (target < 300), after $(rss) MB"
start=$(date +%s.%N)
pids=()
for _ in 1 2 3 4; do import_once >/dev/null & pids+=($!); done
wait "${pids[@]}"
t4=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
sleep 2
echo "import-memory  four at once (two run, two queue): ${t4} s; peak $(hwm) MB, held afterwards $(rss) MB"

#!/usr/bin/env bash
# wrk with 32 connections against the bare /healthz route, the filtered and paginated record
# list of a 1,000,000-record hazard ledger, and the 整改督办 page: requests/s, p50 and p99,
# and the server's peak memory.
source "$(dirname "$0")/common.sh"
ensure_tools
RECORDS=${RECORDS:-1000000}
FILE="$OUT/hazard-100000.xlsx"
[ -f "$FILE" ] || "$VENV/bin/python" "$ROOT/bench/make_hazard_xlsx.py" "$FILE" 100000
export LVZE_DATA="$OUT/web-data" LVZE_BCRYPT_COST=4 LVZE_ADMIN_PASSWORD='Bench-Passw0rd!'
if [ "$(sqlite3 "$LVZE_DATA/lvze.sqlite" "SELECT count(*) FROM records" 2>/dev/null || echo 0)" -lt "$RECORDS" ]; then
  rm -rf "$LVZE_DATA"
  "$LVZE" demo >/dev/null
  for _ in $(seq 1 $((RECORDS / 100000))); do "$LVZE" import hazard "$FILE" --unit DEMO >/dev/null 2>&1; done
fi
count=$(sqlite3 "$LVZE_DATA/lvze.sqlite" "SELECT count(*) FROM records")
PORT=${PORT:-8181}
/usr/bin/time -f "%M" -o "$OUT/server-rss.txt" "$LVZE" serve --port "$PORT" >"$OUT/server.log" 2>&1 &
timer=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.5; done
# A browser session: the login form's CSRF cookie and token, then the session cookie.
jar="$OUT/cookies.txt"; rm -f "$jar"
token=$(curl -s -c "$jar" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$token" --data-urlencode "username=lingdao" \
  --data-urlencode "password=Lvze@Demo2026" --data-urlencode "next=/" "http://127.0.0.1:$PORT/login"
cookie=$(awk '$6 == "lvze_session" { print "lvze_session=" $7 }' "$jar")
run() {
  local name=$1 path=$2 header="Cookie: $cookie"
  [ "$name" = hello ] && header="X-Bench: hello"   # the bare route, as an anonymous caller
  wrk -t2 -c32 -d${DURATION:-10s} --latency -H "$header" "http://127.0.0.1:$PORT$path" >"$OUT/wrk-$name.txt"
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ { print $2 }' "$OUT/wrk-$name.txt")
  p50=$(awk '$1 == "50%" { print $2 }' "$OUT/wrk-$name.txt")
  p99=$(awk '$1 == "99%" { print $2 }' "$OUT/wrk-$name.txt")
  non2xx=$(awk '/Non-2xx/ { print $NF }' "$OUT/wrk-$name.txt")
  echo "web     $name: ${rps} req/s  p50 ${p50}  p99 ${p99}${non2xx:+  non-2xx $non2xx}"
}
echo "web     records=$count"
run hello /healthz
run list-first "/ledgers/hazard"
run list-unit "/ledgers/hazard?unit=DEMO-T03&year=2023"
run list-json "/ledgers/hazard?f_level=%E9%87%8D%E5%A4%A7%E9%9A%90%E6%82%A3&unit=DEMO-T03"
run supervision "/supervision"
# Stop the server this script started (the child of its `time`), by process id.
server=$(pgrep -P "$timer" || true)
[ -n "$server" ] && kill "$server"
wait "$timer" 2>/dev/null || true
echo "memory  server peak $(tail -n 1 "$OUT/server-rss.txt" | awk '{ printf "%d", $1 / 1024 }') MB"

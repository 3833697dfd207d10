#!/usr/bin/env bash
# Two (or more) builds of lvze against one page, alternating, on the data web.sh measures:
# each round starts each binary in turn, signs in as the leader, warms up for 2 s and runs
# wrk -c32 for 8 s, printing requests/s, p99 and the CPU a request costs (common.sh). On a
# machine whose speed drifts, alternating runs and the CPU figures are what compare builds.
#   bash bench/ab.sh PATH ROUNDS BINARY...     e.g. bash bench/ab.sh /ledgers/hazard 3 /tmp/lvze-old .build/release/lvze
# On PostgreSQL set DATABASE_URL and LVZE_DATA as for web.sh. A binary must sit beside its
# resource bundle (a copy inside .build/release/ does).
source "$(dirname "$0")/common.sh"
[ $# -ge 3 ] || { echo "usage: bash bench/ab.sh PATH ROUNDS BINARY..." >&2; exit 2; }
ensure_tools
path=$1 rounds=$2; shift 2
SCALE=${SCALE:-large}
[ -n "${DATABASE_URL:-}" ] || LVZE_DATA="$OUT/report-$SCALE"
export LVZE_DATA LVZE_BCRYPT_COST=4 LVZE_ADMIN_PASSWORD='Bench-Passw0rd!'
PORT=${PORT:-8181}
for _ in $(seq 1 "$rounds"); do
  for bin in "$@"; do
    port_free "$PORT"
    "$bin" serve --port "$PORT" >"$OUT/ab-server.log" 2>&1 &
    server=$!
    cookie=$(leader_session "$PORT")
    wrk -t2 -c32 -d2s -H "Cookie: $cookie" "http://127.0.0.1:$PORT$path" >/dev/null
    read -r own0 db0 < <(cpu_ticks "$server")
    wrk -t2 -c32 -d8s --latency -H "Cookie: $cookie" "http://127.0.0.1:$PORT$path" >"$OUT/ab-wrk.txt"
    read -r own1 db1 < <(cpu_ticks "$server")
    echo "ab      $bin: $(awk '/Requests\/sec/ { print $2 }' "$OUT/ab-wrk.txt") req/s  p99 $(awk '$1 == "99%" { print $2 }' "$OUT/ab-wrk.txt")" \
      " (CPU a request: $(cpu_per_request "$OUT/ab-wrk.txt" "$own0" "$own1" "$db0" "$db1"))"
    sleep 1; kill "$server"; wait "$server" 2>/dev/null || true
  done
done

#!/usr/bin/env bash
# kill -9 under load (issue 11): 32 writers create records for 10 s, the server is killed with
# SIGKILL, started again on the same data folder; every acknowledged record (201) must be there
# and `lvze audit verify` must pass. The work is bench/kill9.py (its docstring says what it checks).
#
#   bash bench/kill9.sh [PATH/TO/lvze]      # default .build/release/lvze, else .build/debug/lvze
#
# Settings: WRITERS (default 32), SECONDS_TO_KILL (default 10). Server logs and the acknowledged
# ids go to bench/out/kill9/. Last line: "kill -9: N acknowledged, M missing, audit chain OK|BROKEN".
source "$(dirname "$0")/probe-common.sh"
BIN=$(probe_binary "${1:-}")
exec python3 "$ROOT/bench/kill9.py" --bin "$BIN" --writers "${WRITERS:-32}" \
  --seconds "${SECONDS_TO_KILL:-10}" --out "$OUT/kill9"

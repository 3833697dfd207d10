#!/usr/bin/env bash
# schemathesis against the REST API's OpenAPI document (issue 11): every operation, generated
# requests of every kind (the coverage, fuzzing and stateful phases), every check. The script
# fails on any answer 5xx (or a request the server did not answer, or the server dying); the
# other checks that fail (undocumented status codes, schema-valid requests refused, invalid ones
# accepted, …) are listed with a request to reproduce each, and do not fail it.
#
#   bash bench/schemathesis.sh [PATH/TO/lvze]      # default .build/release/lvze, else .build/debug/lvze
#
# Two passes, each with its own account, because the document depends on who asks for it:
# jingban (经办人, the whole district) on its document (every ledger a clerk may write, the
# workflow routes, login), then jijian (纪检) on the discipline ledgers only it is shown.
# The server runs the demo district on a throw-away data folder and a free port on 127.0.0.1;
# after the run it is stopped and `lvze audit verify` walks the audit trail the run wrote.
# Settings: EXAMPLES (cases per operation and phase, default 20), SEED (default random),
# WORKERS (schemathesis' workers, default 2: two requests at once, as two users would). Reports
# (NDJSON, JSON, JUnit), the summary, details.txt (every server error and every other failed
# check with requests to reproduce them) and the server log go to bench/out/schemathesis/.
source "$(dirname "$0")/probe-common.sh"
BIN=$(probe_binary "${1:-}")
EXAMPLES=${EXAMPLES:-20}
SEED=${SEED:-$(python3 -c 'import random; print(random.getrandbits(64))')}
WORKERS=${WORKERS:-2}
ensure_probe_venv

out="$OUT/schemathesis"
rm -rf "$out"; mkdir -p "$out"
data=$(mktemp -d /tmp/lvze-schemathesis-data.XXXXXX)
log="$out/server.log"
cleanup() { stop_server >/dev/null 2>&1 || true; rm -rf "$data"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$SECONDS
port=$(free_port)
base="http://127.0.0.1:$port"
echo "== $BIN on $base (data $data), examples=$EXAMPLES seed=$SEED workers=$WORKERS =="
start_server "$BIN" "$data" "$log" "$port" --demo
clerk=$(login "$base" jingban)
discipline=$(login "$base" jijian)

# The operations only 纪检 is shown: the paths of jijian's document that jingban's lacks.
curl -s --noproxy '*' -H "Authorization: Bearer $clerk" "$base/api/openapi.json" >"$out/openapi-jingban.json"
curl -s --noproxy '*' -H "Authorization: Bearer $discipline" "$base/api/openapi.json" >"$out/openapi-jijian.json"
only_discipline=$(python3 - "$out/openapi-jingban.json" "$out/openapi-jijian.json" <<'PY'
import json, re, sys
clerk = set(json.load(open(sys.argv[1]))["paths"])
kinds = sorted({m.group(1) for p in set(json.load(open(sys.argv[2]))["paths"]) - clerk
                if (m := re.match(r"^/api/v1/records/([a-z0-9_]+)", p))})
print("^/api/v1/records/(" + "|".join(kinds) + ")(/|$)" if kinds else "")
PY
)

run_pass() {
  local name=$1 token=$2; shift 2
  echo "== schemathesis as $name =="
  # Its exit status is 1 whenever any check failed; what counts here is read from its reports.
  (cd "$out" && "$VENV/bin/schemathesis" run "$base/api/openapi.json" \
      --header "Authorization: Bearer $token" \
      --checks all --max-examples "$EXAMPLES" --seed "$SEED" --workers "${WORKERS}" \
      --request-timeout 30 --generation-database none --no-color \
      --report ndjson,json,junit --report-dir "$out/$name" "$@" >"$out/$name.txt" 2>&1) || true
  if ! ls "$out/$name"/json-*.json >/dev/null 2>&1; then
    echo "schemathesis wrote no report; its output ($out/$name.txt):" >&2
    tail -n 40 "$out/$name.txt" >&2
    exit 1
  fi
  sed -n '/^Test cases:/,/^$/p' "$out/$name.txt" | sed 's/^/   /'
}
# Operations a pass could not test because schemathesis itself failed on them (with two workers,
# Python 3.11's ast module sometimes raises "AST constructor recursion depth mismatch" inside
# Hypothesis): their operationIds as a regex, to test them again with one worker.
errored_operations() {
  python3 - "$1" "$2" <<'PY'
import glob, json, sys
doc = json.load(open(sys.argv[2]))
ids = {f"{m.upper()} {p}": op.get("operationId") for p, item in doc["paths"].items() for m, op in item.items()}
labels = set()
for path in glob.glob(sys.argv[1] + "/ndjson-*.ndjson"):
    for line in open(path, encoding="utf-8"):
        if line.startswith('{"NonFatalError"'):
            labels.add(json.loads(line)["NonFatalError"].get("label"))
found = sorted(ids[l] for l in labels if ids.get(l))
print("^(" + "|".join(found) + ")$" if found else "")
PY
}
retry_pass() {
  local name=$1 token=$2 doc=$3 again
  again=$(errored_operations "$out/$name" "$doc")
  if [ -n "$again" ]; then
    echo "   schemathesis failed on some operations ($again): testing them again with one worker"
    WORKERS=1 run_pass "$name-again" "$token" --include-operation-id-regex "$again"
  fi
}
run_pass jingban "$clerk"
retry_pass jingban "$clerk" "$out/openapi-jingban.json"
if [ -n "$only_discipline" ]; then
  run_pass jijian "$discipline" --include-path-regex "$only_discipline"
  retry_pass jijian "$discipline" "$out/openapi-jijian.json"
fi

alive=yes
kill -0 "$SERVER_PID" 2>/dev/null || alive=no
stop_server
audit_out=$(LVZE_DATA="$data" "$BIN" audit verify 2>&1) && audit=OK || audit=BROKEN
elapsed=$((SECONDS - started))

status=0
"$VENV/bin/python" "$ROOT/bench/schemathesis_summary.py" --log "$log" --full "$out/details.txt" \
  "$out"/*/ndjson-*.ndjson >"$out/summary.txt" || status=1
cat "$out/summary.txt"
logged_5xx=$(grep -cE 'status=5[0-9][0-9]' "$log" || true)
echo "server: $( [ $alive = yes ] && echo "alive to the end" || echo "DIED during the run" ), stopped by SIGTERM: $SERVER_END; log lines with status=5xx: $logged_5xx"
echo "audit chain after the run: $audit — $(echo "$audit_out" | tail -n 1)"
[ "$audit" = OK ] || { echo "$audit_out" | head -n 20; status=1; }
[ $alive = yes ] || { tail -n 40 "$log"; status=1; }
[ "$logged_5xx" = 0 ] || status=1
echo "reports in $out; wall time ${elapsed} s"
tail -n 1 "$out/summary.txt"
exit $status

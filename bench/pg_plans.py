#!/usr/bin/env python3
"""Checks that a prepared statement's generic plan is as good as a fresh plan, statement by statement.

PostgreSQL may run a prepared statement with one plan for all values after its fifth call; a
statement may only be prepared (`PostgresRows.fetch(prepared: true)`) when that plan reads what a
plan made for the values would. For every named statement (`lvze_N`) in a PostgreSQL log, this
runs it with EXPLAIN (ANALYZE, BUFFERS) under plan_cache_mode = force_generic_plan and
force_custom_plan and prints the indexes each read, buffers and times. The verdict is "same", or
"other indexes" when the generic plan reads others but no more buffers, or "MORE READS" (exit
status 1) when it reads over a tenth more: such a statement must not be prepared.

  psql "$URL" -c "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()"
  (open the pages to check against a running lvze serve)
  psql "$URL" -c "ALTER SYSTEM RESET log_min_duration_statement" -c "SELECT pg_reload_conf()"
  python3 bench/pg_plans.py /var/log/postgresql/postgresql-15-main.log "$URL"
"""
import re
import subprocess
import sys

log, url = open(sys.argv[1]).read(), sys.argv[2]
entry = re.compile(r"execute (lvze_\d+): (.*?)\n(?=\d{4}-\d\d-\d\d )", re.S)
seen, worse = set(), 0
for m in entry.finditer(log):
    name, sql = m.group(1), m.group(2).replace("\n\t", "\n")
    detail = re.match(r"\S+ \S+ \S+ \[\d+\] \S+ DETAIL:  parameters: (.*?)\n", log[m.end():m.end() + 4000])
    params = re.findall(r"\$\d+ = ('(?:[^']|'')*')", detail.group(1)) if detail else []
    if (sql, tuple(params)) in seen:
        continue
    seen.add((sql, tuple(params)))
    args = "(" + ", ".join(params) + ")" if params else ""
    explain = f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE s{args};\n"
    # The first generic run warms the cache; the second is compared.
    script = (f"PREPARE s AS {sql};\nSET plan_cache_mode = force_generic_plan;\n{explain}{explain}"
              f"SET plan_cache_mode = force_custom_plan;\n{explain}")
    out = subprocess.run(["psql", url, "-X", "-q"], input=script, capture_output=True, text=True)
    if out.returncode != 0 or out.stderr.strip():
        print(f"{name}: {out.stderr.strip()[:300]}")
        worse += 1
        continue
    plans = out.stdout.split("QUERY PLAN")[2:]

    def summary(plan):
        lines = plan.splitlines()
        scans = sorted(set(re.findall(r"(?:Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?(?: using (\S+)| on (\S+))", plan)))
        buffers = next((l.strip() for l in lines if "Buffers:" in l), "")
        times = [l.strip() for l in lines if "Planning Time" in l or "Execution Time" in l]
        return scans, buffers, times

    generic, custom = summary(plans[0]), summary(plans[1])

    def hits(buffers):
        return sum(int(n) for n in re.findall(r"(?:hit|read)=(\d+)", buffers))

    if hits(generic[1]) > hits(custom[1]) * 1.1 + 10:
        verdict = "MORE READS"
        worse += 1
    else:
        verdict = "same" if generic[0] == custom[0] else "other indexes"
    print(f"{name} {verdict}  parameters {', '.join(params)[:120]}")
    for label, (scans, buffers, times) in (("generic", generic), ("custom", custom)):
        print(f"  {label:8} {buffers}; {'; '.join(times)}")
        print(f"           {', '.join(a or b for a, b in scans)}")
sys.exit(1 if worse else 0)

#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ and runs each for SECONDS (default 180) on a temporary copy
# of its seed corpus, then prints executions, coverage, corpus size and findings per target.
#
#   Fuzz/run.sh [SECONDS]            all targets
#   TARGETS="FuzzCSV FuzzXML" Fuzz/run.sh 60
#   NO_BUILD=1 Fuzz/run.sh           reuse the last build
#
# Crash, timeout, OOM and leak reproducers go to Fuzz/out/<target>-crash-<sha1> (and so on), the
# full log of each run to Fuzz/out/<target>.log. Exit status 1 when any target produced one.
# Replay a reproducer with:  SWIFT_BACKTRACE=enable=no .build-fuzz/debug/<target> Fuzz/out/<file>
set -uo pipefail

SECONDS_PER_TARGET="${1:-180}"
FUZZ="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$FUZZ")"
SCRATCH="${SCRATCH:-$ROOT/.build-fuzz}"
OUT="$FUZZ/out"
BIN="$SCRATCH/debug"
TARGETS="${TARGETS:-FuzzXLSX FuzzSheet FuzzXML FuzzCSV}"

mkdir -p "$OUT"

if [[ "${NO_BUILD:-0}" != 1 ]]; then
    echo "== building (debug, -sanitize=fuzzer,address) into $SCRATCH"
    # The same dependency versions as the main package.
    [[ -f "$FUZZ/Package.resolved" ]] || cp "$ROOT/Package.resolved" "$FUZZ/Package.resolved" 2>/dev/null || true
    # `--sanitize=fuzzer` makes SwiftPM link libFuzzer's main instead of the target's; the sanitizers
    # themselves go in one -Xswiftc flag because the Swift driver keeps only the *last* -sanitize=
    # option: `--sanitize=fuzzer --sanitize=address` builds, in whatever order SwiftPM emits them,
    # either without ASan or, worse, without coverage (the fuzzer then runs blind).
    # ld.gold warns about every ASan helper symbol it cannot export; those lines are noise.
    # One product at a time: ReadProbe has a main of its own and is not built this way.
    for t in $TARGETS; do
        swift build -c debug --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --product "$t" \
            --package-path "$FUZZ" --scratch-path "$SCRATCH" 2>&1 \
            | grep -v -e "ld.gold: warning: Cannot export local symbol" -e "^\[[0-9]*/[0-9]*\]" \
                -e "^Building for debugging" -e "which are unhandled; explicitly declare" -e "^    /.*/checkouts/"
        build=${PIPESTATUS[0]}
        if (( build != 0 )); then echo "build of $t failed (exit $build)" >&2; exit 2; fi
    done
    for t in $TARGETS; do
        [[ -x "$BIN/$t" ]] || { echo "build failed: $BIN/$t missing" >&2; exit 2; }
    done
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lvze-fuzz.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# libFuzzer must see the trap itself to save the input: the Swift runtime's backtracer would
# otherwise take the signal first and spend seconds symbolicating.
export SWIFT_BACKTRACE=enable=no
# Stop at the first ASan report, print symbolized stacks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:symbolize=1:detect_leaks=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$FUZZ/lsan.supp:print_suppressions=0}"

dict_for() {
    case "$1" in
        FuzzCSV) echo "$FUZZ/Dict/csv.dict" ;;
        *) echo "$FUZZ/Dict/xml.dict" ;;
    esac
}

extra_flags_for() {
    case "$1" in
        # Every XLSXReader(url:) leaks the path string ZIPFoundation 0.9.20 asks Foundation for
        # (lsan.supp); a leak in every run makes libFuzzer scan the whole heap after every input,
        # five times slower, so leak checking is off for this target only.
        FuzzXLSX) echo "-detect_leaks=0" ;;
    esac
}

declare -A SUMMARY
status=0
for t in $TARGETS; do
    corpus="$WORK/$t"
    mkdir -p "$corpus" "$WORK/tmp-$t"
    cp "$FUZZ/Corpus/$t/"* "$corpus/"
    seeds=$(ls "$corpus" | wc -l)
    log="$OUT/$t.log"
    before=$(ls "$OUT" | grep -c -E "^$t-(crash|timeout|oom|leak)-" || true)
    echo "== $t: $seeds seeds, ${SECONDS_PER_TARGET}s"
    # Temporary files the readers make (shared strings that spill to disk) stay in the work dir.
    TMPDIR="$WORK/tmp-$t" "$BIN/$t" "$corpus" \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 \
        -dict="$(dict_for "$t")" -artifact_prefix="$OUT/$t-" -print_final_stats=1 $(extra_flags_for "$t") \
        >"$log" 2>&1
    rc=$?
    after=$(ls "$OUT" | grep -c -E "^$t-(crash|timeout|oom|leak)-" || true)
    found=$((after - before))

    last=$(grep -E "^#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse|INITED)" "$log" | tail -1)
    statval() { awk -v k="stat::$1:" '$1 == k { print $2 }' "$log" | tail -1; }
    execs=$(statval number_of_executed_units)
    rate=$(statval average_exec_per_sec)
    rss=$(statval peak_rss_mb)
    cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.* ft: ([0-9]+) .*/\1/p' <<<"$last")
    corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*) .*/\1/p' <<<"$last")
    if [[ -z "$execs" ]]; then execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last"); fi
    problem=""
    if (( found > 0 )) || (( rc != 0 )); then
        status=1
        problem=$(grep -m1 -E "ERROR: libFuzzer|ERROR: AddressSanitizer|ERROR: LeakSanitizer|Fatal error|Precondition failed|==ERROR" "$log" | cut -c1-160)
        echo "   !! rc=$rc, $found new artifact(s): $(ls -t "$OUT" | grep -E "^$t-(crash|timeout|oom|leak)-" | head -"$((found > 0 ? found : 1))" | tr '\n' ' ')"
        echo "   !! $problem"
    fi
    SUMMARY[$t]=$(printf "%-10s %12s %9s %7s %7s %14s %8s %8s" "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
        "${corp:-?}" "${rss:-?}" "$found")
    rm -rf "$corpus" "$WORK/tmp-$t"
done

echo
printf "%-10s %12s %9s %7s %7s %14s %8s %8s\n" target execs "exec/s" cov ft "corpus(n/size)" "rss MB" findings
for t in $TARGETS; do echo "${SUMMARY[$t]}"; done
echo "logs and reproducers: $OUT"
exit $status

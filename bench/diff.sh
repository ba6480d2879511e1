#!/usr/bin/env bash
# Benchmark: `trainplat diff` of two 5,000-key YAML configs (nested, about 10% of the values
# changed, some numbers only spelled differently), whole process, portable (JIT) and Native AOT
# builds against GNU `diff -u` of the same two files in the same hyperfine run.
# Target (issue 16): AOT median <= 80 ms. Builds both (bench/lib.sh ensure_builds), generates the files into bench/out/diff/, checks that trainplat finds exactly
# the changes the generator made, runs hyperfine and writes bench/out/diff/summary.md (a section
# ready for docs/performance.md) plus the raw hyperfine JSON and the machine description.
#
# Usage: bash bench/diff.sh            (KEYS=5000 RUNS=15 to change them)
set -euo pipefail

cd "$(dirname "$0")/.."
KEYS=${KEYS:-5000}
RUNS=${RUNS:-15}
OUT=bench/out/diff

# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_hyperfine


# --- build and generate --------------------------------------------------------------------
mkdir -p "$OUT"
ensure_builds
TRAINPLAT=$AOT_BIN

log "generating two configs of $KEYS keys"
python3 bench/generate_diff_configs.py --keys "$KEYS" --out "$OUT"
EXPECTED=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["changes"])' "$OUT/expected.json")

# --- correctness ---------------------------------------------------------------------------
log "checking: trainplat finds exactly the $EXPECTED changes the generator made"
"$TRAINPLAT" diff "$OUT/left.yaml" "$OUT/right.yaml" --format json >"$OUT/trainplat-diff.json"
FOUND=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["total"])' "$OUT/trainplat-diff.json")
if [[ $FOUND -ne $EXPECTED ]]; then
    echo "FAIL: trainplat diff reported $FOUND changes, the generator made $EXPECTED" >&2
    exit 1
fi
echo "trainplat diff: $FOUND changes, as generated"
if ! cmp -s <("$JIT_BIN" diff "$OUT/left.yaml" "$OUT/right.yaml" --format json) "$OUT/trainplat-diff.json"; then
    echo "FAIL: the portable and the AOT build answer 'diff --format json' differently" >&2
    exit 1
fi
if "$TRAINPLAT" diff "$OUT/left.yaml" "$OUT/right.yaml" --fail-on minor >/dev/null; then
    echo "FAIL: --fail-on minor exited 0 with $FOUND changes" >&2
    exit 1
fi
LINES=$(diff -u "$OUT/left.yaml" "$OUT/right.yaml" | grep -c '^[-+][^-+]' || true)

# --- machine -------------------------------------------------------------------------------
wait_quiet
BUSY=$BUSY_BEFORE
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    echo "diff: $(diff --version | head -1)"
    echo "trainplat: $($TRAINPLAT --version)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "CPU busy before (3 s sample): ${BUSY}%"
    echo "files: $KEYS keys each, $(wc -c <"$OUT/left.yaml") + $(wc -c <"$OUT/right.yaml") bytes, $EXPECTED changed values, $LINES changed lines for diff -u"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt"

# --- benchmark -----------------------------------------------------------------------------
# -N: no shell in between; -i: GNU diff exits 1 when the files differ (trainplat was checked above).
DIFF_CMD="diff -u $OUT/left.yaml $OUT/right.yaml"
log "hyperfine: trainplat diff (portable, AOT) vs diff -u"
hyperfine -N -i --style basic --warmup 2 --runs "$RUNS" \
    -n portable "$JIT_BIN diff $OUT/left.yaml $OUT/right.yaml" \
    -n AOT "$AOT_BIN diff $OUT/left.yaml $OUT/right.yaml" \
    -n "diff -u" "$DIFF_CMD" \
    --export-json "$OUT/hyperfine.json"
BUSY_AFTER=$(busy_percent 3)
echo "CPU busy after (3 s sample): ${BUSY_AFTER}%" | tee -a "$OUT/machine.txt"

status=0
{
    echo "### \`trainplat diff\` of two $KEYS-key configs"
    echo
    echo "Files: $(grep '^files:' "$OUT/machine.txt" | cut -d' ' -f2-) (bench/generate_diff_configs.py, fixed seed). Anchor: GNU \`$DIFF_CMD\` (line by line, no semantics)."
    echo
    workload_table "$OUT/hyperfine.json" "diff -u" "AOT<=80ms" || status=1
} >"$OUT/summary.md"
echo
cat "$OUT/summary.md"
exit "$status"

#!/usr/bin/env bash
# Benchmark (issue 19): `trainplat report`, whole process, medians, the portable (JIT) and Native AOT builds and an
# anchor in the same hyperfine run.
# Targets:
#   1. the README's example report (examples/report/make-example.sh: 3 jobs x 10,000 points, a parent/child pair):
#      the file <= 1 MB (its time is recorded; the issue sets none).
#   2. one job of 1,000,000 points (10 metrics x 100,000 steps): AOT median <= 2 s, the file <= 2 MB.
#   Anchor: `trainplat metrics show JOB --series --points 2000 --format json` of the same build on the same store: the
#   same points read and downsampled by the same largest-triangle-three-buckets to the report's 2,000 per series, then
#   written as JSON. What the report costs beyond it is its own work: the run table, the SVG paths, the lineage graph,
#   the HTML. (For the example, the anchor runs once per job, in one shell command.)
# Correctness first: both builds write the same bytes (--generated-at pinned), every chart has one path per job with
#   the downsampled number of points, the sizes hold.
# Left in bench/out/report/ (git-ignored): the stores, the reports, raw hyperfine JSON, machine.txt and summary.md.
#
# Usage: bash bench/report.sh      (RUNS=N, default 10; REUSE_BUILDS=1 keeps bench/out/build)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-10}
OUT=$ROOT/bench/out/report
STEPS=100000 # x 10 metrics = 1,000,000 points
AT=2026-01-01T00:00:00Z

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh" # absolute: workload_table finds table.py beside it after the cd below
ensure_hyperfine
ensure_builds

rm -rf "$OUT" && mkdir -p "$OUT"
cd "$OUT"

# --- the stores --------------------------------------------------------------------------------
log "the example store: examples/report/make-example.sh with the AOT build"
WORK=$OUT/example TRAINPLAT=$AOT_BIN bash "$ROOT/examples/report/make-example.sh" "$OUT/example-made.html" "$OUT/example.png"
EXAMPLE=$OUT/example/project/.trainplat/lineage.db
rm -f "$EXAMPLE.lock"
# shellcheck disable=SC2207 # ids are hex words
EXAMPLE_IDS=($("$AOT_BIN" job list --store "$EXAMPLE" --columns id --format csv | tail -n +2))

log "one job of $((STEPS * 10)) points (AOT build)"
cp -r "$ROOT/examples" project
BIG=$(cd project && "$AOT_BIN" job create -r grpo_math_small -s 7B -d train=data/train.jsonl --name million --store ../big.db 2>/dev/null)
awk -v steps="$STEPS" 'BEGIN {
    x = 7; print "step,loss,reward,kl,lr,entropy,grad_norm,response_length,eval/score,throughput,clip_frac"
    for (s = 0; s < steps; s++) {
        x = (16807 * x) % 2147483647; u = x / 2147483647 - 0.5
        printf "%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", s, 2 * exp(-s / 20000) + 0.3 + 0.1 * u,
            0.8 * (1 - exp(-s / 15000)) + 0.05 * u, 0.001 + 0.01 * s / steps + 0.001 * u, 1e-6 * (1 - s / steps),
            2.5 - s / steps + 0.2 * u, 1 + 0.5 * u, 300 + 200 * s / steps + 40 * u, 0.6 * s / steps + 0.1 * u,
            1200 + 100 * u, 0.2 + 0.05 * u
    }
}' >big.csv
"$AOT_BIN" metrics import "$BIG" big.csv --store big.db --start >/dev/null
rm -f big.db.lock

# --- correctness -------------------------------------------------------------------------------
log "checking: both builds write the same report; paths, points and sizes"
for build in JIT AOT; do
    bin=$([[ $build == JIT ]] && echo "$JIT_BIN" || echo "$AOT_BIN")
    "$bin" report --all --generated-at "$AT" --store "$EXAMPLE" -o "example-$build.html"
    "$bin" report --all --generated-at "$AT" --store big.db -o "big-$build.html"
done
cmp example-JIT.html example-AOT.html || { echo "FAIL: the builds' example reports differ" >&2; exit 1; }
cmp big-JIT.html big-AOT.html || { echo "FAIL: the builds' reports of the big store differ" >&2; exit 1; }
# name, file, series expected (metrics x jobs), points per series expected, the size limit
check_report() {
    python3 - "$@" <<'PY'
import re, sys
name, path, series, points, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
html = open(path, encoding="utf-8").read()
paths = re.findall(r'<path class="series[^"]*"[^>]*>', html)
counts = [int(re.search(r'data-points="(\d+)"', p).group(1)) for p in paths]
lines = [1 + re.search(r' d="([^"]*)"', p).group(1).count("L") for p in paths]
size = len(html.encode("utf-8"))
assert len(paths) == series, f"{name}: {len(paths)} series paths, expected {series}"
assert counts == lines, f"{name}: data-points and the d attributes disagree"
assert all(c == points for c in counts), f"{name}: points per path {sorted(set(counts))}, expected {points}"
assert "http:" not in html and "https:" not in html, f"{name}: an external URL"
print(f"{name}: {series} paths of {points} points, {size:,} bytes (limit {limit:,}): {'PASS' if size <= limit else 'FAIL'}")
sys.exit(0 if size <= limit else 1)
PY
}
status=0
# The example: 4 metrics x 3 jobs of 2,500 points each, downsampled to the default 2,000; the big job: 10 series of
# 100,000 points, 2,000 each (the 200,000-point budget allows 20,000 a series).
check_report example example-AOT.html 12 2000 1000000 >sizes.txt || status=1
check_report "1,000,000 points" big-AOT.html 10 2000 2000000 >>sizes.txt || status=1
cat sizes.txt
for build in JIT AOT; do
    bin=$([[ $build == JIT ]] && echo "$JIT_BIN" || echo "$AOT_BIN")
    "$bin" metrics show "$BIG" --series --points 2000 --format json --store big.db >"anchor-$build.json"
done
cmp anchor-JIT.json anchor-AOT.json || { echo "FAIL: the builds' metrics show --series differ" >&2; exit 1; }

wait_quiet

# --- machine -----------------------------------------------------------------------------------
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}'), python: $(python3 --version | awk '{print $2}')"
    echo "builds: $(cat "$ROOT/bench/out/build/commit" 2>/dev/null || echo unknown)"
    echo "stores: example $(stat -c %s "$EXAMPLE") bytes (3 jobs x 10,000 points); big $(stat -c %s big.db) bytes (1 job x $((STEPS * 10)) points)"
    echo "reports: example $(stat -c %s example-AOT.html) bytes; big $(stat -c %s big-AOT.html) bytes"
    echo "load average before the benchmarks: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "CPU busy before the benchmarks (3 s sample): ${BUSY_BEFORE}%"
} >machine.txt

# --- benchmarks --------------------------------------------------------------------------------
anchor_example() { # the three jobs' series, one process each, in one shell command
    local b=$1 id cmd=""
    for id in "${EXAMPLE_IDS[@]}"; do
        cmd+="$b metrics show $id --series --points 2000 --format json --store $EXAMPLE >/dev/null; "
    done
    echo "$cmd"
}
log "hyperfine: report of the example store ($RUNS runs each)"
hyperfine --warmup 2 --runs "$RUNS" \
    -n portable "$JIT_BIN report --all --generated-at $AT --store $EXAMPLE -o run-example.html" \
    -n AOT "$AOT_BIN report --all --generated-at $AT --store $EXAMPLE -o run-example.html" \
    -n "metrics show --series x3" "$(anchor_example "$AOT_BIN")" \
    --export-json example.json

log "hyperfine: report of one job of $((STEPS * 10)) points ($RUNS runs each)"
hyperfine -N --warmup 2 --runs "$RUNS" \
    -n portable "$JIT_BIN report --all --generated-at $AT --store big.db -o run-big.html" \
    -n AOT "$AOT_BIN report --all --generated-at $AT --store big.db -o run-big.html" \
    -n "metrics show --series" "$AOT_BIN metrics show $BIG --series --points 2000 --format json --store big.db" \
    --export-json big.json

echo "CPU busy after the benchmarks (3 s sample, other processes): $(busy_percent 3)%" >>machine.txt
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>machine.txt

# --- summary -----------------------------------------------------------------------------------
{
    echo "## report (issue 19)"
    echo
    sed 's/^/    /' machine.txt
    echo
    echo "### \`report --all\` of the example store (3 jobs x 10,000 points, a parent/child pair)"
    echo
    workload_table example.json "metrics show --series x3" || status=1
    echo
    echo "### \`report --all\` of one job of $((STEPS * 10)) points (10 metrics x $STEPS steps)"
    echo
    workload_table big.json "metrics show --series" "AOT<=2000ms" || status=1
    echo
    echo "### Sizes"
    echo
    sed 's/^/    /' sizes.txt
} >summary.md
cat summary.md
exit $status

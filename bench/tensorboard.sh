#!/usr/bin/env bash
# Benchmark (issue 18): `trainplat metrics import JOB LOGDIR` of a TensorBoard log folder holding 1,000,000 scalars.
# Whole process, medians, the portable (JIT) and Native AOT builds and an anchor in the same hyperfine run.
# Target (AOT build): <= 3 s.
#   The folder (bench/generate_tensorboard.py): two runs, train/ as PyTorch and tensorboardX write it (one Event per
#   scalar, simple_value: loss, reward, kl, lr at 200,000 steps) and eval/ as TensorFlow 2 writes it (rank-0 float
#   tensors with the scalars plugin: accuracy, reward at 100,000 steps); 1,000,001 + 200,001 records, 46 MB.
#   Anchor: the AOT build's `metrics import` of the same 1,000,000 points as JSON Lines (points.jsonl, one line per
#   step and run): what the import costs when the points come in the format the tool read before TensorBoard.
#   Every run starts from a copy of the same one-job store (--prepare).
# Correctness first: point counts and metric names after one import of each build, equal summaries from both inputs.
# Left in bench/out/tensorboard/ (git-ignored): the folder, points.jsonl, the stores, raw hyperfine JSON, machine.txt
# and summary.md.
#
# Usage: bash bench/tensorboard.sh      (RUNS=N, default 5; REUSE_BUILDS=1 keeps bench/out/build)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-5}
OUT=$ROOT/bench/out/tensorboard
POINTS=1000000

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
ensure_hyperfine
ensure_builds

rm -rf "$OUT" && mkdir -p "$OUT"
cd "$OUT"

# --- the log folder, the JSON Lines copy and the store -----------------------------------------
log "generating the TensorBoard log folder of $POINTS scalars (a minute or two: CRC-32C in Python)"
generated=$(python3 "$ROOT/bench/generate_tensorboard.py" "$OUT")
[[ $generated == "$POINTS" ]] || { echo "FAIL: the generator wrote $generated points" >&2; exit 1; }

cp -r "$ROOT/examples" project
JOB=$(cd project && "$AOT_BIN" job create -r grpo_math_small -s 7B -d train=data/train.jsonl --name tensorboard --store ../base.db 2>/dev/null)
"$AOT_BIN" job update "$JOB" --status running --store base.db >/dev/null
rm -f base.db.lock

summaries() { "$AOT_BIN" metrics show "$JOB" --store "$1" --format json | python3 -c '
import json, sys
m = json.load(sys.stdin)["metrics"]
print(sum(x["count"] for x in m), " ".join(x["name"] for x in m))
print(json.dumps([{k: v for k, v in x.items() if k not in ("trend", "sparkline")} for x in m], sort_keys=True))'; }

# --- correctness -----------------------------------------------------------------------------
log "checking: one import of the folder by each build, one of points.jsonl"
EXPECTED="$POINTS eval/accuracy eval/reward train/kl train/loss train/lr train/reward"
for build in JIT AOT; do
    bin=$([[ $build == JIT ]] && echo "$JIT_BIN" || echo "$AOT_BIN")
    cp base.db "check-$build.db"
    "$bin" metrics import "$JOB" logdir --store "check-$build.db" --format json >"check-$build.json"
    got=$(summaries "check-$build.db" | sed -n 1p) # sed reads it all: head would close the pipe under python
    [[ $got == "$EXPECTED" ]] || { echo "FAIL: $build import of logdir: $got" >&2; cat "check-$build.json" >&2; exit 1; }
    echo "$build: logdir imports $POINTS points of 6 metrics"
done
cp base.db check-jsonl.db
"$AOT_BIN" metrics import "$JOB" points.jsonl --store check-jsonl.db >/dev/null
[[ $(summaries check-jsonl.db) == "$(summaries check-AOT.db)" ]] || { echo "FAIL: points.jsonl and logdir give different summaries" >&2; exit 1; }
echo "points.jsonl gives the same points, names and summaries as logdir"
rm -f check-*.db check-*.db.lock

wait_quiet

# --- machine ---------------------------------------------------------------------------------
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}'), python: $(python3 --version | awk '{print $2}')"
    echo "builds: $(cat "$ROOT/bench/out/build/commit" 2>/dev/null || echo unknown)"
    echo "log folder: $(du -sb logdir | cut -f1) bytes in $(find logdir -type f | wc -l) event files; points.jsonl: $(stat -c %s points.jsonl) bytes"
    echo "file system of bench/out: $(df -T . | awk 'NR==2 {print $2}')"
    echo "load average before the benchmarks: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "CPU busy before the benchmarks (3 s sample): ${BUSY_BEFORE}%"
} >machine.txt

# --- benchmark -------------------------------------------------------------------------------
log "hyperfine: metrics import of the log folder, $POINTS scalars ($RUNS runs each, each from a copy of the store)"
hyperfine --warmup 1 --runs "$RUNS" \
    --prepare "cp base.db run.db; rm -f run.db.lock" \
    -n portable "$JIT_BIN metrics import $JOB logdir --store run.db" \
    -n AOT "$AOT_BIN metrics import $JOB logdir --store run.db" \
    -n "JSON Lines (AOT)" "$AOT_BIN metrics import $JOB points.jsonl --store run.db" \
    --export-json import.json

echo "CPU busy after the benchmarks (3 s sample, other processes): $(busy_percent 3)%" >>machine.txt
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>machine.txt

# --- summary ---------------------------------------------------------------------------------
status=0
{
    echo "## metrics import of a TensorBoard log folder (issue 18)"
    echo
    sed 's/^/    /' machine.txt
    echo
    echo "### \`metrics import JOB logdir\`, $POINTS scalars in two runs (PyTorch-style simple values, TF2-style tensors)"
    echo
    workload_table import.json "JSON Lines (AOT)" "AOT<=3000ms" || status=1
} >summary.md
cat summary.md
exit $status

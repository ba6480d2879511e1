#!/usr/bin/env bash
# Benchmark (issue 18): `trainplat metrics import JOB points.csv` of 1,000,000 points against `sqlite3 .import` of the
# same CSV, whole process, the portable (JIT) and Native AOT builds and the anchor in the same hyperfine run.
# Target (AOT build): no slower than the anchor (median AOT <= 1.0 x median sqlite3).
#   points.csv: 250,000 rows `step,loss,reward,kl,lr` (4 points a row), the values as Python's repr writes them
#   (up to 17 significant digits, as pandas' to_csv and most trainers' CSV loggers do); fixed seed.
#   trainplat: each run starts from a copy of a store holding one running job (--prepare), so every run imports
#   the file (a second import of the same file is recognised and adds nothing). It parses, checks and hashes the
#   file, and writes the points, the job's summaries and the file's hash in one durable transaction.
#   Anchor: Debian's `sqlite3 NEW.db ".import --csv points.csv points"`: also one process that reads the CSV into a
#   new database file in one durable transaction (rollback journal, synchronous=FULL), but keeps every field as
#   text, checks nothing and computes nothing.
# Correctness first: the import's point count (metrics show --format json) for both builds, the same summaries from
# both, and the anchor's row count.
# Left in bench/out/metrics-import/ (git-ignored): points.csv, the stores, raw hyperfine JSON, machine.txt, summary.md.
#
# Usage: bash bench/metrics-import.sh      (RUNS=N runs each, default 10; REUSE_BUILDS=1 keeps bench/out/build)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-10}
OUT=$ROOT/bench/out/metrics-import
ROWS=250000
POINTS=$((ROWS * 4))

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
ensure_hyperfine
ensure_sqlite3
ensure_builds

rm -rf "$OUT" && mkdir -p "$OUT"
cd "$OUT"

log "writing points.csv ($ROWS rows, $POINTS points) and a store with one running job"
write_points_csv "$ROWS"
cp -r "$ROOT/examples" project
JOB=$(cd project && "$AOT_BIN" job create -r grpo_math_small -s 7B -d train=data/train.jsonl --store ../base.db 2>/dev/null)
"$AOT_BIN" job update "$JOB" --status running --store base.db >/dev/null 2>&1
rm -f base.db.lock

points() { "$AOT_BIN" metrics show "$JOB" --store "$1" --format json | python3 -c 'import json,sys; print(sum(m["count"] for m in json.load(sys.stdin)["metrics"]))'; }
summaries() { "$AOT_BIN" metrics show "$JOB" --store "$1" --format json | python3 -c 'import json,sys; print(json.dumps([{k: v for k, v in m.items() if k != "sparkline"} for m in json.load(sys.stdin)["metrics"]], sort_keys=True))'; }

# --- correctness -----------------------------------------------------------------------------
log "checking: each build imports $POINTS points with the same summaries; the anchor imports $ROWS rows"
for build in JIT AOT; do
    bin=$([[ $build == JIT ]] && echo "$JIT_BIN" || echo "$AOT_BIN")
    cp base.db "check-$build.db"
    "$bin" metrics import "$JOB" points.csv --store "check-$build.db" >/dev/null
    [[ $(points "check-$build.db") == "$POINTS" ]] || { echo "FAIL: $build import: $(points "check-$build.db") points, expected $POINTS" >&2; exit 1; }
done
[[ $(summaries check-JIT.db) == "$(summaries check-AOT.db)" ]] || { echo "FAIL: the two builds' summaries differ" >&2; exit 1; }
rm -f anchor.sqlite && sqlite3 anchor.sqlite ".import --csv points.csv points"
[[ $(sqlite3 anchor.sqlite "select count(*) from points") == "$ROWS" ]] || { echo "FAIL: the anchor imported $(sqlite3 anchor.sqlite 'select count(*) from points') rows" >&2; exit 1; }
STORE_BYTES=$(stat -c %s check-AOT.db)
rm -f check-*.db check-*.db.lock anchor.sqlite

wait_quiet

# --- machine ---------------------------------------------------------------------------------
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}'), sqlite3: $(sqlite3 --version | awk '{print $1}'), python: $(python3 --version | awk '{print $2}')"
    echo "builds: $(cat "$ROOT/bench/out/build/commit" 2>/dev/null || echo unknown)"
    echo "points.csv: $(stat -c %s points.csv) bytes, $ROWS rows, $POINTS points; store after the import: $STORE_BYTES bytes"
    echo "file system of bench/out: $(df -T . | awk 'NR==2 {print $2}')"
    echo "load average before the benchmark: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "CPU busy before the benchmark (3 s sample): ${BUSY_BEFORE}%"
} >machine.txt

# --- benchmark -------------------------------------------------------------------------------
log "hyperfine: metrics import of $POINTS points against sqlite3 .import ($RUNS runs each, each from a fresh copy)"
hyperfine --warmup 1 --runs "$RUNS" \
    --prepare "cp base.db run.db; rm -f run.db.lock run.db-log anchor.sqlite anchor.sqlite-journal" \
    -n portable "$JIT_BIN metrics import $JOB points.csv --store run.db" \
    -n AOT "$AOT_BIN metrics import $JOB points.csv --store run.db" \
    -n "sqlite3 .import" "sqlite3 anchor.sqlite '.import --csv points.csv points'" \
    --export-json import.json

echo "CPU busy after the benchmark (3 s sample, other processes): $(busy_percent 3)%" >>machine.txt
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>machine.txt

# --- summary ---------------------------------------------------------------------------------
status=0
{
    echo "## metrics import of 1,000,000 points (issue 18)"
    echo
    sed 's/^/    /' machine.txt
    echo
    echo "### \`metrics import JOB points.csv\` ($POINTS points) against \`sqlite3 .import\` of the same CSV"
    echo
    workload_table import.json "sqlite3 .import" "AOT<=1.0*anchor" || status=1
} >summary.md
cat summary.md
exit $status

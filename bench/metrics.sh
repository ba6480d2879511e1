#!/usr/bin/env bash
# Benchmark (issue 16): `trainplat metrics log` once per training step, and `metrics log --stdin` streaming.
# Whole process, medians, the portable (JIT) and Native AOT builds and an anchor in the same hyperfine run.
# Targets (AOT build):
#   1. `metrics log JOB --step N loss=… reward=…` <= 40 ms per call, on a store of a realistic size: the job has
#      20,000 points already (5,000 steps x loss, reward, kl, lr) and 100 other jobs are in the store.
#      Anchor: Debian's `sqlite3 DB "insert …"` into a table of the same 20,000 points: also one process that opens a
#      database file, writes one durable transaction (rollback journal, synchronous=FULL: fsync on commit) and exits.
#   2. `metrics log JOB --stdin < steps.txt` of 200,000 points (50,000 lines x 4 metrics) >= 50,000 points/s. Every
#      run starts from a copy of the same store (--prepare). Anchor: a Python loop that reads the same lines, parses
#      every name=value as a float and appends the points to a CSV file, fsync at the end: the least a streaming
#      reader that keeps the points durably has to do, without a database.
# Correctness first: point counts after one call and after one stream (metrics show --format json), the sqlite rows.
# Left in bench/out/metrics/ (git-ignored): the stores, steps.txt, raw hyperfine JSON, machine.txt and summary.md.
#
# Usage: bash bench/metrics.sh      (RUNS=N for the per-call runs, default 30; REUSE_BUILDS=1 keeps bench/out/build)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-30}
OUT=$ROOT/bench/out/metrics
STREAM_POINTS=200000

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh" # absolute: workload_table finds table.py beside it after the cd below
ensure_hyperfine
ensure_sqlite3
ensure_builds

rm -rf "$OUT" && mkdir -p "$OUT"
cd "$OUT"

# --- the store: 101 jobs, one of them with 20,000 points ---------------------------------------
log "recording 101 jobs and 20,000 points (AOT build)"
cp -r "$ROOT/examples" project
for i in $(seq 1 100); do
    (cd project && "$AOT_BIN" job create -r grpo_math_small -s 7B -d train=data/train.jsonl --name "other-$i" --store ../base.db >/dev/null 2>&1)
done
JOB=$(cd project && "$AOT_BIN" job create -r grpo_math_small -s 7B -d train=data/train.jsonl --name measured --store ../base.db 2>/dev/null)
python3 - <<'PY'
import json, math
with open("points.jsonl", "w") as f:
    for s in range(5000):
        f.write(json.dumps({"step": s, "loss": 2.0 / (s + 1), "reward": s / 5000, "kl": s * 1e-5, "lr": 1e-6 * min(1, s / 500)}) + "\n")
# The stream: 50,000 steps after those, 4 metrics a line, as a training loop prints them.
with open("steps.txt", "w") as f:
    f.write("# step loss reward kl lr\n")
    for s in range(5000, 55000):
        f.write(f"{s} loss={2.0 / (s + 1):.6g} reward={s / 55000:.6g} kl={s * 1e-5:.6g} lr={1e-6 * (0.5 + 0.5 * math.cos(s / 55000 * math.pi)):.6g}\n")
PY
"$AOT_BIN" metrics import "$JOB" points.jsonl --store base.db --start >/dev/null
rm -f base.db.lock base-log.db

points() { "$AOT_BIN" metrics show "$JOB" --store "$1" --format json | python3 -c 'import json,sys; print(sum(m["count"] for m in json.load(sys.stdin)["metrics"]))'; }
jobs() { "$AOT_BIN" job list --store "$1" --limit 0 --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d if isinstance(d, list) else d["jobs"]))'; }

# --- correctness -----------------------------------------------------------------------------
log "checking: counts before, after one call of each build, after one stream of each build"
[[ $(points base.db) == 20000 && $(jobs base.db) == 101 ]] || { echo "FAIL: base store has $(points base.db) points, $(jobs base.db) jobs" >&2; exit 1; }
for build in JIT AOT; do
    bin=$([[ $build == JIT ]] && echo "$JIT_BIN" || echo "$AOT_BIN")
    cp base.db check.db
    "$bin" metrics log "$JOB" --step 5000 loss=0.5 reward=0.1 --store check.db
    [[ $(points check.db) == 20002 ]] || { echo "FAIL: $build metrics log: $(points check.db) points, expected 20,002" >&2; exit 1; }
    cp base.db check.db
    "$bin" metrics log "$JOB" --stdin --store check.db --format json <steps.txt >check-stream.json
    [[ $(points check.db) == $((20000 + STREAM_POINTS)) ]] || { echo "FAIL: $build --stdin: $(points check.db) points" >&2; cat check-stream.json >&2; exit 1; }
    echo "$build: one call adds 2 points; the stream adds $STREAM_POINTS points ($(python3 -c 'import json; print(json.load(open("check-stream.json"))["transactions"])') transactions)"
done
rm -f check.db check.db.lock

sqlite3 anchor.sqlite "create table points(job text, name text, step integer, value real, time text);"
python3 - <<'PY'
import json, sqlite3
db = sqlite3.connect("anchor.sqlite")
rows = []
for line in open("points.jsonl"):
    d = json.loads(line)
    rows += [("job", k, d["step"], v, "2026-01-01T00:00:00Z") for k, v in d.items() if k != "step"]
db.executemany("insert into points values (?,?,?,?,?)", rows)
db.commit()
PY
[[ $(sqlite3 anchor.sqlite "select count(*) from points") == 20000 ]] || { echo "FAIL: anchor table" >&2; exit 1; }

cat >anchor_stream.py <<'PY'
# The --stdin anchor: parse every name=value of the lines on stdin as a float, append the points to a CSV, fsync once.
import os, sys
with open("anchor-points.csv", "a") as out:
    for line in sys.stdin:
        if not line.strip() or line.startswith("#"):
            continue
        step, *pairs = line.split()
        for pair in pairs:
            name, _, value = pair.rpartition("=")
            out.write(f"{int(step)},{name},{float(value)!r}\n")
    out.flush()
    os.fsync(out.fileno())
PY
rm -f anchor-points.csv && python3 anchor_stream.py <steps.txt
[[ $(wc -l <anchor-points.csv) == "$STREAM_POINTS" ]] || { echo "FAIL: anchor stream wrote $(wc -l <anchor-points.csv) points" >&2; exit 1; }

wait_quiet

# --- machine ---------------------------------------------------------------------------------
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}'), sqlite3: $(sqlite3 --version | awk '{print $1}'), python: $(python3 --version | awk '{print $2}')"
    echo "builds: $(cat "$ROOT/bench/out/build/commit" 2>/dev/null || echo unknown)"
    echo "store: 101 jobs, the measured one with 20,000 points; $(stat -c %s base.db) bytes; file system of bench/out: $(df -T . | awk 'NR==2 {print $2}')"
    echo "load average before the benchmarks: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "CPU busy before the benchmarks (3 s sample): ${BUSY_BEFORE}%"
} >machine.txt

# --- benchmarks ------------------------------------------------------------------------------
cp base.db call.db
log "hyperfine: metrics log per call ($RUNS runs each; the store grows by 2 points a run)"
hyperfine -N --warmup 3 --runs "$RUNS" \
    -n portable "$JIT_BIN metrics log $JOB --step 6000 loss=0.5 reward=0.1 --store call.db" \
    -n AOT "$AOT_BIN metrics log $JOB --step 6000 loss=0.5 reward=0.1 --store call.db" \
    -n sqlite3 "sqlite3 anchor.sqlite \"insert into points values ('job', 'loss', 6000, 0.5, '2026-01-01T00:00:00Z'), ('job', 'reward', 6000, 0.1, '2026-01-01T00:00:00Z')\"" \
    --export-json call.json

log "hyperfine: metrics log --stdin, $STREAM_POINTS points (5 runs each, each from a copy of the store)"
hyperfine --warmup 1 --runs 5 \
    --prepare "cp base.db stream.db; rm -f stream.db.lock anchor-points.csv" \
    -n portable "$JIT_BIN metrics log $JOB --stdin --store stream.db < steps.txt" \
    -n AOT "$AOT_BIN metrics log $JOB --stdin --store stream.db < steps.txt" \
    -n "python loop" "python3 anchor_stream.py < steps.txt" \
    --export-json stream.json

echo "CPU busy after the benchmarks (3 s sample, other processes): $(busy_percent 3)%" >>machine.txt
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>machine.txt

# --- summary ---------------------------------------------------------------------------------
status=0
{
    echo "## metrics log (issue 16)"
    echo
    sed 's/^/    /' machine.txt
    echo
    echo "### \`metrics log JOB --step N loss=… reward=…\` per call (job with 20,000 points, 100 other jobs)"
    echo
    workload_table call.json sqlite3 "AOT<=40ms" || status=1
    echo
    echo "### \`metrics log JOB --stdin\`, $STREAM_POINTS points (50,000 lines x 4 metrics)"
    echo
    workload_table stream.json "python loop" "AOT>=50000/s:$STREAM_POINTS" || status=1
} >summary.md
cat summary.md
exit $status

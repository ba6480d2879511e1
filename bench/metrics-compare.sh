#!/usr/bin/env bash
# Benchmark (issue 18): `trainplat metrics compare` of 10 jobs x 100,000 points (25,000 steps x loss, reward, kl, lr each).
# Whole process, medians, the portable (JIT) and Native AOT builds and an anchor in the same hyperfine run.
# (bench/compare.sh is the two-revisions benchmark; this one is named after the command.)
# Target (AOT build): each workload <= 300 ms.
#   1. `metrics compare J1 … J10`: each job's last values (read from the job records' summaries; no points read).
#   2. `metrics compare J1 … J10 --at 12500`: the values in effect at step 12,500, so every point of the 40 series is read.
#   Anchor: Debian's `sqlite3` answering the same question from a table of the same 1,000,000 points with an index on
#   (job, name, step): one process that opens a database file, runs one indexed query and prints 40 rows.
# Correctness first: the points in the store, and both answers (JSON) against the sqlite3 anchor's.
# The store is made by the AOT build: 10 `job create`, then `metrics import` of a points file from
# bench/generate_lineage.py (seeds 1..10, so each job's curves differ).
# Left in bench/out/metrics-compare/ (git-ignored): the store, the anchor database, raw hyperfine JSON, machine.txt and summary.md.
#
# Usage: bash bench/metrics-compare.sh      (RUNS=N, default 20; REUSE_BUILDS=1 keeps bench/out/build)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-20}
OUT=$ROOT/bench/out/metrics-compare
JOBS=10
LINES=25000 # x 4 metrics = 100,000 points a job
STEP=12500

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh" # absolute: workload_table finds table.py beside it after the cd below
ensure_hyperfine
ensure_sqlite3
ensure_builds

rm -rf "$OUT" && mkdir -p "$OUT"
cd "$OUT"

# --- the store: 10 jobs, 100,000 points each ------------------------------------------------
log "recording $JOBS jobs x $((LINES * 4)) points (AOT build)"
cp -r "$ROOT/examples" project
ids=()
for i in $(seq 1 "$JOBS"); do
    id=$(cd project && "$AOT_BIN" job create -r grpo_math_small -s 7B -d train=data/train.jsonl --name "run-$i" --store ../store.db 2>/dev/null)
    python3 "$ROOT/bench/generate_lineage.py" points --lines "$LINES" --seed "$i" --out "points-$i.jsonl" >/dev/null
    "$AOT_BIN" metrics import "$id" "points-$i.jsonl" --store store.db --start >/dev/null
    ids+=("$id")
done
rm -f store.db.lock
JOB_IDS="${ids[*]}"

log "the anchor: the same points in sqlite3, indexed on (job, name, step)"
python3 - "$JOB_IDS" <<'PY'
import json, sqlite3, sys
ids = sys.argv[1].split()
db = sqlite3.connect("anchor.sqlite")
db.execute("create table points(job text, name text, step integer, value real)")
for i, job in enumerate(ids, 1):
    rows = []
    for line in open(f"points-{i}.jsonl"):
        d = json.loads(line)
        rows += [(job, k, d["step"], float(v)) for k, v in d.items() if k != "step"]
    db.executemany("insert into points values (?,?,?,?)", rows)
db.execute("create index points_job_name_step on points(job, name, step)")
db.commit()
PY
cat >last.sql <<'SQL'
select p.job, p.name, p.step, p.value from points p
join (select job, name, max(step) as step from points group by job, name) l on p.job = l.job and p.name = l.name and p.step = l.step
order by p.name, p.job;
SQL
cat >at-step.sql <<SQL
select k.job, k.name, (select value from points p where p.job = k.job and p.name = k.name and p.step <= $STEP order by p.step desc limit 1)
from (select distinct job, name from points) k order by k.name, k.job;
SQL

# --- correctness -----------------------------------------------------------------------------
log "checking: points in the store, and both answers against sqlite3's"
total=$("$AOT_BIN" job list --store store.db --columns metric:loss.count,metric:reward.count,metric:kl.count,metric:lr.count --format csv |
    python3 -c 'import csv,sys; print(sum(int(float(v)) for r in csv.DictReader(sys.stdin) for k, v in r.items() if k != "id"))')
[[ $total == $((JOBS * LINES * 4)) ]] || { echo "FAIL: the store has $total points, expected $((JOBS * LINES * 4))" >&2; exit 1; }
[[ $(sqlite3 anchor.sqlite "select count(*) from points") == $((JOBS * LINES * 4)) ]] || { echo "FAIL: anchor table" >&2; exit 1; }
for build in JIT AOT; do
    bin=$([[ $build == JIT ]] && echo "$JIT_BIN" || echo "$AOT_BIN")
    # shellcheck disable=SC2086 # the ids are separate arguments
    "$bin" metrics compare $JOB_IDS --store store.db --format json >"check-last-$build.json"
    # shellcheck disable=SC2086
    "$bin" metrics compare $JOB_IDS --store store.db --at "$STEP" --format json >"check-step-$build.json"
    sqlite3 -separator ' ' anchor.sqlite <last.sql >anchor-last.txt
    sqlite3 -separator ' ' anchor.sqlite <at-step.sql >anchor-step.txt
    python3 - "check-last-$build.json" anchor-last.txt "check-step-$build.json" anchor-step.txt <<'PY' || { echo "FAIL: $build answers differ from sqlite3's" >&2; exit 1; }
import json, sys
def ours(path):
    d = json.load(open(path))
    return {(v["job"], m["name"]): v["value"] for m in d["metrics"] for v in m["values"]}
def theirs(path, value_column):
    return {(r[0], r[1]): float(r[value_column]) for r in (line.split() for line in open(path))}
for mine, anchor, col in ((sys.argv[1], sys.argv[2], 3), (sys.argv[3], sys.argv[4], 2)):
    a, b = ours(mine), theirs(anchor, col)
    assert len(a) == 40 and a.keys() == b.keys(), (mine, len(a), len(b))
    bad = [k for k in a if abs(a[k] - b[k]) > 1e-12 * max(1, abs(b[k]))]
    assert not bad, (mine, bad[:3])
PY
    echo "$build: 40 values at the last steps and 40 at step $STEP, as sqlite3 has them"
done

wait_quiet

# --- machine ---------------------------------------------------------------------------------
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}'), sqlite3: $(sqlite3 --version | awk '{print $1}'), python: $(python3 --version | awk '{print $2}')"
    echo "builds: $(cat "$ROOT/bench/out/build/commit" 2>/dev/null || echo unknown)"
    echo "store: $JOBS jobs x $((LINES * 4)) points; $(stat -c %s store.db) bytes; anchor: $(stat -c %s anchor.sqlite) bytes; file system of bench/out: $(df -T . | awk 'NR==2 {print $2}')"
    echo "load average before the benchmarks: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "CPU busy before the benchmarks (3 s sample): ${BUSY_BEFORE}%"
} >machine.txt

# --- benchmarks ------------------------------------------------------------------------------
log "hyperfine: metrics compare of $JOBS jobs at their last steps ($RUNS runs each)"
hyperfine -N --warmup 3 --runs "$RUNS" \
    -n portable "$JIT_BIN metrics compare $JOB_IDS --store store.db" \
    -n AOT "$AOT_BIN metrics compare $JOB_IDS --store store.db" \
    -n sqlite3 "sqlite3 anchor.sqlite '.read last.sql'" \
    --export-json last.json

log "hyperfine: metrics compare of $JOBS jobs at step $STEP ($RUNS runs each)"
hyperfine -N --warmup 3 --runs "$RUNS" \
    -n portable "$JIT_BIN metrics compare $JOB_IDS --store store.db --at $STEP" \
    -n AOT "$AOT_BIN metrics compare $JOB_IDS --store store.db --at $STEP" \
    -n sqlite3 "sqlite3 anchor.sqlite '.read at-step.sql'" \
    --export-json at-step.json

echo "CPU busy after the benchmarks (3 s sample, other processes): $(busy_percent 3)%" >>machine.txt
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>machine.txt

# --- summary ---------------------------------------------------------------------------------
status=0
{
    echo "## metrics compare (issue 18)"
    echo
    sed 's/^/    /' machine.txt
    echo
    echo "### \`metrics compare\` of $JOBS jobs x $((LINES * 4)) points, at each job's last step"
    echo
    workload_table last.json sqlite3 "AOT<=300ms" || status=1
    echo
    echo "### \`metrics compare --at $STEP\` of $JOBS jobs x $((LINES * 4)) points (every point read)"
    echo
    workload_table at-step.json sqlite3 "AOT<=300ms" || status=1
} >summary.md
cat summary.md
exit $status

#!/usr/bin/env bash
# Benchmark (issue 20): the team store, PostgreSQL, against one throwaway server in one run, whole process, the portable
# (JIT) and Native AOT builds and an anchor in the same hyperfine run for each workload.
# Targets (AOT build, median):
#   1. `metrics import JOB points.csv` of 1,000,000 points into a job on the server: <= 3 s.
#      Anchors in the same run: psql's `\copy` of the same CSV into a plain typed table on the same server (the floor of
#      getting those rows into that server from one client process: parse, send, insert, no checks, no summaries), and
#      the same `metrics import` into a LiteDB file store (what a one-person project does today).
#      Each run starts from the job as it was before any import (--prepare deletes its points and resets its summaries
#      and imported sources with psql, truncates the anchor's table and copies the LiteDB store), because a second
#      import of the same file is recognised and adds nothing.
#   2. `job list --recipe X` with 100,000 jobs on the server: <= 150 ms after start-up. Start-up is `trainplat --version`
#      in the same run; the summary gives the total and the total minus start-up. Anchor: the same list on the LiteDB
#      store the server's jobs were copied from.
#   3. `suggest grpo_basic -s 7B` with 10,000 jobs on the server: <= 300 ms (total). Anchor: the same suggest on the
#      LiteDB store it was copied from (bench/suggest.sh's store).
# The jobs: bench/generate_lineage.py (seed 20261125) over a template export of one real job per recipe and size, made
# with `trainplat job create` in a copy of examples/ with five team recipes (as bench/lineage.sh and bench/suggest.sh),
# put into LiteDB stores with one `job import` each, then onto the server with `trainplat store copy` (timed once each,
# reported). The server: tests/pg/start.sh in a temporary folder (stopped and deleted at exit), three databases on it
# (metrics, jobs100k, jobs10k), each after `trainplat store migrate`. The password stays in PGPASSWORD: the URLs
# on the command lines and in the JSON have none.
# Correctness first: the imported point count and the same summaries as the LiteDB import; the server lists as many
# jobs per recipe as were generated, and the same rows as the LiteDB store; suggest on the server prints what it prints
# on LiteDB, and its evidence is the anchor's (bench/suggest_anchor.py).
# Left in bench/out/team-store/ (git-ignored): the stores, points.csv, the raw hyperfine JSON, machine.txt, summary.md,
# explain.txt (EXPLAIN ANALYZE of the job list query, for the record).
#
# Usage: bash bench/team-store.sh   (RUNS=N runs each, default 10; REUSE_BUILDS=1 keeps the builds in bench/out/build)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-10}
OUT=$ROOT/bench/out/team-store
SEED=20261125
ROWS=250000
POINTS=$((ROWS * 4))
LIST_JOBS=100000
SUGGEST_JOBS=10000

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
ensure_hyperfine
ensure_builds

rm -rf "$OUT" && mkdir -p "$OUT"
cd "$OUT"

# --- the server ------------------------------------------------------------------------------
PG_DIR=$(mktemp -d /tmp/trainplat-bench-pg.XXXXXX)
stop_server() { bash "$ROOT/tests/pg/start.sh" --stop "$PG_DIR" >/dev/null 2>&1 || true; }
trap stop_server EXIT
log "starting a throwaway PostgreSQL cluster in $PG_DIR"
CONN=$(bash "$ROOT/tests/pg/start.sh" "$PG_DIR")
conn_field() { tr ';' '\n' <<<"$CONN" | sed -n "s/^$1=//p"; }
PGHOST=$(conn_field Host) PGPORT=$(conn_field Port) PGUSER=$(conn_field Username) PGPASSWORD=$(conn_field Password)
export PGHOST PGPORT PGUSER PGPASSWORD
unset TRAINPLAT_STORE
url() { echo "postgresql://$PGUSER@$PGHOST:$PGPORT/$1"; }
sql() { local db=$1; shift; psql -d "$db" -X -q -t -A -v ON_ERROR_STOP=1 "$@"; }
for db in metrics jobs100k jobs10k; do
    sql trainplat -c "CREATE DATABASE $db" >/dev/null
    "$AOT_BIN" store migrate --store "$(url "$db")" >/dev/null
done
PG_VERSION=$(sql trainplat -c 'SHOW server_version')
log "PostgreSQL $PG_VERSION on $PGHOST:$PGPORT, databases metrics, jobs100k and jobs10k migrated"

# --- 1: metrics import: data and correctness ------------------------------------------------
log "writing points.csv ($ROWS rows, $POINTS points; bench/metrics-import.sh's file) and one running job on each store"
write_points_csv "$ROWS"
cp -r "$ROOT/examples" project
METRICS_URL=$(url metrics)
JOB=$(cd project && "$AOT_BIN" job create -r grpo_math_small -s 7B -d train=data/train.jsonl --store "$METRICS_URL" 2>/dev/null)
"$AOT_BIN" job update "$JOB" --status running --store "$METRICS_URL" >/dev/null 2>&1
LJOB=$(cd project && "$AOT_BIN" job create -r grpo_math_small -s 7B -d train=data/train.jsonl --store ../base.db 2>/dev/null)
"$AOT_BIN" job update "$LJOB" --status running --store base.db >/dev/null 2>&1
rm -f base.db.lock
# The job before any import, kept aside (schema bench, outside the store's tables) for the runs' reset.
sql metrics -c "CREATE SCHEMA bench; CREATE TABLE bench.job_before AS SELECT id, summaries, sources FROM jobs WHERE id = '$JOB';
    CREATE TABLE bench.points (step bigint, loss double precision, reward double precision, kl double precision, lr double precision)"
RESET_PG="DELETE FROM metric_batches WHERE job_id = '$JOB'; UPDATE jobs j SET summaries = b.summaries, sources = b.sources FROM bench.job_before b WHERE j.id = b.id; TRUNCATE bench.points"
PREPARE="psql -d metrics -X -q -v ON_ERROR_STOP=1 -c \"$RESET_PG\" -c 'VACUUM metric_batches' && cp base.db run.db && rm -f run.db.lock run.db-log"

points() { "$AOT_BIN" metrics show "$1" --store "$2" --format json | python3 -c 'import json,sys; print(sum(m["count"] for m in json.load(sys.stdin)["metrics"]))'; }
summaries() { "$AOT_BIN" metrics show "$1" --store "$2" --format json | python3 -c 'import json,sys; print(json.dumps([{k: v for k, v in m.items() if k != "sparkline"} for m in json.load(sys.stdin)["metrics"]], sort_keys=True))'; }

log "checking: each build imports $POINTS points into the server job, with the LiteDB import's summaries; the anchor copies $ROWS rows"
for build in JIT AOT; do
    bin=$([[ $build == JIT ]] && echo "$JIT_BIN" || echo "$AOT_BIN")
    sh -c "$PREPARE"
    "$bin" metrics import "$JOB" points.csv --store "$METRICS_URL" >/dev/null
    got=$(points "$JOB" "$METRICS_URL")
    [[ $got == "$POINTS" ]] || { echo "FAIL: $build import into the server: $got points, expected $POINTS" >&2; exit 1; }
    summaries "$JOB" "$METRICS_URL" >"check-$build.summaries"
done
"$AOT_BIN" metrics import "$LJOB" points.csv --store run.db >/dev/null
[[ $(points "$LJOB" run.db) == "$POINTS" ]] || { echo "FAIL: the LiteDB import: $(points "$LJOB" run.db) points, expected $POINTS" >&2; exit 1; }
summaries "$LJOB" run.db >check-litedb.summaries
cmp -s check-JIT.summaries check-AOT.summaries || { echo "FAIL: the two builds' summaries on the server differ" >&2; exit 1; }
cmp -s check-AOT.summaries check-litedb.summaries || { echo "FAIL: the server's summaries differ from LiteDB's (check-*.summaries)" >&2; exit 1; }
sql metrics -c "\\copy bench.points FROM 'points.csv' WITH (FORMAT csv, HEADER)"
[[ $(sql metrics -c 'SELECT count(*) FROM bench.points') == "$ROWS" ]] || { echo "FAIL: psql \\copy loaded $(sql metrics -c 'SELECT count(*) FROM bench.points') rows" >&2; exit 1; }
METRIC_ROWS=$(sql metrics -c "SELECT count(*) FROM metric_batches WHERE job_id = '$JOB'")
METRIC_BYTES=$(sql metrics -c "SELECT pg_total_relation_size('metric_batches')")
echo "metrics import: $POINTS points on the server ($METRIC_ROWS batch rows, metric_batches $METRIC_BYTES bytes), the same summaries as LiteDB"

# --- 2 and 3: the jobs -------------------------------------------------------------------------
PROJECT=$OUT/jobs-project
team_project "$PROJECT" team-store
log "recording template jobs (one per recipe and size) with trainplat job create"
templates=0
for recipe in $TEMPLATE_RECIPES; do
    for size in 1.5B 7B 8B 14B 32B 70B; do
        # shellcheck disable=SC2046
        if (cd "$PROJECT" && "$AOT_BIN" job create -r "$recipe" -s "$size" $(datasets_for "$recipe") --store "$OUT/template.db" \
            >/dev/null 2>>"$OUT/template-create.log"); then
            templates=$((templates + 1))
        fi # else pre-flight errors at this size: the generator leaves the pair out
    done
done
"$AOT_BIN" job export --all --store template.db -o template.jsonl >/dev/null

timed() { # NAME COMMAND...: runs it once, keeps the wall time (s) in NAME.time and its output in NAME.out
    local name=$1 start end
    shift
    start=$(date +%s.%N)
    "$@" >"$name.out" 2>"$name.err" || { cat "$name.err" >&2; echo "FAIL: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }' >"$name.time"
}
count_rows() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

log "generating $LIST_JOBS and $SUGGEST_JOBS jobs (seed $SEED), importing them into LiteDB, copying them to the server"
python3 "$ROOT/bench/generate_lineage.py" jobs --template template.jsonl --jobs "$LIST_JOBS" --seed "$SEED" \
    --out jobs-100k.jsonl --facts facts-100k.json >/dev/null
python3 "$ROOT/bench/generate_lineage.py" jobs --template template.jsonl --jobs "$SUGGEST_JOBS" --seed "$SEED" \
    --out jobs-10k.jsonl --facts facts-10k.json >/dev/null
timed import-100k "$AOT_BIN" job import jobs-100k.jsonl --store jobs-100k.db
timed import-10k "$AOT_BIN" job import jobs-10k.jsonl --store jobs-10k.db
rm -f jobs-*.db.lock
wait_quiet
BUSY_BEFORE_COPY=$BUSY_BEFORE
timed copy-100k "$AOT_BIN" store copy jobs-100k.db "$(url jobs100k)"
timed copy-10k "$AOT_BIN" store copy jobs-10k.db "$(url jobs10k)"
rm -f jobs-*.db.lock
echo "store copy to the server: $LIST_JOBS jobs in $(cat copy-100k.time) s, $SUGGEST_JOBS jobs in $(cat copy-10k.time) s"
timed copy-again "$AOT_BIN" store copy jobs-10k.db "$(url jobs10k)" --format json
rm -f jobs-*.db.lock

fact() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); [v := v[k] for k in sys.argv[2:]]; print(v)' "$@"; }
BUSIEST=$(fact facts-100k.json busiest_recipe)
BUSIEST_JOBS=$(fact facts-100k.json recipes "$BUSIEST")
LIST_URL=$(url jobs100k)
SUGGEST_URL=$(url jobs10k)
log "checking: the server holds the generated jobs and lists what LiteDB lists"
[[ $("$AOT_BIN" job list --limit 0 --format json --store "$LIST_URL" | count_rows) == "$LIST_JOBS" ]] || { echo "FAIL: the server does not hold $LIST_JOBS jobs" >&2; exit 1; }
[[ $("$AOT_BIN" job list --limit 0 --format json --store "$SUGGEST_URL" | count_rows) == "$SUGGEST_JOBS" ]] || { echo "FAIL: the server does not hold $SUGGEST_JOBS jobs" >&2; exit 1; }
[[ $("$AOT_BIN" job list --recipe "$BUSIEST" --limit 0 --format json --store "$LIST_URL" | count_rows) == "$BUSIEST_JOBS" ]] ||
    { echo "FAIL: the server lists a number of $BUSIEST jobs other than the $BUSIEST_JOBS generated" >&2; exit 1; }
"$JIT_BIN" job list --recipe "$BUSIEST" --store "$LIST_URL" >list-portable.txt
"$AOT_BIN" job list --recipe "$BUSIEST" --store "$LIST_URL" >list-aot.txt
"$AOT_BIN" job list --recipe "$BUSIEST" --store jobs-100k.db >list-litedb.txt
rm -f jobs-*.db.lock
LIST_ROWS=$(($(wc -l <list-aot.txt) - 2)) # the header and the "newest 100" line
[[ $LIST_ROWS == 100 ]] || { echo "FAIL: job list --recipe $BUSIEST on the server shows $LIST_ROWS rows, expected the newest 100" >&2; exit 1; }
cmp -s list-portable.txt list-aot.txt || { echo "FAIL: the two builds list different rows (list-portable.txt, list-aot.txt)" >&2; exit 1; }
cmp -s list-aot.txt list-litedb.txt || { echo "FAIL: the server lists other rows than LiteDB (list-aot.txt, list-litedb.txt)" >&2; exit 1; }
COPY_AGAIN=$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' copy-again.out)

SUGGEST_ARGS="suggest grpo_basic -s 7B --set optimizer.learning_rate=1e-5"
log "checking: suggest on the server prints what it prints on LiteDB, with the anchor's evidence"
(cd "$PROJECT" && "$JIT_BIN" $SUGGEST_ARGS --store "$SUGGEST_URL" --format json >"$OUT/suggest-portable.json") || [[ $? == 1 ]]
(cd "$PROJECT" && "$AOT_BIN" $SUGGEST_ARGS --store "$SUGGEST_URL" --format json >"$OUT/suggest-aot.json") || [[ $? == 1 ]]
(cd "$PROJECT" && "$AOT_BIN" $SUGGEST_ARGS --store "$OUT/jobs-10k.db" --format json >"$OUT/suggest-litedb.json") || [[ $? == 1 ]]
rm -f jobs-*.db.lock
cmp -s suggest-portable.json suggest-aot.json || { echo "FAIL: the two builds' suggestions differ" >&2; exit 1; }
cmp -s suggest-aot.json suggest-litedb.json || { echo "FAIL: suggest on the server differs from LiteDB (suggest-aot.json, suggest-litedb.json)" >&2; exit 1; }
python3 "$ROOT/bench/suggest_anchor.py" jobs-10k.jsonl rlhf grpo 7e9 >suggest-anchor.json
python3 - <<'PY'
import json, sys
got, want = json.load(open("suggest-aot.json")), json.load(open("suggest-anchor.json"))
if sorted(got["evidence"]["jobs"]) != want["jobs"]:
    sys.exit(f"FAIL: suggest's evidence on the server is not the anchor's ({len(got['evidence']['jobs'])} against {len(want['jobs'])} jobs)")
if not [s for s in got["suggestions"] if s["key"] == "optimizer.learning_rate"]:
    sys.exit("FAIL: suggest on the server did not flag the learning rate 1e-5")
print(f"suggest: the same {len(want['jobs'])} jobs of evidence as the anchor, on the server and on LiteDB")
PY

# The job list query as the server plans and runs it (for the record, and for a diagnosis if the target fails).
sql jobs100k -c "ANALYZE" >/dev/null
{
    echo "-- jobs, rows per recipe: $BUSIEST $BUSIEST_JOBS of $LIST_JOBS"
    echo "-- the first page of PostgresLineageStore.ListJobs (500 rows, newest first) for job list --recipe $BUSIEST:"
    sql jobs100k -c "EXPLAIN (ANALYZE, BUFFERS) SELECT id, name, tags, status, recipe_id, recipe_version, recipe_hash, task, algorithm, model, model_size, parameters, gpus, nodes, config_hash, sets, created_ticks, updated_ms, summaries FROM jobs WHERE recipe_id = '$BUSIEST' ORDER BY created_ticks DESC, id COLLATE \"C\" LIMIT 500"
} >explain.txt 2>&1 || true

# --- machine ---------------------------------------------------------------------------------
wait_quiet
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}'), PostgreSQL: $PG_VERSION (tests/pg/start.sh: local TCP, fsync off), psql: $(psql --version | awk '{print $3}')"
    echo "builds: $(cat "$ROOT/bench/out/build/commit" 2>/dev/null || echo unknown)"
    echo "points.csv: $(stat -c %s points.csv) bytes, $ROWS rows, $POINTS points; on the server: $METRIC_ROWS batch rows, metric_batches $METRIC_BYTES bytes"
    echo "template jobs: $templates; jobs: $LIST_JOBS (busiest recipe $BUSIEST: $BUSIEST_JOBS) and $SUGGEST_JOBS, seed $SEED"
    echo "job import into LiteDB (AOT, once): $LIST_JOBS jobs $(cat import-100k.time) s, $SUGGEST_JOBS jobs $(cat import-10k.time) s"
    echo "store copy LiteDB -> server (AOT, once; CPU busy before: ${BUSY_BEFORE_COPY}%): $LIST_JOBS jobs $(cat copy-100k.time) s, $SUGGEST_JOBS jobs $(cat copy-10k.time) s"
    echo "store copy again (nothing new): $(cat copy-again.time) s, $COPY_AGAIN"
    echo "server sizes: jobs100k $(sql trainplat -c "SELECT pg_size_pretty(pg_database_size('jobs100k'))"), jobs10k $(sql trainplat -c "SELECT pg_size_pretty(pg_database_size('jobs10k'))")"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); CPU busy before (3 s sample): ${BUSY_BEFORE}%"
} >machine.txt
cat machine.txt

# --- benchmark -------------------------------------------------------------------------------
log "hyperfine 1/3: metrics import of $POINTS points into the server job ($RUNS runs each, each from the job before the import)"
hyperfine --warmup 1 --runs "$RUNS" --prepare "$PREPARE" \
    -n portable "$JIT_BIN metrics import $JOB points.csv --store $METRICS_URL" \
    -n AOT "$AOT_BIN metrics import $JOB points.csv --store $METRICS_URL" \
    -n 'psql \copy' "psql -d metrics -X -q -c \"\\copy bench.points FROM 'points.csv' WITH (FORMAT csv, HEADER)\"" \
    -n 'AOT into LiteDB' "$AOT_BIN metrics import $LJOB points.csv --store run.db" \
    --export-json import.json
rm -f run.db.lock

log "hyperfine 2/3: job list --recipe $BUSIEST with $LIST_JOBS jobs on the server"
hyperfine -N --warmup 2 --runs "$RUNS" \
    -n portable "$JIT_BIN job list --recipe $BUSIEST --store $LIST_URL" \
    -n AOT "$AOT_BIN job list --recipe $BUSIEST --store $LIST_URL" \
    -n 'AOT --version' "$AOT_BIN --version" \
    -n 'portable --version' "$JIT_BIN --version" \
    -n 'AOT on LiteDB' "$AOT_BIN job list --recipe $BUSIEST --store jobs-100k.db" \
    --export-json list.json
rm -f jobs-*.db.lock

log "hyperfine 3/3: suggest with $SUGGEST_JOBS jobs on the server"
cd "$PROJECT"
hyperfine -N -i --warmup 2 --runs "$RUNS" \
    -n portable "$JIT_BIN $SUGGEST_ARGS --store $SUGGEST_URL" \
    -n AOT "$AOT_BIN $SUGGEST_ARGS --store $SUGGEST_URL" \
    -n 'AOT on LiteDB' "$AOT_BIN $SUGGEST_ARGS --store $OUT/jobs-10k.db" \
    --export-json "$OUT/suggest.json"
cd "$OUT"
rm -f jobs-*.db.lock
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); CPU busy after (3 s sample): $(busy_percent 3)%" >>machine.txt

# --- summary ---------------------------------------------------------------------------------
status=0
{
    echo "## Team store on PostgreSQL (issue 20): one throwaway server, one run"
    echo
    echo "### \`metrics import JOB points.csv\` ($POINTS points) into a job on the server"
    echo
    workload_table import.json 'psql \copy' "AOT<=3000ms" || status=1
    echo
    echo "Anchors: psql's \`\\copy\` of the same CSV into a plain typed table on the same server (the floor: one client"
    echo "process parsing and sending the rows, no checks, no summaries, no hashing) and the same import into a LiteDB file."
    echo "The server is tests/pg/start.sh's (fsync, synchronous_commit and full_page_writes off): a commit does not wait for"
    echo "the disk, for the import and for \\copy alike; a production server adds the flush of the import's WAL."
    echo
    echo "### \`job list --recipe $BUSIEST\` with $LIST_JOBS jobs on the server ($BUSIEST_JOBS of that recipe; the newest $LIST_ROWS shown)"
    echo
    workload_table list.json 'AOT --version' || status=1
    python3 - list.json <<'PY' || status=1
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
net = r["AOT"] - r["AOT --version"]
ok = net <= 0.150
print(f"\nTarget: AOT median after start-up ≤ 150 ms: {r['AOT'] * 1000:.1f} ms total − {r['AOT --version'] * 1000:.1f} ms start-up (`--version`) "
      f"= {net * 1000:.1f} ms: **{'PASS' if ok else 'FAIL'}**")
print(f"\nFor the record, portable: {r['portable'] * 1000:.1f} ms total − {r['portable --version'] * 1000:.1f} ms start-up "
      f"= {(r['portable'] - r['portable --version']) * 1000:.1f} ms (the target is the AOT build's).")
sys.exit(0 if ok else 1)
PY
    echo
    echo "The server's side of it: EXPLAIN ANALYZE of the first page the store reads (500 rows newest first, explain.txt):"
    echo "$(sed -n 's/^Execution Time: /execution /p' explain.txt), plan: $(grep -m1 -o 'Index Scan using [a-z_]* on jobs\|Seq Scan on jobs\|Bitmap Heap Scan on jobs' explain.txt || echo 'see explain.txt')."
    echo
    echo "### \`$SUGGEST_ARGS\` with $SUGGEST_JOBS jobs on the server"
    echo
    workload_table suggest.json 'AOT on LiteDB' "AOT<=300ms" || status=1
    echo
    echo "### Store copy LiteDB → server (one run each, AOT)"
    echo
    echo "- $LIST_JOBS jobs: $(cat copy-100k.time) s; $SUGGEST_JOBS jobs: $(cat copy-10k.time) s; the second copy of the $SUGGEST_JOBS (nothing new): $(cat copy-again.time) s."
    echo "- For comparison, \`job import\` of the same jobs into LiteDB from JSON Lines: $(cat import-100k.time) s and $(cat import-10k.time) s."
    echo
    sed 's/^/    /' machine.txt
} >summary.md
cat summary.md
exit "$status"

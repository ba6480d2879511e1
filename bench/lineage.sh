#!/usr/bin/env bash
# Benchmark: the lineage store (issue 6), whole process, Release build, anchors in the same hyperfine run.
# Targets:
#   1. `trainplat metrics import JOB points.jsonl` of 1,000,000 points (250,000 lines x loss, reward, kl, lr)
#      into a store holding one job: <= 10 s. Every run starts from a fresh copy of that store (--prepare),
#      because a second import of the same file is recognised and adds nothing. Anchors: `wc -l`, `sha256sum`
#      and a Python json parse of the same file. Also reported: the store's size after the import and
#      `metrics show JOB` on it.
#   2. `trainplat job list --recipe X` with 100,000 jobs in the store: <= 300 ms. Also `--limit 0`, a small
#      recipe, `job show ID`, `lineage ID`, and the single `job import` that fills the store. Anchor:
#      `trainplat --version` (the start-up floor).
#   3. (issue 7) `trainplat suggest` and `trainplat recommend` on the same 100,000-job store: <= 1 s each.
# The 100,000 jobs come from bench/generate_lineage.py (seed 20261125) over a template export of one real job
# per recipe and size, created here with `trainplat job create` in a copy of examples/ with five team recipes.
#
# Left in bench/out/lineage/ (git-ignored) for the suggest/recommend benchmark (issue 7):
#   jobs-100k.db      the 100,000-job store   (use --store bench/out/lineage/jobs-100k.db)
#   jobs-100k.jsonl   the export it was imported from; facts.json: counts per recipe and status, the job shown
# Also there: points.jsonl, metrics-empty.db (one job, no metrics), metrics-1m.db (after one 1M-point import),
# template.jsonl, the raw hyperfine JSON, machine.txt and summary.md (a section for docs/performance.md).
#
# Usage: bash bench/lineage.sh            (RUNS=10 to change the run count)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-10}
SEED=20261125
OUT=bench/out/lineage
TRAINPLAT=$ROOT/tool/TrainingPlatform.Tool/bin/Release/net10.0/trainplat
IMPORT_TARGET_S=10
LIST_TARGET_MS=300

# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_hyperfine

# --- build ---------------------------------------------------------------------------------
mkdir -p "$OUT"
log "building Release"
dotnet build -c Release tool/TrainingPlatform.Tool -nologo -v q >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }

# --- template: one real job per recipe and model size ----------------------------------------
# A copy of examples/ (two project recipes) plus five team recipes that extend built-ins: 20 recipe ids.
log "recording template jobs (one per recipe and size) with trainplat job create"
PROJECT=$OUT/project
rm -rf "$PROJECT" "$OUT"/template.db* "$OUT"/template-create.log "$OUT"/metrics-*.db* "$OUT"/jobs-100k.db*
team_project "$PROJECT" lineage
(cd "$PROJECT" && "$TRAINPLAT" validate recipes >/dev/null)

TEMPLATE_STORE=$ROOT/$OUT/template.db
templates=0 refused=0
for recipe in $TEMPLATE_RECIPES; do
    for size in 1.5B 7B 8B 14B 32B 70B; do
        # shellcheck disable=SC2046
        if (cd "$PROJECT" && "$TRAINPLAT" job create -r "$recipe" -s "$size" $(datasets_for "$recipe") --store "$TEMPLATE_STORE" >/dev/null 2>>"$ROOT/$OUT/template-create.log"); then
            templates=$((templates + 1))
        else
            refused=$((refused + 1)) # pre-flight errors at this size: the generator leaves the pair out
        fi
    done
done
"$TRAINPLAT" job export --all --store "$TEMPLATE_STORE" -o "$OUT/template.jsonl" >/dev/null
echo "template: $templates jobs ($refused recipe/size pairs refused by pre-flight checks, see template-create.log)"

# --- generate --------------------------------------------------------------------------------
log "generating points.jsonl (1,000,000 points) and jobs-100k.jsonl (100,000 jobs), seed $SEED"
python3 bench/generate_lineage.py points --lines 250000 --seed "$SEED" --out "$OUT/points.jsonl" >/dev/null
python3 bench/generate_lineage.py jobs --template "$OUT/template.jsonl" --jobs 100000 --seed "$SEED" \
    --out "$OUT/jobs-100k.jsonl" --facts "$OUT/facts.json" >/dev/null
FACTS=$ROOT/$OUT/facts.json
fact() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); [v := v[k] for k in sys.argv[2:]]; print(v)' "$FACTS" "$@"; }
BUSIEST=$(fact busiest_recipe)
QUIETEST=$(fact quietest_recipe)
SHOW_JOB=$(fact show_job)

# --- stores and correctness --------------------------------------------------------------------
cd "$OUT"
log "checking: the points file, a 1M-point import, config hashes against render, the 100,000-job import"
LINES=$(wc -l <points.jsonl)
POINTS=$(python3 -c 'import json,sys; print(sum(len(json.loads(l)) - 1 for l in open(sys.argv[1])))' points.jsonl)
[[ $LINES == 250000 && $POINTS == 1000000 ]] || { echo "FAIL: points.jsonl has $LINES lines, $POINTS points" >&2; exit 1; }

METRICS_JOB=$(cd project && "$TRAINPLAT" job create -r grpo_basic -s 7B -d train=data/math_train.jsonl --store ../metrics-empty.db 2>/dev/null)
"$TRAINPLAT" job update "$METRICS_JOB" --status running --store metrics-empty.db >/dev/null
rm -f metrics-empty.db-log metrics-empty.db.lock
cp metrics-empty.db metrics-1m.db
"$TRAINPLAT" metrics import "$METRICS_JOB" points.jsonl --store metrics-1m.db --format json >check-import.json
IMPORTED=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["points"])' check-import.json)
[[ $IMPORTED == 1000000 ]] || { echo "FAIL: metrics import reported $IMPORTED points" >&2; cat check-import.json >&2; exit 1; }
"$TRAINPLAT" metrics show "$METRICS_JOB" --store metrics-1m.db --format json >check-show.json
SHOWN=$(python3 -c 'import json,sys; print(sum(m["count"] for m in json.load(open(sys.argv[1]))["metrics"]))' check-show.json)
[[ $SHOWN == 1000000 ]] || { echo "FAIL: metrics show counts $SHOWN points" >&2; exit 1; }
AGAIN=$("$TRAINPLAT" metrics import "$METRICS_JOB" points.jsonl --store metrics-1m.db --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["already_imported"], d["points"])')
[[ $AGAIN == "True 0" ]] || { echo "FAIL: a second import of the same file was not recognised ($AGAIN)" >&2; exit 1; }
STORE_1M_BYTES=$(stat -c %s metrics-1m.db)
STORE_1M_LOG_BYTES=$(stat -c %s metrics-1m.db-log 2>/dev/null || echo 0)
STORE_EMPTY_BYTES=$(stat -c %s metrics-empty.db)

# The generator's config hashes equal what `render --set` gives for the same overrides (one sample per GRPO recipe and size).
python3 -c 'import json,sys; [print(s["recipe"], s["size"], s["hash"], *s["sets"]) for s in json.load(open(sys.argv[1]))["render_samples"]]' facts.json >render-samples.txt
checked=0
while read -r recipe size hash sets; do
    args=()
    for s in $sets; do args+=(--set "$s"); done
    got=$(cd project && "$TRAINPLAT" render "$recipe" -s "$size" "${args[@]}" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["trainplat"]["config_sha256"])')
    [[ $got == "$hash" ]] || { echo "FAIL: render $recipe -s $size $sets: config $got, generator $hash" >&2; exit 1; }
    checked=$((checked + 1))
done <render-samples.txt
echo "config hashes: $checked generated GRPO configs equal trainplat render --set"

wait_quiet
BUSY_BEFORE_JOB_IMPORT=$BUSY_BEFORE
log "job import of 100,000 jobs (one run, one transaction)"
/usr/bin/time -v "$TRAINPLAT" job import jobs-100k.jsonl --store jobs-100k.db >job-import.out 2>job-import.time
cat job-import.out
IMPORT_WALL=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' job-import.time)
IMPORT_RSS_KB=$(sed -n 's/.*Maximum resident set size (kbytes): //p' job-import.time)
IMPORT_USER=$(sed -n 's/.*User time (seconds): //p' job-import.time)
IMPORT_SYS=$(sed -n 's/.*System time (seconds): //p' job-import.time)
JOBS=$("$TRAINPLAT" job list --limit 0 --format json --store jobs-100k.db | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
BUSIEST_JOBS=$("$TRAINPLAT" job list --recipe "$BUSIEST" --limit 0 --format json --store jobs-100k.db | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
QUIETEST_JOBS=$("$TRAINPLAT" job list --recipe "$QUIETEST" --limit 0 --format json --store jobs-100k.db | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[[ $JOBS == 100000 && $BUSIEST_JOBS == $(fact recipes "$BUSIEST") && $QUIETEST_JOBS == $(fact recipes "$QUIETEST") ]] ||
    { echo "FAIL: the store lists $JOBS jobs, $BUSIEST_JOBS of $BUSIEST, $QUIETEST_JOBS of $QUIETEST (generated: see facts.json)" >&2; exit 1; }
"$TRAINPLAT" lineage "$SHOW_JOB" --store jobs-100k.db >check-lineage.txt
grep -q "$(fact show_job)" check-lineage.txt
REIMPORT=$("$TRAINPLAT" job import jobs-100k.jsonl --store jobs-100k.db --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["jobs_added"], d["jobs_unchanged"], d["points_added"])')
[[ $REIMPORT == "0 100000 0" ]] || { echo "FAIL: importing the export a second time changed the store (added, unchanged, points: $REIMPORT)" >&2; exit 1; }
JOBS_BYTES=$(stat -c %s jobs-100k.db)
JOBS_LOG_BYTES=$(stat -c %s jobs-100k.db-log 2>/dev/null || echo 0)
echo "stores: 1M points $STORE_1M_BYTES bytes (+ log $STORE_1M_LOG_BYTES); 100,000 jobs $JOBS_BYTES bytes (+ log $JOBS_LOG_BYTES)"

# --- machine -------------------------------------------------------------------------------
wait_quiet
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    echo "trainplat: $($TRAINPLAT --version)"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$([[ -z $(git -C "$ROOT" status --porcelain -- tool) ]] || echo ' + uncommitted changes under tool/')"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "CPU busy before 1/3 (3 s sample): ${BUSY_BEFORE}%"
    echo "points: $LINES lines, $POINTS points, $(stat -c %s points.jsonl) bytes, sha256 $(sha256sum points.jsonl | cut -c1-16)"
    echo "metrics job: $METRICS_JOB"
    echo "store empty bytes: $STORE_EMPTY_BYTES"
    echo "store 1M bytes: $STORE_1M_BYTES"
    echo "store 1M log bytes: $STORE_1M_LOG_BYTES"
    echo "store 1M du: $(du -h metrics-1m.db | cut -f1)"
    echo "jobs export bytes: $(stat -c %s jobs-100k.jsonl)"
    echo "jobs store bytes: $JOBS_BYTES"
    echo "jobs store log bytes: $JOBS_LOG_BYTES"
    echo "jobs store du: $(du -h jobs-100k.db | cut -f1)"
    echo "jobs: $JOBS"
    echo "busiest: $BUSIEST $BUSIEST_JOBS"
    echo "quietest: $QUIETEST $QUIETEST_JOBS"
    echo "show job: $SHOW_JOB"
    echo "job import wall: $IMPORT_WALL"
    echo "job import user: $IMPORT_USER"
    echo "job import sys: $IMPORT_SYS"
    echo "job import rss kb: $IMPORT_RSS_KB"
    echo "CPU busy before job import (3 s sample): ${BUSY_BEFORE_JOB_IMPORT}%"
    echo "job import output: $(head -1 job-import.out)"
    echo "template jobs: $templates"
    echo "render checks: $checked"
} >machine.txt
cat machine.txt

# --- benchmark -----------------------------------------------------------------------------
log "hyperfine 1/3: metrics import of 1,000,000 points, a fresh one-job store per run"
hyperfine -N --warmup 1 --runs "$RUNS" \
    --prepare "sh -c 'cp metrics-empty.db metrics-run.db && rm -f metrics-run.db-log'" \
    --command-name "trainplat metrics import (1,000,000 points)" "$TRAINPLAT metrics import $METRICS_JOB points.jsonl --store metrics-run.db" \
    --command-name "wc -l (anchor)" "wc -l points.jsonl" \
    --command-name "sha256sum (anchor)" "sha256sum points.jsonl" \
    --command-name "python3 json.loads every line (anchor)" "python3 -c 'import json,sys; print(sum(len(json.loads(l)) - 1 for l in open(sys.argv[1])))' points.jsonl" \
    --export-json hyperfine-import.json
rm -f metrics-run.db metrics-run.db-log metrics-run.db.lock

echo "CPU busy before 2/3 (3 s sample): $(wait_quiet; echo "$BUSY_BEFORE")%" >>machine.txt
log "hyperfine 2/3: metrics show on the 1,000,000-point store"
hyperfine -N --warmup 2 --runs "$RUNS" \
    --command-name "trainplat metrics show (1,000,000 points)" "$TRAINPLAT metrics show $METRICS_JOB --store metrics-1m.db" \
    --export-json hyperfine-show.json

echo "CPU busy before 3/3 (3 s sample): $(wait_quiet; echo "$BUSY_BEFORE")%" >>machine.txt
log "hyperfine 3/3: queries on the 100,000-job store"
hyperfine -N --warmup 2 --runs "$RUNS" \
    --command-name "trainplat job list --recipe $BUSIEST ($BUSIEST_JOBS jobs, first 100)" "$TRAINPLAT job list --recipe $BUSIEST --store jobs-100k.db" \
    --command-name "trainplat job list --recipe $BUSIEST --limit 0 (all $BUSIEST_JOBS)" "$TRAINPLAT job list --recipe $BUSIEST --limit 0 --store jobs-100k.db" \
    --command-name "trainplat job list --recipe $QUIETEST ($QUIETEST_JOBS jobs)" "$TRAINPLAT job list --recipe $QUIETEST --store jobs-100k.db" \
    --command-name "trainplat job show ID" "$TRAINPLAT job show $SHOW_JOB --store jobs-100k.db" \
    --command-name "trainplat lineage ID" "$TRAINPLAT lineage $SHOW_JOB --store jobs-100k.db" \
    --command-name "trainplat --version (anchor: start-up)" "$TRAINPLAT --version" \
    --export-json hyperfine-jobs.json

# Issue 7 on the same store: suggest and recommend read the job index newest first (target <= 1 s each).
# suggest exits 1 when it has suggestions (it has: 1e-5 and 128 are far from the evidence), hence -i.
echo "CPU busy before 4/4 (3 s sample): $(wait_quiet; echo "$BUSY_BEFORE")%" >>machine.txt
log "hyperfine 4/4: suggest and recommend on the 100,000-job store"
hyperfine -N -i --warmup 2 --runs "$RUNS" \
    --command-name "trainplat suggest grpo_basic -s 7B (lr 1e-5, batch 128) --metric reward" \
        "$TRAINPLAT suggest grpo_basic -s 7B --set optimizer.learning_rate=1e-5 --set batch.global_batch_size=128 --metric reward --store jobs-100k.db" \
    --command-name "trainplat suggest grpo_basic -s 7B (no metric)" "$TRAINPLAT suggest grpo_basic -s 7B --store jobs-100k.db" \
    --command-name "trainplat recommend --task rlhf -s 7B --metric reward" "$TRAINPLAT recommend --task rlhf -s 7B --metric reward --store jobs-100k.db" \
    --command-name "trainplat --version (anchor: start-up)" "$TRAINPLAT --version" \
    --export-json hyperfine-experience.json
echo "CPU busy after (3 s sample): $(busy_percent 3)%" | tee -a machine.txt

# --- summary -------------------------------------------------------------------------------
python3 - . "$RUNS" "$IMPORT_TARGET_S" "$LIST_TARGET_MS" <<'PY'
import json, sys
from pathlib import Path
out, runs, import_target, list_target = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
m = dict(l.split(": ", 1) for l in (out / "machine.txt").read_text().splitlines() if ": " in l)
load = lambda n: json.loads((out / f"hyperfine-{n}.json").read_text())["results"]
imp, show, jobs, exp = load("import"), load("show"), load("jobs"), load("experience")
def t(x):
    return f"{x:.2f} s" if x >= 1 else f"{x * 1000:.0f} ms"
row = lambda r: f"| {r['command']} | {t(r['median'])} | {t(r['mean'])} ± {t(r['stddev'])} | {t(r['min'])} | {t(r['max'])} | {t(r['user'])} | {t(r['system'])} |"
verdict = lambda ok: "**PASS**" if ok else "**MISS**"
mb = lambda b: f"{int(b) / 1e6:.1f} MB"
importing, listing, startup = imp[0]["median"], jobs[0]["median"], jobs[-1]["median"]
lines = [
    "## Lineage store: 1,000,000 metric points, 100,000 jobs",
    "",
    f"Measured {m['date']} on {m['cpu']} ({m['nproc']} CPUs, {m['memory']} RAM), .NET SDK {m['dotnet sdk']}, hyperfine {m['hyperfine']}, "
    f"`--runs {runs}` (warm-up 1 for the import, 2 otherwise), whole process, Release build (`tool/TrainingPlatform.Tool/bin/Release/net10.0/trainplat`), "
    f"page cache warm, at {m['commit']} (`bash bench/lineage.sh`).",
    "",
    "| command | median | mean ± σ | min | max | user | sys |",
    "|---|---|---|---|---|---|---|",
    *[row(r) for r in imp + show + jobs + exp],
    "",
    f"- Import of 1,000,000 points (`metrics import JOB points.jsonl`, {m['points']}; each run starts from a fresh copy of a one-job store): "
    f"{t(importing)} (target ≤ {import_target:.0f} s): {verdict(importing <= import_target)}; "
    f"{importing / imp[1]['median']:.0f}× `wc -l`, {importing / imp[2]['median']:.1f}× `sha256sum`, {importing / imp[3]['median']:.2f}× Python's `json.loads` of every line.",
    f"- Store size after the import: {m['store 1M bytes']} bytes ({mb(m['store 1M bytes'])}, `du -h` {m['store 1M du']}), "
    f"-log file {m['store 1M log bytes']} bytes; the one-job store before it: {m['store empty bytes']} bytes. "
    f"So about {(int(m['store 1M bytes']) - int(m['store empty bytes'])) / 1e6:.1f} bytes per point.",
    f"- `metrics show JOB` on that store (4 metrics × 250,000 points: count, first, last, min, max, best, sparkline): {t(show[0]['median'])}.",
    f"- `job list --recipe {m['busiest'].split()[0]}` with {int(m['jobs']):,} jobs in the store ({int(m['busiest'].split()[1]):,} of them of that recipe, the busiest; "
    f"the table shows the newest 100): {t(listing)} (target ≤ {list_target:.0f} ms): {verdict(listing * 1000 <= list_target)}; "
    f"all {int(m['busiest'].split()[1]):,} rows (`--limit 0`): {t(jobs[1]['median'])}; the quietest recipe, {m['quietest'].split()[0]} "
    f"({int(m['quietest'].split()[1]):,} jobs): {t(jobs[2]['median'])}; start-up floor (`--version`): {t(startup)}.",
    f"- `job show` / `lineage` of one job (a clone with datasets, git and a metric): {t(jobs[3]['median'])} / {t(jobs[4]['median'])}.",
    f"- `job import` of the 100,000-job export ({mb(m['jobs export bytes'])}, one run, one transaction): wall {m['job import wall']}, "
    f"user {m['job import user']} s, sys {m['job import sys']} s, peak RSS {int(m['job import rss kb']) / 1024:.0f} MiB (CPU busy before: {m['CPU busy before job import (3 s sample)']}). "
    f"Store: {m['jobs store bytes']} bytes ({mb(m['jobs store bytes'])}, `du -h` {m['jobs store du']}), -log {m['jobs store log bytes']} bytes.",
    f"- `suggest` with 100,000 jobs in the store (the 1,000 most recent succeeded GRPO jobs in the size window are read): "
    f"{t(exp[0]['median'])} with `--metric`, {t(exp[1]['median'])} without (target ≤ 1 s): {verdict(max(exp[0]['median'], exp[1]['median']) <= 1)}; "
    f"`recommend` (the 5,000 most recent finished jobs): {t(exp[2]['median'])} (target ≤ 1 s): {verdict(exp[2]['median'] <= 1)}.",
    f"- Machine load: {m['load average before']} (load average before); CPU busy {m['CPU busy before 1/3 (3 s sample)']}, "
    f"{m.get('CPU busy before 2/3 (3 s sample)', '?')}, {m.get('CPU busy before 3/3 (3 s sample)', '?')} and {m.get('CPU busy before 4/4 (3 s sample)', '?')} before the four hyperfine groups, "
    f"{m.get('CPU busy after (3 s sample)', '?')} after.",
]
busy = {k: m[k] for k in m if k.startswith("CPU busy before")}
noisy = [f"{k[len('CPU busy before '):].split(' (')[0]} ({v})" for k, v in busy.items() if int(v.rstrip("%")) >= 10]
if noisy:
    lines.append(f"- **WARNING**: other processes kept the CPUs busy before {', '.join(noisy)}; those numbers are disturbed (QUIET_TIMEOUT ran out).")
text = "\n".join(lines) + "\n"
(out / "summary.md").write_text(text)
print()
print(text, end="")
PY

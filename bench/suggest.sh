#!/usr/bin/env bash
# Benchmark (issue 16): `trainplat suggest grpo_basic -s 7B` with 10,000 jobs in the store, portable (JIT)
# and Native AOT builds side by side with an anchor in the same hyperfine run. Target: AOT median <= 150 ms.
#
# The store: 10,000 jobs from bench/generate_lineage.py (seed 20261125) over a template export of one real
# job per recipe and model size (made here with `trainplat job create`, as bench/lineage.sh does), put in
# with one `trainplat job import`.
# The anchor: python3 reading the same jobs from the JSON Lines export and gathering the same evidence
# (bench/suggest_anchor.py: succeeded GRPO jobs in the 3.5B-14B window, the 1,000 most recent, their
# configs, the median learning rate) - the floor of a script doing that work from a flat file.
# Correctness first: both builds print the same suggestion, and its evidence counts equal the anchor's.
# suggest exits 1 when it has suggestions (it has: the learning rate 1e-5 is far from the evidence), hence -i.
#
# Results: bench/out/suggest/summary.md (workload_table), suggest.json (hyperfine), machine.txt.
# Usage: bash bench/suggest.sh   (REUSE_BUILDS=1 keeps the builds in bench/out/build; JOBS=N another job count)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=bench/out/suggest
JOBS=${JOBS:-10000}
SEED=20261125

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
ensure_hyperfine
ensure_builds

# --- template: one real job per recipe and model size (as in bench/lineage.sh) -------------------
rm -rf "$OUT" && mkdir -p "$OUT"
PROJECT=$OUT/project
team_project "$PROJECT" suggest
log "recording template jobs (one per recipe and size) with trainplat job create"
TEMPLATE_STORE=$ROOT/$OUT/template.db
for recipe in $TEMPLATE_RECIPES; do
    for size in 1.5B 7B 8B 14B 32B 70B; do
        # shellcheck disable=SC2046
        (cd "$PROJECT" && "$AOT_BIN" job create -r "$recipe" -s "$size" $(datasets_for "$recipe") --store "$TEMPLATE_STORE" \
            >/dev/null 2>>"$ROOT/$OUT/template-create.log") || true # pre-flight errors at this size: left out
    done
done
"$AOT_BIN" job export --all --store "$TEMPLATE_STORE" -o "$OUT/template.jsonl" >/dev/null

log "generating $JOBS jobs (seed $SEED) and importing them"
python3 bench/generate_lineage.py jobs --template "$OUT/template.jsonl" --jobs "$JOBS" --seed "$SEED" \
    --out "$OUT/jobs.jsonl" --facts "$OUT/facts.json" >/dev/null
"$AOT_BIN" job import "$OUT/jobs.jsonl" --store "$OUT/jobs.db" >/dev/null
rm -f "$OUT/jobs.db.lock"
STORED=$("$AOT_BIN" job list --limit 0 --format json --store "$OUT/jobs.db" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[[ $STORED == "$JOBS" ]] || { echo "FAIL: the store holds $STORED jobs, expected $JOBS" >&2; exit 1; }

# --- correctness -----------------------------------------------------------------------------------
cd "$OUT"
SUGGEST_ARGS=(suggest grpo_basic -s 7B --set optimizer.learning_rate=1e-5 --store "$ROOT/$OUT/jobs.db")
ANCHOR_CMD="python3 $ROOT/bench/suggest_anchor.py jobs.jsonl rlhf grpo 7e9"
log "checking: both builds give the same suggestion, with the evidence the anchor finds"
(cd project && "$JIT_BIN" "${SUGGEST_ARGS[@]}" --format json >../portable.json) || [[ $? == 1 ]]
(cd project && "$AOT_BIN" "${SUGGEST_ARGS[@]}" --format json >../aot.json) || [[ $? == 1 ]]
cmp portable.json aot.json || { echo "FAIL: the portable and AOT builds disagree (portable.json, aot.json)" >&2; exit 1; }
$ANCHOR_CMD >anchor.json
python3 - <<'PY'
import json, sys
got, want = json.load(open("aot.json")), json.load(open("anchor.json"))
ev = got["evidence"]
if sorted(ev["jobs"]) != want["jobs"]:
    sys.exit(f"FAIL: the evidence differs: trainplat read {len(ev['jobs'])} jobs, the anchor {len(want['jobs'])}, "
             f"{len(set(ev['jobs']) ^ set(want['jobs']))} not in both")
lr = [s for s in got["suggestions"] if s["key"] == "optimizer.learning_rate"]
if not lr:
    sys.exit("FAIL: suggest did not flag the learning rate 1e-5")
print(f"evidence: the same {len(ev['jobs'])} most recent of {want['candidates']} succeeded GRPO jobs as the anchor; "
      f"learning rate 1e-5 flagged, suggested {lr[0]['suggested']} (anchor's median of the evidence: {want['median_learning_rate']:.3g})")
PY

# --- benchmark -------------------------------------------------------------------------------------
wait_quiet
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    echo "builds: $(cat "$ROOT/bench/out/build/commit" 2>/dev/null || echo unknown)"
    echo "store: $JOBS jobs, $(stat -c %s jobs.db) bytes; export $(stat -c %s jobs.jsonl) bytes"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); CPU busy before (3 s sample): ${BUSY_BEFORE}%"
} >machine.txt
log "hyperfine: suggest with $JOBS jobs in the store"
cd project
hyperfine -N -i --warmup 3 --runs 30 \
    -n portable "$JIT_BIN ${SUGGEST_ARGS[*]}" \
    -n AOT "$AOT_BIN ${SUGGEST_ARGS[*]}" \
    -n "python3 anchor" "python3 $ROOT/bench/suggest_anchor.py ../jobs.jsonl rlhf grpo 7e9" \
    --export-json ../suggest.json
cd ..
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); CPU busy after (3 s sample): $(busy_percent 3)%" >>machine.txt
status=0
{
    echo "## suggest grpo_basic -s 7B with $JOBS jobs in the store"
    echo
    workload_table suggest.json "python3 anchor" "AOT<=150ms" || status=1
    echo
    echo "Command (in a copy of examples/ with five team recipes): \`trainplat ${SUGGEST_ARGS[*]/$ROOT\//}\`; anchor: \`$ANCHOR_CMD\` (the same jobs as JSON Lines)."
    echo
    sed 's/^/    /' machine.txt
} >summary.md
cat summary.md
exit "$status"

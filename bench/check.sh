#!/usr/bin/env bash
# Benchmark (issue 16): `trainplat check --base HEAD~1` in a repository of 50 recipes and 200 commits,
# portable (JIT) and Native AOT builds side by side with an anchor in the same hyperfine run.
# Target: AOT median <= 300 ms. Also measured (no target): `trainplat recipe history` of the recipe with
# the longest history.
#
# The repository: bench/generate_git_repo.py (seed 20261205, one `git fast-import`, fixed dates, so the
# same commit ids every run). The last commit changes three recipes (versions raised), adds one and
# renames one; check renders each changed recipe at the base and now at 7B and 70B and compares them.
# The anchors: `git diff -M HEAD~1` for check (git finding the same changes and reading both sides of
# each changed file: the floor of any tool that compares a pull request's files with their base), and
# `git log --follow -p -- FILE` for history (git reading every version of the file).
# Correctness first: both builds print the same report, and it lists exactly what the generator changed;
# history lists as many commits as the generator made to the file.
#
# Results: bench/out/check/summary.md (workload_table), check.json and history.json (hyperfine), machine.txt.
# Usage: bash bench/check.sh   (REUSE_BUILDS=1 keeps the builds in bench/out/build)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=bench/out/check

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
ensure_hyperfine
ensure_builds

rm -rf "$OUT" && mkdir -p "$OUT"
log "generating a repository of 50 recipes and 200 commits"
python3 bench/generate_git_repo.py "$OUT/repo" --recipes 50 --commits 200 >"$OUT/facts.json"
cd "$OUT/repo"
[[ $(git rev-list --count HEAD) == 200 ]] || { echo "FAIL: the repository does not have 200 commits" >&2; exit 1; }

# --- correctness -----------------------------------------------------------------------------------
log "checking: both builds give the same report, listing what the generator changed"
"$JIT_BIN" check --base HEAD~1 --format json >../portable.json
"$AOT_BIN" check --base HEAD~1 --format json >../aot.json
cmp ../portable.json ../aot.json || { echo "FAIL: the portable and AOT builds disagree (portable.json, aot.json)" >&2; exit 1; }
HISTORY_ID=$(python3 -c 'import json; print(json.load(open("../facts.json"))["history_recipe"]["id"])')
HISTORY_PATH=$(python3 -c 'import json; print(json.load(open("../facts.json"))["history_recipe"]["path"])')
"$AOT_BIN" recipe history "$HISTORY_ID" --format json >../history-aot.json
"$JIT_BIN" recipe history "$HISTORY_ID" --format json >../history-portable.json
cmp ../history-portable.json ../history-aot.json || { echo "FAIL: the builds' histories differ" >&2; exit 1; }
python3 - <<'PY'
import json, sys
facts, report, history = (json.load(open(f"../{n}.json")) for n in ("facts", "aot", "history-aot"))
last = facts["last_commit"]
want = sorted([(m["path"], "modified", None, m["version"]) for m in last["modified"]]
              + [(a["path"], "added", None, None) for a in last["added"]]
              + [(r["to"], "renamed", r["from"], None) for r in last["renamed"]])
got = sorted((r["path"], r["status"], r.get("old_path"), r["version"] if r["status"] == "modified" else None) for r in report["recipes"])
if got != want:
    sys.exit(f"FAIL: check reported {got}, the generator changed {want}")
if report["summary"]["errors"] != 0:
    sys.exit(f"FAIL: check found {report['summary']['errors']} errors in a commit that raised every version")
if any(len(r["diffs"]) != 2 for r in report["recipes"] if r["status"] in ("modified", "renamed")):
    sys.exit("FAIL: a modified or renamed recipe was not rendered and compared at both sizes")
want_commits = facts["history_recipe"]["commits"]
if len(history["revisions"]) != want_commits:
    sys.exit(f"FAIL: history lists {len(history['revisions'])} commits of {facts['history_recipe']['path']}, the generator made {want_commits}")
print(f"check: {len(got)} changed recipes as generated (3 modified, 1 added, 1 renamed), 0 errors; "
      f"history: {want_commits} commits of {facts['history_recipe']['path']}")
PY

# --- benchmark -------------------------------------------------------------------------------------
wait_quiet
{
    machine_facts
    echo "git: $(git --version)"
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    echo "builds: $(cat "$ROOT/bench/out/build/commit" 2>/dev/null || echo unknown)"
    echo "repository: $(git rev-list --count HEAD) commits, $(git ls-files | wc -l) files"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); CPU busy before (3 s sample): ${BUSY_BEFORE}%"
} >../machine.txt
log "hyperfine: check --base HEAD~1"
hyperfine -N --warmup 3 --runs 30 \
    -n portable "$JIT_BIN check --base HEAD~1" \
    -n AOT "$AOT_BIN check --base HEAD~1" \
    -n "git diff -M HEAD~1" "git --no-pager diff -M HEAD~1" \
    --export-json ../check.json
log "hyperfine: recipe history $HISTORY_ID"
hyperfine -N --warmup 3 --runs 30 \
    -n portable "$JIT_BIN recipe history $HISTORY_ID" \
    -n AOT "$AOT_BIN recipe history $HISTORY_ID" \
    -n "git log --follow -p" "git --no-pager log --follow -p -- $HISTORY_PATH" \
    --export-json ../history.json
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); CPU busy after (3 s sample): $(busy_percent 3)%" >>../machine.txt
cd ..
status=0
{
    echo "## check --base HEAD~1 (50 recipes, 200 commits; 5 changed recipes rendered at 7B and 70B)"
    echo
    workload_table check.json "git diff -M HEAD~1" "AOT<=300ms" || status=1
    echo
    echo "## recipe history $HISTORY_ID ($(python3 -c 'import json; print(json.load(open("facts.json"))["history_recipe"]["commits"])') commits; no target)"
    echo
    workload_table history.json "git log --follow -p" || true
    echo
    sed 's/^/    /' machine.txt
} >summary.md
cat summary.md
exit "$status"

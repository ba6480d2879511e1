#!/usr/bin/env bash
# Benchmark: the everyday commands a pre-commit hook or a PR check runs, whole process, for the
# portable (JIT) build and the Native AOT build, each in one hyperfine run with its anchor
# (issue 16 targets, AOT median):
#   --version                          <= 20 ms   anchor: `git --version` (a native CLI's start-up)
#   render grpo_basic --model-size 70B <= 50 ms   anchor: python3 + PyYAML loading the same
#                                                 built-in recipe and printing it as JSON
#   validate of 3 recipes              <= 60 ms   anchor: ajv-cli on the same 3 recipes as JSON
# Both builds must give the same output first. Results: bench/out/everyday/{version,render,
# validate3}.json, machine.txt and summary.md (one table per workload, for docs/performance.md).
#
# Usage: bash bench/everyday.sh      (RUNS=N; REUSE_BUILDS=1 keeps bench/out/build/)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out/everyday
RUNS=${RUNS:-30}
SCHEMA=$ROOT/schemas/recipe.v1.schema.json
AJV=$ROOT/bench/.node/node_modules/.bin/ajv

# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_hyperfine
ensure_ajv
PYTHON=python3
"$PYTHON" -c 'import yaml' 2>/dev/null || PYTHON=/usr/bin/python3

rm -rf "$OUT" && mkdir -p "$OUT"
ensure_builds

log "generating 3 recipes (YAML and the same as JSON)"
"$PYTHON" bench/generate_recipes.py --count 3 --yaml-dir "$OUT/recipes" --json-dir "$OUT/json" >/dev/null
mapfile -t YAMLS < <(ls "$OUT"/recipes/*.yaml)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples "$work/project"
cd "$work/project"

# --- correctness: both builds answer the same; the anchors do the work ----------------------
same() { # args...: both builds, same stdout, stderr and exit code
    if ! cmp -s <("$JIT_BIN" "$@" 2>&1; echo "exit $?") <("$AOT_BIN" "$@" 2>&1; echo "exit $?"); then
        echo "FAIL: the portable and the AOT build answer 'trainplat $*' differently" >&2
        exit 1
    fi
}
same --version
same render grpo_basic --model-size 70B
same validate "${YAMLS[@]}"
"$AOT_BIN" validate "${YAMLS[@]}" >/dev/null || { echo "FAIL: trainplat rejected the generated recipes" >&2; exit 1; }
"$AJV" validate --spec=draft2020 --strict=false -c ajv-formats -s "$SCHEMA" -d "$OUT/json/*.json" >/dev/null 2>&1 \
    || { echo "FAIL: ajv rejected the generated recipes" >&2; exit 1; }
RENDER_ANCHOR="import json, sys, yaml; json.dump(yaml.safe_load(open('$ROOT/recipes/grpo_basic.yaml')), sys.stdout)"
"$PYTHON" -c "$RENDER_ANCHOR" >/dev/null

wait_quiet
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    echo "builds: $(cat "$ROOT/bench/out/build/commit")"
    echo "git: $(git --version)"
    echo "python: $("$PYTHON" --version 2>&1), PyYAML $("$PYTHON" -c 'import yaml; print(yaml.__version__, "with libyaml" if yaml.__with_libyaml__ else "pure Python")')"
    echo "node: $(node --version), ajv-cli $(node -p "require('$ROOT/bench/.node/node_modules/ajv-cli/package.json').version")"
    echo "CPU busy before (3 s sample): ${BUSY_BEFORE}%"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt"

log "hyperfine: --version"
hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$OUT/version.json" \
    -n portable "$JIT_BIN --version" -n AOT "$AOT_BIN --version" -n "git --version" "git --version"
log "hyperfine: render grpo_basic --model-size 70B"
hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$OUT/render.json" \
    -n portable "$JIT_BIN render grpo_basic --model-size 70B" -n AOT "$AOT_BIN render grpo_basic --model-size 70B" \
    -n "python3 + PyYAML" "$PYTHON -c \"$RENDER_ANCHOR\""
log "hyperfine: validate 3 recipes"
hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$OUT/validate3.json" \
    -n portable "$JIT_BIN validate ${YAMLS[*]}" -n AOT "$AOT_BIN validate ${YAMLS[*]}" \
    -n ajv-cli "$AJV validate --spec=draft2020 --strict=false -c ajv-formats -s $SCHEMA -d \"$OUT/json/*.json\""
BUSY_AFTER=$(busy_percent 3)
echo "CPU busy after (3 s sample): ${BUSY_AFTER}%" | tee -a "$OUT/machine.txt"

status=0
{
    echo "### \`trainplat --version\`"; echo
    workload_table "$OUT/version.json" "git --version" "AOT<=20ms" || status=1
    echo; echo "### \`trainplat render grpo_basic --model-size 70B\` (in a copy of examples/)"; echo
    workload_table "$OUT/render.json" "python3 + PyYAML" "AOT<=50ms" || status=1
    echo; echo "### \`trainplat validate\` of 3 recipes"; echo
    workload_table "$OUT/validate3.json" ajv-cli "AOT<=60ms" || status=1
} >"$OUT/summary.md"
echo
cat "$OUT/summary.md"
exit "$status"

#!/usr/bin/env bash
# Benchmark: `trainplat validate` on 1,000 recipes vs ajv-cli on the same recipes as JSON, for
# the portable (JIT) build and the Native AOT build in the same hyperfine run as the anchor, with
# each one's peak RSS. Target (issue 16): AOT median <= 0.5x ajv's. Installs what it needs, builds
# both (bench/lib.sh ensure_builds), generates the files into bench/out/, checks that both
# validators accept all of them and reject a broken one, runs hyperfine and writes
# bench/out/validate.json, bench/out/machine.txt and bench/out/summary.md (docs/performance.md).
#
# The machine has 2 cores, so any other busy process distorts the numbers: the script waits
# (up to QUIET_TIMEOUT s, default 300) for the CPUs to be idle before measuring, and the summary
# says how much CPU other processes used during the validate runs (WARNING at 5% or more).
#
# Usage: bash bench/validate.sh     (COUNT=N for another file count; default 1000)
set -euo pipefail

cd "$(dirname "$0")/.."
COUNT=${COUNT:-1000}
OUT=bench/out
NODE_PREFIX=bench/.node
AJV=$NODE_PREFIX/node_modules/.bin/ajv
SCHEMA=schemas/recipe.v1.schema.json

# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_hyperfine

ensure_ajv

PYTHON=python3
if ! "$PYTHON" -c 'import yaml' 2>/dev/null; then
    if /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
        PYTHON=/usr/bin/python3
    else
        log "installing PyYAML (apt python3-yaml)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-yaml >/dev/null
        PYTHON=/usr/bin/python3
    fi
fi

# --- build and generate --------------------------------------------------------------------
mkdir -p "$OUT"
ensure_builds
TRAINPLAT=$AOT_BIN

log "generating $COUNT recipes"
"$PYTHON" bench/generate_recipes.py --count "$COUNT" --yaml-dir "$OUT/recipes" --json-dir "$OUT/json"

# The commands measured (run from the repository root, no shell: hyperfine -N).
TRAINPLAT_CMD="$TRAINPLAT validate $OUT/recipes"
PORTABLE_CMD="$JIT_BIN validate $OUT/recipes"
AJV_CMD="$AJV validate --spec=draft2020 --strict=false -c ajv-formats -s $SCHEMA -d \"$OUT/json/*.json\""

# --- correctness checks --------------------------------------------------------------------
log "checking: trainplat (both builds) accepts all $COUNT files, with the same output"
if ! $TRAINPLAT_CMD >"$OUT/trainplat-validate.txt" 2>&1; then
    tail -20 "$OUT/trainplat-validate.txt" >&2
    echo "FAIL: trainplat validate rejected generated recipes (see $OUT/trainplat-validate.txt)" >&2
    exit 1
fi
tail -1 "$OUT/trainplat-validate.txt"
if ! $PORTABLE_CMD 2>&1 | cmp -s - "$OUT/trainplat-validate.txt"; then
    echo "FAIL: the portable and the AOT build answer 'validate $OUT/recipes' differently" >&2
    exit 1
fi

log "checking: ajv accepts all $COUNT files"
if ! eval "$AJV_CMD" >"$OUT/ajv-validate.txt" 2>&1; then
    grep -v ' valid$' "$OUT/ajv-validate.txt" | head -20 >&2
    echo "FAIL: ajv rejected generated recipes (see $OUT/ajv-validate.txt)" >&2
    exit 1
fi
valid=$(grep -c ' valid$' "$OUT/ajv-validate.txt" || true)
if [[ $valid -ne $COUNT ]]; then
    echo "FAIL: ajv reported $valid valid files, expected $COUNT" >&2
    exit 1
fi
echo "ajv: $valid of $COUNT files valid"

log "checking: both validators reject a broken recipe (they are not no-ops)"
rm -rf "$OUT/negative" && mkdir -p "$OUT/negative/recipes" "$OUT/negative/json"
generated=("$OUT"/recipes/*.yaml)
first=$(basename "${generated[0]}")
sed 's/^apiVersion: trainplat\/v1$/apiVersion: trainplat\/v9/' "$OUT/recipes/$first" >"$OUT/negative/recipes/$first"
"$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["apiVersion"]="trainplat/v9"; json.dump(d, open(sys.argv[2],"w"))' \
    "$OUT/json/${first%.yaml}.json" "$OUT/negative/json/${first%.yaml}.json"
if $TRAINPLAT validate "$OUT/negative/recipes" >/dev/null 2>&1; then
    echo "FAIL: trainplat accepted a recipe with apiVersion trainplat/v9" >&2; exit 1
fi
if "$AJV" validate --spec=draft2020 --strict=false -c ajv-formats -s "$SCHEMA" -d "$OUT/negative/json/*.json" >/dev/null 2>&1; then
    echo "FAIL: ajv accepted a recipe with apiVersion trainplat/v9" >&2; exit 1
fi
echo "both reject apiVersion trainplat/v9"

wait_quiet

# --- machine -------------------------------------------------------------------------------
{
    machine_facts
    echo "node: $(node --version)"
    echo "ajv-cli: $(node -p "require('./$NODE_PREFIX/node_modules/ajv-cli/package.json').version")," \
         "ajv: $(node -p "require('./$NODE_PREFIX/node_modules/ajv/package.json').version")," \
         "ajv-formats: $(node -p "require('./$NODE_PREFIX/node_modules/ajv-formats/package.json').version")"
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    if git rev-parse --git-dir >/dev/null 2>&1; then
        echo "commit: $(git rev-parse --short HEAD)$(git status --porcelain --untracked-files=no -- tool schemas recipes | grep -q . && echo ' + uncommitted changes under tool/, schemas/ or recipes/')"
    else
        echo "commit: unknown (not a git checkout)"
    fi
    echo "trainplat: $($TRAINPLAT --version)"
    echo "load average before the benchmarks: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "CPU busy before the benchmarks (3 s sample): ${BUSY_BEFORE}%"
    echo "files: $COUNT recipes, $(cat "$OUT"/recipes/*.yaml | wc -c) bytes YAML, $(cat "$OUT"/json/*.json | wc -c) bytes JSON"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt"

# --- benchmarks ----------------------------------------------------------------------------
log "hyperfine: validate $COUNT recipes (portable, AOT, ajv; one invocation each)"
CPU0=$(busy_seconds); T0=$(date +%s.%N)
hyperfine -N --warmup 2 --runs "${RUNS:-10}" \
    -n portable "$PORTABLE_CMD" \
    -n AOT "$TRAINPLAT_CMD" \
    -n ajv-cli "$AJV_CMD" \
    --export-json "$OUT/validate.json"
CPU1=$(busy_seconds); T1=$(date +%s.%N)

log "peak RSS (GNU time, one run each)"
peak_rss() { /usr/bin/time -f '%M' -o "$OUT/rss.tmp" "$@" >/dev/null 2>&1 || true; echo "$(( $(tail -1 "$OUT/rss.tmp") / 1024 ))"; }
RSS_PORTABLE=$(peak_rss $PORTABLE_CMD)
RSS_AOT=$(peak_rss $TRAINPLAT_CMD)
RSS_AJV=$(peak_rss "$AJV" validate --spec=draft2020 --strict=false -c ajv-formats -s "$SCHEMA" -d "$OUT/json/*.json")
rm -f "$OUT/rss.tmp"

BUSY_AFTER=$(busy_percent 3)
echo "CPU busy after the benchmarks (3 s sample, other processes): ${BUSY_AFTER}%" | tee -a "$OUT/machine.txt"

# --- summary -------------------------------------------------------------------------------
status=0
{
    echo "Validate $COUNT recipes (portable: \`$PORTABLE_CMD\`; AOT: \`$TRAINPLAT_CMD\`; ajv-cli: \`$AJV_CMD\`)"
    echo
    workload_table "$OUT/validate.json" ajv-cli "AOT<=0.5*anchor" || status=1
    echo
    echo "Peak RSS (GNU time, one run each): portable ${RSS_PORTABLE} MiB, AOT ${RSS_AOT} MiB, ajv-cli ${RSS_AJV} MiB"
    CPU0=$CPU0 CPU1=$CPU1 T0=$T0 T1=$T1 "$PYTHON" - "$OUT" <<'PY'
import json, os, sys
from pathlib import Path
out = Path(sys.argv[1])
v = json.loads((out / "validate.json").read_text())["results"]
# CPU used by other processes during the runs: the machine's busy CPU time minus what the
# measured commands used (hyperfine's mean user+system per run, times runs + 2 warm-ups).
cores = os.cpu_count() or 1
window = float(os.environ["T1"]) - float(os.environ["T0"])
busy = float(os.environ["CPU1"]) - float(os.environ["CPU0"])
ours = sum((r["user"] + r["system"]) * (len(r["times"]) + 2) for r in v)
other = max(0.0, busy - ours) / (window * cores) * 100
print(f"Other processes during the runs: about {other:.0f}% of {cores} CPUs "
      f"(machine busy {busy:.1f} CPU-s in {window:.1f} s, the benchmarked commands about {ours:.1f} CPU-s)")
(out / "disturbance.txt").write_text(f"{other:.1f}\n")
if other >= 5:
    print(f"WARNING: other processes used about {other:.0f}% of the CPUs during the runs: "
          "these numbers are disturbed; run again on a quiet machine")
PY
} >"$OUT/summary.md"
echo
cat "$OUT/summary.md"
exit "$status"

#!/usr/bin/env bash
# Benchmark: `trainplat validate` on 1,000 recipes vs ajv-cli on the same recipes as JSON,
# and `trainplat --version` start-up. Installs what it needs, builds Release, generates the
# files into bench/out/, checks that both validators accept all of them, runs hyperfine and
# prints the medians. Results: bench/out/validate.json, bench/out/version.json,
# bench/out/machine.txt, bench/out/summary.md (the numbers in docs/performance.md).
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
TRAINPLAT=tool/TrainingPlatform.Tool/bin/Release/net10.0/trainplat
SCHEMA=schemas/recipe.v1.schema.json
TARGET_VALIDATE_S=1.5
TARGET_VERSION_S=0.150

# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_hyperfine

if [[ ! -x $AJV || ! -d $NODE_PREFIX/node_modules/ajv-formats ]]; then
    log "installing ajv-cli@5 and ajv-formats (npm, into $NODE_PREFIX)"
    npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --silent ajv-cli@5 ajv-formats
fi

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
log "building Release"
mkdir -p "$OUT"
dotnet build -c Release tool/TrainingPlatform.Tool -nologo -v q >"$OUT/build.log" 2>&1 || {
    cat "$OUT/build.log" >&2; exit 1; }

log "generating $COUNT recipes"
"$PYTHON" bench/generate_recipes.py --count "$COUNT" --yaml-dir "$OUT/recipes" --json-dir "$OUT/json"

# The two commands measured (run from the repository root, no shell: hyperfine -N).
TRAINPLAT_CMD="$TRAINPLAT validate $OUT/recipes"
AJV_CMD="$AJV validate --spec=draft2020 --strict=false -c ajv-formats -s $SCHEMA -d \"$OUT/json/*.json\""

# --- correctness checks --------------------------------------------------------------------
log "checking: trainplat accepts all $COUNT files"
if ! $TRAINPLAT_CMD >"$OUT/trainplat-validate.txt" 2>&1; then
    tail -20 "$OUT/trainplat-validate.txt" >&2
    echo "FAIL: trainplat validate rejected generated recipes (see $OUT/trainplat-validate.txt)" >&2
    exit 1
fi
tail -1 "$OUT/trainplat-validate.txt"

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
log "hyperfine: validate $COUNT recipes (trainplat vs ajv, one invocation)"
CPU0=$(busy_seconds); T0=$(date +%s.%N)
hyperfine -N --warmup 2 --runs 10 \
    --command-name "trainplat validate" "$TRAINPLAT_CMD" \
    --command-name "ajv validate (anchor)" "$AJV_CMD" \
    --export-json "$OUT/validate.json"
CPU1=$(busy_seconds); T1=$(date +%s.%N)

log "hyperfine: trainplat --version"
hyperfine -N --warmup 3 --runs 30 \
    --command-name "trainplat --version" "$TRAINPLAT --version" \
    --export-json "$OUT/version.json"

BUSY_AFTER=$(busy_percent 3)
echo "CPU busy after the benchmarks (3 s sample, other processes): ${BUSY_AFTER}%" | tee -a "$OUT/machine.txt"

# --- summary -------------------------------------------------------------------------------
CPU0=$CPU0 CPU1=$CPU1 T0=$T0 T1=$T1 BUSY_BEFORE=$BUSY_BEFORE BUSY_AFTER=$BUSY_AFTER TRAINPLAT_CMD=$TRAINPLAT_CMD AJV_CMD=$AJV_CMD VERSION_CMD="$TRAINPLAT --version" \
"$PYTHON" - "$OUT" "$TARGET_VALIDATE_S" "$TARGET_VERSION_S" "$COUNT" <<'PY'
import json, os, sys
from pathlib import Path

out, target_validate, target_version, count = Path(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]

def rows(name):
    return json.loads((out / name).read_text())["results"]

def ms(x):
    return f"{x * 1000:.0f} ms"

def row(r):
    return (f"| `{r['command']}` | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} "
            f"| {ms(r['min'])} | {ms(r['max'])} |")

head = "| command | median | mean ± σ | min | max |\n|---|---|---|---|---|"
lines = []
v = rows("validate.json")
tp, ajv = v[0], v[1]  # the order of the hyperfine invocation
lines += [f"Validate {count} recipes", "", head, row(tp), row(ajv), "",
          f"trainplat: `{os.environ['TRAINPLAT_CMD']}`", f"ajv:       `{os.environ['AJV_CMD']}`", ""]
lines.append(f"ratio trainplat / ajv (medians): {tp['median'] / ajv['median']:.2f}x")
ok = tp["median"] <= target_validate
lines.append(f"target: trainplat median <= {target_validate:.1f} s: {'PASS' if ok else 'FAIL'} ({tp['median']:.3f} s)")
lines.append("")
ver = rows("version.json")[0]
lines += ["Start-up", "", head, row(ver), "", f"`{os.environ['VERSION_CMD']}`", ""]
ok2 = ver["median"] <= target_version
lines.append(f"target: median <= {target_version * 1000:.0f} ms: {'PASS' if ok2 else 'FAIL'} ({ms(ver['median'])})")
# CPU used by other processes during the validate runs: the machine's busy CPU time minus what
# the measured commands used (hyperfine's mean user+system per run, times runs + 2 warm-ups).
cores = os.cpu_count() or 1
window = float(os.environ["T1"]) - float(os.environ["T0"])
busy = float(os.environ["CPU1"]) - float(os.environ["CPU0"])
ours = sum((r["user"] + r["system"]) * (len(r["times"]) + 2) for r in v)
other = max(0.0, busy - ours) / (window * cores) * 100
lines.append(f"other processes during the validate runs: about {other:.0f}% of {cores} CPUs "
             f"(machine busy {busy:.1f} CPU-s in {window:.1f} s, the benchmarked commands about {ours:.1f} CPU-s)")
(out / "disturbance.txt").write_text(f"{other:.1f}\n")
if other >= 5:
    lines.append(f"WARNING: other processes used about {other:.0f}% of the CPUs during the runs: "
                 "these numbers are disturbed; run again on a quiet machine")
text = "\n".join(lines) + "\n"
(out / "summary.md").write_text(text)
print()
print(text, end="")
PY

#!/usr/bin/env bash
# Benchmark: `trainplat export` whole-process against `render` in the same run (issue 14's target: export is no
# slower than render + 20 ms). Both render the same recipe for the same size; export then maps the config through
# the verl table, checks every key against the embedded key tree and writes the overrides (or a script).
# Release build of the portable tool; results: bench/out/export/export.json and summary.md.
#
# Usage: bash bench/export.sh        (RUNS=40 bash bench/export.sh for more runs)
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=bench/out/export
TOOL=$PWD/tool/TrainingPlatform.Tool/bin/Release/net10.0/trainplat
RUNS=${RUNS:-30}

# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_hyperfine

rm -rf "$OUT" && mkdir -p "$OUT"
log "building Release"
dotnet build -c Release tool/TrainingPlatform.Tool -nologo -v q >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }

# The example project: a built-in (grpo_basic) and a project recipe that extends it (grpo_math_small).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples "$work/project"
cd "$work/project"
# Every command once before timing, so a broken build fails here rather than inside hyperfine.
"$TOOL" render grpo_basic --model-size 7B >/dev/null
"$TOOL" export grpo_basic --model-size 7B --to verl >/dev/null 2>&1
"$TOOL" export dapo --model-size 32B --to verl@0.7 --format script >/dev/null 2>&1

wait_quiet
{
    machine_facts
    echo "CPU busy before (3 s sample): ${BUSY_BEFORE}%"
} | tee "$OLDPWD/$OUT/machine.txt"

# stderr (export's warnings) is discarded by hyperfine -N like stdout; exit codes are 0 for these recipes.
hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$OLDPWD/$OUT/export.json" \
    -n "render grpo_basic --model-size 7B" "$TOOL render grpo_basic --model-size 7B" \
    -n "export grpo_basic --model-size 7B --to verl" "$TOOL export grpo_basic --model-size 7B --to verl" \
    -n "export grpo_basic --model-size 7B --to verl --format script" "$TOOL export grpo_basic --model-size 7B --to verl --format script" \
    -n "render dapo --model-size 32B" "$TOOL render dapo --model-size 32B" \
    -n "export dapo --model-size 32B --to verl@0.7" "$TOOL export dapo --model-size 32B --to verl@0.7" \
    -n "render grpo_math_small (project) --model-size 7B" "$TOOL render grpo_math_small --model-size 7B" \
    -n "export grpo_math_small (project) --model-size 7B --to verl" "$TOOL export grpo_math_small --model-size 7B --to verl"
cd "$OLDPWD"

python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
runs = {r["command"]: r for r in json.load(open(f"{out}/export.json"))["results"]}
ms = lambda v: f"{v * 1000:.0f} ms"
lines = ["| command | median | mean ± σ | min | max |", "|---|---|---|---|---|"]
for name, r in runs.items():
    lines.append(f"| {name} | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | {ms(r['min'])} | {ms(r['max'])} |")
lines.append("")
lines.append("export minus render (medians; target <= +20 ms):")
for name, r in runs.items():
    if not name.startswith("export "):
        continue
    recipe = name.split()[1]
    anchor = next(v for k, v in runs.items() if k.startswith(f"render {recipe} "))
    delta = (r["median"] - anchor["median"]) * 1000
    lines.append(f"- {name}: {delta:+.1f} ms {'ok' if delta <= 20 else 'OVER TARGET'}")
open(f"{out}/summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY

#!/usr/bin/env bash
# Benchmark: `trainplat render` whole-process (target: median <= 200 ms), for the portable build
# (what `dotnet build` and the default `dotnet pack` give) and the Native AOT release package
# (`dotnet pack -p:ReleasePack=true`); plus the alias bomb's time and peak memory (target:
# < 1 s, < 200 MB). Results: bench/out/render/*.json and summary.md (numbers in docs/performance.md).
#
# Usage: bash bench/render.sh
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=bench/out/render
PORTABLE=tool/TrainingPlatform.Tool/bin/Release/net10.0/trainplat
RUNS=${RUNS:-20}

# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_hyperfine

rm -rf "$OUT" && mkdir -p "$OUT/nupkg"
log "building Release and packing the Native AOT release package"
dotnet build -c Release tool/TrainingPlatform.Tool -nologo -v q >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }
dotnet pack tool/TrainingPlatform.Tool -c Release -p:ReleasePack=true -o "$OUT/nupkg" -nologo -v q >>"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }
dotnet tool install --tool-path "$OUT/tools" --add-source "$OUT/nupkg" TrainingPlatform.Tool >>"$OUT/build.log" 2>&1
NATIVE=$OUT/tools/trainplat
PORTABLE=$PWD/$PORTABLE
NATIVE=$PWD/$NATIVE

# A copy of the example project: a built-in recipe and a project recipe (validated, extends a built-in).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples "$work/project"
cd "$work/project"
"$PORTABLE" render grpo_basic --model-size 7B >/dev/null
"$NATIVE" render grpo_math_small --model-size 7B >/dev/null

wait_quiet
{
    machine_facts
    echo "CPU busy before (3 s sample): ${BUSY_BEFORE}%"
} | tee "$OLDPWD/$OUT/machine.txt"

hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$OLDPWD/$OUT/render.json" \
    -n "portable: render grpo_basic --model-size 7B" "$PORTABLE render grpo_basic --model-size 7B" \
    -n "portable: render grpo_math_small (project) --model-size 7B" "$PORTABLE render grpo_math_small --model-size 7B" \
    -n "native release package: render grpo_basic --model-size 7B" "$NATIVE render grpo_basic --model-size 7B" \
    -n "native release package: render grpo_math_small (project) --model-size 7B" "$NATIVE render grpo_math_small --model-size 7B" \
    -n "native release package: --version" "$NATIVE --version"

bomb=$OLDPWD/tests/TrainingPlatform.Core.Tests/Corpus/bad/alias_bomb.yaml
/usr/bin/time -v "$PORTABLE" validate "$bomb" >"$OLDPWD/$OUT/bomb.out" 2>"$OLDPWD/$OUT/bomb.time" || true
cd "$OLDPWD"

python3 - "$OUT" <<'PY'
import json, re, sys
out = sys.argv[1]
runs = json.load(open(f"{out}/render.json"))["results"]
lines = ["| command | median | mean ± σ | min | max |", "|---|---|---|---|---|"]
for r in runs:
    ms = lambda v: f"{v * 1000:.0f} ms"
    lines.append(f"| {r['command']} | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | {ms(r['min'])} | {ms(r['max'])} |")
t = open(f"{out}/bomb.time").read()
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
lines.append("")
lines.append(f"alias bomb (validate alias_bomb.yaml): wall {wall}, peak RSS {rss:.0f} MiB; output: {open(f'{out}/bomb.out').read().splitlines()[0]}")
open(f"{out}/summary.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY

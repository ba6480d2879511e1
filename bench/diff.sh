#!/usr/bin/env bash
# Benchmark: `trainplat diff` of two 5,000-key YAML configs (nested, about 10% of the values
# changed, some numbers only spelled differently), whole process, against GNU `diff -u` of the
# same two files in the same hyperfine run. Target: trainplat median <= 300 ms.
# Builds Release, generates the files into bench/out/diff/, checks that trainplat finds exactly
# the changes the generator made, runs hyperfine and writes bench/out/diff/summary.md (a section
# ready for docs/performance.md) plus the raw hyperfine JSON and the machine description.
#
# Usage: bash bench/diff.sh            (KEYS=5000 RUNS=15 to change them)
set -euo pipefail

cd "$(dirname "$0")/.."
KEYS=${KEYS:-5000}
RUNS=${RUNS:-15}
OUT=bench/out/diff
TRAINPLAT=tool/TrainingPlatform.Tool/bin/Release/net10.0/trainplat
TARGET_MS=300

# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_hyperfine


# --- build and generate --------------------------------------------------------------------
log "building Release"
mkdir -p "$OUT"
dotnet build -c Release tool/TrainingPlatform.Tool -nologo -v q >"$OUT/build.log" 2>&1 || {
    cat "$OUT/build.log" >&2; exit 1; }

log "generating two configs of $KEYS keys"
python3 bench/generate_diff_configs.py --keys "$KEYS" --out "$OUT"
EXPECTED=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["changes"])' "$OUT/expected.json")

# --- correctness ---------------------------------------------------------------------------
log "checking: trainplat finds exactly the $EXPECTED changes the generator made"
"$TRAINPLAT" diff "$OUT/left.yaml" "$OUT/right.yaml" --format json >"$OUT/trainplat-diff.json"
FOUND=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["total"])' "$OUT/trainplat-diff.json")
if [[ $FOUND -ne $EXPECTED ]]; then
    echo "FAIL: trainplat diff reported $FOUND changes, the generator made $EXPECTED" >&2
    exit 1
fi
echo "trainplat diff: $FOUND changes, as generated"
if "$TRAINPLAT" diff "$OUT/left.yaml" "$OUT/right.yaml" --fail-on minor >/dev/null; then
    echo "FAIL: --fail-on minor exited 0 with $FOUND changes" >&2
    exit 1
fi
LINES=$(diff -u "$OUT/left.yaml" "$OUT/right.yaml" | grep -c '^[-+][^-+]' || true)

# --- machine -------------------------------------------------------------------------------
wait_quiet
BUSY=$BUSY_BEFORE
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    echo "diff: $(diff --version | head -1)"
    echo "trainplat: $($TRAINPLAT --version)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "CPU busy before (3 s sample): ${BUSY}%"
    echo "files: $KEYS keys each, $(wc -c <"$OUT/left.yaml") + $(wc -c <"$OUT/right.yaml") bytes, $EXPECTED changed values, $LINES changed lines for diff -u"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt"

# --- benchmark -----------------------------------------------------------------------------
# -N: no shell in between; -i: GNU diff exits 1 when the files differ (trainplat was checked above).
TRAINPLAT_CMD="$TRAINPLAT diff $OUT/left.yaml $OUT/right.yaml"
DIFF_CMD="diff -u $OUT/left.yaml $OUT/right.yaml"
log "hyperfine: trainplat diff vs diff -u"
hyperfine -N -i --warmup 2 --runs "$RUNS" \
    --command-name "trainplat diff" "$TRAINPLAT_CMD" \
    --command-name "diff -u (anchor)" "$DIFF_CMD" \
    --export-json "$OUT/hyperfine.json"
BUSY_AFTER=$(busy_percent 3)
echo "CPU busy after (3 s sample): ${BUSY_AFTER}%" | tee -a "$OUT/machine.txt"

# --- summary -------------------------------------------------------------------------------
TRAINPLAT_CMD=$TRAINPLAT_CMD DIFF_CMD=$DIFF_CMD python3 - "$OUT" "$TARGET_MS" <<'PY'
import json, os, sys
from pathlib import Path

out, target = Path(sys.argv[1]), float(sys.argv[2])
machine = dict(line.split(": ", 1) for line in (out / "machine.txt").read_text().splitlines() if ": " in line)
tp, gnu = json.loads((out / "hyperfine.json").read_text())["results"]
ms = lambda s: f"{s * 1000:.1f} ms"
row = lambda r: f"| `{r['command']}` | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | {ms(r['min'])} | {ms(r['max'])} |"
ok = tp["median"] * 1000 <= target
lines = [
    "## `trainplat diff`: two 5,000-key configs",
    "",
    f"Measured {machine['date']} on {machine['cpu']} ({machine['nproc']} CPUs), .NET SDK {machine['dotnet sdk']}, "
    f"hyperfine {machine['hyperfine']}, `--warmup 2 --runs {len(tp['times'])}`, whole process, Release build "
    f"(`bash bench/diff.sh`). Files: {machine['files']} (bench/generate_diff_configs.py, fixed seed).",
    "",
    "| command | median | mean ± σ | min | max |",
    "|---|---|---|---|---|",
    row(tp),
    row(gnu),
    "",
    f"- trainplat: `{os.environ['TRAINPLAT_CMD']}`; anchor: `{os.environ['DIFF_CMD']}` (GNU diff, line by line, no semantics).",
    f"- Target: trainplat median ≤ {target:.0f} ms: **{'PASS' if ok else 'FAIL'}** ({ms(tp['median'])}).",
    f"- Machine load: {machine['load average before']} (load average before), CPU busy {machine['CPU busy before (3 s sample)']} before "
    f"and {machine.get('CPU busy after (3 s sample)', '?')} after.",
]
text = "\n".join(lines) + "\n"
(out / "summary.md").write_text(text)
print()
print(text, end="")
PY

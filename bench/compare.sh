#!/usr/bin/env bash
# Benchmark: two revisions of trainplat side by side in the same hyperfine run, whole process:
# `validate` of 1,000 recipes, `render` of a built-in and of a project recipe, `diff` of two
# 5,000-key configs and `--version`. For changes that must not slow the everyday commands down
# (a refactor, a new dependency): both builds run alternately on the same machine in one run, so
# the comparison does not depend on the day's load.
#
# Builds each revision in Release from a detached git worktree (the working tree is never
# touched), generates the inputs with the same generators as validate.sh and diff.sh, and writes
# bench/out/compare/summary.md (median of each command per revision and the ratio NEW/BASE) and
# the raw hyperfine JSON.
#
# Usage: bash bench/compare.sh BASE_REV [NEW_REV]     (NEW_REV defaults to HEAD; RUNS=N, COUNT=N)
#        SAME_OUTPUT=0 compares revisions whose answers differ on purpose (a built-in recipe's values changed);
#        the differing commands are listed and the summary says so.
set -euo pipefail

cd "$(dirname "$0")/.."
BASE_REV=${1:?usage: bash bench/compare.sh BASE_REV [NEW_REV]}
NEW_REV=${2:-HEAD}
RUNS=${RUNS:-15}
COUNT=${COUNT:-1000}
KEYS=${KEYS:-5000}
OUT=$PWD/bench/out/compare

# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_hyperfine

PYTHON=python3
"$PYTHON" -c 'import yaml' 2>/dev/null || PYTHON=/usr/bin/python3

rm -rf "$OUT" && mkdir -p "$OUT"
work=$(mktemp -d)
cleanup() {
    for side in base new; do git worktree remove --force "$work/$side" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT

build() { # side rev
    local side=$1 rev=$2
    log "building $side = $(git rev-parse --short "$rev") in Release"
    git worktree add -q --detach "$work/$side" "$rev"
    dotnet build -c Release "$work/$side/tool/TrainingPlatform.Tool" -nologo -v q -o "$OUT/$side" \
        >"$OUT/build-$side.log" 2>&1 || { cat "$OUT/build-$side.log" >&2; exit 1; }
}
build base "$BASE_REV"
build new "$NEW_REV"
BASE=$OUT/base/trainplat
NEW=$OUT/new/trainplat

log "generating $COUNT recipes and two $KEYS-key configs"
"$PYTHON" bench/generate_recipes.py --count "$COUNT" --yaml-dir "$work/recipes" --json-dir "$work/json" >/dev/null
"$PYTHON" bench/generate_diff_configs.py --keys "$KEYS" --out "$work/diff" >/dev/null
cp -r examples "$work/project"

# Both builds must give the same answers before their speed is compared.
cd "$work/project"
for cmd in "validate $work/recipes" "render grpo_basic --model-size 7B" "render grpo_math_small --model-size 7B" \
    "diff $work/diff/left.yaml $work/diff/right.yaml --format json"; do
    # shellcheck disable=SC2086
    if ! cmp -s <("$BASE" $cmd 2>&1; echo "exit $?") <("$NEW" $cmd 2>&1; echo "exit $?"); then
        if [ "${SAME_OUTPUT:-1}" = 0 ]; then
            echo "note: the two builds answer 'trainplat $cmd' differently (SAME_OUTPUT=0)" >&2
            DIFFERENT="${DIFFERENT:-}${DIFFERENT:+, }$cmd"
            continue
        fi
        echo "FAIL: the two builds answer 'trainplat $cmd' differently" >&2
        exit 1
    fi
done

wait_quiet
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    echo "base: $(git -C "$OLDPWD" rev-parse --short "$BASE_REV")  new: $(git -C "$OLDPWD" rev-parse --short "$NEW_REV")"
    echo "CPU busy before (3 s sample): ${BUSY_BEFORE}%"
    if [ -n "${DIFFERENT:-}" ]; then echo "answers differ on purpose (SAME_OUTPUT=0): $DIFFERENT"; fi
} | tee "$OUT/machine.txt"

args=()
for pair in "validate|validate $work/recipes" "render built-in|render grpo_basic --model-size 7B" \
    "render project|render grpo_math_small --model-size 7B" \
    "diff 5,000 keys|diff $work/diff/left.yaml $work/diff/right.yaml" "version|--version"; do
    name=${pair%%|*} cmd=${pair#*|}
    args+=(-n "base: $name" "$BASE $cmd" -n "new: $name" "$NEW $cmd")
done
# diff exits 1 when it finds changes; validate of valid recipes exits 0.
hyperfine -N -i --style basic --warmup 3 --runs "$RUNS" --export-json "$OUT/compare.json" "${args[@]}" >"$OUT/hyperfine.txt"
cd "$OLDPWD"

python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
results = {r["command"]: r for r in json.load(open(f"{out}/compare.json"))["results"]}
names = [c[len("base: "):] for c in results if c.startswith("base: ")]
lines = ["| command | base median | new median | new / base |", "|---|---|---|---|"]
for n in names:
    b, w = results[f"base: {n}"]["median"], results[f"new: {n}"]["median"]
    lines.append(f"| {n} | {b * 1000:.0f} ms | {w * 1000:.0f} ms | {w / b:.2f} |")
text = "\n".join(lines) + "\n"
open(f"{out}/summary.md", "w").write(open(f"{out}/machine.txt").read() + "\n" + text)
print(text)
PY

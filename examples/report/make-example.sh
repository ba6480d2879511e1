#!/usr/bin/env bash
# The README's example report: three jobs of the example recipes (examples/recipes), 10,000 metric points each, one
# of them cloned from another (a parent/child pair), recorded in a throwaway store (never yours), then
#   trainplat report --all -o OUT.html
# and a screenshot of it in headless Chromium (Debian's `chromium`).
#
# Usage: bash examples/report/make-example.sh [REPORT.html [SCREENSHOT.png]]
#   defaults: the report in the throwaway folder (deleted at the end) and the screenshot in docs/images/report.png
#   TRAINPLAT=PATH                 the tool to run: a native trainplat, or a trainplat.dll (run with dotnet);
#                                  default: a `dotnet build` of tool/TrainingPlatform.Tool into the throwaway folder
#   KEEP=1                         keep the throwaway project and store (its path is printed)
#   WORK=DIR                       use DIR (new or empty) as that folder, and keep it (bench/report.sh does)
# The points are synthetic and deterministic (a fixed-seed generator in awk, the same on every machine): per job
# 2,500 steps of loss (falling, with noise), reward (rising), lr (warm-up then cosine decay) and kl.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -n ${WORK:-} ]]; then
    mkdir -p "$WORK" && work=$(cd "$WORK" && pwd) && KEEP=1
    [[ -z $(ls -A "$work") ]] || { echo "make-example.sh: error: WORK=$WORK is not empty" >&2; echo "  hint: name a new or empty folder" >&2; exit 2; }
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/trainplat-report-example.XXXXXX")
fi
if [[ ${KEEP:-0} = 1 ]]; then
    echo "make-example.sh: keeping the project and store in $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi
report=${1:-$work/report-example.html}
screenshot=${2:-$root/docs/images/report.png}
case $report in /*) ;; *) report=$PWD/$report ;; esac
case $screenshot in /*) ;; *) screenshot=$PWD/$screenshot ;; esac

if [[ ${TRAINPLAT:-} = *.dll ]]; then
    tool=(dotnet "$TRAINPLAT")
elif [[ -n ${TRAINPLAT:-} ]]; then
    tool=("$TRAINPLAT")
else
    echo "make-example.sh: building the tool (dotnet build; TRAINPLAT=PATH uses one already built)" >&2
    dotnet build "$root/tool/TrainingPlatform.Tool" -nologo -v q -o "$work/tool" >"$work/build.log" 2>&1 \
        || { cat "$work/build.log" >&2; exit 1; }
    tool=(dotnet "$work/tool/trainplat.dll")
fi
chromium=$(command -v chromium || true)
if [[ -z $chromium ]]; then
    echo "make-example.sh: error: the screenshot needs Debian's chromium, and there is none on PATH" >&2
    echo "  hint: sudo apt-get install chromium (or run ./test.sh, which installs it), then run this again" >&2
    exit 2
fi

# A copy of the example project: job create snapshots its datasets and keeps a stat cache beside them.
cp -r "$root/examples" "$work/project"
rm -rf "$work/project/report" "$work/project/.trainplat"
# The copy's own default store, so the report names it .trainplat/lineage.db, not a random temp path.
store=$work/project/.trainplat/lineage.db
trainplat() { (cd "$work/project" && "${tool[@]}" "$@"); }
# The same, its summaries on stderr kept in a log and shown only when it fails.
quietly() { trainplat "$@" 2>"$work/last.log" || { echo "make-example.sh: error: trainplat $* failed:" >&2; cat "$work/last.log" >&2; exit 1; }; }

# points SEED LOSS0 REWARD_MAX LR KL_SCALE > FILE: CSV of 2,500 steps x 4 metrics. The noise is a Park-Miller generator (exact
# in awk's doubles), not rand(): awk implementations differ in rand() but not in arithmetic.
points() {
    awk -v seed="$1" -v loss0="$2" -v rmax="$3" -v lr="$4" -v kscale="$5" 'BEGIN {
        steps = 2500; warmup = 100; pi = atan2(0, -1); x = seed
        print "step,loss,reward,lr,kl"
        for (s = 0; s < steps; s++) {
            x = (16807 * x) % 2147483647; u = x / 2147483647 - 0.5
            x = (16807 * x) % 2147483647; v = x / 2147483647 - 0.5
            loss = loss0 * exp(-s / 700) + 0.25 + 0.08 * u
            reward = rmax * (1 - exp(-s / 600)) + 0.05 * v
            rate = s < warmup ? lr * (s + 1) / warmup : lr * 0.5 * (1 + cos(pi * (s - warmup) / (steps - warmup)))
            kl = kscale * (0.0006 + 0.002 * s / steps + 0.004 * (1 - exp(-s / 300)) + 0.0004 * u)
            printf "%d,%.6g,%.6g,%.6g,%.6g\n", s, loss, reward, rate, kl
        }
    }'
}

echo "make-example.sh: recording 3 jobs x 10,000 points in a throwaway store ($store)" >&2
math=$(quietly job create grpo_math_small -s 7B -d train=data/train.jsonl --name math-7b --tag example)
tuned=$(quietly job clone "$math" --set optimizer.learning_rate=1e-6 --name math-7b-lr1e-6 --tag example)
chat=$(quietly job create sft_chat -s 8B -d train=data/train.jsonl --name chat-8b --tag example --tag sft)
points 11 1.8 0.62 2e-6 1.0 >"$work/math.csv"
points 23 1.8 0.71 1e-6 0.6 >"$work/tuned.csv"
points 37 2.4 0.45 2e-5 1.5 >"$work/chat.csv"
for pair in "$math:math" "$tuned:tuned" "$chat:chat"; do
    job=${pair%%:*} file=${pair#*:}
    quietly metrics import "$job" "$work/$file.csv" --start >/dev/null
done
quietly job update "$math" --status succeeded --note "baseline" >/dev/null
quietly job update "$tuned" --status succeeded --note "lower learning rate: higher reward" >/dev/null
quietly job update "$chat" --status failed --note "stopped after 2,500 steps" >/dev/null

mkdir -p "$(dirname "$report")" "$(dirname "$screenshot")"
trainplat report --all -o "$report"
echo "make-example.sh: wrote $report ($(stat -c %s "$report") bytes)" >&2

# The screenshot: a new empty profile and no network of any kind (the report needs none).
profile=$work/chromium-profile
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
    --window-size=1280,1600 --screenshot="$screenshot" "file://$report" >"$work/chromium.log" 2>&1 \
    || { tail -n 20 "$work/chromium.log" >&2; exit 1; }
[[ -s $screenshot ]] || { echo "make-example.sh: error: Chromium wrote no screenshot" >&2; tail -n 20 "$work/chromium.log" >&2; exit 1; }
echo "make-example.sh: wrote $screenshot ($(stat -c %s "$screenshot") bytes)" >&2

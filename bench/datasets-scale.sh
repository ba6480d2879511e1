#!/usr/bin/env bash
# Benchmark: datasets at scale (issue 13, item 11), whole process, Release build, anchors in the same hyperfine run.
# A folder of 100,000 small JSON Lines files (100 sub-folders x 1,000 files, ~60 bytes each) is recorded once
# (which fills the stat cache), then measured:
#   1. `trainplat data list` with that 100,000-file version recorded: <= 0.2 s, independent of manifest sizes
#      (the list reads per-version summaries, never manifests). Anchor: `trainplat --version` (start-up floor).
#   2. a fully cached re-snapshot of the 100,000 files (every file from the stat cache, 0 bytes read, the version
#      already recorded): <= 1.5 s and <= 150 MB peak RSS. Anchor: `find data -type f | wc -l` (a bare walk).
# Peak memory comes from GNU time (-f %M, KiB) over 3 runs each, outside hyperfine.
# Generates into bench/out/datasets-scale/ (git-ignored; ~400 MB of small files), checks the counts and that
# the re-snapshot reads 0 bytes, waits for a quiet machine, and writes summary.md plus the raw hyperfine JSON.
#
# Usage: bash bench/datasets-scale.sh            (RUNS=10 to change the run count; FILES=100000)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-10}
FILES=${FILES:-100000}
OUT=bench/out/datasets-scale
TRAINPLAT=$ROOT/tool/TrainingPlatform.Tool/bin/Release/net10.0/trainplat

# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_hyperfine

# --- build and generate --------------------------------------------------------------------
mkdir -p "$OUT"
log "building Release"
dotnet build -c Release tool/TrainingPlatform.Tool -nologo -v q >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }
printf 'apiVersion: trainplat/v1\nname: datasets-scale-bench\n' >"$OUT/trainplat.yaml"

if [[ ! -f $OUT/data/.complete-$FILES ]]; then
    log "generating $FILES JSON Lines files"
    rm -rf "$OUT/data" "$OUT/.trainplat"
    python3 - "$OUT/data" "$FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"part-{i // 1000:03d}")
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"shard-{i:06d}.jsonl"), "w") as f:
        f.write(f'{{"id":{i},"text":"sample {i}"}}\n{{"id":{i},"text":"again"}}\n')
open(os.path.join(root, f".complete-{n}"), "w").close()
PY
fi

cd "$OUT"
# --- record once, fill the stat cache, check --------------------------------------------------
sleep 3 # the files must be older than the stat cache's 2 s racy window
log "recording the $FILES-file version (fills the stat cache)"
"$TRAINPLAT" data snapshot data --format json >first.json
"$TRAINPLAT" data snapshot data --format json >check-cached.json
read -r SAMPLES READ CACHED COUNT < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["datasets"][0]; print(d["samples"], d["bytes_read"], d["files_from_cache"], len(d["files"]))' check-cached.json)
[[ $COUNT == "$FILES" && $SAMPLES == $((2 * FILES)) ]] || { echo "FAIL: $COUNT files, $SAMPLES samples; expected $FILES and $((2 * FILES))" >&2; exit 1; }
[[ $READ == 0 && $CACHED == "$FILES" ]] || { echo "FAIL: the re-snapshot read $READ bytes, $CACHED files from the cache" >&2; exit 1; }
LISTED=$("$TRAINPLAT" data list --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["file_count"])')
[[ $LISTED == "$FILES" ]] || { echo "FAIL: data list says $LISTED files" >&2; exit 1; }
echo "data/: $FILES files, $SAMPLES samples; re-snapshot read 0 bytes ($CACHED files from the stat cache); data list: file_count $LISTED"

# --- machine -------------------------------------------------------------------------------
wait_quiet
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    echo "trainplat: $($TRAINPLAT --version)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "CPU busy before (3 s sample): ${BUSY_BEFORE}%"
    echo "files: $FILES in data/ ($(du -sb data | cut -f1) bytes), stat cache $(stat -c %s .trainplat/stat-cache.json) bytes, store $(stat -c %s .trainplat/lineage.db) bytes"
} >machine.txt
cat machine.txt

# --- benchmark -----------------------------------------------------------------------------
log "hyperfine 1/2: data list"
hyperfine -N --warmup 2 --runs "$RUNS" \
    --command-name "trainplat data list ($FILES-file version recorded)" "$TRAINPLAT data list" \
    --command-name "trainplat --version (start-up)" "$TRAINPLAT --version" \
    --export-json hyperfine-list.json

echo "CPU busy before 2/2 (3 s sample): $(wait_quiet; echo "$BUSY_BEFORE")%" >>machine.txt
log "hyperfine 2/2: fully cached re-snapshot"
hyperfine --warmup 1 --runs "$RUNS" --output=null \
    --command-name "trainplat data snapshot ($FILES files, all from the stat cache)" "$TRAINPLAT data snapshot data" \
    --command-name "find data -type f | wc -l (anchor)" "find data -type f | wc -l" \
    --export-json hyperfine-snapshot.json
BUSY_AFTER=$(busy_percent 3)
echo "CPU busy after (3 s sample): ${BUSY_AFTER}%" | tee -a machine.txt

log "peak memory (GNU time, 3 runs each)"
for i in 1 2 3; do
    /usr/bin/time -f %M -o rss-list-$i.txt "$TRAINPLAT" data list >/dev/null
    /usr/bin/time -f %M -o rss-snapshot-$i.txt "$TRAINPLAT" data snapshot data >/dev/null
done

# --- summary -------------------------------------------------------------------------------
python3 - . "$RUNS" "$FILES" <<'PY'
import json, sys
from pathlib import Path
out, runs, files = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
m = dict(l.split(": ", 1) for l in (out / "machine.txt").read_text().splitlines() if ": " in l)
load = lambda n: json.loads((out / f"hyperfine-{n}.json").read_text())["results"]
rss = lambda n: max(int((out / f"rss-{n}-{i}.txt").read_text().split()[-1]) for i in (1, 2, 3)) / 1024
lst, snap = load("list"), load("snapshot")
s = lambda x: f"{x:.3f} s"
row = lambda r: f"| {r['command']} | {s(r['median'])} | {s(r['mean'])} ± {s(r['stddev'])} | {s(r['user'])} | {s(r['system'])} |"
verdict = lambda ok: "**PASS**" if ok else "**FAIL**"
listed, resnap = lst[0]["median"], snap[0]["median"]
list_mb, snap_mb = rss("list"), rss("snapshot")
lines = [
    f"## Datasets at scale: `data list` and a cached re-snapshot with {files:,} files",
    "",
    f"Measured {m['date']} on {m['cpu']} ({m['nproc']} CPUs), .NET SDK {m['dotnet sdk']}, hyperfine {m['hyperfine']}, "
    f"`--runs {runs}`, whole process, Release build, page cache warm (`bash bench/datasets-scale.sh`). {m['files']}.",
    "",
    "| command | median | mean ± σ | user | sys |",
    "|---|---|---|---|---|",
    *[row(r) for r in lst + snap],
    "",
    f"- `data list` with a {files:,}-file version recorded: {s(listed)} (target ≤ 0.2 s): {verdict(listed <= 0.2)}; "
    f"start-up alone {s(lst[1]['median'])}; peak RSS {list_mb:.0f} MB.",
    f"- Re-snapshot, every file from the stat cache (0 bytes read), version already recorded: {s(resnap)} (target ≤ 1.5 s): "
    f"{verdict(resnap <= 1.5)}; peak RSS {snap_mb:.0f} MB (target ≤ 150 MB): {verdict(snap_mb <= 150)}. A bare `find | wc -l` walk: {s(snap[1]['median'])}.",
    f"- Machine load: {m['load average before']} (load average before), CPU busy {m['CPU busy before (3 s sample)']} before the first run, "
    f"{m.get('CPU busy before 2/2 (3 s sample)', '?')} before the second, and {m.get('CPU busy after (3 s sample)', '?')} after.",
]
text = "\n".join(lines) + "\n"
(out / "summary.md").write_text(text)
print()
print(text, end="")
PY

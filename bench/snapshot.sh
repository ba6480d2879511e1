#!/usr/bin/env bash
# Benchmark: `trainplat data snapshot`, whole process, Release build, page cache warm, anchors in the
# same hyperfine run. Targets (issue 5):
#   1. a 1 GiB JSONL file, every byte read (--no-cache): <= 1.1x `openssl dgst -sha256 FILE` and
#      >= 2.5x faster than `sha256sum FILE && wc -l FILE`;
#   2. counting a 1 GiB Parquet file (--count-only: the footer is all that is read) <= 0.3 s;
#   3. re-snapshotting the unchanged 1 GiB JSONL file (stat cache, version already recorded) <= 0.3 s;
#   4. a folder of 20 files, 2 GiB in all: both cores busy ((user + sys) / wall >= 1.6 on 2 cores).
# Generates the data into bench/out/snapshot/ (git-ignored; ~4.3 GB of disk), checks the results against
# sha256sum, wc -l and Parquet.Net, waits for a quiet machine, runs hyperfine and writes
# bench/out/snapshot/summary.md (a section for docs/performance.md) plus the raw hyperfine JSON.
#
# Usage: bash bench/snapshot.sh            (RUNS=10 to change the run count)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-10}
OUT=bench/out/snapshot
TRAINPLAT=$ROOT/tool/TrainingPlatform.Tool/bin/Release/net10.0/trainplat
GiB=$((1 << 30))

# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_hyperfine

# --- build and generate --------------------------------------------------------------------
mkdir -p "$OUT/folder"
log "building Release"
dotnet build -c Release tool/TrainingPlatform.Tool -nologo -v q >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }

# The data folder is its own trainplat project, so the store and the stat cache live in it.
printf 'apiVersion: trainplat/v1\nname: snapshot-bench\n' >"$OUT/trainplat.yaml"

if [[ ! -s $OUT/big.jsonl || ! -s $OUT/folder/part-19.jsonl ]]; then
    log "generating 1 GiB of JSONL and a folder of 20 JSONL files (2 GiB)"
    python3 - "$OUT" "$GiB" <<'PY'
import json, random, sys
out, size = sys.argv[1], int(sys.argv[2])
rng = random.Random(5)
words = ["the", "model", "reward", "policy", "token", "batch", "answer", "proof", "step", "value", "loss", "data"]
def block(seed):
    r = random.Random(seed)
    lines = []
    for i in range(4000):
        text = " ".join(r.choice(words) for _ in range(r.randint(5, 120)))
        lines.append(json.dumps({"id": f"{seed}-{i}", "prompt": text[: len(text) // 3], "response": text, "score": round(r.random(), 4)}) + "\n")
    return "".join(lines).encode()
def write(path, total, seed):
    n = 0
    with open(path, "wb") as f:
        while n < total:
            b = block(seed + n)
            b = b[: max(0, total - n)]
            b = b[: b.rfind(b"\n") + 1] if n + len(b) >= total else b
            if not b:
                break
            f.write(b)
            n += len(b)
write(f"{out}/big.jsonl", size, 1)
for k in range(20):
    write(f"{out}/folder/part-{k:02d}.jsonl", size * 2 // 20, 1000 + k)
PY
fi

if [[ ! -s $OUT/big.parquet ]]; then
    log "generating 1 GiB of Parquet (Parquet.Net, 64 row groups)"
    mkdir -p "$OUT/gen"
    cat >"$OUT/gen/gen.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally><ImportDirectoryBuildProps>false</ImportDirectoryBuildProps><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
  <ItemGroup><PackageReference Include="Parquet.Net" Version="6.1.0" /></ItemGroup>
</Project>
XML
    cat >"$OUT/gen/Program.cs" <<'CS'
using Parquet;
using Parquet.Schema;
var id = new DataField<long>("id");
var text = new DataField<string>("text");
var score = new DataField<double>("score");
var random = new Random(7);
const int Groups = 64, Rows = 160_000;
await using var file = File.Create(args[0]);
await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(id, text, score), file);
var chars = "abcdefghijklmnopqrstuvwxyz0123456789 ".ToCharArray();
for (var g = 0; g < Groups; g++)
{
    using var group = writer.CreateRowGroup();
    await group.WriteAsync<long>(id, Enumerable.Range(0, Rows).Select(i => (long)g * Rows + i).ToArray());
    await group.WriteAsync(text, Enumerable.Range(0, Rows).Select(_ => new string(random.GetItems(chars, 96))).ToArray());
    await group.WriteAsync<double>(score, Enumerable.Range(0, Rows).Select(_ => random.NextDouble()).ToArray());
}
CS
    (cd "$OUT/gen" && dotnet run -c Release -- ../big.parquet >"../gen.log" 2>&1) || { cat "$OUT/gen.log" >&2; exit 1; }
fi

# --- correctness ---------------------------------------------------------------------------
log "checking against sha256sum, wc -l and the generator"
cd "$OUT"
EXPECTED_HASH=$(sha256sum big.jsonl | cut -d' ' -f1)
EXPECTED_LINES=$(wc -l <big.jsonl)
"$TRAINPLAT" data snapshot big.jsonl --no-cache --no-record --format json >check-jsonl.json
read -r HASH SAMPLES < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["datasets"][0]; print(d["hash"], d["samples"])' check-jsonl.json)
[[ $HASH == "$EXPECTED_HASH" && $SAMPLES == "$EXPECTED_LINES" ]] || { echo "FAIL: trainplat $HASH $SAMPLES, sha256sum/wc $EXPECTED_HASH $EXPECTED_LINES" >&2; exit 1; }
ROWS=$("$TRAINPLAT" data snapshot big.parquet --count-only --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["datasets"][0]["samples"])')
[[ $ROWS == $((64 * 160000)) ]] || { echo "FAIL: Parquet rows $ROWS, generated $((64 * 160000))" >&2; exit 1; }
# Record once and fill the stat cache (the files are older than the cache's 2 s racy window by now).
sleep 2
"$TRAINPLAT" data snapshot big.jsonl >/dev/null
"$TRAINPLAT" data snapshot big.jsonl --format json >check-cached.json
CACHED_READ=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["datasets"][0]["bytes_read"])' check-cached.json)
[[ $CACHED_READ == 0 ]] || { echo "FAIL: the re-snapshot read $CACHED_READ bytes" >&2; exit 1; }
echo "big.jsonl: $SAMPLES samples, $HASH (= sha256sum, = wc -l); big.parquet: $ROWS rows; re-snapshot read 0 bytes"

# --- machine -------------------------------------------------------------------------------
wait_quiet
BUSY=$BUSY_BEFORE
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    echo "openssl: $(openssl version | awk '{print $1, $2}')"
    echo "trainplat: $($TRAINPLAT --version)"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "CPU busy before (3 s sample): ${BUSY}%"
    echo "files: big.jsonl $(stat -c %s big.jsonl) bytes ($EXPECTED_LINES lines), big.parquet $(stat -c %s big.parquet) bytes ($ROWS rows), folder/ $(du -cb folder/*.jsonl | tail -1 | cut -f1) bytes in 20 files"
} >machine.txt
cat machine.txt

# --- benchmark -----------------------------------------------------------------------------
log "hyperfine 1/4: 1 GiB JSONL, every byte read, against openssl and sha256sum + wc -l"
hyperfine -N --warmup 2 --runs "$RUNS" \
    --command-name "trainplat data snapshot (1 GiB JSONL, --no-cache)" "$TRAINPLAT data snapshot big.jsonl --no-cache" \
    --command-name "openssl dgst -sha256 (anchor)" "openssl dgst -sha256 big.jsonl" \
    --command-name "sha256sum && wc -l (anchor)" "sh -c 'sha256sum big.jsonl && wc -l big.jsonl'" \
    --export-json hyperfine-jsonl.json

echo "CPU busy before 2/4 (3 s sample): $(wait_quiet; echo "$BUSY_BEFORE")%" >>machine.txt
log "hyperfine 2/4: counting 1 GiB of Parquet"
hyperfine -N --warmup 2 --runs "$RUNS" \
    --command-name "trainplat data snapshot --count-only (1 GiB Parquet)" "$TRAINPLAT data snapshot big.parquet --count-only" \
    --command-name "trainplat data snapshot (1 GiB Parquet, hash + footer, --no-cache)" "$TRAINPLAT data snapshot big.parquet --no-cache --no-record" \
    --export-json hyperfine-parquet.json

echo "CPU busy before 3/4 (3 s sample): $(wait_quiet; echo "$BUSY_BEFORE")%" >>machine.txt
log "hyperfine 3/4: re-snapshot of the unchanged 1 GiB JSONL file"
hyperfine -N --warmup 2 --runs "$RUNS" \
    --command-name "trainplat data snapshot (unchanged 1 GiB JSONL, stat cache)" "$TRAINPLAT data snapshot big.jsonl" \
    --command-name "trainplat --version (start-up)" "$TRAINPLAT --version" \
    --export-json hyperfine-cached.json

echo "CPU busy before 4/4 (3 s sample): $(wait_quiet; echo "$BUSY_BEFORE")%" >>machine.txt
log "hyperfine 4/4: a folder of 20 files, 2 GiB"
hyperfine -N --warmup 1 --runs "$((RUNS / 2 > 3 ? RUNS / 2 : 3))" \
    --command-name "trainplat data snapshot (folder, 20 files, 2 GiB, --no-cache)" "$TRAINPLAT data snapshot folder --no-cache --no-record" \
    --command-name "sha256sum folder/* (anchor, one core)" "sh -c 'sha256sum folder/*.jsonl'" \
    --export-json hyperfine-folder.json
BUSY_AFTER=$(busy_percent 3)
echo "CPU busy after (3 s sample): ${BUSY_AFTER}%" | tee -a machine.txt

# --- summary -------------------------------------------------------------------------------
python3 - . "$RUNS" <<'PY'
import json, sys
from pathlib import Path
out, runs = Path(sys.argv[1]), sys.argv[2]
m = dict(l.split(": ", 1) for l in (out / "machine.txt").read_text().splitlines() if ": " in l)
load = lambda n: json.loads((out / f"hyperfine-{n}.json").read_text())["results"]
jsonl, parquet, cached, folder = load("jsonl"), load("parquet"), load("cached"), load("folder")
s = lambda x: f"{x:.3f} s"
row = lambda r: f"| {r['command']} | {s(r['median'])} | {s(r['mean'])} ± {s(r['stddev'])} | {s(r['user'])} | {s(r['system'])} |"
tp, ossl, sumwc = (r["median"] for r in jsonl)
ratio_openssl, speedup = tp / ossl, sumwc / tp
count = parquet[0]["median"]
recached = cached[0]["median"]
f = folder[0]
cores = (f["user"] + f["system"]) / f["mean"]
verdict = lambda ok: "**PASS**" if ok else "**FAIL**"
lines = [
    "## `trainplat data snapshot`: 1 GiB JSONL, 1 GiB Parquet, a 2 GiB folder",
    "",
    f"Measured {m['date']} on {m['cpu']} ({m['nproc']} CPUs), .NET SDK {m['dotnet sdk']}, {m['openssl']}, hyperfine {m['hyperfine']}, "
    f"`--warmup 2 --runs {runs}` (folder: fewer runs), whole process, Release build, page cache warm (`bash bench/snapshot.sh`). "
    f"Files: {m['files']}.",
    "",
    "| command | median | mean ± σ | user | sys |",
    "|---|---|---|---|---|",
    *[row(r) for r in jsonl + parquet + cached + folder],
    "",
    f"- 1 GiB JSONL, every byte read and the version recorded: {ratio_openssl:.2f}× `openssl dgst -sha256` (target ≤ 1.1×): {verdict(ratio_openssl <= 1.1)}; "
    f"{speedup:.2f}× faster than `sha256sum && wc -l` (target ≥ 2.5×): {verdict(speedup >= 2.5)}.",
    f"- Counting the 1 GiB Parquet file (`--count-only`, footer only): {s(count)} (target ≤ 0.3 s): {verdict(count <= 0.3)}. "
    f"With the hash as well it is hash-bound: {s(parquet[1]['median'])}.",
    f"- Re-snapshot of the unchanged 1 GiB JSONL file (stat cache hit, 0 bytes read, version already recorded): {s(recached)} (target ≤ 0.3 s): {verdict(recached <= 0.3)}.",
    f"- Folder of 20 files, 2 GiB: wall {s(f['mean'])}, user + sys {s(f['user'] + f['system'])}, so {cores:.2f} cores busy on average "
    f"(target: both cores busy, ≥ 1.6): {verdict(cores >= 1.6)}.",
    f"- Machine load: {m['load average before']} (load average before), CPU busy {m['CPU busy before (3 s sample)']} before the first run, "
    f"{m.get('CPU busy before 2/4 (3 s sample)', '?')}, {m.get('CPU busy before 3/4 (3 s sample)', '?')} and {m.get('CPU busy before 4/4 (3 s sample)', '?')} before the next three, "
    f"and {m.get('CPU busy after (3 s sample)', '?')} after.",
]
text = "\n".join(lines) + "\n"
(out / "summary.md").write_text(text)
print()
print(text, end="")
PY

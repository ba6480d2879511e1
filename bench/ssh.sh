#!/usr/bin/env bash
# Benchmark (issue 21): remote datasets over SSH, whole process, medians, the portable (JIT) and Native AOT builds and
# an anchor in the same hyperfine run, against a private sshd on 127.0.0.1 (tests/ssh/sshd.sh: the loopback, so the
# network costs nothing and what is measured is the tool, ssh's ciphers and the host's tools).
# Targets:
#   1. a 1 GiB JSONL file hashed ON THE HOST (--hash-on remote: sha256sum and the line count run there, no data
#      crosses the connection): AOT median <= 1.3x local `sha256sum FILE`;
#   2. the same file STREAMED over SFTP and hashed and counted here (--hash-on stream): AOT median <= 2x a local
#      `trainplat data snapshot FILE` of the same build; `ssh HOST cat FILE` (output discarded, the cipher trainplat
#      prefers) is timed beside it: what moving the bytes through OpenSSH costs alone, before any hashing;
#   3. a folder of 1,000 small JSON Lines files (auto: hashed on the host): AOT median <= 3 s.
#   Every run is --no-cache --no-record: every byte is hashed every time.
# Correctness first: both methods give the hash and sample count of the local snapshot, = sha256sum and wc -l.
# Left in bench/out/ssh/ (git-ignored): the project, raw hyperfine JSON, machine.txt and summary.md. The data and the
# daemon live in a mktemp folder that is removed at exit.
#
# Usage: bash bench/ssh.sh      (RUNS=N, default 10; REUSE_BUILDS=1 keeps bench/out/build)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-10}
OUT=$ROOT/bench/out/ssh
GiB=$((1 << 30))

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
ensure_hyperfine
ensure_builds

SSHD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/trainplat-bench-sshd.XXXXXX")
cleanup() { "$ROOT/tests/ssh/sshd.sh" stop "$SSHD_DIR" >/dev/null 2>&1 || true; }
trap cleanup EXIT
log "starting a private sshd ($SSHD_DIR)"
eval "$("$ROOT/tests/ssh/sshd.sh" start "$SSHD_DIR" | sed -e 's/^/SSHD_/')"
DATA=$SSHD_HOME
URL="ssh://$SSHD_USER@127.0.0.1:$SSHD_PORT$DATA"
SSH_OPTS="--known-hosts $SSHD_KNOWN_HOSTS --identity $SSHD_IDENTITY"

rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT"
printf 'apiVersion: trainplat/v1\nname: ssh-bench\n' >trainplat.yaml

log "generating 1 GiB of JSON Lines and a folder of 1,000 small files"
python3 - "$DATA" "$GiB" <<'PY'
import json, os, random, sys
out, size = sys.argv[1], int(sys.argv[2])
words = ["the", "model", "reward", "policy", "token", "batch", "answer", "proof", "step", "value", "loss", "data"]
def block(seed, n):
    r = random.Random(seed)
    return "".join(json.dumps({"id": f"{seed}-{i}", "prompt": " ".join(r.choice(words) for _ in range(r.randint(5, 40))),
                               "response": " ".join(r.choice(words) for _ in range(r.randint(5, 120)))}) + "\n" for i in range(n)).encode()
with open(f"{out}/big.jsonl", "wb") as f:
    written, seed = 0, 1
    while written < size:
        b = block(seed, 4000)
        if written + len(b) > size:
            b = b[: b.rfind(b"\n", 0, size - written) + 1]
            if not b:
                break
        f.write(b)
        written += len(b)
        seed += 1
os.makedirs(f"{out}/small", exist_ok=True)
for k in range(1000):
    with open(f"{out}/small/part-{k:04d}.jsonl", "wb") as f:
        f.write(block(10_000 + k, 20))
PY
sleep 2 # older than the stat cache's racy window, like any dataset at rest

# --- correctness ---------------------------------------------------------------------------------
log "checking both methods against the local snapshot, sha256sum and wc -l"
EXPECTED_HASH=$(sha256sum "$DATA/big.jsonl" | cut -d' ' -f1)
EXPECTED_LINES=$(wc -l <"$DATA/big.jsonl")
field() { python3 -c 'import json,sys; d=json.load(sys.stdin)["datasets"][0]; print(d["hash"], d["samples"])'; }
for build in "$JIT_BIN" "$AOT_BIN"; do
    read -r LOCAL_HASH LOCAL_SAMPLES < <("$build" data snapshot "$DATA/big.jsonl" --no-cache --no-record --format json | field)
    for method in remote stream; do
        # shellcheck disable=SC2086
        read -r HASH SAMPLES < <("$build" data snapshot "$URL/big.jsonl" --hash-on "$method" --no-cache --no-record $SSH_OPTS --format json | field)
        if [[ $HASH != "$EXPECTED_HASH" || $SAMPLES != "$EXPECTED_LINES" || $LOCAL_HASH != "$EXPECTED_HASH" || $LOCAL_SAMPLES != "$EXPECTED_LINES" ]]; then
            echo "FAIL: $build --hash-on $method: $HASH $SAMPLES; local $LOCAL_HASH $LOCAL_SAMPLES; sha256sum/wc -l $EXPECTED_HASH $EXPECTED_LINES" >&2
            exit 1
        fi
    done
    # shellcheck disable=SC2086
    read -r R_TREE R_SAMPLES < <("$build" data snapshot "$URL/small" --hash-on remote --no-cache --no-record $SSH_OPTS --format json | field)
    # shellcheck disable=SC2086
    read -r S_TREE S_SAMPLES < <("$build" data snapshot "$URL/small" --hash-on stream --no-cache --no-record $SSH_OPTS --format json | field)
    read -r L_TREE L_SAMPLES < <("$build" data snapshot "$DATA/small" --no-cache --no-record --format json | field)
    if [[ $R_TREE != "$L_TREE" || $S_TREE != "$L_TREE" || $R_SAMPLES != 20000 || $S_SAMPLES != 20000 || $L_SAMPLES != 20000 ]]; then
        echo "FAIL: $build folder of 1,000 files: remote $R_TREE $R_SAMPLES, stream $S_TREE $S_SAMPLES, local $L_TREE $L_SAMPLES (20000 samples)" >&2
        exit 1
    fi
done
echo "big.jsonl: $EXPECTED_LINES samples, $EXPECTED_HASH by both methods and both builds (= sha256sum, = wc -l); small/: the local tree hash by both methods" >correctness.txt
cat correctness.txt

wait_quiet
{
    machine_facts
    echo "hyperfine: $(hyperfine --version | awk '{print $2}')"
    echo "openssh: $(ssh -V 2>&1)"
    echo "sha256sum: $(sha256sum --version | head -1)"
    echo "trainplat: $("$AOT_BIN" --version) ($(cat "$ROOT/bench/out/build/commit" 2>/dev/null || echo 'commit unknown'))"
    echo "files: big.jsonl $(stat -c %s "$DATA/big.jsonl") bytes ($EXPECTED_LINES lines); small/ 1,000 files, $(du -cb "$DATA"/small/*.jsonl | tail -1 | cut -f1) bytes"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "CPU busy before (3 s sample): ${BUSY_BEFORE}%"
} >machine.txt

# --- benchmark -----------------------------------------------------------------------------------
log "hyperfine 1/3: 1 GiB hashed on the host, against local sha256sum"
hyperfine -N --warmup 1 --runs "$RUNS" \
    -n portable "$JIT_BIN data snapshot $URL/big.jsonl --hash-on remote --no-cache --no-record $SSH_OPTS" \
    -n AOT "$AOT_BIN data snapshot $URL/big.jsonl --hash-on remote --no-cache --no-record $SSH_OPTS" \
    -n "sha256sum (local)" "sha256sum $DATA/big.jsonl" \
    --export-json remote.json

echo "CPU busy before 2/3 (3 s sample): $(wait_quiet; echo "$BUSY_BEFORE")%" >>machine.txt
log "hyperfine 2/3: 1 GiB streamed over SFTP, against a local snapshot"
# Two floors beside the anchor, on the same two cores as the daemon: the bytes through OpenSSH into a pipe (what any
# client that reads ssh's output pays before it hashes a byte), and ssh cat to /dev/null run AT THE SAME TIME as a
# local snapshot of the file (transport and hash perfectly overlapped, no pipe: no streaming client can beat it).
SSH_CAT="ssh -o BatchMode=yes -o UserKnownHostsFile=$SSHD_KNOWN_HOSTS -i $SSHD_IDENTITY -p $SSHD_PORT -c aes128-gcm@openssh.com $SSHD_USER@127.0.0.1 cat $DATA/big.jsonl"
hyperfine -N --warmup 1 --runs "$RUNS" \
    -n portable "$JIT_BIN data snapshot $URL/big.jsonl --hash-on stream --no-cache --no-record $SSH_OPTS" \
    -n AOT "$AOT_BIN data snapshot $URL/big.jsonl --hash-on stream --no-cache --no-record $SSH_OPTS" \
    -n "local snapshot (AOT)" "$AOT_BIN data snapshot $DATA/big.jsonl --no-cache --no-record" \
    -n "ssh cat, transport alone" "$SSH_CAT" \
    -n "ssh cat | cat, the bytes into a pipe" "sh -c '$SSH_CAT | cat >/dev/null'" \
    -n "ssh cat and a local snapshot at once" "sh -c '$SSH_CAT >/dev/null & $AOT_BIN data snapshot $DATA/big.jsonl --no-cache --no-record >/dev/null; wait'" \
    --export-json stream.json

echo "CPU busy before 3/3 (3 s sample): $(wait_quiet; echo "$BUSY_BEFORE")%" >>machine.txt
log "hyperfine 3/3: a folder of 1,000 small files"
hyperfine -N --warmup 1 --runs "$RUNS" \
    -n portable "$JIT_BIN data snapshot $URL/small --no-cache --no-record $SSH_OPTS" \
    -n AOT "$AOT_BIN data snapshot $URL/small --no-cache --no-record $SSH_OPTS" \
    -n "AOT, streamed" "$AOT_BIN data snapshot $URL/small --hash-on stream --no-cache --no-record $SSH_OPTS" \
    -n "local snapshot (AOT)" "$AOT_BIN data snapshot $DATA/small --no-cache --no-record" \
    --export-json small.json

echo "CPU busy after the benchmarks (3 s sample): $(busy_percent 3)%" >>machine.txt
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >>machine.txt

# --- summary -------------------------------------------------------------------------------------
status=0
{
    echo "## remote datasets over SSH (issue 21)"
    echo
    sed 's/^/    /' machine.txt
    echo
    echo "$(cat correctness.txt)"
    echo
    echo "### 1 GiB JSON Lines hashed on the host (\`--hash-on remote\`)"
    echo
    workload_table remote.json "sha256sum (local)" "AOT<=1.3*anchor" || status=1
    echo
    echo "### 1 GiB JSON Lines streamed over SFTP (\`--hash-on stream\`)"
    echo
    workload_table stream.json "local snapshot (AOT)" "AOT<=2*anchor" || status=1
    echo
    echo "### A folder of 1,000 small files"
    echo
    workload_table small.json "local snapshot (AOT)" "AOT<=3000ms" || status=1
} >summary.md
cat summary.md
exit $status

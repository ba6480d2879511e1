# Shared helpers for the whole-process benchmarks in bench/ (sourced, not run).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { printf '== %s\n' "$*" >&2; }

# CPU busy % of the whole machine over $1 seconds (from /proc/stat).
busy_percent() {
    local u n s i w x y z t1 i1 t2 i2
    read -r _ u n s i w x y z _ </proc/stat; t1=$((u + n + s + i + w + x + y + z)); i1=$((i + w))
    sleep "${1:-2}"
    read -r _ u n s i w x y z _ </proc/stat; t2=$((u + n + s + i + w + x + y + z)); i2=$((i + w))
    echo $((100 * ((t2 - t1) - (i2 - i1)) / (t2 - t1)))
}

# Busy CPU seconds of the whole machine so far (from /proc/stat), to 2 decimals.
busy_seconds() {
    local u n s i w x y z
    read -r _ u n s i w x y z _ </proc/stat
    awk -v j=$((u + n + s + x + y + z)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", j / hz }'
}

# Wait (up to QUIET_TIMEOUT s, default 300) until other work uses < 10% of the CPUs, so the
# numbers are not another process's; go on with a warning after that. Sets BUSY_BEFORE.
wait_quiet() {
    local deadline=$((SECONDS + ${QUIET_TIMEOUT:-300}))
    BUSY_BEFORE=$(busy_percent 3)
    while ((BUSY_BEFORE >= 10 && SECONDS < deadline)); do
        log "machine is ${BUSY_BEFORE}% busy; waiting for it to be quiet"
        sleep 10
        BUSY_BEFORE=$(busy_percent 3)
    done
    if ((BUSY_BEFORE >= 10)); then
        log "WARNING: machine still ${BUSY_BEFORE}% busy; the numbers below are disturbed"
    fi
}

# The machine, for the first lines of each benchmark's machine.txt.
machine_facts() {
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "nproc: $(nproc)"
    echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
    echo "kernel: $(uname -sr)"
    echo "dotnet sdk: $(dotnet --version)"
}

# hyperfine from Debian's packages (apt-cache finds nothing until `apt-get update` has run once).
ensure_hyperfine() {
    command -v hyperfine >/dev/null 2>&1 && return
    log "installing hyperfine (apt)"
    if ! apt-cache show hyperfine >/dev/null 2>&1 \
        || ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null
    fi
}

# The two builds every benchmark compares (issue 16): the portable framework-dependent build
# (`dotnet build -c Release`, JIT; what `dotnet pack` ships by default) and the Native AOT
# publish (what the release pack ships for linux-x64). Sets JIT_BIN and AOT_BIN (absolute paths).
# Both are rebuilt once per script run; REUSE_BUILDS=1 keeps what bench/out/build/ already has
# (when several scripts run in a row on the same commit: bench/all.sh).
# sqlite3, the anchor of the metrics workloads: installed from Debian when missing.
ensure_sqlite3() {
    command -v sqlite3 >/dev/null 2>&1 && return 0
    log "installing sqlite3 (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null 2>&1 \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }
}

ensure_builds() {
    local root out
    root=$(git rev-parse --show-toplevel 2>/dev/null || pwd)
    out=$root/bench/out/build
    JIT_BIN=$out/jit/trainplat
    AOT_BIN=$out/aot/trainplat
    if [[ ${REUSE_BUILDS:-0} = 1 && -x $JIT_BIN && -x $AOT_BIN ]]; then
        log "reusing the builds in $out ($(cat "$out/commit" 2>/dev/null || echo 'commit unknown'))"
        return
    fi
    mkdir -p "$out"
    rm -rf "$out/jit" "$out/aot"
    log "building the portable (JIT) Release build into $out/jit"
    dotnet build -c Release "$root/tool/TrainingPlatform.Tool" -nologo -v q -o "$out/jit" >"$out/jit.log" 2>&1 \
        || { cat "$out/jit.log" >&2; exit 1; }
    log "publishing the Native AOT build into $out/aot (a minute or two)"
    dotnet publish "$root/tool/TrainingPlatform.Tool" -c Release -r linux-x64 -p:PublishAot=true -nologo -v q \
        -o "$out/aot" >"$out/aot.log" 2>&1 || { cat "$out/aot.log" >&2; exit 1; }
    echo "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" status --porcelain --untracked-files=no -- tool 2>/dev/null | grep -q . && echo ' + uncommitted changes under tool/')" >"$out/commit"
}

# One markdown table per workload from a hyperfine JSON export (bench/table.py): every command's
# median, mean ± σ, min and max, then the ratio of each build to the anchor and the target verdict.
#   workload_table JSON ANCHOR_NAME TARGET_EXPR > summary.md
# TARGET_EXPR e.g. "aot<=0.5*anchor" or "aot<=50ms"; the names are the hyperfine -n names
# "portable", "AOT" and the anchor's.
workload_table() {
    python3 "$BENCH_DIR/table.py" "$@"
}

# ajv-cli 5 and ajv-formats from the npm registry into bench/.node (the anchor for `validate`).
ensure_ajv() {
    local prefix
    prefix=$(git rev-parse --show-toplevel 2>/dev/null || pwd)/bench/.node
    if [[ ! -x $prefix/node_modules/.bin/ajv || ! -d $prefix/node_modules/ajv-formats ]]; then
        log "installing ajv-cli@5 and ajv-formats (npm, into $prefix)"
        npm install --prefix "$prefix" --no-audit --no-fund --silent ajv-cli@5 ajv-formats
    fi
}

# The example project plus five team recipes and three small JSON Lines datasets, in $1 (a new folder): the project
# the lineage and experience benchmarks record their template jobs in. $2 names the benchmark in the recipes' headers.
team_project() {
    local project=$1 bench=$2
    cp -r "$(git rev-parse --show-toplevel)/examples" "$project"
    team_recipe() { # id base task algorithm description, then the config block on stdin
        {
            printf '# %s: a team recipe for the %s benchmark (bench/%s.sh), based on %s.\n' "$1" "$bench" "$bench" "$2"
            printf 'apiVersion: trainplat/v1\nid: %s\nversion: 0.3.0\ntask: %s\nalgorithm: %s\ntags: [team, bench]\n' "$1" "$3" "$4"
            printf 'description: %s\nsource: Built-in or project recipe %s with a few values changed.\nextends: %s\nconfig:\n' "$5" "$2" "$2"
            cat
        } >"$project/recipes/$1.yaml"
    }
team_recipe team_grpo_code grpo_basic rlhf grpo "GRPO on code with unit-test rewards." <<'YAML'
  data:
    max_response_length: 2048
  rl:
    rollout_n: 8
YAML
team_recipe team_grpo_tool grpo_math_small rlhf grpo "GRPO on tool-use traces, from the math recipe." <<'YAML'
  rl:
    temperature: 0.9
YAML
team_recipe team_ppo_helpful ppo rlhf ppo "PPO against the helpfulness reward model." <<'YAML'
  optimizer:
    learning_rate: 5.0e-7
YAML
team_recipe team_dpo_safety dpo_full preference dpo "DPO on safety preference pairs." <<'YAML'
  preference:
    beta: 0.1
YAML
team_recipe team_sft_code sft_full sft sft "Full SFT on code instructions in ChatML." <<'YAML'
  model:
    chat_template: chatml
YAML
python3 - "$project/data" <<'PY'
import json, random, sys
rng = random.Random(20261125)
for name, n in [("math_train", 400), ("math_eval", 50), ("code_train", 300)]:
    with open(f"{sys.argv[1]}/{name}.jsonl", "w") as f:
        for i in range(n):
            a, b = rng.randrange(1000), rng.randrange(1000)
            f.write(json.dumps({"prompt": f"What is {a} + {b}?", "answer": str(a + b)}) + "\n")
PY
}

# The datasets a template job of recipe $1 uses, as job create's -d options (relative to team_project's folder).
datasets_for() {
    case $1 in
        team_grpo_code) echo "-d train=data/code_train.jsonl -d eval=data/math_eval.jsonl" ;;
        grpo_* | team_grpo_* | dapo | ppo | team_ppo_*) echo "-d train=data/math_train.jsonl -d eval=data/math_eval.jsonl" ;;
        sft_* | team_sft_*) echo "-d train=data/train.jsonl" ;;
        *) echo "-d train=data/prefs.parquet" ;;
    esac
}

# The recipes the template jobs are made of (built-ins, the example project's and team_project's).
TEMPLATE_RECIPES="grpo_basic grpo_math_small team_grpo_code team_grpo_tool grpo_large_scale grpo_lora dapo ppo team_ppo_helpful
dpo_full dpo_lora team_dpo_safety simpo orpo sft_full sft_lora sft_qlora sft_chat team_sft_code reward_model"

# write_points_csv ROWS: points.csv in the current folder — ROWS steps x loss, reward, kl, lr (4 points a row), the
# same numbers every time (seed 20261205); bench/metrics-import.sh and bench/team-store.sh import it.
write_points_csv() {
    python3 - "$1" <<'PY'
import math, random, sys
rows = int(sys.argv[1])
random.seed(20261205)
with open("points.csv", "w") as f:
    f.write("step,loss,reward,kl,lr\n")
    for s in range(rows):
        loss = 2.0 / math.sqrt(s + 1) + random.gauss(0, 0.01)
        reward = s / rows + random.gauss(0, 0.05)
        kl = s * 1e-6 * random.random()
        lr = 1e-6 * min(1.0, s / 500) * (0.5 + 0.5 * math.cos(s / rows * math.pi))
        f.write(f"{s},{loss!r},{reward!r},{kl!r},{lr!r}\n")
PY
}

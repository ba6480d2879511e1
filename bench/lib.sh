# Shared helpers for the whole-process benchmarks in bench/ (sourced, not run).

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

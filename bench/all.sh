#!/usr/bin/env bash
# Every issue-16, -18, -19 and -20 workload in a row on one pair of builds (portable JIT, Native AOT): builds once,
# then runs each script with REUSE_BUILDS=1. The summaries land in bench/out/*/summary.md.
# Usage: bash bench/all.sh
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ensure_builds
status=0
for script in everyday validate diff check suggest metrics tensorboard metrics-compare metrics-import report team-store ssh; do
    [ -f "bench/$script.sh" ] || { log "bench/$script.sh is missing"; status=1; continue; }
    log "bench/$script.sh"
    REUSE_BUILDS=1 bash "bench/$script.sh" || status=1
done
exit "$status"

#!/usr/bin/env bash
# The test command of the README: installs what the tests run for real (git, pre-commit, Debian's PyYAML and
# OmegaConf; clang and zlib1g-dev for the Native AOT build; chromium for the report's browser tests; postgresql for the
# team store; openssh-server and openssh-client for the remote datasets, whose tests start private sshds themselves with
# tests/ssh/sshd.sh), starts a throwaway PostgreSQL cluster (tests/pg/start.sh; its connection string in TRAINPLAT_TEST_PG,
# unless the caller set one), then runs the tests in two passes:
#   1. publishes the Native AOT build once, then runs every test on the JIT build (AotBuildTests compare the two
#      builds, given the published binary in TRAINPLAT_AOT_BIN);
#   2. runs the end-to-end set of TrainingPlatform.Tool.Tests again with TRAINPLAT_BIN naming the native binary: every
#      CLI test runs it as a process, but those marked [Trait("Build", "InProcessOnly"|"JitOnly")].
# Each pass prints its own "Passed!/Failed! - ..." line; the exit status is non-zero when either fails.
# Needs root or sudo only when something is missing.
#   ./test.sh [dotnet test options...]     (passed to both passes; a --filter is combined with the second pass's)
#   TRAINPLAT_TEST_AOT=0 ./test.sh ...      skips the publish and the second pass (quick local runs)
#   TRAINPLAT_AOT_BIN=DIR ./test.sh ...     uses the native build already published to DIR instead of publishing
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

missing=()
command -v git >/dev/null 2>&1 || missing+=(git)
command -v pre-commit >/dev/null 2>&1 || missing+=(pre-commit)
/usr/bin/python3 -c 'import yaml' >/dev/null 2>&1 || missing+=(python3-yaml)
/usr/bin/python3 -c 'import omegaconf' >/dev/null 2>&1 || missing+=(python3-omegaconf)
command -v clang >/dev/null 2>&1 || missing+=(clang)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)   # the report's browser tests drive it over DevTools, no driver
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)   # tests/ssh/sshd.sh: a private daemon per test, never the system service
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
if [ -z "${TRAINPLAT_TEST_PG:-}" ] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    missing+=(postgresql)
fi
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "test.sh: error: the tests need the Debian packages ${missing[*]}, and this machine has no apt-get" >&2
        echo "  hint: install what they provide with this system's package manager, then run ./test.sh again" >&2
        exit 2
    fi
    if [ "$(id -u)" != 0 ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            echo "test.sh: error: the tests need the Debian packages ${missing[*]}; installing them needs root, and there is no sudo" >&2
            echo "  hint: as root: apt-get update && apt-get install -y ${missing[*]}; then run ./test.sh again" >&2
            exit 2
        fi
        sudo=sudo
    fi
    echo "test.sh: installing ${missing[*]} (Debian packages the tests use)" >&2
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

unset TRAINPLAT_BIN   # the first pass is the JIT build's, whatever the caller's environment says

# Everything made here is removed at exit: the Native AOT build's folder and the PostgreSQL cluster.
aot_dir=""
pg_dir=""
cleanup() {
    [ -n "$pg_dir" ] && tests/pg/start.sh --stop "$pg_dir"
    [ -n "$aot_dir" ] && rm -rf "$aot_dir"
    return 0
}
trap cleanup EXIT

if [ -n "${TRAINPLAT_TEST_PG:-}" ]; then
    echo "test.sh: the PostgreSQL store tests use the server in TRAINPLAT_TEST_PG" >&2
else
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/trainplat-pg.XXXXXX")
    if TRAINPLAT_TEST_PG=$(tests/pg/start.sh "$pg_dir"); then
        export TRAINPLAT_TEST_PG
        echo "test.sh: started a throwaway PostgreSQL cluster in $pg_dir for the store tests" >&2
    else
        # The tests that need it fail and say so; the others still run.
        echo "test.sh: error: could not start PostgreSQL (above); the PostgreSQL store tests will fail" >&2
    fi
fi

aot_bin=""
if [ "${TRAINPLAT_TEST_AOT:-1}" != 0 ]; then
    if [ -n "${TRAINPLAT_AOT_BIN:-}" ]; then
        aot_bin="$TRAINPLAT_AOT_BIN/trainplat"
        echo "test.sh: the Native AOT build is the one in TRAINPLAT_AOT_BIN ($TRAINPLAT_AOT_BIN)" >&2
    else
        case "$(uname -m)" in
            x86_64 | amd64) arch=x64 ;;
            aarch64 | arm64) arch=arm64 ;;
            *) arch=$(uname -m) ;;
        esac
        case "$(uname -s)" in
            Darwin) rid="osx-$arch" ;;
            *) rid="linux-$arch" ;;
        esac
        aot_dir=$(mktemp -d "${TMPDIR:-/tmp}/trainplat-aot.XXXXXX")
        echo "test.sh: publishing the Native AOT build ($rid) into $aot_dir/bin" >&2
        published=$SECONDS
        # Its own artifacts folder: a publish for a runtime identifier must not share obj/ with the test builds.
        if dotnet publish tool/TrainingPlatform.Tool -c Release -r "$rid" -p:PublishAot=true \
            --artifacts-path "$aot_dir/artifacts" -o "$aot_dir/bin" >"$aot_dir/publish.log" 2>&1; then
            aot_bin="$aot_dir/bin/trainplat"
            export TRAINPLAT_AOT_BIN="$aot_dir/bin"
            echo "test.sh: the Native AOT publish took $((SECONDS - published)) s" >&2
        else
            # The first pass still runs: AotBuildTests publish again and fail with the compiler's output.
            tail -n 40 "$aot_dir/publish.log" >&2
            echo "test.sh: error: the Native AOT publish failed (above); the end-to-end pass against it cannot run" >&2
            echo "  hint: see the error above; TRAINPLAT_TEST_AOT=0 ./test.sh runs the JIT tests alone" >&2
            aot_failed=1
        fi
    fi
fi

status=0
dotnet test TrainingPlatform.Tool.sln "$@" || status=$?

if [ "${TRAINPLAT_TEST_AOT:-1}" = 0 ]; then
    exit "$status"
fi
if [ -n "${aot_failed:-}" ]; then
    exit 1
fi

# The second pass: the caller's options, with any --filter combined with the one that picks the end-to-end set.
e2e='Build!=InProcessOnly&Build!=JitOnly'
args=()
user_filter=""
while [ $# -gt 0 ]; do
    case "$1" in
        --filter) user_filter="${2:-}"; shift; [ $# -gt 0 ] && shift ;;
        --filter=*) user_filter="${1#--filter=}"; shift ;;
        *) args+=("$1"); shift ;;
    esac
done
filter="$e2e"
if [ -n "$user_filter" ]; then
    filter="($user_filter)&$e2e"
fi

echo "test.sh: the end-to-end set of TrainingPlatform.Tool.Tests against the Native AOT binary $aot_bin" >&2
started=$SECONDS
aot_status=0
TRAINPLAT_BIN="$aot_bin" dotnet test tests/TrainingPlatform.Tool.Tests "${args[@]}" --filter "$filter" || aot_status=$?
echo "test.sh: the Native AOT pass took $((SECONDS - started)) s" >&2

[ "$status" -ne 0 ] && exit "$status"
exit "$aot_status"

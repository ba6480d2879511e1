#!/usr/bin/env bash
# The test command of the README: installs what the tests run for real (git, pre-commit, Debian's PyYAML and
# OmegaConf; clang and zlib1g-dev for the Native AOT build the tests publish), then runs every test. Needs root
# or sudo only when something is missing.
#   ./test.sh [dotnet test options...]
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
if [ ${#missing[@]} -gt 0 ]; then
    echo "test.sh: installing ${missing[*]} (Debian packages the tests use)" >&2
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

exec dotnet test TrainingPlatform.Tool.sln "$@"

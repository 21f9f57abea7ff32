#!/usr/bin/env bash
# Installs, from Debian packages and npm (and pip for moto, which the build machines
# carry), what the machine lacks. Idempotent: a second run installs nothing and prints
# nothing.
#   scripts/setup.sh serve   what building and running the server needs (`make run`)
#   scripts/setup.sh         that, and what the tests and the benchmarks need
set -euo pipefail
cd "$(dirname "$0")/.."
scope=${1:-all}
case "$scope" in
  serve | all) ;;
  *)
    echo "usage: scripts/setup.sh [serve]" >&2
    exit 2
    ;;
esac

# The server, and curl and jq for the README's examples.
packages=(
  g++ cmake ninja-build make pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  librocksdb-dev
  libcurl4-openssl-dev libssl-dev
  curl jq
)
if [ "$scope" = all ]; then
  packages+=(
    libgtest-dev libgmock-dev libbenchmark-dev
    wrk python3
    # The sanitizer and fuzz builds of `make test`: clang, its sanitizer and libFuzzer
    # runtimes, and llvm-symbolizer for readable reports.
    clang libclang-rt-14-dev llvm
    # A DynamoDB client that shares no code with ours, for the cross-check test.
    awscli
    # The Lambda zip's tests unpack it.
    unzip
  )
fi
# dynalite (the DynamoDB stand-in the tests run) needs node and npm. A machine that
# already has them, from any source, keeps its own: Debian's npm would conflict with a
# nodejs package that bundles npm.
if [ "$scope" = all ] && { ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; }; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

[ "$scope" = serve ] && exit 0

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: warning: node $(node --version) is older than the 20 dynalite declares" >&2
fi

# npm keeps a copy of the lock it installed from in node_modules/.package-lock.json: a
# package-lock.json newer than that copy means the pinned versions changed since.
if [ ! -d node_modules/dynalite ] || [ ! -f node_modules/.package-lock.json ] ||
  [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci (dynalite for the DynamoDB tests)"
  npm ci --no-audit --no-fund
fi

# moto's server, the second DynamoDB stand-in (tests/support/moto_launcher.py): the build
# machines carry it; elsewhere it comes from pip, for this user only.
if ! python3 -c 'import moto.server' >/dev/null 2>&1; then
  echo "setup: pip install moto[server] (the second DynamoDB stand-in for the tests)"
  if ! python3 -m pip --version >/dev/null 2>&1; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-pip
  fi
  python3 -m pip install --user --quiet --break-system-packages 'moto[server]>=5,<6'
fi

# cfn-lint, which checks deploy/template.yaml (the SAM transform through
# aws-sam-translator, its dependency): the build machines carry it; elsewhere, pip.
if ! command -v cfn-lint >/dev/null 2>&1 && [ ! -x "$HOME/.local/bin/cfn-lint" ]; then
  echo "setup: pip install cfn-lint (checks the SAM template)"
  python3 -m pip install --user --quiet --break-system-packages 'cfn-lint>=1,<2'
fi

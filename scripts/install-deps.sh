#!/usr/bin/env bash
# Installs keyward's build and test dependencies from Debian 12's archive.
# Idempotent: packages already present are left alone. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config clang-14 libclang-rt-14-dev lld
  # libraries
  libssl-dev libcurl4-openssl-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev
  libsqlite3-dev libcpp-httplib-dev libboost-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev sqlite3 wrk nginx-light hyperfine zsh
  python3 ca-certificates curl
  # packaging checks (scripts/package.sh --check)
  lintian systemd groff-base
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node.js and npm (for the @aws-sdk/client-secrets-manager conformance run):
# these machines ship Node.js 20 with its own npm; Debian's npm conflicts with
# that nodejs package, so only install Debian's when node is absent.
if ! command -v node >/dev/null 2>&1; then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

#!/usr/bin/env bash
# Builds keyward's Debian packages with CPack: keyward (CLI, man pages,
# completions, systemd units), libkeyward-dev (headers, static library,
# CMake and pkg-config files), and keyward-dbgsym with the debug symbols
# stripped from the CLI. The .deb files land in BUILD_DIR/packages/.
#
#   ./scripts/package.sh                     # fresh RelWithDebInfo build in build-pkg/
#   ./scripts/package.sh --build-dir build   # package an existing build (reconfigured for /usr)
#   ./scripts/package.sh --check             # then lintian and packaging/check-packages.sh
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build-pkg
fresh=1
check=0
while (($#)); do
  case $1 in
    --build-dir) build_dir=${2:?--build-dir needs a directory}; fresh=0; shift 2 ;;
    --check) check=1; shift ;;
    *) echo "usage: $0 [--build-dir DIR] [--check]" >&2; exit 2 ;;
  esac
done
JOBS=${JOBS:-$(nproc)}

if ((fresh)); then
  ./scripts/install-deps.sh
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # -g for the -dbgsym package; CPack strips the packaged binaries.
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_INSTALL_PREFIX=/usr -DKEYWARD_BUILD_TESTS=OFF -DKEYWARD_BUILD_BENCH=OFF \
    -DKEYWARD_BUILD_EXAMPLES=OFF "${launcher[@]}" >/dev/null
else
  # Only install paths change: nothing is recompiled.
  cmake -S . -B "$build_dir" -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
fi
ninja -C "$build_dir" -j "$JOBS" keyward_cli keyward keyward_docs keyward_changelog

rm -rf "$build_dir/packages"
(cd "$build_dir" && cpack -G DEB >/dev/null)
ls -l "$build_dir"/packages/*.*deb

if ((check)); then
  ./packaging/check-packages.sh "$build_dir/packages"
fi

#!/usr/bin/env bash
# Builds tests/consumer (an external project using keyward::keyward) three
# ways and runs each against a real `keyward server` on a free loopback port:
#   find_package   cmake --install of the dev component into a throwaway
#                  prefix, then find_package(keyward CONFIG)
#   pkg-config     the same prefix, c++ $(pkg-config --cflags --libs keyward)
#   fetchcontent   FetchContent_MakeAvailable of this source tree, with Boost,
#                  CLI11 and GoogleTest made unfindable (cpp-httplib is only
#                  looked for with tests on)
#
#   tests/consumer/run.sh BUILD_DIR [MODE...]     (default: all three)
#
# The fetchcontent mode compiles the library again (-O0, to stay quick).
# Run by CTest as `consumer_projects` (label integration).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [MODE...]}" && pwd)
shift
modes=("$@")
((${#modes[@]})) || modes=(find_package pkg-config fetchcontent)
cxx=${KEYWARD_CXX:-c++}
jobs=${KEYWARD_CONSUMER_JOBS:-2}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

work=$(mktemp -d "${TMPDIR:-/tmp}/kw-consumer.XXXXXX")
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf 'consumer: %s\n' "$*"; }

# A throwaway store with one secret, served on 127.0.0.1:<free port>.
mkdir -p "$work/server"
"$build/keyward" server --store "$work/server/store.db" --listen 127.0.0.1:0 \
  --env-file "$work/env" --access-log off >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 200); do
  [[ -s $work/env ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.05
done
[[ -s $work/env ]] || { say "keyward server did not start"; cat "$work/server.log"; exit 1; }
# shellcheck disable=SC1091
. "$work/env"
secret=platform-data/postgres/consumer
canary="canary-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf '{"username":"consumer","password":"%s"}' "$canary" >"$work/value.json"
"$build/keyward" put "$secret" --from-file "$work/value.json" >/dev/null
rm -f "$work/value.json"
expected="consumer: $secret username=consumer password=${#canary} chars"

check_run() {  # MODE BINARY
  local out
  out=$("$2" "$secret" 2>&1) || { say "$1: consumer failed: $out"; exit 1; }
  if [[ $out != "$expected" ]]; then
    say "$1: unexpected output: $out"
    exit 1
  fi
  if grep -qF "$canary" <<<"$out"; then say "$1: secret value in output"; exit 1; fi
  say "$1: ok ($out)"
}

# A consumer of the installed package needs only the shared dependencies.
no_build_deps=(-DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON
               -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON)
installed=""
install_dev() {
  [[ -n $installed ]] && return
  cmake --install "$build" --prefix "$work/prefix" --component dev >"$work/install.log"
  installed=1
}

for mode in "${modes[@]}"; do
  case $mode in
    find_package)
      install_dev
      cmake -S "$src/tests/consumer" -B "$work/fp" "${generator[@]}" \
        -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$work/prefix" \
        -DKEYWARD_CONSUMER_MODE=find_package "${no_build_deps[@]}" \
        -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON >"$work/fp.log" 2>&1 ||
        { cat "$work/fp.log"; exit 1; }
      cmake --build "$work/fp" -j "$jobs" >>"$work/fp.log" 2>&1 || { cat "$work/fp.log"; exit 1; }
      check_run find_package "$work/fp/consumer"
      ;;
    pkg-config)
      install_dev
      pc=$(dirname "$(find "$work/prefix" -name keyward.pc | head -n1)")
      flags=$(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs keyward)
      # (an rpath for a BUILD_SHARED_LIBS=ON build's libkeyward.so)
      flags+=" -Wl,-rpath,$(PKG_CONFIG_PATH=$pc pkg-config --variable=libdir keyward)"
      mkdir -p "$work/pc"
      # shellcheck disable=SC2086
      "$cxx" -std=c++20 -Wall -Werror "$src/tests/consumer/main.cc" -o "$work/pc/consumer" $flags
      check_run pkg-config "$work/pc/consumer"
      ;;
    fetchcontent)
      cmake -S "$src/tests/consumer" -B "$work/fc" "${generator[@]}" \
        -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE= -DKEYWARD_CONSUMER_MODE=fetchcontent \
        -DFETCHCONTENT_SOURCE_DIR_KEYWARD="$src" -DFETCHCONTENT_FULLY_DISCONNECTED=ON \
        "${no_build_deps[@]}" >"$work/fc.log" 2>&1 || { cat "$work/fc.log"; exit 1; }
      cmake --build "$work/fc" -j "$jobs" >>"$work/fc.log" 2>&1 || { cat "$work/fc.log"; exit 1; }
      check_run fetchcontent "$work/fc/consumer"
      ;;
    *) say "unknown mode $mode"; exit 2 ;;
  esac
done

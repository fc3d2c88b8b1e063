#!/usr/bin/env bash
# Checks the Debian packages scripts/package.sh built:
#   1. lintian: no errors (overrides only in packaging/lintian/, justified);
#   2. control fields: shlibdeps found the shared libraries, adduser for
#      postinst, maintainer scripts are valid sh;
#   3. installs them into a throwaway root with `dpkg --root` (unpack: the
#      maintainer scripts, which need a real system, are checked separately)
#      and checks every installed file against a list of path patterns with
#      mode and owner, and that each required file is there;
#   4. the installed CLI is stripped, its debug symbols are in -dbgsym under
#      its build id, it runs, and its man pages render without warnings;
#   5. systemd-analyze verify and security on the installed units (and on
#      the agent's with the per-application drop-in);
#   6. the token seeder writes a 0640 token of 64 hex digits.
#
#   packaging/check-packages.sh DIR     (DIR holds the .deb/.ddeb files)
set -euo pipefail
dir=$(cd "${1:?usage: check-packages.sh PACKAGE_DIR}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
fail=0
say() { printf 'check-packages: %s\n' "$*"; }
bad() { printf 'check-packages: FAIL: %s\n' "$*"; fail=1; }

shopt -s nullglob
debs=("$dir"/keyward_*.deb "$dir"/libkeyward-dev_*.deb)
dbgsym=("$dir"/keyward-dbgsym_*.*deb)
((${#debs[@]} == 2)) || { bad "expected keyward and libkeyward-dev packages in $dir"; exit 1; }
((${#dbgsym[@]} == 1)) || bad "expected one keyward-dbgsym package in $dir"

# 1. lintian (errors fail; warnings are printed).
say "lintian"
if ! lintian --fail-on error --suppress-tags-from-file "$src/packaging/lintian/suppressed" \
    "${debs[@]}"; then
  bad "lintian reported errors"
fi

# 2. Control fields and maintainer scripts.
depends=$(dpkg-deb -f "$dir"/keyward_*.deb Depends)
for lib in libc6 libstdc++6 libssl3 libcurl4 libyaml-cpp0.7 libsqlite3-0 adduser; do
  [[ $depends == *"$lib"* ]] || bad "keyward Depends lacks $lib: $depends"
done
ctrl=$(mktemp -d)
root=$(mktemp -d)
trap 'rm -rf "$ctrl" "$root"' EXIT
dpkg-deb -e "$dir"/keyward_*.deb "$ctrl"
for s in postinst prerm postrm; do
  [[ -x $ctrl/$s ]] || bad "keyward has no executable $s"
  sh -n "$ctrl/$s" || bad "$s is not valid sh"
done
grep -qx /etc/default/keyward-server "$ctrl/conffiles" || bad "conffiles lacks /etc/default/keyward-server"
# postinst on a system without the user: stubs record what it would run.
stubs=$(mktemp -d)
for cmd in getent addgroup adduser install systemctl; do
  printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n[ %s != getent ]\n' "$cmd" "$stubs" "$cmd" >"$stubs/$cmd"
  chmod +x "$stubs/$cmd"
done
PATH="$stubs:$PATH" "$ctrl/postinst" configure "" || bad "postinst configure failed"
for want in "addgroup --quiet --system keyward" "addgroup --quiet --system keyward-token" \
  "adduser --quiet --system --ingroup keyward --home /var/lib/keyward --no-create-home --shell /usr/sbin/nologin --gecos keyward server and agent keyward"; do
  grep -qxF "$want" "$stubs/calls" || bad "postinst did not run: $want"
done
rm -rf "$stubs"

# 3. Install into a throwaway root and check every file.
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg --root="$root" --force-not-root --force-depends --force-script-chrootless \
  --log=/dev/null --unpack "${debs[@]}" >/dev/null
say "installed into $root: $(find "$root" -type f -not -path '*/var/lib/dpkg/*' | wc -l) files"

# MODE OWNER PATH-GLOB: every installed file and directory matches one line.
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
allowed=$(
  sed "s|@MULTIARCH@|$multiarch|" <<'EOF'
0755 root:root /usr/bin/keyward
0644 root:root /usr/share/man/man1/keyward.1.gz
0644 root:root /usr/share/man/man1/keyward-*.1.gz
0644 root:root /usr/share/bash-completion/completions/keyward
0644 root:root /usr/share/zsh/vendor-completions/_keyward
0644 root:root /lib/systemd/system/keyward-server.service
0644 root:root /lib/systemd/system/keyward-agent.service
0644 root:root /lib/systemd/system/keyward-agent-token.service
0644 root:root /etc/default/keyward-server
0644 root:root /etc/default/keyward-agent
0755 root:root /usr/libexec/keyward/seed-agent-token
0644 root:root /usr/share/doc/keyward/copyright
0644 root:root /usr/share/doc/keyward/changelog.gz
0644 root:root /usr/share/doc/keyward/install.md
0644 root:root /usr/share/doc/keyward/examples/keyward-agent-per-app.conf
0644 root:root /usr/share/doc/libkeyward-dev/copyright
0644 root:root /usr/share/doc/libkeyward-dev/changelog.gz
0644 root:root /usr/include/keyward/*.h
0644 root:root /usr/include/keyward/*/*.h
0644 root:root /usr/lib/@MULTIARCH@/libkeyward.a
0644 root:root /usr/lib/@MULTIARCH@/cmake/keyward/keyward*.cmake
0644 root:root /usr/lib/@MULTIARCH@/pkgconfig/keyward.pc
0755 root:root DIR
EOF
)
while IFS= read -r path; do
  rel=${path#"$root"}
  rel=${rel%.dpkg-new}  # conffiles wait under this name until configure
  [[ $rel == /var/lib/dpkg* || $rel == /var || $rel == /var/lib || -z $rel ]] && continue
  if [[ -d $path ]]; then key=DIR; else key=$rel; fi
  got="$(stat -c '%a' "$path" | sed 's/^/0/;s/^00/0/') $(stat -c '%U:%G' "$path")"
  ok=0
  while read -r mode owner glob; do
    # shellcheck disable=SC2053
    [[ $key == $glob ]] || continue
    ok=1
    [[ $got == "$mode $owner" ]] || bad "$rel: $got, expected $mode $owner"
    break
  done <<<"$allowed"
  ((ok)) || bad "unexpected file $rel"
done < <(find "$root" -mindepth 1)
[[ -e $root/usr/include/keyward/server ]] && bad "the daemons' headers are installed"
for f in /usr/bin/keyward /usr/share/man/man1/keyward.1.gz /usr/share/man/man1/keyward-server.1.gz \
  /usr/share/man/man1/keyward-get.1.gz /usr/include/keyward/secret_config.h \
  "/usr/lib/$multiarch/cmake/keyward/keywardConfig.cmake" \
  "/usr/lib/$multiarch/cmake/keyward/keywardConfigVersion.cmake" \
  "/usr/lib/$multiarch/cmake/keyward/keywardTargets.cmake"; do
  [[ -e $root$f ]] || bad "missing $f"
done
dpkg-query --root="$root" -W -f='${Conffiles}\n' keyward | grep -q /etc/default/keyward-agent ||
  bad "dpkg did not register /etc/default/keyward-agent as a conffile"

# 4. The CLI: stripped, symbols in -dbgsym, runs, man pages render cleanly.
cli=$root/usr/bin/keyward
if readelf -S "$cli" | grep -q '\.debug_info\|\.symtab'; then bad "/usr/bin/keyward is not stripped"; fi
"$cli" --version | grep -q '^keyward ' || bad "installed keyward --version failed"
build_id=$(readelf -n "$cli" | sed -n 's/.*Build ID: //p')
if ((${#dbgsym[@]})); then
  dbg=$(mktemp -d)
  dpkg-deb -x "${dbgsym[0]}" "$dbg"
  [[ -f $dbg/usr/lib/debug/.build-id/${build_id:0:2}/${build_id:2}.debug ]] ||
    bad "keyward-dbgsym has no symbols for build id $build_id"
  rm -rf "$dbg"
fi
for page in "$root"/usr/share/man/man1/*.1.gz; do
  warnings=$(zcat "$page" | groff -man -Tutf8 -ww -z 2>&1 || true)
  [[ -z $warnings ]] || bad "$(basename "$page"): $warnings"
done
bash -n "$root/usr/share/bash-completion/completions/keyward" || bad "bash completion does not parse"
if command -v zsh >/dev/null; then
  zsh -n "$root/usr/share/zsh/vendor-completions/_keyward" || bad "zsh completion does not parse"
fi

# 5. The units.
# verify resolves dependencies and commands inside --root: give a copy of
# the root this system's units and kill(1).
units=("$root"/lib/systemd/system/keyward-*.service)
vroot=$(mktemp -d)
cp -a "$root/." "$vroot"
cp -an /lib/systemd/system/. "$vroot/lib/systemd/system/"
mkdir -p "$vroot/bin" && cp "$(type -P kill)" "$vroot/bin/kill"
if ! verify=$(systemd-analyze verify --root="$vroot" --man=no "${units[@]/#$root/}" 2>&1) ||
  [[ -n $verify ]]; then
  bad "systemd-analyze verify: $verify"
fi
# The per-application drop-in (SupplementaryGroups) the docs tell operators
# to install must keep the agent's unit valid.
dropin=$vroot/etc/systemd/system/keyward-agent.service.d
mkdir -p "$dropin"
cp "$root/usr/share/doc/keyward/examples/keyward-agent-per-app.conf" "$dropin/per-app.conf"
if ! verify=$(systemd-analyze verify --root="$vroot" --man=no /lib/systemd/system/keyward-agent.service 2>&1) ||
  [[ -n $verify ]]; then
  bad "systemd-analyze verify with the per-app drop-in: $verify"
fi
score=$(systemd-analyze security --offline=yes --root="$vroot" keyward-agent.service 2>&1 |
  sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
say "systemd-analyze security keyward-agent.service + per-app drop-in: ${score:-?}"
[[ -n $score ]] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
  bad "keyward-agent.service + per-app drop-in: exposure ${score:-unknown} (want <= 2.0)"
rm -rf "$vroot"
for u in "${units[@]}"; do
  score=$(systemd-analyze security --offline=yes --root="$root" "$(basename "$u")" 2>&1 |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  say "systemd-analyze security $(basename "$u"): ${score:-?}"
  [[ -n $score ]] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
    bad "$(basename "$u"): exposure ${score:-unknown} (want <= 2.0)"
done

# 6. The token seeder.
tok=$(mktemp -d)
"$root/usr/libexec/keyward/seed-agent-token" "$tok/token"
[[ $(stat -c %a "$tok/token") == 640 ]] || bad "token file mode $(stat -c %a "$tok/token")"
grep -Eqx '[0-9a-f]{64}' "$tok/token" || bad "token is not 64 hex digits"
rm -rf "$tok"

if ((fail)); then
  say "FAILED"
  exit 1
fi
say "all checks passed"

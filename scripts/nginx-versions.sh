#!/usr/bin/env bash
# Fetch and cache newer nginx builds (Debian trixie = 1.26, sid = 1.30) so tests can check the
# config wssgen emits against several nginx versions beside the host's Debian 12 nginx 1.22.
# Why this way: Debian's .debs are the only reliable binaries, and running them with the libc and
# libraries of their own suite (via that suite's dynamic loader) needs no install, no root-owned
# state and no change to /etc/apt. See /work/shared/NGINX-VERSIONS.md.
#
# Usage: scripts/nginx-versions.sh [--refresh] [suite...]     (default suites: trixie sid)
# Prints "<suite> <version> <wrapper>" per suite on stdout; progress goes to stderr.
set -euo pipefail

# libzstd1 and libgcc-s1 are not nginx deps but libssl/libc load them; shipping them keeps the
# loader from silently falling back to the host's (older) copies.
PACKAGES=(nginx libc6 libssl3t64 libpcre2-8-0 zlib1g libcrypt1 libzstd1 libgcc-s1)
CACHE=${WSSGEN_NGINX_CACHE:-$HOME/.cache/wssgen/nginx}
HOST_SOURCES=/etc/apt/sources.list.d/debian.sources

log() { echo "nginx-versions: $*" >&2; }
die() { log "$*"; exit 1; }

refresh=0 suites=()
for arg in "$@"; do
  case $arg in
    --refresh) refresh=1 ;;
    -h|--help) sed -n 's/^# \?Usage: //p' "$0"; exit 0 ;;
    -*) die "unknown option $arg (usage: $0 [--refresh] [suite...])" ;;
    *) [[ $arg =~ ^[a-z0-9-]+$ ]] || die "bad suite name '$arg'"; suites+=("$arg") ;;
  esac
done
((${#suites[@]})) || suites=(trixie sid)

# Same mirror and keyring as the host's own Debian source (first deb822 stanza), so proxies,
# mirrors and trust match whatever already works on this machine.
[[ -r $HOST_SOURCES ]] || die "cannot read $HOST_SOURCES to find the Debian archive"
field() { awk -v f="$1:" 'NF == 0 { if (seen) exit; next } { seen = 1 } $1 == f { print $2; exit }' "$HOST_SOURCES"; }
uri=$(field URIs) key=$(field Signed-By)
[[ -n $uri ]] || die "no URIs: in the first stanza of $HOST_SOURCES"
opts=""; [[ -f $key ]] && opts="[signed-by=$key] "

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # parallel test runs must not build the same suite twice or swap it under each other

tmp=""
trap '[[ -z $tmp ]] || rm -rf "$tmp" "$tmp.old"' EXIT

version() { "$1" -v 2>&1 | sed -n 's|^nginx version: nginx/||p'; }

fetch() { # $1 = suite; builds $CACHE/$1 via a temp dir so an interrupted run leaves no half cache
  local suite=$1 dir=$CACHE/$1 libc lib loaders loader l
  rm -rf "$CACHE/.$suite".* # leftovers of killed runs (we hold the lock)
  tmp=$(mktemp -d "$CACHE/.$suite.XXXXXX")
  chmod 755 "$tmp"
  mkdir -p "$tmp/apt/lists/partial" "$tmp/apt/cache/archives/partial" "$tmp/debs" "$tmp/root"
  echo "deb ${opts}$uri $suite main" >"$tmp/apt/sources.list"
  # Private sources, lists, caches, pins and dpkg status: the host's apt state is neither read nor
  # written (a host nginx newer than the suite's would otherwise become the download candidate).
  local apt=(apt-get -qq -oAPT::Sandbox::User=root -oDir::State::status=/dev/null
    -oDir::Etc::SourceList="$tmp/apt/sources.list" -oDir::Etc::SourceParts=/dev/null
    -oDir::Etc::Preferences=/dev/null -oDir::Etc::PreferencesParts=/dev/null
    -oDir::State::Lists="$tmp/apt/lists" -oDir::Cache="$tmp/apt/cache"
    -oDir::Cache::pkgcache= -oDir::Cache::srcpkgcache=)
  log "$suite: reading the package index from $uri"
  "${apt[@]}" update >&2 || die "$suite: apt-get update failed for '$uri $suite main'"
  log "$suite: downloading ${PACKAGES[*]}"
  (cd "$tmp/debs" && "${apt[@]}" download "${PACKAGES[@]}" >&2) ||
    die "$suite: could not download ${PACKAGES[*]} from Debian $suite"
  for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done

  # The multiarch lib dir (e.g. usr/lib/x86_64-linux-gnu) is wherever this suite's libc landed.
  libc=$(find "$tmp/root" -name libc.so.6 -path '*-linux-*' -print -quit)
  [[ -n $libc ]] || die "$suite: libc6 package has no libc.so.6"
  lib=$(dirname "${libc#"$tmp/"}")
  loaders=("$tmp/$lib"/ld-linux*.so.[0-9] "$tmp/$lib"/ld64.so.[0-9])
  loader=""; for l in "${loaders[@]}"; do [[ -e $l ]] && loader=${l##*/} && break; done
  [[ -n $loader ]] || die "$suite: no dynamic loader in $lib"
  # The wrapper finds its own dir at run time, so the tree can be tested here and then moved.
  cat >"$tmp/nginx" <<EOF
#!/bin/sh
# Debian $suite nginx, run with its own loader and libraries (made by scripts/nginx-versions.sh).
d=\$(dirname "\$(readlink -f "\$0")")
exec "\$d/$lib/$loader" --library-path "\$d/$lib" "\$d/root/usr/sbin/nginx" "\$@"
EOF
  chmod +x "$tmp/nginx"
  [[ -n $(version "$tmp/nginx") ]] || die "$suite: the downloaded nginx does not run: $("$tmp/nginx" -v 2>&1 | head -n1)"
  if "$tmp/$lib/$loader" --list --library-path "$tmp/$lib" "$tmp/root/usr/sbin/nginx" | grep -vF "$tmp" | grep -q '=> /'; then
    log "$suite: warning: nginx also loads host libraries; add their packages to PACKAGES"
  fi

  rm -rf "$tmp/apt" "$tmp/debs"
  [[ ! -e $dir ]] || mv "$dir" "$tmp.old"
  mv "$tmp" "$dir"
  rm -rf "$tmp.old"
  tmp=""
}

for suite in "${suites[@]}"; do
  wrapper=$CACHE/$suite/nginx
  if ((refresh)) || [[ -z $( [[ -x $wrapper ]] && version "$wrapper") ]]; then
    fetch "$suite"
  else
    log "$suite: using cached $wrapper"
  fi
  echo "$suite $(version "$wrapper") $wrapper"
done

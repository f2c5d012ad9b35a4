#!/usr/bin/env bash
# Installs what the test suite runs against, on a Debian machine: the packaged nginx and openssl, the
# system CA bundle, the sslscan TLS scanner, Chromium for the browser test, and the cached Debian 13 /
# unstable nginx builds (scripts/nginx-versions.sh). Safe to run again: it only installs what is
# missing. Needs root (or sudo) for apt-get the first time.
set -euo pipefail

missing=()
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v sslscan >/dev/null 2>&1 || missing+=(sslscan)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v certutil >/dev/null 2>&1 || missing+=(libnss3-tools) # trusts the test CA in Chromium's NSS database
# the system CA bundle: upstreams.<name>.tls verifies against it by default, and check confirms it exists
[[ -f /etc/ssl/certs/ca-certificates.crt ]] || missing+=(ca-certificates)

if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "test-deps: installing ${missing[*]} from Debian" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  # the package starts a system nginx on port 80; the tests never use it
  if [[ " ${missing[*]} " == *" nginx "* ]]; then
    $sudo nginx -s quit 2>/dev/null || true
  fi
fi

# nginx 1.26 and 1.30 beside the system's 1.22 (cached in ~/.cache/wssgen/nginx)
bash "$(dirname "$0")/nginx-versions.sh" >&2

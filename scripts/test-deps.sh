#!/usr/bin/env bash
# System tools some tests use: headless Chromium (the HTML report test), CJK fonts (so the
# report's Chinese renders), PostgreSQL server binaries (the store tests start a throwaway
# server), and a Java runtime (the Spark engine's tests start a local Spark).  Installed from Debian's packages where we are root and apt works; otherwise the
# tests that need them skip and say why.  Never fatal.
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || need+=(fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: not root or no apt-get; tests needing ${need[*]} will skip" >&2
  exit 0
fi
echo "test-deps: installing ${need[*]} (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
mkdir -p /usr/share/man/man1  # the JRE's postinst fails on slim images without it
{ apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/tmp/finseg-test-deps.log 2>&1 \
  || echo "test-deps: apt-get failed (see /tmp/finseg-test-deps.log); those tests will skip" >&2
exit 0

#!/usr/bin/env bash
# Run by `npm test` (pretest): the suite drives two real programs from Debian's packages, Chromium
# (the dashboard's browser tests, through playwright-core; never a downloaded browser) and
# clickhouse-server (a throwaway ClickHouse for the ClickHouse trace-store tests). When one is
# missing and apt-get can run (root), it is installed; otherwise this says what to install and the
# tests that need it fail with that message. Quick when both are present.
set -uo pipefail

have_chromium() { [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ] || [ -x /usr/bin/chromium ]; }
have_clickhouse() { [ -x /usr/sbin/clickhouse-server ] || [ -x /usr/bin/clickhouse ] || command -v clickhouse-server >/dev/null 2>&1; }

missing=()
have_chromium || missing+=(chromium)
have_clickhouse || missing+=(clickhouse-server)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test prerequisites: apt-get install ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || echo "test prerequisites: apt-get could not install ${missing[*]}; the tests that need them will fail"
else
  echo "test prerequisites: missing ${missing[*]} (Debian: sudo apt-get install ${missing[*]}); the tests that need them will fail"
fi
exit 0

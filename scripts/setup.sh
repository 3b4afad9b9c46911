#!/usr/bin/env bash
# Installs everything Weft needs on a fresh machine: pnpm, the workspace's
# packages (better-sqlite3 compiles natively), Chromium for browser tests, and
# (as root on Debian, when missing) PostgreSQL and NATS for the store, bus and
# cluster tests, which it starts when they are not running.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

if [ ! -x /usr/bin/chromium ] && [ "${WEFT_SKIP_CHROMIUM:-}" != 1 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests (set WEFT_SKIP_CHROMIUM=1 to skip)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: /usr/bin/chromium is missing; install Chromium to run the browser tests" >&2
  fi
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
  [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} for the store, bus and cluster tests" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
bash scripts/services.sh

if [ "${CI:-}" = true ]; then
  pnpm install --frozen-lockfile
else
  pnpm install
fi

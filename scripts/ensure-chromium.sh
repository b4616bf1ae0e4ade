#!/usr/bin/env bash
# Make sure a Chromium is there for the browser tests.
# Uses Debian's package (/usr/bin/chromium) when it can install it (root + apt-get);
# otherwise the tests fall back to the browser Playwright already has.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "Note: /usr/bin/chromium is missing and cannot be installed here; browser tests use Playwright's own browser if present."

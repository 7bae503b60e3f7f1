#!/bin/sh
# Make sure Debian's chromium is installed for the browser tests. Installs it with apt-get
# when we are root (CI, containers) or have password-less sudo; otherwise says what to do.
# The browser tests skip with a clear message when no Chromium exists, except in CI.
set -eu
for candidate in "${BRIEFING_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "note: Chromium not found; browser tests will be skipped. Install it: sudo apt-get install chromium" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: no apt-get here; install Chromium yourself and set BRIEFING_CHROMIUM=/path/to/chromium" >&2
  exit 0
fi
echo "installing Debian's chromium for the browser tests..." >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

#!/bin/sh
# Make sure Debian's hugo is installed for the benchmark's Hugo anchor (make bench). Installs it
# with apt-get when we are root or have password-less sudo; otherwise the bench skips that
# anchor with a note. Never a download from anywhere else.
set -eu
if command -v hugo >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "note: hugo not found; the bench skips its Hugo anchor. Install it: sudo apt-get install hugo" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: no apt-get here; the bench skips its Hugo anchor" >&2
  exit 0
fi
echo "installing Debian's hugo for the benchmark's Hugo anchor..." >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends hugo >/dev/null \
  || echo "note: could not install hugo; the bench skips its Hugo anchor" >&2

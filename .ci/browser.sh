#!/usr/bin/env bash
# The browser the web app's tests drive: Debian's chromium (Playwright launches it by path;
# no browser is downloaded from anywhere else). Installed when missing; needs root.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium fonts-dejavu-core >/dev/null

#!/usr/bin/env bash
# The browser the web app's tests drive: Debian's chromium (Playwright launches it by path;
# no browser is downloaded from anywhere else), and poppler-utils' pdftoppm, which renders
# the invite pack's PDF for its QR check. Installed when missing; needs root.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium fonts-dejavu-core poppler-utils >/dev/null

#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver for the web page's browser test, only when missing.
set -euo pipefail
exec "$(dirname "$0")/apt-install-missing.sh" chromium chromium-driver

#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver for the web page's browser test, only when missing.
set -euo pipefail
need=()
dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s chromium-driver >/dev/null 2>&1 || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are not installed yet (apt-get update first), with
# sudo when not root. Used by install-deps.sh and install-browser.sh.
set -euo pipefail
need=()
for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

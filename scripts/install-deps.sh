#!/usr/bin/env bash
# Installs the system libraries the engine builds against (Debian/Ubuntu), only when missing.
set -euo pipefail
need=()
dpkg -s libopenblas-dev >/dev/null 2>&1 || need+=(libopenblas-dev)
dpkg -s libpng-dev >/dev/null 2>&1 || need+=(libpng-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev)
dpkg -s libturbojpeg0-dev >/dev/null 2>&1 || need+=(libturbojpeg0-dev)
dpkg -s python3-dev >/dev/null 2>&1 || need+=(python3-dev)
dpkg -s pkg-config >/dev/null 2>&1 || need+=(pkg-config)
dpkg -s binutils >/dev/null 2>&1 || need+=(binutils)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

#!/usr/bin/env bash
# Installs the system libraries the engine builds against (Debian/Ubuntu), only when missing.
set -euo pipefail
exec "$(dirname "$0")/apt-install-missing.sh" libopenblas-dev libpng-dev zlib1g-dev libturbojpeg0-dev python3-dev \
    pkg-config binutils

#!/usr/bin/env bash
# The engine without its FMA kernels (FCDD_SWIFT_PORTABLE=1: as built on a CPU without AVX2/FMA), in scratch
# folders of its own so the default build stays: the release library in .build-portable (its path is the
# last line printed) and, with --tests, the test build in .build-portable-debug. Used by
# scripts/test-kernels.sh --portable and bench/reproducibility.py --portable.
#
#   scripts/build-portable.sh [--tests]
set -euo pipefail
cd "$(dirname "$0")/.."
FCDD_SWIFT_PORTABLE=1 swift build -c release --product fcdd --scratch-path .build-portable >&2
if [ "${1:-}" = "--tests" ]; then
    FCDD_SWIFT_PORTABLE=1 swift build --build-tests --scratch-path .build-portable-debug >&2
fi
echo "$PWD/.build-portable/release/libfcdd.so"

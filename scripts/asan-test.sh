#!/usr/bin/env bash
# The Swift test suite under AddressSanitizer (a separate build folder, .build-asan): every test, the
# readers' corrupt-file tests included, must pass without a memory error. Slower than `swift test` (16
# minutes on 2 cores against 7), so it is not part of scripts/test.sh; run it after changing a reader or
# a kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=enable=no
# LeakSanitizer reports XCTest's own registry on Linux (a test case object and its name per test, held to
# the end); the engine's allocations are leak-checked by the fuzz harnesses instead.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
swift build --build-tests --scratch-path .build-asan --sanitize=address
swift test --skip-build --scratch-path .build-asan --sanitize=address 2>&1 | grep -vE "^Test Case .* (started|passed)"

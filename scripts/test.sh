#!/usr/bin/env bash
# The test command of the README: system packages, the Python package (which builds the release
# library), the Swift test suite, a short fuzzing run of every reader and the Python test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# The web page's test drives Debian's chromium through chromium-driver; where they cannot be installed
# (no apt, no root), that one test skips and says why.
./scripts/install-browser.sh || echo "chromium could not be installed: the browser test of the web page will skip"
# Ray (with Tune and Serve), ONNX and serving are optional for users; CI installs them so the scale-out,
# export and serving tests run, selenium for the web page's test, and nbclient with ipykernel to execute
# examples/quickstart.ipynb.
python3 -m pip install --quiet ".[ray,onnx,serve]" pytest scikit-learn tqdm nbclient nbformat ipykernel selenium
swift build --build-tests
log=$(mktemp)
set +e
swift test --skip-build >"$log" 2>&1
status=$?
set -e
# Failures in full, passing cases only counted; the closing summary lines stay visible.
grep -vE "^Test Case .* (started|passed)" "$log" || true
rm -f "$log"
if [ "$status" -ne 0 ]; then echo "swift test failed (exit $status)"; exit "$status"; fi
# A short fuzzing run of every reader (AddressSanitizer, libFuzzer); scripts/fuzz.sh 600 for a long one.
./scripts/fuzz.sh "${FCDD_FUZZ_SECONDS:-5}"
cd python && python3 -m pytest -q tests
# Figures that training produces move with the CPU's float rounding (docs/reproducibility.md): the tests that
# check them run again on OpenBLAS's generic x86-64 kernel, which every x86-64 CPU runs, so that a green
# suite here is not one CPU's luck. scripts/test-kernels.sh runs the whole suite on every kernel.
if [ "$(uname -m)" = x86_64 ]; then
    echo "the tests of learned figures again, with OPENBLAS_CORETYPE=Prescott:"
    OPENBLAS_CORETYPE=Prescott python3 -m pytest -q -m learned_figures tests
fi

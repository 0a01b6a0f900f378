#!/usr/bin/env bash
# The test suite on every OpenBLAS kernel this machine can run: the figures a test checks must hold on any
# CPU the suite may meet, not only on the one it was written on. Runs `swift test` and pytest once per
# kernel group (kernels that give bit-identical results here count once; scripts/blas_kernels.py finds
# them), with OPENBLAS_CORETYPE forcing the kernel, and with --portable both again on the engine built
# without its FMA kernels (FCDD_SWIFT_PORTABLE=1, as on a CPU without AVX2/FMA). A developer's script, not
# CI's: each kernel takes as long as the suite (about 20 minutes on 2 cores, twice that with --portable).
#
#   scripts/test-kernels.sh                      # every kernel group
#   scripts/test-kernels.sh Haswell Prescott     # these kernels
#   scripts/test-kernels.sh --portable Haswell   # and the engine without FMA kernels
#
# Logs go to test-kernels-logs/ (or $FCDD_KERNEL_LOGS); the last lines say which runs failed, and
# scripts/learned_figures.py tabulates the figures that training produced in each run.
set -uo pipefail
cd "$(dirname "$0")/.."
portable=0
if [ "${1:-}" = "--portable" ]; then portable=1; shift; fi
kernels=("$@")
if [ ${#kernels[@]} -eq 0 ]; then
    mapfile -t kernels < <(python3 scripts/blas_kernels.py --groups)
fi
logs="${FCDD_KERNEL_LOGS:-test-kernels-logs}"
mkdir -p "$logs"
logs="$(cd "$logs" && pwd)"
swift build --build-tests >/dev/null || { echo "swift build --build-tests failed"; exit 1; }
# Pairs of (label suffix, Swift scratch folder of the tests, library for pytest): the default build, and
# with --portable the one without FMA kernels, in folders of their own (Package.swift reads the variable).
builds=("|.build|")
if [ "$portable" -eq 1 ]; then
    portable_library="$(scripts/build-portable.sh --tests 2>/dev/null | tail -1)" \
        || { echo "the portable build failed (scripts/build-portable.sh --tests)"; exit 1; }
    builds+=("-portable|.build-portable-debug|$portable_library")
fi
failed=()
for kernel in "${kernels[@]}"; do
    for build in "${builds[@]}"; do
        IFS="|" read -r suffix scratch library <<<"$build"
        label="$kernel$suffix"
        start=$(date +%s)
        if OPENBLAS_CORETYPE="$kernel" FCDD_SWIFT_PORTABLE="${suffix:+1}" swift test --skip-build --scratch-path "$scratch" >"$logs/$label-swift.log" 2>&1; then
            echo "$label: swift test passed ($(( $(date +%s) - start )) s)"
        else
            echo "$label: swift test FAILED (see $logs/$label-swift.log)"; failed+=("$label swift")
        fi
        start=$(date +%s)
        if (cd python && OPENBLAS_CORETYPE="$kernel" FCDD_SWIFT_LIBRARY="$library" \
                python3 -m pytest -q -p no:cacheprovider -o junit_family=xunit1 --junitxml="$logs/$label-pytest.xml" tests) >"$logs/$label-pytest.log" 2>&1; then
            echo "$label: pytest $(tail -1 "$logs/$label-pytest.log") ($(( $(date +%s) - start )) s)"
        else
            echo "$label: pytest FAILED: $(tail -1 "$logs/$label-pytest.log") (see $logs/$label-pytest.log)"
            failed+=("$label pytest")
        fi
    done
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed on: ${failed[*]}"
    exit 1
fi
echo "the suite passed on every kernel: ${kernels[*]}"

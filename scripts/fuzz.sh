#!/usr/bin/env bash
# Fuzzes every reader of outside data with libFuzzer under AddressSanitizer (Fuzz/Harnesses, one per
# reader), each for SECONDS (default 60), starting from the committed seeds in Fuzz/Corpus/<harness>.
#
#   scripts/fuzz.sh               # every harness, 60 s each
#   scripts/fuzz.sh 5             # CI's short run
#   scripts/fuzz.sh 600 FuzzPNG   # one harness, 10 minutes
#
# An input that crashes a harness (a trap, a memory error, a leak, more than 2 GB allocated at once, more
# than 20 s for one input) is written to Fuzz/Crashes/<harness>-*, the script fails, and the input belongs
# in Tests/FCDDCoreTests/Fixtures/fuzz-regressions/<harness>/ once fixed (FuzzRegressionTests runs them).
# New inputs the fuzzer finds go to a temporary folder, so the committed seeds stay small. Prints a table
# of inputs run per harness.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
all=($(ls Fuzz/Harnesses))            # one folder per harness
harnesses=("${@:-${all[@]}}")

export FCDD_SWIFT_FUZZ=1            # Package.swift adds the harness targets
export SWIFT_BACKTRACE=enable=no    # let the sanitizer report, not Swift's backtracer
# SwiftPM names an executable's entry point <target>_main; lld (not gold) links libFuzzer's driver with it.
swift build --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
    -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld 2>&1 | grep -vE "Cannot export local symbol|^\[" || true
bin=.build-fuzz/debug
mkdir -p Fuzz/Crashes
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=0
printf "| harness | seconds | inputs run | crashes |\n|---|---|---|---|\n" > "$work/table"
for harness in "${harnesses[@]}"; do
    [ -x "$bin/$harness" ] || { echo "no harness $harness (build failed?)"; exit 1; }
    mkdir -p "$work/$harness"
    log="$work/$harness.log"
    set +e
    "$bin/$harness" "$work/$harness" "Fuzz/Corpus/$harness" -max_total_time="$seconds" -timeout=20 \
        -rss_limit_mb=4096 -malloc_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="Fuzz/Crashes/$harness-" >"$log" 2>&1
    status=$?
    set -e
    runs=$(grep -oE "stat::number_of_executed_units: [0-9]+" "$log" | grep -oE "[0-9]+$" || echo 0)
    crashes=0
    if [ "$status" -ne 0 ]; then
        crashes=1; failed=1
        echo "== $harness found a crash:"; grep -vE "^#[0-9]+|^INFO" "$log" | head -40
    fi
    printf "| %s | %s | %s | %s |\n" "$harness" "$seconds" "$runs" "$crashes" >> "$work/table"
    echo "$harness: $runs inputs, exit $status"
done
cat "$work/table"
exit "$failed"

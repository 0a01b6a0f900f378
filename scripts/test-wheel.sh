#!/usr/bin/env bash
# Installs the wheel of scripts/build-wheel.sh the way a user without the toolchain would and runs it:
# a fresh venv, PATH without swift, LD_LIBRARY_PATH empty, `pip install` of the wheel (numpy comes from
# PyPI), then the main job (`fcdd-swift train`, shortened to 2 epochs), a scoring round trip through a
# saved model, and ldd of the installed library: every library beyond the manylinux baseline must
# resolve inside the wheel's fcdd_swift.libs, none from the system.
#
#     scripts/build-wheel.sh && scripts/test-wheel.sh        # or: scripts/test-wheel.sh path/to/wheel.whl
set -euo pipefail
cd "$(dirname "$0")/.."
wheel=$(realpath "${1:-$(ls dist/fcdd_swift-*manylinux*.whl | tail -1)}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
# A user's shell: the venv, the system's bin folders, no Swift toolchain, no library path.
run() { env -i HOME="$work" PATH="$work/venv/bin:/usr/bin:/bin" LD_LIBRARY_PATH= LANG=C.UTF-8 "$@"; }
run pip install --quiet "$wheel"
if run sh -c 'command -v swift' >/dev/null; then echo "swift is on the test's PATH" >&2; exit 1; fi

echo "== the main job, 2 epochs"
(cd "$work" && run fcdd-swift train --epochs 2 --logdir "$work/runs")

echo "== a scoring round trip"
(cd "$work" && run python - <<'PY'
import numpy as np
import fcdd_swift as fs
rng = np.random.default_rng(0)
X = rng.integers(0, 256, (32, 28, 28), dtype=np.uint8)
det = fs.FCDD(net="FCDD_CNN28", epochs=2, seed=0, verbose=0).fit(X)
det.save("model.fcdd")
scores, maps = fs.FCDD.load("model.fcdd").score_and_map(X[:4])
assert np.array_equal(scores, det.decision_function(X[:4])) and maps.shape == (4, 28, 28), (scores, maps.shape)
print("scores", scores.round(4), "maps", maps.shape, "library", fs.info()["library"], "OpenBLAS", fs.info()["blas_core"])
PY
)

echo "== ldd of the installed library"
library=$(run python -c 'import fcdd_swift as fs; print(fs.info()["library"])')
libs_dir=$(dirname "$library")/../fcdd_swift.libs
run ldd "$library"
# The manylinux baseline (glibc, libstdc++, libgcc_s, zlib, ...) comes from the system; everything
# else must come from the wheel.
baseline='^(linux-vdso|/lib64/ld-linux|ld-linux|libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so|libstdc\+\+\.so|libgcc_s\.so|libz\.so)'
outside=$(run ldd "$library" | awk '{print $1, $3}' | grep -Ev "$baseline" | grep -v "$(realpath "$libs_dir")" \
          | grep -v "fcdd_swift.libs" || true)
if [ -n "$outside" ]; then echo "libraries from outside the wheel: $outside" >&2; exit 1; fi
if run ldd "$library" | grep -q "not found"; then echo "unresolved libraries" >&2; exit 1; fi
echo "every library beyond the manylinux baseline resolves inside the wheel: $(ls "$libs_dir" | tr '\n' ' ')"
echo "wheel test passed: $wheel"

"""Finds and loads libfcdd.so, choosing the OpenBLAS kernel first.

Debian's OpenBLAS 0.3.21 does not recognise recent CPUs and silently falls back to its generic
"Prescott" kernel, several times slower than the AVX2/AVX-512 kernels. OpenBLAS reads
OPENBLAS_CORETYPE once, when it is loaded, so it is set here before the library loads, from the CPU's
flags, unless the user has set it.
"""
import ctypes
import os

ENV_LIBRARY = "FCDD_SWIFT_LIBRARY"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_REPO_DIR = os.path.dirname(os.path.dirname(_PACKAGE_DIR))

LIBRARY_PATH = None          # the path the library was loaded from
CORETYPE_SOURCE = "unset"    # "user", "auto" or "unset"


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_coretype(flags):
    """The OpenBLAS core type for a set of CPU flags, or None to let OpenBLAS decide."""
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"} <= flags:
        return "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return None


def _select_blas_kernel():
    global CORETYPE_SOURCE
    if os.environ.get("OPENBLAS_CORETYPE"):
        CORETYPE_SOURCE = "user"
        return
    core = choose_coretype(_cpu_flags())
    if core:
        os.environ["OPENBLAS_CORETYPE"] = core
        CORETYPE_SOURCE = "auto"


def candidate_paths():
    """Where the library is looked for, in order."""
    override = os.environ.get(ENV_LIBRARY)
    if override:
        return [override]
    return [os.path.join(_PACKAGE_DIR, "libfcdd.so"),
            os.path.join(_REPO_DIR, ".build-release", "release", "libfcdd.so"),
            os.path.join(_REPO_DIR, ".build", "release", "libfcdd.so")]


def load():
    """Loads the shared library; raises ImportError naming every path tried."""
    global LIBRARY_PATH
    _select_blas_kernel()
    tried = []
    for path in candidate_paths():
        if not os.path.exists(path):
            tried.append(f"  {path}: not found")
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append(f"  {path}: {e}")
            continue
        LIBRARY_PATH = path
        return lib
    raise ImportError(
        "fcdd_swift could not load its native library libfcdd.so. Tried:\n" + "\n".join(tried) +
        f"\nBuild and install it with `pip install .` from the fcdd-swift repository root, or build it with "
        f"`swift build -c release --product fcdd --scratch-path .build-release` and point {ENV_LIBRARY} at "
        f"the resulting libfcdd.so.")

"""Finds and loads libfcdd.so, after choosing the OpenBLAS kernel.

Search order: ``$FCDD_SWIFT_LIBRARY`` if set (and nothing else), else ``libfcdd.so`` in this package folder,
then, in a source checkout, ``<repo>/.build-release/release/libfcdd.so`` and ``<repo>/.build/release/libfcdd.so``.

Why the kernel choice: Debian 12's OpenBLAS 0.3.21 does not recognise recent CPUs and silently falls back to
its generic "Prescott" kernel, several times slower than its AVX2/AVX-512 kernels. OpenBLAS reads
``OPENBLAS_CORETYPE`` once, when it is loaded (as a dependency of libfcdd.so), so the variable is set here,
before that, from the CPU's flags, unless the user has set it.
"""
import ctypes
import os

ENV_LIBRARY = "FCDD_SWIFT_LIBRARY"
ENV_CORETYPE = "OPENBLAS_CORETYPE"
LIBRARY_NAME = "libfcdd.so"

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_REPO_DIR = os.path.dirname(os.path.dirname(_PACKAGE_DIR))  # <repo>/python/fcdd_swift -> <repo>

BUILD_HINT = ("Build it with `pip install .` from the fcdd-swift repository root (this builds the Swift engine "
              "and installs it inside the package), or in a checkout with "
              "`swift build -c release --product fcdd --scratch-path .build-release`; "
              f"{ENV_LIBRARY}=/path/to/{LIBRARY_NAME} selects a library explicitly.")

LIBRARY_PATH = None       # absolute path of the loaded library, set by load()
CORETYPE_SOURCE = "unset"  # where OPENBLAS_CORETYPE came from: "user", "auto" or "unset"
CORETYPE_ENV = None        # value of OPENBLAS_CORETYPE when the library was loaded (None if unset)

# AVX-512 subsets that OpenBLAS's SkylakeX kernels use; AVX2 + FMA for Haswell.
_SKYLAKEX_FLAGS = frozenset({"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"})
_HASWELL_FLAGS = frozenset({"avx2", "fma"})


def cpu_flags(path="/proc/cpuinfo"):
    """The CPU feature flags of the first processor in /proc/cpuinfo (empty if unreadable)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def choose_coretype(flags):
    """The OpenBLAS core type for a set of CPU flags: "SkylakeX", "Haswell", or None (let OpenBLAS decide)."""
    flags = set(flags)
    if _SKYLAKEX_FLAGS <= flags:
        return "SkylakeX"
    if _HASWELL_FLAGS <= flags:
        return "Haswell"
    return None


def select_blas_kernel(environ=os.environ, flags=None):
    """Sets OPENBLAS_CORETYPE in `environ` from the CPU flags unless already set; returns (source, value)."""
    if environ.get(ENV_CORETYPE):
        return "user", environ[ENV_CORETYPE]
    core = choose_coretype(cpu_flags() if flags is None else flags)
    if core is None:
        return "unset", None
    environ[ENV_CORETYPE] = core
    return "auto", core


def candidate_paths():
    """The paths where the library is looked for, in order."""
    override = os.environ.get(ENV_LIBRARY)
    if override:
        return [override]
    paths = [os.path.join(_PACKAGE_DIR, LIBRARY_NAME)]
    if os.path.isfile(os.path.join(_REPO_DIR, "Package.swift")):  # running from a source checkout
        paths += [os.path.join(_REPO_DIR, ".build-release", "release", LIBRARY_NAME),
                  os.path.join(_REPO_DIR, ".build", "release", LIBRARY_NAME)]
    return paths


def load():
    """Loads the library (once per process); raises ImportError naming every path tried and its OSError."""
    global LIBRARY_PATH, CORETYPE_SOURCE, CORETYPE_ENV
    CORETYPE_SOURCE, CORETYPE_ENV = select_blas_kernel()
    tried = []
    for path in candidate_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append(f"  {path}: {e}")
            continue
        LIBRARY_PATH = os.path.abspath(path)
        return lib
    raise ImportError(f"fcdd_swift could not load its native library {LIBRARY_NAME}. Tried:\n"
                      + "\n".join(tried) + "\n" + BUILD_HINT)

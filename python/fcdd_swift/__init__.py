"""fcdd_swift: FCDD (Fully Convolutional Data Description; Liznerski et al., "Explainable Deep One-Class
Classification", ICLR 2021) on a native Swift engine, driven with numpy arrays.

Two layers, as in llama-cpp-python: `_lib` declares the C ABI of libfcdd.so (fcdd.h) for ctypes; `Network`,
`optim.SGD`/`optim.Adam` and the functions here own the handles, validate arguments and raise the
exceptions of `errors`. Arrays are float32 NCHW (N, C, H, W).

    >>> import fcdd_swift as fs
    >>> det = fs.FCDD(epochs=20).fit(X_train)                  # X: (N, H, W[, C]) uint8 images
    >>> scores, maps = det.decision_function(X), det.anomaly_map(X)
    >>> net = fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), seed=0)
    >>> loss, grads = net.loss_and_grad(x, labels=labels)      # x: (N, 1, 28, 28)
    >>> scores, maps = net.scores(x), net.heatmaps(x)
"""

import ctypes

import numpy as np

from . import _lib, _loader, _validate  # _lib loads the library (after choosing the OpenBLAS kernel)
from ._lib import check, f32ptr, lib
from .errors import (FCDDError, FCDDFileExistsError, FCDDIOError, FCDDMemoryError, FormatError, InvalidArgumentError, NotFittedError,
                     NotFoundError, ShapeError, StateError)
from .network import Network
from . import optim
from .safetensors import load_safetensors, save_safetensors
from .torch_checkpoint import load_torch_checkpoint
from .images import decode_image, encode_png, read_image, write_png
from .experiment import run_experiment, run_prediction
from . import settings
from .settings import settings_schema
from .detector import FCDD
from .detector.overlay import overlay
from .guide import guide, guide_path

__version__ = lib.fcdd_version().decode()


def info():
    """Facts about the runtime.

    Returns
    -------
    dict
        From the engine: ``version``, ``blas_core`` (the OpenBLAS kernel in use), ``blas_config``, ``threads``,
        ``vector_code`` ("avx2-fma" when the library was built on and for a CPU with AVX2 and FMA, else
        "baseline"; see docs/speed.md) and whatever else it reports. From the loader: ``blas_coretype_env`` (OPENBLAS_CORETYPE when the
        library was loaded, or None), ``blas_coretype_source`` ("user": set by you, "auto": chosen from the
        CPU flags by this package, "unset"), and ``library`` (the path of libfcdd.so).
    """
    d = _lib.read_json(lib.fcdd_info)
    d["blas_coretype_env"] = _loader.CORETYPE_ENV
    d["blas_coretype_source"] = _loader.CORETYPE_SOURCE
    d["library"] = _loader.LIBRARY_PATH
    return d


def set_num_threads(n):
    """Sets the default number of engine worker threads (1-1024) of every detector and run that has no
    ``threads`` of its own; OpenBLAS runs single-threaded inside them. Detectors and runs that name a
    count keep it: the setting is never shared between them."""
    # The range of the `threads` setting of fs.FCDD and `fcdd-swift train`, from the schema.
    n = settings.check_threads(n)
    check(lib.fcdd_set_num_threads(n))


LIMITS = ("max_image_pixels",)


def get_limits():
    """The engine's limits on what outside data may make it allocate, as a dict (see `set_limits`)."""
    out = {}
    for name in LIMITS:
        value = ctypes.c_int64()
        check(lib.fcdd_get_limit(name.encode(), ctypes.byref(value)))
        out[name] = value.value
    return out


def set_limits(max_image_pixels=None):
    """Sets limits of this process's engine and returns the previous ones (a dict for ``set_limits(**old)``).

    Parameters
    ----------
    max_image_pixels : int, optional
        The most pixels (height x width) a decoded image file, an image array or a model's input may have
        (default 178,956,970, PIL's decompression-bomb limit; the environment variable
        FCDD_SWIFT_MAX_IMAGE_PIXELS sets it for new processes, e.g. Ray workers). Larger images are refused
        with a FormatError that names the limit before any memory is allocated for them.
    """
    previous = get_limits()
    if max_image_pixels is not None:
        check(lib.fcdd_set_limit(b"max_image_pixels",
                                 _validate.integer(max_image_pixels, "max_image_pixels", 1, 2 ** 62)))
    return previous


def sgemm_gflops(m=1024, n=1024, k=1024, threads=None, seconds=1.0):
    """GFLOP/s of `threads` single-threaded float32 matrix products side by side (None: the engine's thread
    count): the matrix-multiply limit the engine's convolutions are measured against (bench/bench.py)."""
    threads = info()["threads"] if threads is None else settings.check_threads(threads)
    sizes = [_validate.integer(v, name, 1, 16384) for v, name in ((m, "m"), (n, "n"), (k, "k"))]
    out = ctypes.c_double()
    check(lib.fcdd_sgemm_gflops(*sizes, threads, _validate.real(seconds, "seconds", 0.0), ctypes.byref(out)))
    return out.value


def network_names():
    """Names of all networks the engine builds (list of str)."""
    return _lib.read_json(lib.fcdd_network_names)


def receptive_upsample(maps, j, r, s, out_side, std=None):
    """Gaussian receptive-field upsampling of low-resolution score maps (FCDD paper, section 3).

    Parameters
    ----------
    maps : array (N, 1, n, n)
    j, r, s : receptive field of an output pixel: jump (stride product) j, size r, centre offset s
    out_side : int
        Side of the output maps (the input image side).
    std : float or None
        Std of the Gaussian kernel; None for the default derived from r.

    Returns
    -------
    ndarray (N, 1, out_side, out_side), float32
    """
    arr = _validate.as_float32(maps, "maps")
    if arr.ndim != 4 or arr.shape[0] < 1 or arr.shape[1] != 1 or arr.shape[2] != arr.shape[3]:
        raise ShapeError(f"maps must have shape (N, 1, n, n) with N >= 1; got {arr.shape}")
    _validate.finite(arr, "maps")
    j = _validate.integer(j, "j", 1, 2 ** 31 - 1)
    r = _validate.integer(r, "r", 1, 2 ** 31 - 1)
    s = _validate.real(s, "s", minimum=0.0)
    out_side = _validate.integer(out_side, "out_side", 1, 2 ** 31 - 1)
    std = _validate.positive_or_default(std, "std")
    out = np.empty((arr.shape[0], 1, out_side, out_side), np.float32)
    check(lib.fcdd_receptive_upsample(f32ptr(arr), arr.shape[0], arr.shape[2], j, r, s, out_side, std, f32ptr(out)))
    return out


__all__ = ["FCDD", "overlay", "Network", "optim", "load_safetensors", "save_safetensors", "load_torch_checkpoint",
           "read_image", "decode_image", "write_png", "encode_png", "run_experiment", "run_prediction", "settings_schema", "info", "set_num_threads", "get_limits", "set_limits", "sgemm_gflops",
           "network_names", "receptive_upsample", "FCDDError", "InvalidArgumentError", "ShapeError",
           "NotFoundError", "NotFittedError", "FCDDIOError", "FCDDMemoryError", "FCDDFileExistsError", "FormatError", "StateError", "__version__"]

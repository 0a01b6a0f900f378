"""fcdd_swift: FCDD (Fully Convolutional Data Description, Liznerski et al., ICLR 2021) on a native
Swift engine. See `Network`, `optim`, `load_safetensors`/`save_safetensors` and `info()`."""
import ctypes

import numpy as np

from . import _lib, _loader, _validate, optim
from ._lib import check, lib
from .errors import (FCDDError, FCDDIOError, FormatError, InvalidArgumentError, NotFoundError, ShapeError,
                     StateError)
from .network import Network
from .safetensors import load_safetensors, save_safetensors

__version__ = lib.fcdd_version().decode()


def info():
    """Runtime facts: version, OpenBLAS core and config, engine threads, and where the OpenBLAS core
    type came from ("auto": chosen from the CPU flags, "user": OPENBLAS_CORETYPE was set, "unset")."""
    d = _lib.json_text(lib.fcdd_info)
    d["blas_coretype_source"] = _loader.CORETYPE_SOURCE
    d["library"] = _loader.LIBRARY_PATH
    return d


def set_num_threads(n):
    """Number of threads the engine (and OpenBLAS) use."""
    check(lib.fcdd_set_num_threads(int(n)))


def network_names():
    """Names of all networks of the original that the engine builds."""
    return _lib.json_text(lib.fcdd_network_names)


def receptive_upsample(maps, j, r, s, out_side, std=None):
    """Gaussian receptive-field upsampling of (N, 1, n, n) score maps to (N, 1, out_side, out_side)."""
    arr = _validate.as_float32(maps, "maps")
    if arr.ndim != 4 or arr.shape[1] != 1 or arr.shape[2] != arr.shape[3] or arr.shape[0] < 1:
        raise ShapeError(f"maps must have shape (N, 1, n, n), got {arr.shape}")
    _validate.finite(arr, "maps")
    out = np.empty((arr.shape[0], 1, int(out_side), int(out_side)), np.float32)
    check(lib.fcdd_receptive_upsample(_lib.f32ptr(arr), arr.shape[0], arr.shape[2], int(j), int(r), float(s),
                                      int(out_side), _validate.gauss_std(std), _lib.f32ptr(out)))
    return out


__all__ = ["Network", "optim", "load_safetensors", "save_safetensors", "info", "set_num_threads",
           "network_names", "receptive_upsample", "FCDDError", "InvalidArgumentError", "ShapeError",
           "NotFoundError", "FCDDIOError", "FormatError", "StateError", "__version__"]

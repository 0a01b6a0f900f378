"""Reading and writing safetensors files (the format of PyTorch weights on the Hugging Face hub)
through the engine's own reader/writer, so both sides agree on every validation rule."""
import ctypes
import json

import numpy as np

from . import _lib
from ._lib import check, encode, lib
from .errors import InvalidArgumentError

_NUMPY = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32,
          "I16": np.int16, "I8": np.int8, "U8": np.uint8, "U16": np.uint16, "U32": np.uint32,
          "U64": np.uint64, "BOOL": np.bool_}
_DTYPE = {np.dtype(v): k for k, v in _NUMPY.items()}


class _File:
    def __init__(self, opener):
        self.handle = ctypes.c_void_p()
        check(opener(ctypes.byref(self.handle)))

    def __enter__(self):
        return self.handle

    def __exit__(self, *exc):
        lib.fcdd_tensor_file_free(self.handle)


def load_safetensors(path, with_metadata=False):
    """All tensors of a safetensors file as numpy arrays (dtypes kept; BF16 becomes float32).
    With ``with_metadata=True`` returns ``(tensors, metadata)``."""
    with _File(lambda out: lib.fcdd_tensor_file_open(encode(str(path)), out)) as h:
        d = _lib.json_text(lib.fcdd_tensor_file_describe, h)
        tensors = {}
        for t in d["tensors"]:
            raw = np.empty(t["nbytes"], np.uint8)
            check(lib.fcdd_tensor_file_read(h, encode(t["name"]), raw.ctypes.data_as(ctypes.c_void_p), raw.size))
            if t["dtype"] == "BF16":
                arr = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                arr = raw.view(np.dtype(_NUMPY[t["dtype"]]).newbyteorder("<"))
            tensors[t["name"]] = arr.reshape(t["shape"]).astype(arr.dtype.newbyteorder("="))
    return (tensors, d["metadata"]) if with_metadata else tensors


def save_safetensors(path, tensors, metadata=None):
    """Writes numpy arrays (float16/32/64, ints, bool) as a safetensors file, atomically."""
    with _File(lib.fcdd_tensor_file_create) as h:
        for name, value in tensors.items():
            arr = np.asarray(value)
            if arr.dtype not in _DTYPE:
                raise InvalidArgumentError(f"'{name}': dtype {arr.dtype} cannot be stored in safetensors")
            arr = arr.astype(arr.dtype.newbyteorder("<"), order="C")  # keeps 0-d arrays 0-d
            shape = (ctypes.c_int64 * max(arr.ndim, 1))(*arr.shape)
            check(lib.fcdd_tensor_file_add(h, encode(str(name)), encode(_DTYPE[np.dtype(arr.dtype.newbyteorder("="))]),
                                           shape, arr.ndim, arr.ctypes.data_as(ctypes.c_void_p), arr.nbytes))
        for key, value in (metadata or {}).items():
            check(lib.fcdd_tensor_file_set_metadata(h, encode(str(key)), encode(str(value))))
        check(lib.fcdd_tensor_file_write(h, encode(str(path))))

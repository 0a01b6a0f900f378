"""safetensors files (the format of PyTorch weights on the Hugging Face hub) read and written through the
engine's own reader and writer, so Python and the engine agree on every validation rule.

Format: 8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}} with an
optional "__metadata__" of strings, then the raw little-endian data.
"""
import ctypes
from collections.abc import Mapping

import numpy as np

from ._handle import NativeHandle
from ._lib import check, cpath, cstr, lib, read_json
from .errors import FormatError, InvalidArgumentError

# safetensors dtype -> numpy dtype (little endian, as stored). BF16 has no numpy dtype: see _decode.
_NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
          "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}
_SAFETENSORS = {np.dtype(v).newbyteorder("="): k for k, v in _NUMPY.items()}


class _TensorFile(NativeHandle):
    _free = lib.fcdd_tensor_file_free
    _kind = "tensor file"


def _decode(raw, dtype, shape, name):
    """A native-order numpy array from the raw little-endian bytes of one entry."""
    if dtype == "BF16":
        # bfloat16 is the upper half of a float32: widening is exact.
        arr = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
    elif dtype in _NUMPY:
        arr = raw.view(_NUMPY[dtype]).astype(np.dtype(_NUMPY[dtype]).newbyteorder("="), copy=False)
    else:
        raise FormatError(f"'{name}': dtype {dtype} is not supported by fcdd_swift")
    return arr.reshape(shape)


def load_safetensors(path, with_metadata=False):
    """Reads every tensor of a safetensors file.

    Parameters
    ----------
    path : str or os.PathLike
    with_metadata : bool
        Also return the file's ``__metadata__`` (dict of str to str).

    Returns
    -------
    dict of str to ndarray, or (dict, dict) with `with_metadata`
        dtypes are kept (F16 as float16, I64 as int64, BOOL as bool, ...); BF16, which numpy lacks, becomes
        float32 (exactly).

    Raises
    ------
    FCDDIOError
        the file cannot be read (e.g. it does not exist).
    FormatError
        the file is malformed or truncated.
    """
    tensors, metadata = read_tensor_file(lib.fcdd_tensor_file_open, path)
    return (tensors, metadata) if with_metadata else tensors


def load_safetensors_bytes(data, source="<bytes>", with_metadata=False):
    """`load_safetensors` for the bytes of a safetensors file in memory; `source` names them in messages."""
    data = bytes(data)
    name = str(source).encode("utf-8", "replace")
    tensors, metadata = read_tensor_file(lambda _, out: lib.fcdd_tensor_file_open_bytes(data, len(data), name, out), None)
    return (tensors, metadata) if with_metadata else tensors


def read_tensor_file(open_fn, path):
    """Every entry of the tensor file that ``open_fn(path, &handle)`` opens (a safetensors file, a PyTorch
    checkpoint), as (dict of name to ndarray in file order, metadata dict)."""
    with _TensorFile() as f:
        check(open_fn(None if path is None else cpath(path), ctypes.byref(f._ptr)))
        with f._use() as h:
            d = read_json(lib.fcdd_tensor_file_describe, h)
            tensors = {}
            for t in d["tensors"]:
                raw = np.empty(t["nbytes"], np.uint8)
                check(lib.fcdd_tensor_file_read(h, cstr(t["name"]), raw.ctypes.data_as(ctypes.c_void_p), raw.size))
                tensors[t["name"]] = _decode(raw, t["dtype"], t["shape"], t["name"])
    return tensors, d["metadata"]


def save_safetensors(path, tensors, metadata=None):
    """Writes numpy arrays to a safetensors file, atomically (a temporary file, then a rename).

    Parameters
    ----------
    path : str or os.PathLike
    tensors : dict of str to array
        float16/32/64, signed and unsigned integers, bool; any shape including 0-d.
    metadata : dict of str to str, optional
        Stored as ``__metadata__``.
    """
    if not isinstance(tensors, Mapping):
        raise InvalidArgumentError(f"tensors must be a dict of arrays; got {type(tensors).__name__}")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise InvalidArgumentError(f"metadata must be a dict of str to str; got {type(metadata).__name__}")
    entries = []
    for name, value in tensors.items():
        if not isinstance(name, str):
            raise InvalidArgumentError(f"tensor names must be strings; got {name!r}")
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError) as e:
            raise InvalidArgumentError(f"'{name}' is not an array: {e}") from None
        kind = _SAFETENSORS.get(arr.dtype.newbyteorder("="))
        if kind is None:
            raise InvalidArgumentError(f"'{name}': dtype {arr.dtype} cannot be stored in safetensors")
        # Little-endian, C order; a copy only when needed. (np.ascontiguousarray would make 0-d arrays 1-d.)
        arr = np.asarray(arr, dtype=arr.dtype.newbyteorder("<") if arr.dtype.itemsize > 1 else arr.dtype, order="C")
        entries.append((name, kind, arr))
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise InvalidArgumentError(f"metadata must map str to str; got {key!r}: {value!r}")
    with _TensorFile() as f:
        check(lib.fcdd_tensor_file_create(ctypes.byref(f._ptr)))
        with f._use() as h:
            for name, kind, arr in entries:
                shape = (ctypes.c_int64 * arr.ndim)(*arr.shape) if arr.ndim else None
                check(lib.fcdd_tensor_file_add(h, cstr(name), cstr(kind), shape, arr.ndim,
                                               arr.ctypes.data_as(ctypes.c_void_p), arr.nbytes))
            for key, value in (metadata or {}).items():
                check(lib.fcdd_tensor_file_set_metadata(h, cstr(key), cstr(value)))
            check(lib.fcdd_tensor_file_write(h, cpath(path)))


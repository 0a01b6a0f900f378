"""Images through the engine's codecs: `read_image` and `decode_image` (PNG or JPEG, by content, from a file or
from bytes), `write_png` and `encode_png`."""
import os
import ctypes
from ctypes import byref, c_int32, c_int64

import numpy as np

from . import _lib
from ._lib import check
from .errors import InvalidArgumentError

__all__ = ["read_image", "decode_image", "write_png", "encode_png"]


def read_image(path):
    """The image at `path` as uint8, (H, W) for gray or (H, W, 3) for colour (alpha dropped)."""
    path = os.fspath(path)
    c, h, w = c_int32(), c_int32(), c_int32()
    check(_lib.lib.fcdd_image_read(path.encode(), byref(c), byref(h), byref(w), None, 0))
    out = np.empty((h.value, w.value, c.value), np.uint8)
    check(_lib.lib.fcdd_image_read(path.encode(), byref(c), byref(h), byref(w), out.ctypes.data, out.nbytes))
    return out[:, :, 0] if c.value == 1 else out


def decode_image(data, source="<bytes>", channels=None):
    """PNG or JPEG bytes (e.g. an upload) as uint8, (H, W) or (H, W, 3), with `read_image`'s checks and
    limits; `source` names the data in error messages. `channels` 1 or 3 converts as the datasets do (RGB to
    gray is PIL's ``convert("L")``); None keeps the file's."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidArgumentError(f"decode_image needs bytes, got {type(data).__name__}")
    if channels not in (None, 1, 3):
        raise InvalidArgumentError(f"channels must be None, 1 or 3; got {channels!r}")
    wanted = channels or 0
    data = bytes(data)
    name = str(source).encode("utf-8", "replace")
    c, h, w = c_int32(), c_int32(), c_int32()
    check(_lib.lib.fcdd_image_decode(data, len(data), name, wanted, byref(c), byref(h), byref(w), None, 0))
    out = np.empty((h.value, w.value, c.value), np.uint8)
    check(_lib.lib.fcdd_image_decode(data, len(data), name, wanted, byref(c), byref(h), byref(w),
                                     out.ctypes.data, out.nbytes))
    return out[:, :, 0] if c.value == 1 else out


def _png_pixels(image, what):
    a = np.asarray(image)
    if a.dtype != np.uint8:
        raise InvalidArgumentError(f"{what} needs uint8 pixels, got {a.dtype} (scale to 0..255 and convert first)")
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4) or a.shape[0] < 1 or a.shape[1] < 1:
        raise InvalidArgumentError(f"{what} needs shape (H, W) or (H, W, C) with C in 1..4, got {np.shape(image)}")
    return np.ascontiguousarray(a)


def encode_png(image):
    """The PNG bytes of a uint8 array (H, W), (H, W, 1), (H, W, 3) or (H, W, 4)."""
    a = _png_pixels(image, "encode_png")
    needed = c_int64()
    check(_lib.lib.fcdd_png_encode(a.ctypes.data, a.shape[0], a.shape[1], a.shape[2], None, 0, byref(needed)))
    out = ctypes.create_string_buffer(needed.value)
    check(_lib.lib.fcdd_png_encode(a.ctypes.data, a.shape[0], a.shape[1], a.shape[2], out, needed.value, byref(needed)))
    return out.raw[:needed.value]


def write_png(path, image):
    """Writes a uint8 array (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) as PNG (atomically)."""
    a = _png_pixels(image, "write_png")
    check(_lib.lib.fcdd_png_write(os.fspath(path).encode(), a.ctypes.data, a.shape[0], a.shape[1], a.shape[2]))

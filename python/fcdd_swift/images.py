"""Image files through the engine's decoders: `read_image` (PNG or JPEG, by content) and `write_png`."""
import os
from ctypes import byref, c_int32

import numpy as np

from . import _lib
from .errors import InvalidArgumentError, check

__all__ = ["read_image", "write_png"]


def read_image(path):
    """The image at `path` as uint8, (H, W) for gray or (H, W, 3) for colour (alpha dropped)."""
    path = os.fspath(path)
    c, h, w = c_int32(), c_int32(), c_int32()
    check(_lib.lib.fcdd_image_read(path.encode(), byref(c), byref(h), byref(w), None, 0))
    out = np.empty((h.value, w.value, c.value), np.uint8)
    check(_lib.lib.fcdd_image_read(path.encode(), byref(c), byref(h), byref(w), out.ctypes.data, out.nbytes))
    return out[:, :, 0] if c.value == 1 else out


def write_png(path, image):
    """Writes a uint8 array (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) as PNG (atomically)."""
    a = np.asarray(image)
    if a.dtype != np.uint8:
        raise InvalidArgumentError(f"write_png needs uint8 pixels, got {a.dtype} (scale to 0..255 and convert first)")
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4) or a.shape[0] < 1 or a.shape[1] < 1:
        raise InvalidArgumentError(f"write_png needs shape (H, W) or (H, W, C) with C in 1..4, got {np.shape(image)}")
    a = np.ascontiguousarray(a)
    check(_lib.lib.fcdd_png_write(os.fspath(path).encode(), a.ctypes.data, a.shape[0], a.shape[1], a.shape[2]))

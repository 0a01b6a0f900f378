"""User arrays -> what the engine takes: 8-bit planar image blocks (N, C, H, W), int32 labels and 8-bit masks.

Accepted images: (N, H, W) gray; (N, H, W, C) or (N, C, H, W) with C = 1 or 3. uint8 (and other integer
types holding 0..255) are used as they are; float images must lie in [0, 1] (as torchvision's ToTensor
gives them) and are rounded to 8 bits, the precision the original's PIL pipeline works at. The layout of a
4-D array is read from where the 1 or 3 is; when both axes could be channels (images of width 1 or 3),
uint8 arrays count as (N, H, W, C) and float arrays as (N, C, H, W), the usual conventions of each.
"""
import numpy as np

from .._validate import shape_text
from ..errors import InvalidArgumentError, ShapeError

MAX_SIDE = 1 << 15   # ArrayImages.maxSide in the engine
_LAYOUTS = "(N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3"


def _array(x, what):
    if hasattr(x, "tocsr") or hasattr(x, "todense"):
        raise InvalidArgumentError(f"{what}: sparse matrices are not supported; images must be dense arrays")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as e:  # ragged lists of images of different sizes
        raise InvalidArgumentError(f"{what} must be an array of images, or a list of images (H, W), (H, W, C) or "
                                   f"(C, H, W): {e}") from None
    if arr.dtype.kind == "c":
        raise InvalidArgumentError(f"Complex data not supported: {what} must hold uint8 or float images")
    if arr.dtype.kind not in "uif":
        kind = "bool" if arr.dtype.kind == "b" else str(arr.dtype)
        raise InvalidArgumentError(f"{what} must hold uint8 or float images; got dtype {kind}")
    if arr.dtype.kind == "f" and arr.size and not np.isfinite(arr).all():
        raise InvalidArgumentError(f"{what} contains NaN or infinity")
    return arr


def _to_uint8(arr, what):
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype.kind in "ui":
        if arr.size and (arr.min() < 0 or arr.max() > 255):
            raise InvalidArgumentError(f"integer images must lie in 0..255; {what} has values in "
                                       f"[{arr.min()}, {arr.max()}]")
        return arr.astype(np.uint8)
    if arr.size and not np.isfinite(arr).all():
        raise InvalidArgumentError(f"{what} contains NaN or infinity")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise InvalidArgumentError(f"float images must lie in [0, 1]; {what} has values in [{arr.min():g}, "
                                   f"{arr.max():g}] (divide 0..255 data by 255, or pass it as uint8)")
    return np.rint(arr.astype(np.float64) * 255).astype(np.uint8)


class ImageList:
    """Images of different sizes, as the engine takes them (fcdd_detector_fit_sizes): one uint8 buffer with
    each image's planar C x H x W bytes after the one before, and every image's height and width."""

    def __init__(self, planar):
        self.channels = planar[0].shape[0]
        self.heights = np.ascontiguousarray([a.shape[1] for a in planar], dtype=np.int32)
        self.widths = np.ascontiguousarray([a.shape[2] for a in planar], dtype=np.int32)
        self.pixels = np.concatenate([a.reshape(-1) for a in planar])
        self.shape = (len(planar), self.channels, None, None)   # as an (N, C, H, W) block, with no one size

    def __len__(self):
        return len(self.heights)

    @property
    def sizes(self):
        return list(zip(self.heights.tolist(), self.widths.tolist()))

    @property
    def largest(self):
        return int(self.heights.max()), int(self.widths.max())

    @property
    def pixel_count(self):
        """The pixels of all images together (one heatmap value each)."""
        return int((self.heights.astype(np.int64) * self.widths).sum())

    def split(self, flat):
        """Per-image arrays (H, W) of one value per pixel, from the values of all images one after the other."""
        ends = np.cumsum(self.heights.astype(np.int64) * self.widths)
        return [part.reshape(h, w) for part, (h, w) in zip(np.split(flat, ends[:-1]), self.sizes)]


def is_ragged(x):
    """A list or tuple of images whose sizes differ (numpy cannot make one array of them)."""
    if not isinstance(x, (list, tuple)) or len(x) < 2:
        return False
    shapes = {np.shape(item) for item in x}
    return len(shapes) > 1 and all(len(shape) in (2, 3) for shape in shapes)


def images(x, what="X", ragged=False):
    """A C-contiguous uint8 array (N, C, H, W) from any accepted image array; with `ragged`, also a list of
    images of different sizes ((H, W), (H, W, C) or (C, H, W) each) as an ImageList."""
    if ragged and is_ragged(x):
        planar = [images(np.asarray(item)[None], f"{what}[{k}]")[0] for k, item in enumerate(x)]
        channels = {a.shape[0] for a in planar}
        if len(channels) > 1:
            raise ShapeError(f"{what}: the images must all be gray or all RGB; got {sorted(channels)} channels")
        return ImageList(planar)
    arr = _array(x, what)
    if arr.ndim == 3:
        arr = arr[:, None]
    elif arr.ndim == 4:
        last, second = arr.shape[3] in (1, 3), arr.shape[1] in (1, 3)
        if last and (not second or arr.dtype == np.uint8):
            arr = arr.transpose(0, 3, 1, 2)
        elif not second:
            raise ShapeError(f"{what} must have 1 (gray) or 3 (RGB) channels as {_LAYOUTS}; got shape "
                             f"{shape_text(arr.shape)}" + (" (drop the alpha channel: X[..., :3])"
                                                           if 4 in (arr.shape[1], arr.shape[3]) else ""))
    else:
        hint = (" (flattened images must be reshaped to (N, H, W))" if arr.ndim == 2 else
                " (a single image must be given as a batch of one: X[None])" if arr.ndim < 2 else "")
        raise ShapeError(f"{what} must be images as {_LAYOUTS}; got an array of shape {shape_text(arr.shape)}{hint}")
    if arr.shape[0] == 0:
        raise ShapeError(f"{what} holds no images (N = 0)")
    if arr.shape[2] == 0 or arr.shape[3] == 0:
        raise ShapeError(f"{what} has empty images: shape {shape_text(arr.shape)}")
    if max(arr.shape[2:]) > MAX_SIDE:
        raise ShapeError(f"{what}: image sides are limited to {MAX_SIDE} pixels; got {shape_text(arr.shape)}")
    return np.ascontiguousarray(_to_uint8(arr, what))


def labels(y, n, what="y"):
    """n labels 0 (nominal) / 1 (anomalous) as C-contiguous int32 (None stays None)."""
    if y is None:
        return None
    arr = np.asarray(y)
    if arr.dtype.kind not in "buif":
        raise InvalidArgumentError(f"{what} must hold 0 (nominal) and 1 (anomalous); got dtype {arr.dtype}")
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ShapeError(f"{what} must have shape ({n},), one label per image; got {shape_text(arr.shape)}")
    ok = np.isin(arr, (0, 1))
    if not ok.all():
        raise InvalidArgumentError(f"{what} must hold 0 (nominal) and 1 (anomalous) only; got "
                                   f"{np.unique(arr[~ok])[:5].tolist()}")
    return np.ascontiguousarray(arr.astype(np.int32))


def list_masks(m, image_list, what="gtmaps"):
    """The masks of an ImageList's images (a list of (H, W) maps at their sizes) as one uint8 buffer."""
    if m is None:
        return None
    if not isinstance(m, (list, tuple)) or len(m) != len(image_list):
        raise ShapeError(f"{what} must be a list of {len(image_list)} maps, one per image at its size")
    return np.concatenate([masks(np.asarray(item)[None], 1, h, w, f"{what}[{k}]").reshape(-1)
                           for k, (item, (h, w)) in enumerate(zip(m, image_list.sizes))])


def masks(m, n, height, width, what="gtmaps"):
    """(n, H, W) uint8 masks, 1 = anomalous pixel (None stays None).

    Shapes (N, H, W), (N, 1, H, W) or (N, H, W, 1); bool or integer maps mark every non-zero pixel, float
    maps must lie in [0, 1] and mark pixels >= 0.5.
    """
    if m is None:
        return None
    arr = np.asarray(m)
    if arr.dtype.kind not in "buif":
        raise InvalidArgumentError(f"{what} must be bool, integer or float maps; got dtype {arr.dtype}")
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    elif arr.ndim == 4 and arr.shape[3] == 1:
        arr = arr[..., 0]
    if arr.shape != (n, height, width):
        raise ShapeError(f"{what} must have shape {shape_text((n, height, width))} (one map per image, at the "
                         f"images' size); got {shape_text(np.shape(m))}")
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise InvalidArgumentError(f"{what} contains NaN or infinity")
        if arr.min() < 0 or arr.max() > 1:
            raise InvalidArgumentError(f"float {what} must lie in [0, 1]; got values in [{arr.min():g}, {arr.max():g}]")
        return np.ascontiguousarray(arr >= 0.5, dtype=np.uint8)
    if arr.dtype.kind in "iu" and arr.size and arr.min() < 0:
        raise InvalidArgumentError(f"{what} must not be negative")
    return np.ascontiguousarray(arr != 0, dtype=np.uint8)


def maps(m, n, height, width, what="maps"):
    """(n, H, W) finite float32 heatmaps from (N, H, W) or (N, 1, H, W)."""
    arr = np.asarray(m)
    if arr.dtype.kind not in "uif":
        raise InvalidArgumentError(f"{what} must be a float array; got dtype {arr.dtype}")
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.shape != (n, height, width):
        raise ShapeError(f"{what} must have shape {shape_text((n, height, width))}; got {shape_text(np.shape(m))}")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        raise InvalidArgumentError(f"{what} contains NaN or infinity")
    return arr

"""Input checks at the Python boundary (the engine checks again): clear errors before any C call."""
import numpy as np

from .errors import InvalidArgumentError, ShapeError


def as_float32(x, what="x"):
    """A C-contiguous float32 copy/view of a real-valued numeric array (non-contiguous input is copied)."""
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind not in "fiu":
        raise InvalidArgumentError(f"{what} must hold real numbers (float or int), got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float32)


def finite(arr, what):
    if arr.size and not np.isfinite(arr).all():
        raise InvalidArgumentError(f"{what} contains NaN or infinity")


def batch(x, in_shape, what="x"):
    """A (N, C, H, W) float32 batch matching `in_shape` (C, H, W), N >= 1, finite."""
    arr = as_float32(x, what)
    expected = "(N, " + ", ".join(str(s) for s in in_shape) + ")"
    if arr.ndim != 4:
        raise ShapeError(f"{what} must be a batch of shape {expected}, got an array of shape {arr.shape}"
                         + (" (add a batch dimension with x[None])" if arr.ndim == 3 else ""))
    if tuple(arr.shape[1:]) != tuple(in_shape):
        raise ShapeError(f"{what} must have shape {expected}, got {arr.shape}")
    if arr.shape[0] < 1:
        raise ShapeError(f"{what} is an empty batch")
    finite(arr, what)
    return arr


def labels(y, n):
    """n labels, each 0 (nominal) or 1 (anomalous), as float32; None stays None."""
    if y is None:
        return None
    arr = as_float32(y, "labels").reshape(-1)
    if arr.shape[0] != n:
        raise ShapeError(f"labels has {arr.shape[0]} entries for a batch of {n} images")
    if not np.isin(arr, (0.0, 1.0)).all():
        raise InvalidArgumentError("labels must be 0 (nominal) or 1 (anomalous)")
    return arr


def gtmaps(maps, n, height, width):
    """(n, 1, H, W) ground-truth maps with values in [0, 1]; None stays None."""
    if maps is None:
        return None
    arr = as_float32(maps, "gtmaps")
    if arr.shape != (n, 1, height, width):
        raise ShapeError(f"gtmaps must have shape ({n}, 1, {height}, {width}), got {arr.shape}")
    finite(arr, "gtmaps")
    if arr.size and (arr.min() < 0 or arr.max() > 1):
        raise InvalidArgumentError("gtmaps must hold values in [0, 1] (1 = anomalous pixel)")
    return arr


def gauss_std(std):
    """The std for the C ABI: a positive float, or 0 for the receptive field's default."""
    if std is None:
        return 0.0
    try:
        value = float(std)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"gauss_std must be a positive number or None, got {std!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise InvalidArgumentError(f"gauss_std must be a positive number or None, got {std!r}")
    return value

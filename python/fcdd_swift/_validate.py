"""Input checks at the Python boundary. The engine checks again, but errors found here can name the
Python argument and the expected shape, and no array of the wrong size ever reaches a C pointer."""
import math
import numbers

import numpy as np

from .errors import InvalidArgumentError, ShapeError


def as_float32(x, what="x", allow_bool=False):
    """A C-contiguous float32 array from any real-valued array-like (a copy unless it already is one).

    Floating and integer dtypes are converted. bool, complex, string and object arrays are refused (unless
    `allow_bool`): as images they are almost certainly a mistake, and converting them would hide it.
    """
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as e:  # ragged nested lists, unconvertible objects
        raise InvalidArgumentError(f"{what} must be a numeric array: {e}") from None
    if not (arr.dtype.kind in "fiu" or (allow_bool and arr.dtype.kind == "b")):
        raise InvalidArgumentError(
            f"{what} must be a real numeric array (float or integer dtype); got dtype {arr.dtype}")
    # np.asarray(order="C") rather than np.ascontiguousarray, which turns 0-d arrays into 1-d ones.
    return np.asarray(arr, dtype=np.float32, order="C")


def finite(arr, what):
    """Refuses NaN and infinity (which would propagate silently through every later step)."""
    if arr.size and not np.isfinite(arr).all():
        raise InvalidArgumentError(f"{what} contains NaN or infinity")


def shape_text(shape):
    """(N, 1, 28, 28) without quotes around the N; (4,) for one dimension, as Python prints tuples."""
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def batch(x, in_shape, what="x"):
    """A finite (N, C, H, W) float32 batch with (C, H, W) == in_shape and N >= 1."""
    arr = as_float32(x, what)
    expected = shape_text(("N",) + tuple(in_shape))
    if arr.ndim != 4:
        hint = " (a single image must be given as a batch of one: x[None])" if arr.ndim == 3 else ""
        raise ShapeError(f"{what} must be a batch of shape {expected}; got an array of shape "
                         f"{shape_text(arr.shape)}{hint}")
    if tuple(arr.shape[1:]) != tuple(in_shape):
        raise ShapeError(f"{what} must have shape {expected}; got {shape_text(arr.shape)}")
    if arr.shape[0] < 1:
        raise ShapeError(f"{what} is an empty batch (N = 0); expected shape {expected} with N >= 1")
    finite(arr, what)
    return arr


def labels(y, n):
    """n labels, each 0 (nominal) or 1 (anomalous), as float32 (None stays None = all nominal)."""
    if y is None:
        return None
    arr = as_float32(y, "labels", allow_bool=True)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ShapeError(f"labels must have shape ({n},) for a batch of {n}; got {shape_text(arr.shape)}")
    if not np.isin(arr, (0.0, 1.0)).all():
        bad = arr[~np.isin(arr, (0.0, 1.0))][:5]
        raise InvalidArgumentError(f"labels must be 0 (nominal) or 1 (anomalous); got {bad.tolist()}")
    return arr


def gtmaps(maps, n, height, width):
    """(n, 1, H, W) ground-truth maps with values in [0, 1] (None stays None)."""
    if maps is None:
        return None
    arr = as_float32(maps, "gtmaps", allow_bool=True)
    if arr.shape != (n, 1, height, width):
        raise ShapeError(f"gtmaps must have shape {shape_text((n, 1, height, width))}; got {shape_text(arr.shape)}")
    finite(arr, "gtmaps")
    if arr.min() < 0 or arr.max() > 1:
        raise InvalidArgumentError(f"gtmaps must hold values in [0, 1] (1 = anomalous pixel); "
                                   f"got values in [{arr.min()}, {arr.max()}]")
    return arr


def positive_or_default(value, what):
    """A positive finite float for the C ABI, or 0.0 for None (the C side's "use the default")."""
    if value is None:
        return 0.0
    v = real(value, what)
    if v <= 0:
        raise InvalidArgumentError(f"{what} must be a positive number or None; got {value!r}")
    return v


def real(value, what, minimum=None):
    """A finite float (>= minimum if given); bools and strings are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InvalidArgumentError(f"{what} must be a real number; got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise InvalidArgumentError(f"{what} must be finite; got {value!r}")
    if minimum is not None and v < minimum:
        raise InvalidArgumentError(f"{what} must be >= {minimum}; got {value!r}")
    return v


def integer(value, what, minimum=None, maximum=None):
    """A Python int from an integral value (int or numpy integer; not bool, not 2.5)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{what} must be an integer; got {value!r}")
    v = int(value)
    if minimum is not None and v < minimum:
        raise InvalidArgumentError(f"{what} must be >= {minimum}; got {v}")
    if maximum is not None and v > maximum:
        raise InvalidArgumentError(f"{what} must be <= {maximum}; got {v}")
    return v


def in_shape(shape):
    """(C, H, W) as three positive ints that fit the C ABI's int32."""
    message = f"in_shape must be three positive integers (C, H, W); got {shape!r}"
    if isinstance(shape, (str, bytes)):
        raise InvalidArgumentError(message)
    try:
        dims = tuple(shape)
        if len(dims) != 3:
            raise InvalidArgumentError(message)
        return tuple(integer(d, "in_shape", 1, 2 ** 31 - 1) for d in dims)
    except (TypeError, InvalidArgumentError):
        raise InvalidArgumentError(message) from None

"""Heatmap overlays as arrays: the jet-coloured heatmap blended over the image, ready to show with
matplotlib (``plt.imshow``) or to write with `write_png`."""
import numpy as np

from . import arrays, native
from .._validate import real
from ..errors import InvalidArgumentError


def overlay(images, maps, quantile=None, normalize="local", alpha=0.5):
    """Overlays of heatmaps on images.

    Parameters
    ----------
    images : array (N, H, W), (N, H, W, C) or (N, C, H, W), uint8 or float in [0, 1]; or one image
        (H, W) / (H, W, C) together with one map (H, W)
    maps : array (N, H, W) or (N, 1, H, W), or (H, W) for one image; e.g. ``FCDD.anomaly_map(images)``
    quantile : float in (0, 1] or None
        Maps are scaled so that this quantile of their values becomes the top of the colour scale (the
        original's heatmap normalisation); None: the engine's default (the original's 0.97).
    normalize : {"local", "global"}
        "local": each map on its own; "global": all maps on one scale, so colours compare across images.
    alpha : float in [0, 1]
        Weight of the heatmap colour.

    Returns
    -------
    ndarray uint8 (N, H, W, 3), or (H, W, 3) for one image; a list of (H, W, 3) for lists of images and maps
    of different sizes
    """
    if isinstance(maps, (list, tuple)) and arrays.is_ragged(maps):
        # Images of different sizes (a list, as FCDD.anomaly_map gives it for them): one overlay each.
        if normalize == "global":
            raise InvalidArgumentError("normalize='global' needs images of one size; use 'local' for a list of "
                                       "images of different sizes")
        if not isinstance(images, (list, tuple)) or len(images) != len(maps):
            raise InvalidArgumentError(f"images must be a list of {len(maps)} images, one per map")
        return [overlay(image, m, quantile, normalize, alpha) for image, m in zip(images, maps)]
    single = np.ndim(maps) == 2
    if single:
        images, maps = np.asarray(images)[None], np.asarray(maps)[None]
    imgs = arrays.images(images, "images")
    n, _, h, w = imgs.shape
    heat = arrays.maps(maps, n, h, w)
    q = float("nan") if quantile is None else real(quantile, "quantile")
    if quantile is not None and not 0 < q <= 1:
        raise InvalidArgumentError(f"quantile must be in (0, 1]; got {quantile!r}")
    if normalize not in ("local", "global"):
        raise InvalidArgumentError(f"normalize must be 'local' or 'global'; got {normalize!r}")
    a = real(alpha, "alpha")
    if not 0 <= a <= 1:
        raise InvalidArgumentError(f"alpha must be in [0, 1]; got {alpha!r}")
    out = native.overlay(imgs, heat, q, normalize == "global", a)
    return out[0] if single else out

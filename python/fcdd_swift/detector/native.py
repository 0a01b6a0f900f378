"""The engine's detector handle (fcdd_detector_* in fcdd.h): arrays in, scores, heatmaps and JSON out.
Arguments are already validated and converted by `arrays`; this layer only passes pointers."""
import ctypes
import json
import threading

import numpy as np

from .._events import EventPump
from .._handle import NativeHandle
from .._lib import check, cpath, f32ptr, lib, read_json, take_bytes
from .arrays import ImageList


def _ptr(array):
    return None if array is None else array.ctypes.data_as(ctypes.c_void_p)


class DetectorHandle(NativeHandle):
    _free = lib.fcdd_detector_free
    _kind = "detector"
    # Reentrant: the fit's epoch callback may score with the weights so far on the thread that runs the fit.
    _lock_type = threading.RLock

    @classmethod
    def create(cls, settings):
        handle = cls()
        check(lib.fcdd_detector_create(json.dumps(settings).encode("utf-8"), ctypes.byref(handle._ptr)))
        return handle

    @classmethod
    def load(cls, path):
        handle = cls()
        check(lib.fcdd_detector_load(cpath(path), ctypes.byref(handle._ptr)))
        return handle

    @classmethod
    def from_bytes(cls, data, source):
        """A detector from the bytes of a model file; `source` names them in messages."""
        handle = cls()
        check(lib.fcdd_detector_from_bytes(bytes(data), len(data), str(source).encode("utf-8", "replace"),
                                           ctypes.byref(handle._ptr)))
        return handle

    def to_bytes(self, extra):
        """The bytes `save` writes, in memory."""
        with self._use() as ptr:
            return take_bytes(lambda data, nbytes: lib.fcdd_detector_to_bytes(ptr, json.dumps(extra).encode("utf-8"),
                                                                              data, nbytes))

    def fit(self, images, labels, masks, outliers, on_event):
        """Trains in the engine (GIL released) on an (N, C, H, W) block or an ImageList; returns the EventPump,
        which tells whether Ctrl-C stopped it."""
        oe_shape = outliers.shape if outliers is not None else (0, 0, 0, 0)
        pump = EventPump(on_event)
        with self._use() as ptr:
            if isinstance(images, ImageList):
                pump.run(lambda callback: lib.fcdd_detector_fit_sizes(
                    ptr, _ptr(images.pixels), len(images), images.channels, _ptr(images.heights), _ptr(images.widths),
                    _ptr(labels), _ptr(masks), _ptr(outliers), *oe_shape, callback, None))
            else:
                n, c, h, w = images.shape
                pump.run(lambda callback: lib.fcdd_detector_fit(
                    ptr, _ptr(images), n, c, h, w, _ptr(labels), _ptr(masks), _ptr(outliers), *oe_shape, callback, None))
        return pump

    def infer(self, images, maps):
        """Scores (float32, n) and, when `maps`, heatmaps: float32 (n, H, W) for a block, a list of (H, W)
        arrays for an ImageList."""
        if isinstance(images, ImageList):
            scores = np.empty(len(images), np.float32)
            heat = np.empty(images.pixel_count, np.float32) if maps else None
            with self._use() as ptr:
                check(lib.fcdd_detector_infer_sizes(ptr, _ptr(images.pixels), len(images), images.channels,
                                                    _ptr(images.heights), _ptr(images.widths), f32ptr(scores),
                                                    f32ptr(heat)))
            return scores, images.split(heat) if maps else None
        n, c, h, w = images.shape
        scores = np.empty(n, np.float32)
        heat = np.empty((n, h, w), np.float32) if maps else None
        with self._use() as ptr:
            check(lib.fcdd_detector_infer(ptr, _ptr(images), n, c, h, w, f32ptr(scores), f32ptr(heat)))
        return scores, heat

    def describe(self):
        with self._use() as ptr:
            return read_json(lib.fcdd_detector_describe, ptr)

    def save(self, path, extra):
        with self._use() as ptr:
            check(lib.fcdd_detector_save(ptr, cpath(path), json.dumps(extra).encode("utf-8")))

    def set_thresholds(self, thresholds):
        """{"image": T | None, "pixel": T | None}, T as `choose_threshold` returns it; saved with the model."""
        with self._use() as ptr:
            check(lib.fcdd_detector_set_thresholds(ptr, json.dumps(thresholds).encode("utf-8")))

    def set_threads(self, threads):
        """The worker threads of this detector's calls (None: its setting, else the process default)."""
        with self._use() as ptr:
            check(lib.fcdd_detector_set_threads(ptr, 0 if threads is None else threads))


def choose_threshold(scores, labels, request):
    """The engine's threshold choice (fcdd_threshold_choose): scores float32 (n), labels uint8 (n) or None."""
    scores = np.ascontiguousarray(scores, dtype=np.float32).reshape(-1)
    labels = None if labels is None else np.ascontiguousarray(labels, dtype=np.uint8).reshape(-1)
    return read_json(lib.fcdd_threshold_choose, f32ptr(scores), _ptr(labels), len(scores),
                     json.dumps(request).encode("utf-8"))


def decide(scores, maps, thresholds, min_area, want_masks):
    """The engine's decisions (fcdd_decide): a record per image and, when asked, the (n, H, W) uint8 masks.
    With maps as a list of (H, W) arrays (images of different sizes), each image is decided on its own and
    the masks come back as a list."""
    if isinstance(maps, list):
        decided = [decide(scores[k:k + 1], m[None], thresholds, min_area, want_masks) for k, m in enumerate(maps)]
        return [d[0][0] for d in decided], ([d[1][0] for d in decided] if want_masks else None)
    scores = np.ascontiguousarray(scores, dtype=np.float32)
    n = len(scores)
    h, w = (maps.shape[1], maps.shape[2]) if maps is not None else (0, 0)
    masks = np.empty((n, h, w), np.uint8) if want_masks else None
    records = read_json(lib.fcdd_decide, f32ptr(scores), f32ptr(maps), n, h, w, json.dumps(thresholds).encode("utf-8"),
                        int(min_area), _ptr(masks))
    return records, masks


def evaluate(scores, labels, maps, masks, pro_limit, image_list=None):
    """The engine's metrics (see fcdd_evaluate) as a dict. For an ImageList `image_list`, maps is the list of
    its (H, W) maps and masks its masks' buffer (arrays.list_masks)."""
    scores = np.ascontiguousarray(scores, dtype=np.float32)
    labels = np.ascontiguousarray(labels, dtype=np.int32)
    if image_list is not None:
        flat = np.ascontiguousarray(np.concatenate([m.reshape(-1) for m in maps]), np.float32) if maps is not None else None
        result = read_json(lib.fcdd_evaluate_sizes, f32ptr(scores), _ptr(labels), len(scores), f32ptr(flat), _ptr(masks),
                           _ptr(image_list.heights), _ptr(image_list.widths), float(pro_limit))
        return {k: None if v is None else float(v) for k, v in result.items()}
    h, w = (maps.shape[1], maps.shape[2]) if maps is not None else (0, 0)
    result = read_json(lib.fcdd_evaluate, f32ptr(scores), _ptr(labels), len(scores), f32ptr(maps), _ptr(masks), h, w,
                       float(pro_limit))
    return {k: None if v is None else float(v) for k, v in result.items()}  # JSON writes 1.0 as 1


def overlay(images, maps, quantile, global_norm, alpha):
    """(n, H, W, 3) uint8 overlays from (n, C, H, W) uint8 images and (n, H, W) float32 maps."""
    n, c, h, w = images.shape
    out = np.empty((n, h, w, 3), np.uint8)
    check(lib.fcdd_overlay(_ptr(images), f32ptr(maps), n, c, h, w, float(quantile), int(bool(global_norm)), float(alpha),
                           _ptr(out)))
    return out

"""`FCDD`: the detector for notebooks and scripts, in the conventions of scikit-learn and PyOD.

Training, scoring and heatmaps run in the engine with the GIL released. Calls on one detector are
serialised by a lock (two threads may share one detector); different detectors run in parallel.
"""
import os
import threading
import warnings

import numpy as np

from . import arrays, native, params, supervision
from .. import _validate, settings
from .decisions import DecisionsMixin
from .progress import FitProgress
from ..errors import FormatError, InvalidArgumentError, not_fitted_error

FILE_FORMAT = "fcdd_swift.FCDD"
_LOCK_GUARD = threading.Lock()


_DOC_HEAD = """Fully Convolutional Data Description (Liznerski et al., ICLR 2021) as a one-class detector on images.

Every parameter left at None is chosen at `fit` by the engine from the training images' shape, as the original
runner for such data would choose it: the profile ``small_gray`` (1 channel, longer side <= 32) takes
``run_fmnist``'s defaults, ``small`` (longer side <= 64) ``run_cifar10``'s, ``large`` ``run_mvtec``'s. The
values used are in ``resolved_params_`` after `fit`. Parameters and defaults come from the engine's settings
schema (``fcdd_swift.settings_schema()``; the tables in docs/detector.md are generated from it too).
The guide to the detector, with how to choose its supervision, comes with the package:
``print(fcdd_swift.guide("detector"))``.

"""

_DOC_TAIL = """

Attributes
----------
decision_scores_ : ndarray (n,)  scores of the training images
threshold_ : float               image threshold: scores above it are anomalous (``contamination`` of the
                                 training scores after fit; calibrate_threshold sets another)
pixel_threshold_ : float or None heatmap values above it form the anomalous regions (calibrate_pixel_threshold)
thresholds_ : dict               both thresholds as the engine chose them: {"image": T, "pixel": T or None},
                                 T = {"value", "method", "parameter", "calibration" (what X gave at it)}
labels_ : ndarray (n,)           0/1 of the training images under ``threshold_``
history_ : dict                  per-epoch loss, loss_std, lr, seconds, data_seconds, images
resolved_params_ : dict          every parameter as used (the engine's resolved settings), plus the profile
n_epochs_ : int                  epochs completed (fewer after a stop)
stopped_ : bool                  whether the last fit was stopped early (Ctrl-C or the callback)
supervision_ : str               what the anomalies were trained from (known anomalies, outlier images, or
                                 synthetic anomalies only, with how to give better ones)
"""


class FCDD(params.ParamsMixin, DecisionsMixin):
    __doc__ = _DOC_HEAD + params.parameters_doc() + _DOC_TAIL
    __init__ = params.make_init()

    # ---- locking and state -------------------------------------------------------------------------

    @property
    def _lock(self):
        # Created on first use: scikit-learn's convention leaves __init__ to store the parameters only.
        lock = self.__dict__.get("_lock_")
        if lock is None:
            with _LOCK_GUARD:
                lock = self.__dict__.setdefault("_lock_", threading.RLock())
        return lock

    def _native(self):
        between = self.__dict__.get("_between_epochs_")
        if between is not None:
            return between[0]
        handle = self.__dict__.get("_handle_")
        if handle is None or handle.closed:
            raise not_fitted_error(f"this {type(self).__name__} is not fitted yet; call fit(X) first")
        return handle

    def _images(self, X, what="X"):
        self._native()  # not fitted: say so before looking at X
        imgs = arrays.images(X, what, ragged=True)
        between = self.__dict__.get("_between_epochs_")
        channels = between[1] if between is not None else self.data_shape_[0]
        if imgs.shape[1] != channels:
            raise InvalidArgumentError(f"{what} has {imgs.shape[1]}-channel images, but the detector was fitted on "
                                       f"{channels}-channel images")
        return imgs

    # ---- training ----------------------------------------------------------------------------------

    def fit(self, X, y=None, gtmaps=None, callback=None):
        """Trains on images X (mostly nominal).

        Parameters
        ----------
        X : array (N, H, W), (N, H, W, C) or (N, C, H, W), uint8 or float in [0, 1]; or a list of images of
            different sizes ((H, W), (H, W, C) or (C, H, W) each; with ``tile_size`` every image is tiled at its
            own resolution, without it they are resized to the network's input size)
        y : array (N,) or None
            1 marks a known anomaly (semi-supervised training), 0 a nominal image; None: all nominal.
        gtmaps : array (N, H, W) or None (a list of (H, W) maps for a list of images)
            Ground-truth maps of X (non-zero = anomalous pixel); maps of nominal images must be empty.
        callback : callable or None
            Called after every epoch with a dict (epoch, epochs, loss, loss_std, lr, seconds, images);
            returning False stops training. Inside it, decision_function, anomaly_map and evaluate use the
            weights so far (threshold_ is that of the previous fit, if any).

        Ctrl-C stops training after the current step; the detector is then fitted with the weights so far
        (``stopped_`` is True) and a warning says so.
        """
        if callback is not None and not callable(callback):
            raise InvalidArgumentError(f"callback must be callable; got {callback!r}")
        handle = native.DetectorHandle.create(params.engine_settings(self.get_params()))  # the engine checks them
        try:
            imgs = arrays.images(X, ragged=True)
            n, c = imgs.shape[:2]
            if isinstance(imgs, arrays.ImageList):
                (h, w), masks = imgs.largest, arrays.list_masks(gtmaps, imgs)
                sizes = f"{n} images of {c} x different sizes (up to {h}x{w})"
            else:
                h, w = imgs.shape[2:]
                masks, sizes = arrays.masks(gtmaps, n, h, w), f"{n} images of {c}x{h}x{w}"
            labels = arrays.labels(y, n)
            outliers = arrays.images(self.oe_data, "oe_data") if self.oe_data is not None else None
            tile = self.get_params().get("tile_size")
            planned = settings.resolve("detector", params.engine_settings(self.get_params()),
                                       data_shape=(c, tile, tile) if tile else (c, h, w),   # as the engine's fit
                                       has_outliers=outliers is not None or (labels is not None and (labels == 1).any()))
            anomalies = supervision.describe(planned["settings"], labels, masks, outliers)
            with self._lock:
                progress = FitProgress(int(self.verbose), self._between_epochs(callback, handle, c),
                                       plan=f"{sizes}; anomalies: {anomalies}")
                try:
                    pump = handle.fit(imgs, labels, masks, outliers, progress)
                finally:
                    progress.close()
        except BaseException:
            handle.close()
            raise
        with self._lock:
            old = self.__dict__.get("_handle_")
            self._handle_ = handle
            if old is not None:
                old.close()
            description = handle.describe()
            self._set_fitted_state(description, self._resolved_params(description, outliers))
            self.supervision_ = anomalies
            self.decision_scores_ = self.decision_function(X)
            image = native.choose_threshold(self.decision_scores_, None, {
                "method": "contamination", "contamination": self.resolved_params_["contamination"], "level": "image"})
            self._set_thresholds(image, None)
        if pump.interrupted or self.stopped_:
            warnings.warn(f"training stopped after {self.n_epochs_} of {self.resolved_params_['epochs']} epochs"
                          f"{' (Ctrl-C)' if pump.interrupted else ''}; the detector uses the weights so far",
                          RuntimeWarning, stacklevel=2)
        return self

    def _between_epochs(self, callback, handle, channels):
        """The user's epoch callback, during which decision_function, anomaly_map and evaluate score with the
        weights so far (a validation AUROC per epoch, as `fcdd_swift.tune` reports)."""
        if callback is None:
            return None

        def in_epoch(info):
            self._between_epochs_ = (handle, channels)
            try:
                return callback(info)
            finally:
                del self._between_epochs_
        return in_epoch

    @staticmethod
    def _resolved_params(description, outliers):
        """The engine's resolved settings, the profile, and the shape of the outlier images (not stored)."""
        resolved = dict(description["settings"])
        resolved["profile"] = description["profile"]
        resolved["oe_data_shape"] = list(outliers.shape) if outliers is not None else None
        return resolved

    def _set_fitted_state(self, description, resolved):
        self.resolved_params_ = resolved
        self.data_shape_ = tuple(description["data_shape"])
        self.in_shape_ = tuple(description["in_shape"])
        self.gauss_std_ = description["gauss_std"]
        self.n_epochs_ = description["completed_epochs"]
        self.stopped_ = description["stopped"]
        self.history_ = description["history"]

    def set_params(self, **params):
        """Sets constructor parameters; they take effect at the next `fit`, except ``threads``, which a fitted
        detector uses from its next call on. Returns self."""
        if "threads" in params:
            with self._lock:
                handle = self.__dict__.get("_handle_")
                if handle is not None and not handle.closed:
                    threads = params["threads"]
                    handle.set_threads(None if threads is None else settings.check_threads(threads))
        return super().set_params(**params)

    def fit_predict(self, X, y=None, gtmaps=None, callback=None):
        """fit, then the 0/1 labels of the training images (``labels_``)."""
        return self.fit(X, y, gtmaps=gtmaps, callback=callback).labels_

    # ---- scores, labels, heatmaps ------------------------------------------------------------------

    def _infer(self, X, maps):
        with self._lock:
            return self._native().infer(self._images(X), maps)   # with this detector's own threads

    def decision_function(self, X):
        """Anomaly score per image (higher = more anomalous), float64 (N,)."""
        scores, _ = self._infer(X, maps=False)
        return scores.astype(np.float64)

    def score_samples(self, X):
        """scikit-learn's convention: the negated anomaly score (higher = more normal)."""
        return -self.decision_function(X)

    def predict(self, X):
        """0 (nominal) / 1 (anomalous) per image: score > ``threshold_``."""
        return (self.decision_function(X) > self.threshold_).astype(np.int64)

    def anomaly_map(self, X):
        """Heatmaps (N, H, W) float32 at the images' resolution (a list of (H, W) maps for a list of images of
        different sizes); higher = more anomalous."""
        _, maps = self._infer(X, maps=True)
        return maps

    def score_and_map(self, X):
        """`decision_function` and `anomaly_map` from one pass of the network: (scores float64 (N,),
        heatmaps float32 (N, H, W))."""
        scores, maps = self._infer(X, maps=True)
        return scores.astype(np.float64), maps

    def overlay(self, X, normalize="local", alpha=0.5):
        """Heatmap overlays of X as uint8 RGB (N, H, W, 3), normalised with the resolved ``quantile``."""
        from .overlay import overlay
        maps = self.anomaly_map(X)
        return overlay(X, maps, quantile=self.resolved_params_["quantile"], normalize=normalize, alpha=alpha)

    # ---- metrics (thresholds and decisions: decisions.py) -----------------------------------------

    def evaluate(self, X, y, gtmaps=None, pro_limit=0.3):
        """Metrics on labelled images: image_auroc, ap, f1_max and f1_max_threshold (the threshold that
        calibrate_threshold("f1") sets: `score > threshold` is anomalous); with gtmaps also
        pixel_auroc (all pixels pooled), pixel_ap and aupro (normalised area up to FPR pro_limit); plus
        precision, recall and f1 at ``threshold_``. None where a metric is undefined (one class only)."""
        imgs = self._images(X)
        n = imgs.shape[0]
        labels = arrays.labels(y, n)
        if labels is None:
            raise InvalidArgumentError("evaluate needs labels y")
        masks = arrays.list_masks(gtmaps, imgs) if isinstance(imgs, arrays.ImageList) else arrays.masks(gtmaps, n, *imgs.shape[2:])
        if len(np.unique(labels)) < 2:
            only = "anomalous (1)" if labels[0] == 1 else "nominal (0)"
            warnings.warn(f"evaluate: y holds only {only} images, so image_auroc, ap and f1_max are undefined and "
                          "returned as None; give labelled images of both kinds", UserWarning, stacklevel=2)
        with self._lock:
            scores, maps = self._native().infer(imgs, masks is not None)
            threshold = self.__dict__.get("threshold_")   # none yet inside the first fit's callback
        result = native.evaluate(scores, labels, maps, masks, pro_limit, imgs if isinstance(imgs, arrays.ImageList) else None)
        if threshold is None:
            result.update(threshold=None, precision=None, recall=None, f1=None)
            return result
        predicted = scores.astype(np.float64) > threshold
        tp = int((predicted & (labels == 1)).sum())
        precision = tp / int(predicted.sum()) if predicted.any() else None
        recall = tp / int((labels == 1).sum()) if (labels == 1).any() else None
        f1 = None
        if precision is not None and recall is not None:
            f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        result.update(threshold=threshold, precision=precision, recall=recall, f1=f1)
        return result

    # ---- files -------------------------------------------------------------------------------------

    def _user_fields(self):
        p = self.get_params()
        p.pop("oe_data")
        p["vgg_weights"] = self.resolved_params_["vgg_weights"]
        return {
            "format": FILE_FORMAT, "params": p, "resolved_params": self.resolved_params_,
            "decision_scores": [float(s) for s in self.decision_scores_],
            "supervision": self.__dict__.get("supervision_"),
        }

    def save(self, path):
        """Writes the fitted detector to one file (safetensors: weights under PyTorch names; network,
        preprocessing, gauss std, threshold and parameters in its metadata), atomically."""
        with self._lock:
            self._native().save(path, self._user_fields())

    def export_onnx(self, path, opset=17):
        """Writes the fitted detector as an ONNX graph (needs ``pip install 'fcdd-swift[onnx]'``).

        Input ``images``: float32 N x C x H x W in [0, 1] (uint8 / 255) at ``in_shape_``, any N; the model's
        preprocessing is inside the graph, resizing to ``in_shape_`` is not. Outputs ``scores`` (N) and, for
        FCDD and AE networks, ``anomaly_maps`` (N x 1 x H x W). The threshold, network and input shape are in
        the graph's metadata. Returns `path`."""
        from ..deploy import export_onnx
        with self._lock:
            model = self._native().to_bytes(self._user_fields())   # in memory: no temporary file
        return export_onnx(model, path, opset=opset)

    @classmethod
    def load(cls, path):
        """A detector saved with `save`, ready to score (``oe_data`` is not stored and comes back as None).

        Raises FormatError, naming the file, when it is not such a model or its stored fields are damaged."""
        handle = native.DetectorHandle.load(path)
        try:
            return cls._from_handle(handle, os.fspath(path))
        except Exception:
            handle.close()
            raise

    @classmethod
    def from_bytes(cls, data, source="<bytes>"):
        """A detector from the bytes of a model file (what `save` writes; `to_bytes` gives them without a
        file); `source` names them in error messages."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidArgumentError(f"from_bytes needs bytes, got {type(data).__name__}")
        handle = native.DetectorHandle.from_bytes(bytes(data), source)
        try:
            return cls._from_handle(handle, str(source))
        except Exception:
            handle.close()
            raise

    def to_bytes(self):
        """The bytes `save` writes, in memory (for a database, a message, another process)."""
        with self._lock:
            return self._native().to_bytes(self._user_fields())

    @classmethod
    def _from_handle(cls, handle, path):
        description = handle.describe()
        user = description.get("user") or {}
        if not isinstance(user, dict) or user.get("format") != FILE_FORMAT:
            raise FormatError(f"{path} was not written by fcdd_swift.FCDD.save")
        try:
            det = cls(**user["params"])
            det._handle_ = handle
            det._set_fitted_state(description, user["resolved_params"])
            det.decision_scores_ = np.asarray(user["decision_scores"], dtype=np.float64).reshape(-1)
            det.supervision_ = user.get("supervision")
            chosen = description.get("thresholds") or {}
            image, pixel = chosen.get("image"), chosen.get("pixel")
            if image is None and "threshold" in user:   # written before the engine kept the thresholds
                image = {"value": float(user["threshold"]), "method": user["threshold_method"], "parameter": None,
                         "calibration": {}}
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            # Only a damaged or hand-edited file gets here: the engine checked everything it reads itself.
            raise FormatError(f"{path}: the detector fields stored by FCDD.save are damaged ({type(e).__name__}: {e})") from None
        if not np.isfinite(det.decision_scores_).all() or (image is not None and not np.isfinite(image["value"])):
            raise FormatError(f"{path}: the stored decision scores or threshold are not finite numbers")
        det._set_thresholds(image, pixel)
        return det

    # ---- pickling (joblib, multiprocessing) -------------------------------------------------------

    def __getstate__(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("_handle_", "_lock_", "_between_epochs_")}
        if self.__dict__.get("_handle_") is not None and not self._handle_.closed:
            with self._lock:
                state["_model_bytes_"] = self._native().to_bytes(self._user_fields())
        return state

    def __setstate__(self, state):
        model = state.pop("_model_bytes_", None)
        self.__dict__.update(state)
        if model is not None:
            self._handle_ = native.DetectorHandle.from_bytes(model, "<pickled FCDD>")

    def __sklearn_tags__(self):
        from sklearn.utils import InputTags, Tags, TargetTags
        return Tags(estimator_type="outlier_detector", target_tags=TargetTags(required=False),
                    input_tags=InputTags(three_d_array=True))

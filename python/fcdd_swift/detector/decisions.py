"""The decisions of `FCDD`: the image and pixel thresholds (chosen in the engine, fcdd_threshold_choose, and
stored with the model) and what follows from them per image: label, anomalous regions, masks (fcdd_decide).
A mixin of the estimator: it uses the estimator's lock, native handle, image checks and scores."""
import warnings

import numpy as np

from . import arrays, native
from ..errors import InvalidArgumentError, StateError


class DecisionsMixin:
    def _set_thresholds(self, image, pixel):
        """Both thresholds as the engine chose them ({"value", "method", "parameter", "calibration"}); the
        engine stores them with the model."""
        chosen = {"image": image, "pixel": pixel}
        self._native().set_thresholds(chosen)
        self.thresholds_ = chosen
        self.threshold_ = float(image["value"]) if image is not None else None
        self.threshold_method_ = image["method"] if image is not None else None
        self.pixel_threshold_ = float(pixel["value"]) if pixel is not None else None
        if self.threshold_ is not None and self.__dict__.get("decision_scores_") is not None:
            self.labels_ = (self.decision_scores_ > self.threshold_).astype(np.int64)

    def calibrate_threshold(self, X, y=None, method=None, max_fpr=0.05):
        """Sets the image threshold ``threshold_`` from validation images.

        With labels y (1 anomalous, 0 nominal) of both kinds, method "f1" (the default then) maximises the
        F1 score of the anomalous class and "max_fpr" gives the highest recall with a false-positive rate
        <= max_fpr. Without y, or with nominal images only, "max_fpr" (the default then) flags at most that
        fraction of the nominal images: what a user with good parts only can calibrate. The choice and what
        it gave on X are in ``thresholds_["image"]`` and saved with the model. Returns self (``labels_``
        follow the new threshold)."""
        scores = self.decision_function(X)
        labels = arrays.labels(y, len(scores))
        both = labels is not None and (labels == 1).any() and (labels == 0).any()
        if method is None:
            method = "f1" if both else "max_fpr"
        if method not in ("f1", "max_fpr"):
            raise InvalidArgumentError(f"method must be 'f1' or 'max_fpr'; got {method!r}")
        if method == "f1" and not both:
            raise InvalidArgumentError("method 'f1' needs labels y with nominal (0) and anomalous (1) examples; "
                                       "with nominal images only use method='max_fpr' (at most max_fpr of them flagged)")
        request = {"method": method, "max_fpr": self._rate(max_fpr, "max_fpr"), "level": "image"}
        image = native.choose_threshold(scores, labels, request)
        with self._lock:
            self._set_thresholds(image, self.thresholds_.get("pixel"))
        return self

    def calibrate_pixel_threshold(self, X, gtmaps=None, method=None, max_fpr=0.05, quantile=0.999):
        """Sets the pixel threshold ``pixel_threshold_``, which turns heatmaps into masks and regions
        (`inspect`, `predict_mask`).

        With ground-truth maps gtmaps (N, H, W; non-zero = anomalous pixel, empty maps for nominal images),
        method "f1" (the default then) maximises the pixel-level F1 over all pixels of X, and "max_fpr" gives
        the highest pixel recall with at most max_fpr of the nominal pixels above. Without gtmaps, method
        "quantile" (the default then) takes the `quantile` of the pixel scores of X, which should then be
        nominal images only: the weaker choice, since it knows nothing of how defects score, but one that
        needs no masks ("max_fpr" without gtmaps is the same rule with 1 - max_fpr). Saved with the model.
        Returns self."""
        imgs = self._images(X)
        ragged = isinstance(imgs, arrays.ImageList)
        masks = arrays.list_masks(gtmaps, imgs) if ragged else arrays.masks(gtmaps, imgs.shape[0], *imgs.shape[2:])
        if method is None:
            method = "f1" if masks is not None and masks.any() else "quantile"
        if method not in ("f1", "max_fpr", "quantile"):
            raise InvalidArgumentError(f"method must be 'f1', 'max_fpr' or 'quantile'; got {method!r}")
        if method == "f1" and (masks is None or not masks.any()):
            raise InvalidArgumentError("method 'f1' needs gtmaps with anomalous pixels; without masks use "
                                       "method='quantile' on nominal images")
        q = self._rate(quantile, "quantile")
        if q == 0:
            raise InvalidArgumentError("quantile must be in (0, 1]; got 0")
        request = {"method": method, "max_fpr": self._rate(max_fpr, "max_fpr"), "quantile": q, "level": "pixel"}
        with self._lock:
            _, maps = self._native().infer(imgs, True)
        pooled = np.concatenate([m.reshape(-1) for m in maps]) if ragged else maps.reshape(-1)
        pixel = native.choose_threshold(pooled, None if masks is None else masks.reshape(-1), request)
        with self._lock:
            self._set_thresholds(self.thresholds_.get("image"), pixel)
        return self

    @staticmethod
    def _rate(value, name):
        from .._validate import real
        v = real(value, name)
        if not 0 <= v < 1 if name == "max_fpr" else not 0 <= v <= 1:
            raise InvalidArgumentError(f"{name} must be in [0, {'1)' if name == 'max_fpr' else '1]'}; got {value!r}")
        return v

    def inspect(self, X, min_area=1):
        """The decision on each image: a list of dicts {"score", "label", "regions"}.

        ``label`` is 1 when score > ``threshold_`` (else 0; None without an image threshold). ``regions``
        lists the anomalous regions: 8-connected components of the image's heatmap (at the image's own
        resolution) above ``pixel_threshold_`` with at least `min_area` pixels, highest ``max_score`` first,
        each {"box": [x0, y0, x1, y1] (pixels, x1 and y1 exclusive), "area", "max_score", "mean_score"};
        None (with a warning saying how to calibrate) while the model has no pixel threshold."""
        records, _, _ = self._decisions(X, min_area, with_maps=False, with_masks=False, stacklevel=3)
        return records

    def _decisions(self, X, min_area, with_maps, with_masks, warn=True, stacklevel=2):
        """`inspect`'s records from one pass of the network, with the heatmaps (N, H, W) float32 and the
        region masks (N, H, W) uint8 when asked (None otherwise, and masks None without a pixel threshold).
        The server and the hot folder use it too, with `warn` False: their records say it (regions null)."""
        area = self._min_area(min_area)
        with self._lock:
            chosen = self.__dict__.get("thresholds_", {"image": None, "pixel": None})
            pixel = chosen.get("pixel")
            scores, maps = self._native().infer(self._images(X), with_maps or pixel is not None)
        if pixel is None and warn:
            warnings.warn("the detector has no pixel threshold, so inspect gives no regions; set one with "
                          "calibrate_pixel_threshold(X_nominal) or calibrate_pixel_threshold(X, gtmaps)",
                          UserWarning, stacklevel=stacklevel + 1)
        records, masks = native.decide(scores, maps, chosen, area, with_masks and pixel is not None)
        return records, (maps if with_maps else None), masks

    def predict_mask(self, X, min_area=1):
        """Binary masks (N, H, W) uint8 at the images' resolution: 1 for the pixels of the anomalous regions
        that `inspect` reports (heatmap above ``pixel_threshold_``, regions of at least `min_area` pixels)."""
        area = self._min_area(min_area)
        with self._lock:
            if self.__dict__.get("thresholds_", {}).get("pixel") is None:
                self._native()
                raise StateError("the detector has no pixel threshold; set one with calibrate_pixel_threshold(X_nominal) "
                                 "or calibrate_pixel_threshold(X, gtmaps) first")
            _, _, masks = self._decisions(X, area, with_maps=False, with_masks=True)
        return masks

    @staticmethod
    def _min_area(value):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InvalidArgumentError(f"min_area must be an integer >= 1; got {value!r}")
        return int(value)

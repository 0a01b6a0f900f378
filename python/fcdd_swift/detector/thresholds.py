"""Decision thresholds on anomaly scores (the F1-max one is the engine's, Evaluation/PrecisionRecall.swift). `predict` marks a score as anomalous when it is strictly above the
threshold (PyOD's rule), so the calibrated thresholds sit halfway between the last score that must count
as anomalous and the next lower one: the calibration data are classified exactly as calibrated, and new
scores near the boundary fall on the side of the nearer calibration score.
"""
import numpy as np

from ..errors import InvalidArgumentError


def from_contamination(scores, contamination):
    """PyOD's rule: the (1 - contamination) percentile of the training scores."""
    return float(np.percentile(scores, 100.0 * (1.0 - contamination)))


def _operating_points(scores, labels):
    """For every distinct score t (descending): true and false positives of the rule score >= t."""
    order = np.argsort(-scores, kind="mergesort")
    s, y = scores[order], labels[order]
    last_of_value = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp = np.cumsum(y)[last_of_value]
    fp = (last_of_value + 1) - tp
    return s[last_of_value], tp, fp


def _just_below(values, k):
    """A threshold that makes `score > threshold` equal `score >= values[k]` on the calibration scores."""
    if k + 1 < len(values):
        return float((values[k] + values[k + 1]) / 2)
    return float(np.nextafter(values[k], -np.inf))


def require_both_classes(labels):
    y = np.asarray(labels).astype(np.int64)
    if not (y == 1).any() or not (y == 0).any():
        raise InvalidArgumentError("calibration needs nominal (0) and anomalous (1) examples in y")
    return y


def _checked(scores, labels):
    return np.asarray(scores, dtype=np.float64), require_both_classes(labels)


def max_fpr(scores, labels, limit):
    """The lowest threshold whose false-positive rate on the nominal examples is at most `limit` (the
    highest recall under that constraint); above every score when even the top score is a false positive
    that would break the limit."""
    s, y = _checked(scores, labels)
    values, _, fp = _operating_points(s, y)
    ok = np.nonzero(fp / (y == 0).sum() <= limit)[0]
    if len(ok) == 0:
        return float(values[0])
    return _just_below(values, int(ok[-1]))

"""Thresholds and metrics of fs.FCDD against brute force and scikit-learn."""
import numpy as np
import pytest

import fcdd_swift as fs
from fcdd_swift.detector import native
from detector_data import FAST, labelled_set, textures

sklearn_metrics = pytest.importorskip("sklearn.metrics")


def brute_force(scores, labels, rule):
    """The best threshold among all distinct scores under `rule(tp, fp, fn, tn)` for `score >= t`."""
    best = None
    for t in np.unique(scores):
        p = scores >= t
        tp, fp = (p & (labels == 1)).sum(), (p & (labels == 0)).sum()
        value = rule(tp, fp, (~p & (labels == 1)).sum(), (~p & (labels == 0)).sum())
        if value is not None and (best is None or value > best[0]):
            best = (value, t)
    return best


@pytest.mark.parametrize("seed", range(5))
def test_f1_threshold_is_the_best_one(seed):
    rng = np.random.default_rng(seed)
    labels = (rng.random(200) < 0.3).astype(int)
    scores = np.round(rng.normal(labels * 1.0, 1.0), 2).astype(np.float32).astype(np.float64)   # ties on purpose
    t = native.evaluate(scores, labels, None, None, 0.3)["f1_max_threshold"]   # the engine's one F1-max
    predicted = scores > t
    f1 = sklearn_metrics.f1_score(labels, predicted)
    best, _ = brute_force(scores, labels, lambda tp, fp, fn, tn: 2 * tp / (2 * tp + fp + fn))
    assert f1 == pytest.approx(best, abs=1e-12)


@pytest.mark.parametrize("seed, limit", [(0, 0.05), (1, 0.1), (2, 0.0), (3, 0.3)])
def test_max_fpr_threshold_has_the_highest_recall_within_the_limit(seed, limit):
    rng = np.random.default_rng(seed)
    labels = (rng.random(300) < 0.4).astype(int)
    scores = np.round(rng.normal(labels * 1.5, 1.0), 2).astype(np.float32).astype(np.float64)
    t = native.choose_threshold(scores, labels, {"method": "max_fpr", "max_fpr": limit})["value"]
    predicted = scores > t
    fpr = (predicted & (labels == 0)).sum() / (labels == 0).sum()
    recall = (predicted & (labels == 1)).sum() / (labels == 1).sum()
    assert fpr <= limit
    best = brute_force(scores, labels, lambda tp, fp, fn, tn: tp / (tp + fn) if fp / (fp + tn) <= limit else None)
    assert recall == pytest.approx(best[0] if best else 0.0, abs=1e-12)


def test_contamination_threshold_is_pyods_percentile():
    scores = np.random.default_rng(0).random(101).astype(np.float32)
    t = native.choose_threshold(scores, None, {"method": "contamination", "contamination": 0.1})
    assert t["value"] == np.percentile(scores.astype(np.float64), 90) and t["method"] == "contamination"


@pytest.fixture(scope="module")
def fitted():
    x, _ = textures(64)
    return fs.FCDD(**{**FAST, "epochs": 6}).fit(x)


def test_calibrate_threshold_on_a_detector(fitted):
    x, y, _ = labelled_set(20)
    scores = fitted.decision_function(x)
    fitted.calibrate_threshold(x, y, method="max_fpr", max_fpr=0.05)
    assert fitted.threshold_method_ == "max_fpr"
    assert ((fitted.predict(x) == 1) & (y == 0)).mean() * 2 <= 0.05
    fitted.calibrate_threshold(x, y)
    metrics = fitted.evaluate(x, y)
    assert fitted.threshold_ == metrics["f1_max_threshold"] and metrics["threshold"] == fitted.threshold_
    assert metrics["f1"] == pytest.approx(metrics["f1_max"], abs=1e-12)   # at its own threshold F1 is F1-max
    assert sklearn_metrics.f1_score(y, scores > fitted.threshold_) == pytest.approx(metrics["f1_max"], abs=1e-12)
    np.testing.assert_array_equal(fitted.labels_, (fitted.decision_scores_ > fitted.threshold_).astype(int))


def aupro_reference(maps, masks, limit):
    """Bergmann et al.'s AUPRO written plainly: regions by 8-connected labelling, one curve point per
    distinct score, trapezoid up to `limit` with interpolation, normalised by `limit`."""
    from scipy import ndimage
    nominal = np.concatenate([maps[i][masks[i] == 0] for i in range(len(maps))])
    thresholds_ = np.unique(maps)[::-1]
    fprs, pros = [0.0], [0.0]
    by_image = []
    for i, m in enumerate(masks):
        lab, k = ndimage.label(m, structure=np.ones((3, 3)))
        by_image += [maps[i][lab == j] for j in range(1, k + 1)]
    for t in thresholds_:
        fprs.append((nominal >= t).mean())
        pros.append(np.mean([(r >= t).mean() for r in by_image]))
    fprs, pros = np.array(fprs + [1.0]), np.array(pros + [1.0])
    keep = fprs <= limit
    x, y = list(fprs[keep]), list(pros[keep])
    j = np.argmax(fprs > limit)
    y.append(pros[j - 1] + (pros[j] - pros[j - 1]) * (limit - fprs[j - 1]) / (fprs[j] - fprs[j - 1]))
    x.append(limit)
    return np.trapezoid(y, x) / limit


def test_evaluate_matches_scikit_learn(fitted):
    x, y, m = labelled_set(12)
    result = fitted.evaluate(x, y, gtmaps=m)
    scores = fitted.decision_function(x)
    maps = fitted.anomaly_map(x)
    assert result["image_auroc"] == pytest.approx(sklearn_metrics.roc_auc_score(y, scores), abs=1e-12)
    assert result["ap"] == pytest.approx(sklearn_metrics.average_precision_score(y, scores), abs=1e-12)
    precision, recall, _ = sklearn_metrics.precision_recall_curve(y, scores)
    f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    assert result["f1_max"] == pytest.approx(f1.max(), abs=1e-12)
    assert result["pixel_auroc"] == pytest.approx(sklearn_metrics.roc_auc_score(m.ravel(), maps.ravel()), abs=1e-9)
    assert result["pixel_ap"] == pytest.approx(sklearn_metrics.average_precision_score(m.ravel(), maps.ravel()), abs=1e-9)
    assert result["aupro"] == pytest.approx(aupro_reference(maps, m, 0.3), abs=1e-6)
    predicted = scores > fitted.threshold_
    assert result["precision"] == pytest.approx(sklearn_metrics.precision_score(y, predicted, zero_division=0))
    assert result["recall"] == pytest.approx(sklearn_metrics.recall_score(y, predicted))


def test_metrics_that_need_both_classes_are_none(fitted):
    x, _ = textures(6)
    with pytest.warns(UserWarning, match="only nominal"):
        result = fitted.evaluate(x, np.zeros(6, int), gtmaps=np.zeros((6, 28, 28), np.uint8))
    assert result["image_auroc"] is None and result["pixel_auroc"] is None and result["aupro"] is None


def test_evaluate_with_one_class_says_why_the_image_metrics_are_none(fitted):
    x, y, _ = labelled_set(10)
    nominal = x[y == 0]
    with pytest.warns(UserWarning, match="only nominal \\(0\\) images, so image_auroc, ap and f1_max are undefined"):
        metrics = fitted.evaluate(nominal, np.zeros(len(nominal), int))
    assert metrics["image_auroc"] is None and metrics["f1_max"] is None

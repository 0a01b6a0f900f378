"""From scores to decisions: image and pixel thresholds of fs.FCDD (chosen in the engine), the records of
`inspect`, the masks of `predict_mask`, and how they survive save / load."""
from collections import deque

import numpy as np
import pytest

import fcdd_swift as fs
from detector_data import FAST, labelled_set, textures


def components(mask):
    """8-connected components of a 2-D boolean mask as lists of (y, x): a plain flood fill to check against."""
    seen = np.zeros_like(mask, bool)
    found = []
    for y0, x0 in zip(*np.nonzero(mask)):
        if seen[y0, x0]:
            continue
        seen[y0, x0] = True
        queue, pixels = deque([(y0, x0)]), []
        while queue:
            y, x = queue.popleft()
            pixels.append((y, x))
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = y + dy, x + dx
                    if 0 <= ny < mask.shape[0] and 0 <= nx < mask.shape[1] and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        queue.append((ny, nx))
        found.append(pixels)
    return found


@pytest.fixture(scope="module")
def trained():
    x, _ = textures(96, seed=3)
    return fs.FCDD(**{**FAST, "epochs": 8}).fit(x)


def test_image_threshold_from_nominal_images_alone(trained):
    xn, _ = textures(200, seed=11)
    trained.calibrate_threshold(xn, max_fpr=0.05)
    chosen = trained.thresholds_["image"]
    assert chosen["method"] == "nominal_fpr" and chosen["parameter"] == 0.05
    scores = trained.decision_function(xn).astype(np.float32).astype(np.float64)
    flagged = (scores > trained.threshold_).mean()
    assert flagged <= 0.05 and flagged == chosen["calibration"]["false_positive_rate"]
    # as many flagged as the limit allows: the next lower candidate would break it
    next_lower = scores[scores <= trained.threshold_].max()
    assert (scores >= next_lower).mean() > 0.05
    np.testing.assert_array_equal(trained.predict(xn), scores > trained.threshold_)


def test_pixel_threshold_from_masks_is_the_best_pixel_f1(trained):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    x, _, m = labelled_set(16, seed=5)
    trained.calibrate_pixel_threshold(x, m)
    chosen = trained.thresholds_["pixel"]
    assert chosen["method"] == "f1" and trained.pixel_threshold_ == chosen["value"]
    maps = trained.anomaly_map(x).reshape(-1)
    truth = m.reshape(-1) > 0
    precision, recall, _ = sklearn_metrics.precision_recall_curve(truth, maps)
    best = np.max(2 * precision * recall / np.maximum(precision + recall, 1e-300))
    f1 = sklearn_metrics.f1_score(truth, maps > trained.pixel_threshold_)
    assert f1 == pytest.approx(best, abs=1e-9) and chosen["calibration"]["f1"] == pytest.approx(f1, abs=1e-12)


def test_pixel_threshold_without_masks_is_a_quantile_of_nominal_pixels(trained):
    xn, _ = textures(20, seed=12)
    trained.calibrate_pixel_threshold(xn, quantile=0.99)
    maps = trained.anomaly_map(xn).astype(np.float64)
    assert trained.pixel_threshold_ == np.quantile(maps, 0.99)
    assert trained.thresholds_["pixel"]["method"] == "nominal_quantile"
    trained.calibrate_pixel_threshold(xn)   # the default quantile
    assert trained.thresholds_["pixel"]["parameter"] == 0.999


def test_inspect_regions_are_the_components_of_the_thresholded_map(trained):
    x, _, m = labelled_set(8, seed=7)
    trained.calibrate_pixel_threshold(x, m)
    records = trained.inspect(x)
    masks = trained.predict_mask(x)
    scores, maps = trained.score_and_map(x)
    assert [r["score"] for r in records] == pytest.approx(scores.astype(np.float32).tolist(), abs=0)
    assert [r["label"] for r in records] == (scores > trained.threshold_).astype(int).tolist()
    for record, heat, mask in zip(records, maps, masks):
        expected = components(heat > trained.pixel_threshold_)
        assert len(record["regions"]) == len(expected)
        got = {tuple(r["box"]): r for r in record["regions"]}
        for pixels in expected:
            ys, xs = zip(*pixels)
            region = got[(min(xs), min(ys), max(xs) + 1, max(ys) + 1)]
            values = heat[tuple(np.array(pixels).T)]
            assert region["area"] == len(pixels)
            assert region["max_score"] == pytest.approx(float(values.max()), abs=0)
            assert region["mean_score"] == pytest.approx(float(values.astype(np.float64).mean()), rel=1e-9)
        assert [r["max_score"] for r in record["regions"]] == sorted((r["max_score"] for r in record["regions"]), reverse=True)
        np.testing.assert_array_equal(mask, heat > trained.pixel_threshold_)
    big = trained.inspect(x, min_area=10)
    for small, large in zip(records, big):
        assert [r for r in small["regions"] if r["area"] >= 10] == large["regions"]


def test_without_a_pixel_threshold_inspect_says_how_to_set_one():
    x, _ = textures(32, seed=4)
    det = fs.FCDD(**FAST).fit(x)
    with pytest.warns(UserWarning, match="calibrate_pixel_threshold"):
        records = det.inspect(x[:2])
    assert records[0]["regions"] is None and records[0]["label"] in (0, 1)
    with pytest.raises(fs.StateError, match="calibrate_pixel_threshold"):
        det.predict_mask(x[:2])


def test_thresholds_are_saved_with_the_model_and_a_new_fit_clears_the_pixel_one(trained, tmp_path):
    x, y, m = labelled_set(8, seed=9)
    trained.calibrate_threshold(x, y, method="max_fpr", max_fpr=0.1).calibrate_pixel_threshold(x, m, method="max_fpr", max_fpr=0.01)
    trained.save(tmp_path / "model.fcdd")
    back = fs.FCDD.load(tmp_path / "model.fcdd")
    assert back.thresholds_ == trained.thresholds_
    assert back.threshold_ == trained.threshold_ and back.pixel_threshold_ == trained.pixel_threshold_
    assert back.inspect(x) == trained.inspect(x)
    refit = fs.FCDD(**FAST).fit(textures(32, seed=4)[0])
    assert refit.pixel_threshold_ is None and refit.thresholds_["image"]["method"] == "contamination"

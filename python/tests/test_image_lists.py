"""Lists of images of different sizes (line-scan strips, crops of different parts): fit, scores, heatmaps,
decisions, metrics and overlays take them, on tiles at each image's own resolution or resized to the
network's size without tiles; a list gives the same results as its images one by one."""
import numpy as np
import pytest

import fcdd_swift as fs
from fcdd_swift import _lib
from detector_data import FAST

SIZES = [(100, 80), (64, 200), (130, 130), (50, 40)]


def surfaces(sizes, seed, defect=0):
    """Gray noise surfaces of the given sizes; with `defect` a bright square of that side in each, and masks."""
    rng = np.random.default_rng(seed)
    images, masks = [], []
    for h, w in sizes:
        x = (rng.random((h, w)) * 60 + 100).astype(np.uint8)
        m = np.zeros((h, w), np.uint8)
        if defect:
            r, c = rng.integers(0, h - defect), rng.integers(0, w - defect)
            x[r:r + defect, c:c + defect] = 250
            m[r:r + defect, c:c + defect] = 1
        images.append(x)
        masks.append(m)
    return images, masks


@pytest.fixture(scope="module")
def tiled():
    images, _ = surfaces(SIZES * 3, seed=1)
    return fs.FCDD(**dict(FAST, epochs=3), tile_size=32, tile_stride=24, seed=3).fit(images)


def pooled_auroc(scores, labels):
    """AUROC by ranks (ties share their mean rank): the Mann-Whitney statistic."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    positives = labels.sum()
    negatives = len(labels) - positives
    return (ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)


def test_a_list_scores_as_its_images_one_by_one(tiled):
    images, _ = surfaces(SIZES, seed=5)
    scores, maps = tiled.score_and_map(images)
    assert isinstance(maps, list) and [m.shape for m in maps] == SIZES
    for k, image in enumerate(images):
        alone_score, alone_map = tiled.score_and_map(image[None])
        assert abs(scores[k] - alone_score[0]) <= 1e-5
        np.testing.assert_allclose(maps[k], alone_map[0], atol=1e-5)
    assert tiled.predict(images).shape == (4,)
    # Same-sized lists stay arrays.
    assert tiled.anomaly_map([images[0], images[0]]).shape == (2, 100, 80)


def test_fit_on_a_list_sees_every_image_at_its_resolution(tiled):
    assert tiled.data_shape_ == (1, 32, 32)
    good, _ = surfaces(SIZES * 2, seed=11)
    bad, masks = surfaces(SIZES * 2, seed=12, defect=6)
    result = tiled.evaluate(good + bad, [0] * 8 + [1] * 8, [np.zeros(s, np.uint8) for s in SIZES * 2] + masks)
    assert result["image_auroc"] > 0.8 and result["pixel_auroc"] > 0.9
    # The pooled pixel AUROC over maps of different sizes is that of their pixels put together.
    maps = tiled.anomaly_map(good + bad)
    flat_scores = np.concatenate([m.reshape(-1) for m in maps]).astype(np.float64)
    flat_labels = np.concatenate([np.zeros(m.size, np.int64) for m in maps[:8]] + [m.reshape(-1).astype(np.int64) for m in masks])
    assert abs(result["pixel_auroc"] - pooled_auroc(flat_scores.astype(np.float32), flat_labels)) < 1e-9


def test_decisions_overlays_and_thresholds_take_lists(tiled):
    good, _ = surfaces(SIZES, seed=21)
    bad, masks = surfaces(SIZES, seed=22, defect=8)
    det = fs.FCDD.from_bytes(tiled.to_bytes())
    det.calibrate_pixel_threshold(good + bad, [np.zeros(s, np.uint8) for s in SIZES] + masks)
    records = det.inspect(bad)
    assert len(records) == 4 and all(r["regions"] is not None for r in records)
    found = det.predict_mask(bad)
    assert [m.shape for m in found] == SIZES
    assert sum(int((f & m).any()) for f, m in zip(found, masks)) >= 3
    pictures = det.overlay(bad)
    assert [p.shape for p in pictures] == [s + (3,) for s in SIZES]
    with pytest.raises(fs.InvalidArgumentError, match="one size"):
        fs.overlay(bad, det.anomaly_map(bad), normalize="global")


def test_without_tiles_a_list_is_resized_to_the_networks_size():
    images, _ = surfaces(SIZES * 2, seed=31)
    det = fs.FCDD(**FAST).fit(images)
    side = min(max(max(s) for s in SIZES), 224)
    assert det.data_shape_ == (1, side, side) or det.data_shape_[1:] == (side, side)
    assert [m.shape for m in det.anomaly_map(images[:4])] == SIZES


def test_the_same_sizes_evaluate_as_one_block():
    """fcdd_evaluate_sizes with every size equal is fcdd_evaluate."""
    from fcdd_swift.detector import arrays, native
    rng = np.random.default_rng(4)
    maps = rng.random((6, 9, 7)).astype(np.float32)
    masks = (rng.random((6, 9, 7)) > 0.8).astype(np.uint8)
    scores, labels = rng.random(6).astype(np.float32), np.array([0, 1, 0, 1, 1, 0])
    block = native.evaluate(scores, labels, maps, masks, 0.3)
    listed = arrays.ImageList([np.zeros((1, 9, 7), np.uint8)] * 6)
    assert native.evaluate(scores, labels, list(maps), masks.reshape(-1), 0.3, listed) == block


def test_bad_lists_get_clear_errors(tiled):
    images, _ = surfaces(SIZES, seed=41)
    rgb = [np.zeros((40, 50, 3), np.uint8), np.zeros((60, 30), np.uint8)]
    with pytest.raises(fs.ShapeError, match="all be gray or all RGB"):
        tiled.decision_function(rgb)
    with pytest.raises(fs.ShapeError, match="list of 4 maps"):
        tiled.evaluate(images, [0, 1, 0, 1], gtmaps=[np.zeros((5, 5))])
    with pytest.raises(fs.ShapeError, match=r"gtmaps\[1\]"):
        tiled.evaluate(images, [0, 1, 0, 1], gtmaps=[np.zeros(s, np.uint8) for s in SIZES[:1] + SIZES[:3]])
    with pytest.raises(fs.ShapeError, match="empty"):
        tiled.decision_function([np.zeros((0, 5), np.uint8), np.zeros((4, 4), np.uint8)])


def test_the_c_functions_check_their_sizes(tiled):
    lib = _lib.lib
    pixels = np.zeros(100, np.uint8)
    heights, widths = np.array([5, 5], np.int32), np.array([10, 0], np.int32)
    scores = np.zeros(2, np.float32)
    with tiled._lock:
        handle = tiled._native()
        with handle._use() as ptr:
            status = lib.fcdd_detector_infer_sizes(ptr, pixels.ctypes.data, 2, 1, heights.ctypes.data,
                                                   widths.ctypes.data, _lib.f32ptr(scores), None)
            assert _lib.status_string(status) == "FCDD_ERR_INVALID_ARGUMENT"
            assert "out of range" in _lib.last_error()
            status = lib.fcdd_detector_infer_sizes(ptr, pixels.ctypes.data, 2, 1, None, widths.ctypes.data,
                                                   _lib.f32ptr(scores), None)
            assert _lib.status_string(status) == "FCDD_ERR_NULL"

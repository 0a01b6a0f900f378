"""fs.FCDD on small synthetic images: every method, layouts and sizes, determinism, model files, training
with known anomalies, masks and outlier images, callbacks, progress output and threads."""
import pickle
import threading
import warnings

import numpy as np
import pytest

import fcdd_swift as fs
from detector_data import FAST, labelled_set, textures


@pytest.fixture(scope="module")
def fitted():
    x, _ = textures(64)
    return fs.FCDD(**{**FAST, "epochs": 8}).fit(x), x


def test_fit_sets_the_fitted_attributes(fitted):
    det, x = fitted
    assert det.decision_scores_.shape == (64,) and det.decision_scores_.dtype == np.float64
    assert det.threshold_ == pytest.approx(np.percentile(det.decision_scores_, 90))
    assert det.labels_.tolist() == (det.decision_scores_ > det.threshold_).astype(int).tolist()
    assert det.labels_.sum() == pytest.approx(0.1 * 64, abs=1)
    assert len(det.history_["loss"]) == 8 and det.n_epochs_ == 8 and not det.stopped_
    assert det.data_shape_ == (1, 28, 28) and det.in_shape_ == (1, 28, 28)
    r = det.resolved_params_
    assert r["profile"] == "small_gray" and r["net"] == "FCDD_CNN28" and r["preproc"] == "lcnaug1"
    assert r["supervise_mode"] == "malformed_normal" and r["noise_mode"] == "confetti"


def test_scores_labels_and_maps(fitted):
    det, _ = fitted
    x, y, _ = labelled_set()
    scores = det.decision_function(x)
    assert scores.shape == (48,) and np.isfinite(scores).all()
    np.testing.assert_array_equal(det.score_samples(x), -scores)
    np.testing.assert_array_equal(det.predict(x), (scores > det.threshold_).astype(int))
    maps = det.anomaly_map(x)
    assert maps.shape == (48, 28, 28) and maps.dtype == np.float32 and (maps >= 0).all()
    assert scores[y == 1].mean() > scores[y == 0].mean()


def test_score_and_map_in_one_pass(fitted):
    det, _ = fitted
    x, _, _ = labelled_set(4)
    scores, maps = det.score_and_map(x)
    np.testing.assert_array_equal(scores, det.decision_function(x))
    np.testing.assert_array_equal(maps, det.anomaly_map(x))


def test_float_images_in_unit_range_equal_their_uint8_originals(fitted):
    det, _ = fitted
    x, _, _ = labelled_set(8)
    np.testing.assert_array_equal(det.decision_function(x), det.decision_function(x / 255.0))
    np.testing.assert_array_equal(det.decision_function(x), det.decision_function(x[:, None].astype(np.float32) / 255))
    np.testing.assert_array_equal(det.decision_function(x), det.decision_function(x[..., None]))


def test_colour_images_in_both_layouts_and_any_size():
    x, _ = textures(32, side=36, channels=3, height=20)
    det = fs.FCDD(**FAST).fit(x)                                   # (N, H, W, C) uint8, not square
    assert det.data_shape_ == (3, 20, 36) and det.in_shape_ == (3, 36, 36)
    nchw = np.ascontiguousarray(x.transpose(0, 3, 1, 2)).astype(np.float32) / 255
    np.testing.assert_array_equal(det.decision_function(x), det.decision_function(nchw))
    assert det.anomaly_map(x).shape == (32, 20, 36)
    bigger, _ = textures(3, side=72, channels=3, height=40)       # another size: resized to the fitted one
    assert det.anomaly_map(bigger).shape == (3, 40, 72)


def test_the_same_seed_gives_the_same_detector():
    x, _ = textures(48)
    test, _, _ = labelled_set(8)
    a = fs.FCDD(**FAST, seed=3).fit(x).decision_function(test)
    b = fs.FCDD(**FAST, seed=3).fit(x).decision_function(test)
    c = fs.FCDD(**FAST, seed=4).fit(x).decision_function(test)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_save_and_load_round_trip(fitted, tmp_path):
    det, _ = fitted
    x, y, _ = labelled_set(8)
    det.calibrate_threshold(x, y, method="f1")
    path = tmp_path / "model.fcdd"
    det.save(path)
    back = fs.FCDD.load(path)
    np.testing.assert_allclose(back.decision_function(x), det.decision_function(x), rtol=0, atol=1e-6)
    np.testing.assert_allclose(back.anomaly_map(x), det.anomaly_map(x), rtol=0, atol=1e-6)
    assert back.threshold_ == det.threshold_ and back.threshold_method_ == "f1"
    assert back.get_params() == {**det.get_params(), "oe_data": None}
    assert back.resolved_params_ == det.resolved_params_ and back.history_ == det.history_
    np.testing.assert_array_equal(back.decision_scores_, det.decision_scores_)
    np.testing.assert_array_equal(back.predict(x), det.predict(x))
    assert not list(tmp_path.glob("*.tmp*")), "the model is written through a temporary file"


def test_pickle_round_trip(fitted):
    det, _ = fitted
    x, _, _ = labelled_set(4)
    back = pickle.loads(pickle.dumps(det))
    np.testing.assert_allclose(back.decision_function(x), det.decision_function(x), atol=1e-6)
    unfitted = pickle.loads(pickle.dumps(fs.FCDD(epochs=3)))
    assert unfitted.epochs == 3


def test_known_anomalies_with_masks_train_semi_supervised():
    x, y, m = labelled_set(24)
    det = fs.FCDD(**FAST).fit(x, y, gtmaps=m)
    r = det.resolved_params_
    assert r["supervise_mode"] == "noise" and r["noise_mode"] == "outlier_exposure"
    assert np.isfinite(det.decision_scores_).all()
    other = fs.FCDD(**FAST, supervise_mode="other", noise_mode="confetti").fit(x, y, gtmaps=m)
    assert other.resolved_params_["supervise_mode"] == "other"


def test_outlier_exposure_images_of_another_size_and_channel_count():
    x, _ = textures(32)
    oe, _ = textures(16, side=32, channels=3, anomalous=True, seed=9)
    det = fs.FCDD(**FAST, oe_data=oe, oe_limit=4).fit(x)
    assert det.resolved_params_["noise_mode"] == "outlier_exposure"
    with pytest.raises(fs.InvalidArgumentError, match="oe_data is used with"):
        fs.FCDD(**FAST, oe_data=oe, supervise_mode="malformed_normal", noise_mode="confetti").fit(x)


def test_the_epoch_callback_sees_every_epoch_and_can_stop_training():
    x, _ = textures(32)
    seen = []
    fs.FCDD(**{**FAST, "epochs": 3}).fit(x, callback=seen.append)
    assert [e["epoch"] for e in seen] == [1, 2, 3] and all(e["epochs"] == 3 for e in seen)   # as the progress line
    with pytest.warns(RuntimeWarning, match="stopped after 1 of 5 epochs"):
        det = fs.FCDD(**{**FAST, "epochs": 5}).fit(x, callback=lambda e: False)
    assert det.stopped_ and det.n_epochs_ == 1
    assert det.predict(x).shape == (32,)


def test_the_epoch_callback_scores_with_the_weights_so_far_without_changing_training():
    x, _ = textures(32)
    val, y_val, _ = labelled_set(8)
    plain = fs.FCDD(**{**FAST, "epochs": 3}).fit(x)
    seen = []

    def validate(info):
        seen.append((det.decision_function(val), det.evaluate(val, y_val)["image_auroc"], det.anomaly_map(val[:2]).shape))

    det = fs.FCDD(**{**FAST, "epochs": 3})
    det.fit(x, callback=validate)
    assert len(seen) == 3 and all(shape == (2, 28, 28) for _, _, shape in seen)
    assert all(0 <= auroc <= 1 for _, auroc, _ in seen)
    assert not np.array_equal(seen[0][0], seen[2][0]), "each epoch scores with that epoch's weights"
    # The last epoch's scores are the fitted detector's, and scoring between epochs changed nothing.
    np.testing.assert_array_equal(seen[2][0], det.decision_function(val))
    np.testing.assert_array_equal(det.decision_function(val), plain.decision_function(val))
    # Outside the callback an unfitted detector is still unfitted.
    with pytest.raises(fs.NotFittedError):
        fs.FCDD(**FAST).decision_function(val)


def test_progress_bar_with_tqdm_and_plain_line_without(capsys, monkeypatch):
    x, _ = textures(32)
    fs.FCDD(**{**FAST, "verbose": 2}).fit(x)
    err = capsys.readouterr().err
    assert "FCDD FCDD_CNN28" in err and "epoch 2/2" in err
    from fcdd_swift.detector import progress
    monkeypatch.setattr(progress, "_tqdm", lambda: None)
    fs.FCDD(**FAST | {"verbose": 1}).fit(x)
    assert "epoch 1/2  loss" in capsys.readouterr().err


def test_training_releases_the_gil_and_detectors_work_in_parallel_threads():
    x, _ = textures(64)
    test, _, _ = labelled_set(8)
    serial = [fs.FCDD(**FAST, seed=s).fit(x).decision_function(test) for s in (1, 2)]
    results, ticks, done = {}, [0], threading.Event()

    def count():
        while not done.is_set():
            ticks[0] += 1

    def fit(seed):
        results[seed] = fs.FCDD(**FAST, seed=seed).fit(x).decision_function(test)

    counter = threading.Thread(target=count)
    counter.start()
    workers = [threading.Thread(target=fit, args=(s,)) for s in (1, 2)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    done.set()
    counter.join()
    np.testing.assert_array_equal(results[1], serial[0])
    np.testing.assert_array_equal(results[2], serial[1])
    assert ticks[0] > 10000, "Python threads must run while the engine trains"


def test_two_threads_on_one_detector_are_serialised(fitted):
    det, _ = fitted
    x, _, _ = labelled_set(8)
    expected = det.decision_function(x)
    out, errors = [], []

    def score():
        try:
            for _ in range(5):
                out.append(det.decision_function(x))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=score) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(out) == 10
    for o in out:
        np.testing.assert_array_equal(o, expected)


def test_refit_on_another_thread_while_scoring():
    x, _ = textures(32)
    det = fs.FCDD(**FAST).fit(x)
    test, _, _ = labelled_set(4)
    errors = []

    def refit():
        try:
            det.fit(x)
        except Exception as e:  # pragma: no cover
            errors.append(e)

    t = threading.Thread(target=refit)
    t.start()
    for _ in range(5):
        assert det.decision_function(test).shape == (8,)
    t.join()
    assert not errors


def test_overlay_arrays():
    x, _, m = labelled_set(3)
    maps = m.astype(np.float32)
    out = fs.overlay(x, maps)
    assert out.shape == (6, 28, 28, 3) and out.dtype == np.uint8
    plain = fs.overlay(x, maps, alpha=0.0)
    np.testing.assert_array_equal(plain, np.repeat(x[..., None], 3, axis=3))
    single = fs.overlay(x[4], maps[4], normalize="global")
    assert single.shape == (28, 28, 3)
    hot = fs.overlay(x[4:5], maps[4:5], alpha=1.0)[0]
    assert hot[m[4] == 1].mean(axis=0)[0] > hot[m[4] == 0].mean(axis=0)[0]   # anomalous pixels red
    with pytest.raises(fs.ShapeError):
        fs.overlay(x, maps[:2])
    with pytest.raises(fs.InvalidArgumentError, match="alpha"):
        fs.overlay(x, maps, alpha=2)


def test_detector_overlay_uses_the_resolved_quantile(fitted):
    det, _ = fitted
    x, _, _ = labelled_set(2)
    assert det.overlay(x).shape == (4, 28, 28, 3)


def test_fit_says_what_its_anomalies_are_trained_from(capsys):
    x, _ = textures(16)
    det = fs.FCDD(**{**FAST, "verbose": 1}).fit(x)
    err = capsys.readouterr().err
    assert "anomalies: trained with synthetic anomalies only: 'confetti' noise, supervise_mode 'malformed_normal' (the noise is drawn on nominal images)" in err
    assert "known anomalies (fit(X, y)" in err and "oe_data" in err
    assert det.supervision_.startswith("trained with synthetic anomalies only")
    y = np.zeros(len(x), int)
    y[:2] = 1
    assert fs.FCDD(**FAST).fit(x, y).supervision_ == "trained with 2 known anomalies"
    with_oe = fs.FCDD(**{**FAST, "oe_data": x[:5]}).fit(x)
    assert with_oe.supervision_ == "trained with 5 outlier images (oe_data)"

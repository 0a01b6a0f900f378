"""fs.FCDD refuses bad input with an exception that says what is wrong, before anything reaches the engine
where it can (and the engine checks again): dtypes, ranks, empty arrays, NaN, label and map mismatches,
parameters, use before fit, and files that are corrupt or not detector models."""
import numpy as np
import pytest

import fcdd_swift as fs
from detector_data import FAST, labelled_set, textures


@pytest.fixture(scope="module")
def fitted():
    x, _ = textures(32)
    return fs.FCDD(**FAST).fit(x)


X, _ = textures(16)


@pytest.mark.parametrize("bad, error, message", [
    (X.astype(bool), fs.InvalidArgumentError, "uint8 or float images; got dtype bool"),
    (X.astype(np.complex64), fs.InvalidArgumentError, "Complex data not supported"),
    (np.array([["a"]]), fs.InvalidArgumentError, "got dtype <U1"),
    (X.reshape(16, -1), fs.ShapeError, "flattened images must be reshaped"),
    (X[0, 0], fs.ShapeError, "got an array of shape (28,)"),
    (X[:, None, None], fs.ShapeError, "got an array of shape (16, 1, 1, 28, 28)"),
    (X[:0], fs.ShapeError, "no images (N = 0)"),
    (np.zeros((4, 28, 28, 4), np.uint8), fs.ShapeError, "drop the alpha channel"),
    (np.zeros((4, 28, 28, 2), np.uint8), fs.ShapeError, "1 (gray) or 3 (RGB) channels"),
    (np.full((4, 28, 28), np.nan), fs.InvalidArgumentError, "NaN or infinity"),
    (X * 1.0, fs.InvalidArgumentError, "float images must lie in [0, 1]"),
    (X.astype(np.int64) + 200, fs.InvalidArgumentError, "integer images must lie in 0..255"),
    ([np.zeros((28, 28)), np.zeros((2, 20, 20, 3))], fs.InvalidArgumentError, "or a list of images (H, W)"),
])
def test_bad_images(bad, error, message):
    with pytest.raises(error) as e:
        fs.FCDD(**FAST).fit(bad)
    assert message in str(e.value)


def test_labels_and_maps_must_match_the_images():
    x, y, m = labelled_set(8)
    with pytest.raises(fs.ShapeError, match=r"y must have shape \(16,\)"):
        fs.FCDD(**FAST).fit(x, y[:5])
    with pytest.raises(fs.InvalidArgumentError, match=r"0 \(nominal\) and 1 \(anomalous\) only; got \[2\]"):
        fs.FCDD(**FAST).fit(x, y * 2)
    with pytest.raises(fs.ShapeError, match=r"gtmaps must have shape \(16, 28, 28\)"):
        fs.FCDD(**FAST).fit(x, y, gtmaps=m[:, :20])
    with pytest.raises(fs.InvalidArgumentError, match="NaN"):
        fs.FCDD(**FAST).fit(x, y, gtmaps=np.full(m.shape, np.nan))
    marked = m.copy()
    marked[0, 3, 3] = 1
    with pytest.raises(fs.InvalidArgumentError, match="labelled nominal must be empty; images 0"):
        fs.FCDD(**FAST).fit(x, y, gtmaps=marked)
    with pytest.raises(fs.InvalidArgumentError, match="at least one nominal image"):
        fs.FCDD(**FAST).fit(x, np.ones(16, int))
    with pytest.raises(fs.InvalidArgumentError, match="fcdd objective only"):
        fs.FCDD(**{**FAST, "net": None}, objective="hsc").fit(x, y, gtmaps=m)


@pytest.mark.parametrize("params, message", [
    (dict(net="FCDD_NOPE"), "net must be one of AE224, "),
    (dict(objective="svdd"), "objective must be one of fcdd, hsc, ae; got 'svdd'"),
    (dict(epochs=-1), "epochs must be in [0, 1000000]; got -1"),
    (dict(epochs=2.5), "epochs must be an integer; got 2.5"),
    (dict(lr=0), "lr must be > 0; got 0"),
    (dict(contamination=0.7), "contamination must be in (0, 0.5]; got 0.7"),
    (dict(supervise_mode="always"), "supervise_mode must be one of unsupervised, other, noise"),
    (dict(noise_mode="cifar100"), "noise_mode 'cifar100' reads an outlier dataset from disk"),
    (dict(preproc="lcnaug2"), "preproc must be one of lcnaug1"),
    (dict(scheduler="milestones"), "must be given with the milestones schedule"),
    (dict(scheduler="lambda", lr_sched_param=[0.9, 3]), "lr_sched_param of the lambda schedule must be [GAMMA]"),
    (dict(seed=-1), "seed must be in [0, 9007199254740991]; got -1"),
    (dict(quantile=1.5), "quantile must be in (0, 1]; got 1.5"),
    (dict(bias="yes"), "bias must be true or false; got 'yes'"),
    (dict(net="FCDD_CNN224_VGG_F"), "starts from ImageNet weights"),
])
def test_bad_parameters_are_named(params, message):
    with pytest.raises(fs.FCDDError) as e:
        fs.FCDD(**{**FAST, **params}).fit(X)
    assert message in str(e.value)


def test_use_before_fit():
    det = fs.FCDD()
    for call in (det.decision_function, det.predict, det.anomaly_map, det.score_samples):
        with pytest.raises(fs.NotFittedError, match="not fitted yet"):
            call(X)
    with pytest.raises(fs.NotFittedError):
        det.save("/tmp/never.fcdd")
    assert issubclass(fs.NotFittedError, ValueError) and issubclass(fs.NotFittedError, AttributeError)


def test_images_must_have_the_fitted_channel_count(fitted):
    rgb, _ = textures(2, channels=3)
    with pytest.raises(fs.InvalidArgumentError, match="fitted on 1-channel images"):
        fitted.decision_function(rgb)


def test_calibration_methods_say_what_they_need(fitted):
    x, y, m = labelled_set(4)
    with pytest.raises(fs.InvalidArgumentError, match="'f1' needs labels y with nominal \\(0\\) and anomalous"):
        fitted.calibrate_threshold(x, None, method="f1")
    with pytest.raises(fs.InvalidArgumentError, match="method='max_fpr'"):
        fitted.calibrate_threshold(x, np.zeros(8, int), method="f1")
    with pytest.raises(fs.InvalidArgumentError, match="method must be"):
        fitted.calibrate_threshold(x, y, method="youden")
    with pytest.raises(fs.InvalidArgumentError, match="max_fpr must be in"):
        fitted.calibrate_threshold(x, max_fpr=1.5)
    with pytest.raises(fs.InvalidArgumentError, match="method='quantile'"):
        fitted.calibrate_pixel_threshold(x, method="f1")
    with pytest.raises(fs.InvalidArgumentError, match="quantile must be in"):
        fitted.calibrate_pixel_threshold(x, quantile=2)
    with pytest.raises(fs.InvalidArgumentError, match="min_area"):
        fitted.inspect(x, min_area=0)


def test_corrupt_and_foreign_files(tmp_path, fitted):
    garbage = tmp_path / "garbage.fcdd"
    garbage.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(fs.FormatError, match="garbage.fcdd is not an fcdd-swift model file"):
        fs.FCDD.load(garbage)
    text = tmp_path / "notes.txt"
    text.write_text("these are my notes, not a model")
    with pytest.raises(fs.FormatError, match="notes.txt is not an fcdd-swift model file"):
        fs.FCDD.load(text)
    truncated = tmp_path / "truncated.fcdd"
    fitted.save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:-100])
    with pytest.raises(fs.FormatError):
        fs.FCDD.load(truncated)
    plain = tmp_path / "weights.safetensors"
    fs.save_safetensors(plain, {"w": np.zeros(3, np.float32)})
    with pytest.raises(fs.FormatError, match="weights.safetensors is not an fcdd-swift model file: a safetensors file without fcdd-swift metadata"):
        fs.FCDD.load(plain)
    with pytest.raises(OSError, match="No such file"):
        fs.FCDD.load(tmp_path / "missing.fcdd")


def rewrite_metadata(src, dst, edit):
    """Copies model file `src` to `dst` with its fcdd metadata (JSON) changed by `edit`."""
    import json
    import struct
    raw = open(src, "rb").read()
    length = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + length])
    meta = json.loads(header["__metadata__"]["fcdd"])
    edit(meta)
    header["__metadata__"]["fcdd"] = json.dumps(meta)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    open(dst, "wb").write(struct.pack("<Q", len(text)) + text + raw[8 + length:])


@pytest.mark.parametrize("field, value, message", [
    ("threshold", "high", "stored by FCDD.save are damaged"),
    ("decision_scores", {"a": 1}, "stored by FCDD.save are damaged"),
    ("params", [1, 2], "stored by FCDD.save are damaged"),
    ("threshold", None, "stored by FCDD.save are damaged"),
])
def test_damaged_stored_fields_are_format_errors_naming_the_file(tmp_path, fitted, field, value, message):
    good = tmp_path / "good.fcdd"
    fitted.save(good)
    bad = tmp_path / "bad.fcdd"
    def damage(m):
        if field == "threshold":   # a file from before the engine kept the thresholds: fs.FCDD's own field
            m["thresholds"] = None
            m["extra"]["user"]["threshold_method"] = "f1"
        m["extra"]["user"][field] = value
    rewrite_metadata(good, bad, damage)
    with pytest.raises(fs.FormatError, match=f"bad.fcdd.*{message}"):
        fs.FCDD.load(bad)


def test_a_file_with_the_threshold_in_fs_fcdds_fields_still_loads(tmp_path, fitted):
    good, old = tmp_path / "good.fcdd", tmp_path / "old.fcdd"
    fitted.save(good)

    def as_before(m):
        m["thresholds"] = None
        m["extra"]["user"].update(threshold=0.25, threshold_method="max_fpr")
    rewrite_metadata(good, old, as_before)
    det = fs.FCDD.load(old)
    assert det.threshold_ == 0.25 and det.threshold_method_ == "max_fpr" and det.pixel_threshold_ is None


@pytest.mark.parametrize("edit, message", [
    (lambda t: t["image"].__setitem__("value", "high"), "the stored image threshold has no finite value"),
    (lambda t: t["image"].__setitem__("method", "magic"), "the stored image threshold has no known method"),
    (lambda t: t.__setitem__("pixel", {"value": 1, "method": "f1", "parameter": 7}), "the stored pixel threshold has a parameter 7.0 outside"),
    (lambda t: t.__setitem__("image", [1]), "the stored image threshold has no finite value"),
])
def test_damaged_stored_thresholds_are_format_errors_naming_the_file(tmp_path, fitted, edit, message):
    good, bad = tmp_path / "good.fcdd", tmp_path / "bad.fcdd"
    fitted.save(good)
    rewrite_metadata(good, bad, lambda m: edit(m["thresholds"]))
    with pytest.raises(fs.FormatError, match=f"bad.fcdd: {message}"):
        fs.FCDD.load(bad)


@pytest.mark.parametrize("edit, message", [
    (lambda m: m["preprocessing"]["constants"].__setitem__("lcn_max", [1e300]), "invalid preprocessing"),
    (lambda m: m["preprocessing"]["constants"].__setitem__("lcn_min", m["preprocessing"]["constants"]["lcn_max"]),
     "invalid preprocessing"),
    (lambda m: m.__setitem__("gauss_std", -3), "invalid gauss_std"),
    (lambda m: m.__setitem__("network", "FCDD_CNN_NOPE"), "cannot be built"),
    (lambda m: m.__setitem__("in_shape", [1, 20000, 20000]), "exceeds the limit"),
])
def test_damaged_model_metadata_is_refused_at_load_naming_the_file(tmp_path, fitted, edit, message):
    good = tmp_path / "good.fcdd"
    fitted.save(good)
    bad = tmp_path / "bad.fcdd"
    rewrite_metadata(good, bad, edit)
    with pytest.raises(fs.FormatError, match=f"bad.fcdd.*{message}"):
        fs.FCDD.load(bad)


def test_constant_and_flat_images_get_a_message_a_user_understands():
    with pytest.raises(fs.InvalidArgumentError, match="the training images do not vary: every pixel of every image has the value 128"):
        fs.FCDD(**FAST).fit(np.full((8, 28, 28), 128, np.uint8))
    with pytest.raises(fs.InvalidArgumentError, match="channel 2 of every image has the value 7"):
        rgb = np.random.default_rng(0).integers(0, 255, (8, 32, 32, 3)).astype(np.uint8)
        rgb[..., 2] = 7
        fs.FCDD(**FAST).fit(rgb)
    one_pixel = np.random.default_rng(1).integers(0, 255, (8, 1, 1)).astype(np.uint8)
    with pytest.raises(fs.InvalidArgumentError, match="every training image is flat .*1 x 1 pixel"):
        fs.FCDD(**FAST).fit(one_pixel)

"""ONNX export: onnxruntime (CPU) gives the engine's decision_function and anomaly_map within 1e-4 of the
largest value for every FCDD network and both channel counts (and for the HSC and AE baselines), the
graph passes onnx.checker, carries its metadata, and takes any batch size."""
import json
import os

import numpy as np
import pytest

import fcdd_swift as fs

if os.environ.get("CI") != "true":
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402

TOLERANCE = 1e-4


def _images(n, channels, side, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(128, 30, (n, side, side, channels)).clip(0, 255).astype(np.uint8)
    x[n // 2:, side // 4:side // 2, side // 4:side // 2] = 255   # some images with a bright square
    return x[..., 0] if channels == 1 else x


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _as_input(x):
    x = x.astype(np.float32) / 255
    return x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)


def _close(ours, theirs):
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= TOLERANCE * max(np.abs(theirs).max(), 1e-12), np.abs(ours - theirs).max()


def _check(det, X, tmp_path, maps=True):
    path = det.export_onnx(tmp_path / "model.onnx")
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    session = _session(path)
    outputs = session.run(None, {"images": _as_input(X)})
    _close(outputs[0], det.decision_function(X))
    if maps:
        assert outputs[1].shape == (len(X), 1) + tuple(det.in_shape_[1:])
        _close(outputs[1][:, 0], det.anomaly_map(X))
    else:
        assert len(outputs) == 1
    return model, session


def _well_conditioned(det, tmp_path, factor=100.0):
    """The detector with its last layer scaled: an untrained network's outputs are ~0.01, where the
    pseudo-Huber sqrt(x^2 + 1) - 1 keeps only 3 significant float32 digits (in the engine as in any
    runtime), which would measure rounding rather than the graph."""
    path = tmp_path / "scaled.fcdd"
    det.save(path)
    tensors, metadata = fs.load_safetensors(path, with_metadata=True)
    for name in [k for k in tensors if k.split(".")[-2] == "conv_final"]:
        tensors[name] = tensors[name] * np.float32(factor)
    fs.save_safetensors(path, tensors, metadata)
    return fs.FCDD.load(path)


SMALL = ["FCDD_CNN28", "FCDD_CNN28_W", "FCDD_CNN32", "FCDD_CNN32_S", "FCDD_CNN32_LW3K"]


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("net", SMALL)
def test_small_fcdd_networks_match_the_engine(net, channels, tmp_path):
    side = 28 if "28" in net else 32
    X = _images(48, channels, side)
    # One epoch, so that the BatchNorm statistics and the preprocessing constants are not the defaults.
    det = fs.FCDD(net=net, epochs=1, batch_size=16, seed=1, verbose=0).fit(X[:32])
    _check(det, X[32:], tmp_path)


@pytest.mark.parametrize("net,channels", [("FCDD_CNN224", 1), ("FCDD_CNN224", 3), ("FCDD_CNN224_W", 1),
                                          ("FCDD_CNN224_W", 3), ("FCDD_CNN224_VGG_NOPT", 3)])
def test_224_fcdd_networks_match_the_engine(net, channels, tmp_path):
    X = _images(6, channels, 224)
    det = fs.FCDD(net=net, epochs=0, seed=1, verbose=0).fit(X[:4])   # preprocessing constants, initial weights
    _check(_well_conditioned(det, tmp_path), X[2:], tmp_path)


@pytest.mark.parametrize("net", ["FCDD_CNN224_VGG", "FCDD_CNN224_VGG_F"])
def test_pretrained_vgg_networks_match_the_engine(net, tmp_path):
    # ImageNet weights stand-in: another network's VGG features under torchvision's names.
    source = fs.Network("FCDD_CNN224_VGG_NOPT", in_shape=(3, 224, 224), seed=7)
    weights = {k: v for k, v in source.state_dict().items() if k.startswith("features.") and v.dtype == np.float32}
    fs.save_safetensors(tmp_path / "vgg11_bn.safetensors", weights)
    X = _images(5, 3, 224)
    det = fs.FCDD(net=net, vgg_weights=str(tmp_path / "vgg11_bn.safetensors"), epochs=0, seed=1, verbose=0).fit(X[:3])
    _check(_well_conditioned(det, tmp_path), X[1:], tmp_path)


def test_hsc_and_autoencoder_baselines(tmp_path):
    X = _images(40, 1, 28)
    hsc = fs.FCDD(objective="hsc", net="CNN28", epochs=1, batch_size=16, seed=0, verbose=0).fit(X[:32])
    _check(hsc, X[32:], tmp_path, maps=False)
    ae = fs.FCDD(objective="ae", net="AE28", epochs=1, batch_size=16, seed=0, verbose=0).fit(X[:32])
    _check(ae, X[32:], tmp_path)


def test_metadata_batch_sizes_and_opsets(tmp_path):
    X = _images(40, 3, 32)
    det = fs.FCDD(epochs=1, batch_size=16, seed=0, verbose=0).fit(X[:32])
    det.calibrate_threshold(X, np.r_[np.zeros(20, int), np.ones(20, int)], method="f1")
    det.calibrate_pixel_threshold(X[:20], quantile=0.99)
    model, session = _check(det, X[32:], tmp_path)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["network"] == det.resolved_params_["net"] and meta["in_shape"] == "3x32x32"
    assert float(meta["threshold"]) == det.threshold_ and meta["engine_version"] == fs.__version__
    assert float(meta["pixel_threshold"]) == det.pixel_threshold_
    assert json.loads(meta["thresholds"]) == det.thresholds_   # both, with how they were chosen
    assert "resized" in meta["outside"]
    for n in (1, 3):
        scores, maps = session.run(None, {"images": _as_input(X[:n])})
        assert scores.shape == (n,) and maps.shape == (n, 1, 32, 32)
    path18 = det.export_onnx(tmp_path / "opset18.onnx", opset=18)
    assert onnx.load(path18).opset_import[0].version == 18
    _close(_session(path18).run(["scores"], {"images": _as_input(X)})[0], det.decision_function(X))
    with pytest.raises(fs.InvalidArgumentError, match="opset must be an integer"):
        det.export_onnx(tmp_path / "bad.onnx", opset=7)
    assert not (tmp_path / "bad.onnx").exists()
    with pytest.raises(fs.NotFittedError):
        fs.FCDD().export_onnx(tmp_path / "unfitted.onnx")


def test_export_command_on_a_training_snapshot_matches_predict(tmp_path, capsys):
    """`fcdd-swift export` of a `fcdd-swift train` snapshot scores PNG files as `fcdd-swift predict` does."""
    import csv
    from fcdd_swift.cli import main
    logdir = tmp_path / "run"
    assert main(["train", "-e", "1", "--normal-class", "0", "--logdir", str(logdir)]) == 0
    snapshot = logdir / "normal_0" / "it_0" / "snapshot.safetensors"
    images = np.stack([_images(6, 3, 32, seed=s) for s in range(2)]).reshape(12, 32, 32, 3)
    folder = tmp_path / "images"
    folder.mkdir()
    for i, image in enumerate(images):
        fs.write_png(folder / f"{i:02d}.png", image)
    assert main(["predict", str(snapshot), str(folder), "-o", str(tmp_path / "predictions")]) == 0
    with open(tmp_path / "predictions" / "scores.csv") as f:
        engine = np.array([float(r["score"]) for r in sorted(csv.DictReader(f), key=lambda r: r["path"])])
    capsys.readouterr()
    assert main(["export", str(snapshot), "-o", str(tmp_path / "snapshot.onnx")]) == 0
    printed = capsys.readouterr().out
    assert "FCDD_CNN32_S, input images N x 3 x 32 x 32 in [0, 1], outputs scores and anomaly_maps" in printed
    scores = _session(tmp_path / "snapshot.onnx").run(["scores"], {"images": _as_input(images)})[0]
    _close(scores, engine)


def test_export_command_errors_are_one_line(tmp_path, capsys):
    from fcdd_swift.cli import main
    assert main(["export", str(tmp_path / "missing.fcdd")]) == 1
    assert "no such model file" in capsys.readouterr().err
    (tmp_path / "junk.fcdd").write_bytes(b"not a model")
    assert main(["export", str(tmp_path / "junk.fcdd"), "-o", str(tmp_path / "x.onnx")]) == 1
    assert "is not an fcdd-swift model file" in capsys.readouterr().err
    assert not (tmp_path / "x.onnx").exists()


def test_the_readme_deploy_example_runs(tmp_path, monkeypatch):
    import re
    from support import REPO
    text = open(os.path.join(REPO, "docs", "deploying.md")).read()
    block = re.search(r"<!-- deploy-example[^>]*-->\s*```python\n(.*?)```", text, flags=re.S)
    assert block, "docs/deploying.md lost its deploy example"
    X = _images(40, 1, 28)
    det = fs.FCDD(epochs=1, batch_size=16, seed=0, verbose=0).fit(X[:32])
    det.calibrate_threshold(X, np.r_[np.zeros(20, int), np.ones(20, int)], method="f1")
    monkeypatch.chdir(tmp_path)
    namespace = {"det": det, "images": X[32:]}
    exec(compile(block.group(1), "docs/deploying.md", "exec"), namespace)
    _close(namespace["scores"], det.decision_function(X[32:]))
    assert (namespace["anomalous"] == det.predict(X[32:]).astype(bool)).all()

"""fs.FCDD on tiles of large images (tile_size): training on tiles at the images' own resolution, scores
and maps of images of any size stitched from their tiles, the settings checked, and the same tiling where a
saved model scores image files (`fcdd-swift predict`)."""
import json

import numpy as np
import pytest

import fcdd_swift as fs
from fcdd_swift.cli import main
from detector_data import FAST


def surfaces(n, side, seed, defect=0):
    """Gray noise surfaces of `side` x `side`; with `defect` > 0 a bright square of that side somewhere."""
    rng = np.random.default_rng(seed)
    x = (rng.random((n, side, side)) * 60 + 100).astype(np.uint8)
    for i in range(n if defect else 0):
        r, c = rng.integers(0, side - defect, 2)
        x[i, r:r + defect, c:c + defect] = 250
    return x


@pytest.fixture(scope="module")
def tiled():
    det = fs.FCDD(**dict(FAST, epochs=3), tile_size=32, tile_stride=24, seed=3)
    return det.fit(surfaces(12, 128, seed=1))


def test_a_tiled_detector_keeps_the_images_resolution(tiled):
    assert tiled.resolved_params_["tile_size"] == 32 and tiled.resolved_params_["profile"] == "small_gray"
    x = surfaces(2, 128, seed=5)
    other = np.full((1, 150, 230), 120, np.uint8)
    assert tiled.anomaly_map(x).shape == (2, 128, 128)
    assert tiled.anomaly_map(other).shape == (1, 150, 230)
    assert np.isfinite(tiled.decision_function(other)).all()


def test_a_small_defect_on_a_large_image_is_found_where_it_is(tiled):
    """A 6-pixel square on a 128 x 128 surface: its tile's score makes the image's, and the stitched map
    peaks on it (a resize to the network's size would have shrunk it to a pixel or two)."""
    good, bad = surfaces(20, 128, seed=11), surfaces(20, 128, seed=12, defect=6)
    scores = tiled.decision_function(np.concatenate([good, bad]))
    assert scores[20:].mean() > scores[:20].mean()
    maps = tiled.anomaly_map(bad)
    peaks = [np.unravel_index(np.argmax(m), m.shape) for m in maps]
    on_defect = [bad[i][r, c] == 250 or (bad[i][max(0, r - 4):r + 5, max(0, c - 4):c + 5] == 250).any()
                 for i, (r, c) in enumerate(peaks)]
    assert np.mean(on_defect) >= 0.75


def test_top_k_mean_is_the_mean_of_the_highest_tile_scores():
    x = surfaces(6, 64, seed=2)
    one = fs.FCDD(**FAST, tile_size=32, seed=1).fit(x)
    mean = fs.FCDD(**FAST, tile_size=32, seed=1, tile_score="top_k_mean", tile_top_k=4).fit(x)
    # 64 x 64 is four tiles: the mean of all four is at most their maximum.
    assert (mean.decision_function(x) <= one.decision_function(x) + 1e-6).all()


@pytest.mark.parametrize("params, message", [
    (dict(tile_stride=8), "tile_stride 8 needs tile_size"),
    (dict(tile_size=16, tile_stride=20), "larger than tile_size"),
    (dict(tile_size=4), "tile_size"),
    (dict(tile_size=32, tile_score="median"), "tile_score"),
])
def test_tile_settings_are_checked(params, message):
    with pytest.raises(ValueError, match=message):
        fs.FCDD(**FAST, **params).fit(surfaces(2, 64, seed=0))


def test_a_saved_tiled_model_scores_image_files_the_same_way(tiled, tmp_path):
    x = surfaces(2, 128, seed=21, defect=5)
    for i, image in enumerate(x):
        fs.write_png(str(tmp_path / f"in_{i}.png"), image)
    model = tmp_path / "tiled.fcdd"
    tiled.save(str(model))
    assert fs.FCDD.load(str(model)).get_params()["tile_size"] == 32
    assert main(["predict", str(model), str(tmp_path / "in_0.png"), str(tmp_path / "in_1.png"), "-o",
                 str(tmp_path / "out"), "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in (tmp_path / "out" / "predictions.jsonl").read_text().splitlines()]
    assert np.allclose([r["score"] for r in records], tiled.decision_function(x), rtol=1e-6)


@pytest.mark.parametrize("tile_score", ["max", "top_k_mean"])
def test_the_onnx_reference_tiles_and_stitches_as_the_engine_does(tiled, tmp_path, tile_score):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from fcdd_swift.deploy.tiles import score_tiled, tiling
    det = tiled if tile_score == "max" else fs.FCDD(**FAST, tile_size=32, tile_stride=20, tile_score=tile_score,
                                                     tile_top_k=3, seed=2).fit(surfaces(4, 80, seed=4))
    path = tmp_path / "tiled.onnx"
    det.export_onnx(str(path))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    p = det.resolved_params_
    assert tiling(session) == {"size": 32, "stride": p["tile_stride"], "score": tile_score, "top_k": p["tile_top_k"]}
    x = np.concatenate([surfaces(2, 100, seed=9, defect=6)[:, :, :90], np.full((1, 100, 90), 130, np.uint8)])
    scores, maps = score_tiled(session, x)
    ref_scores, ref_maps = det.score_and_map(x)
    assert np.abs(scores - ref_scores).max() <= 1e-4
    assert np.abs(maps - ref_maps).max() <= 1e-4
    small = np.full((1, 20, 25), 90, np.uint8)      # smaller than a tile: edges repeated on both sides
    assert np.abs(score_tiled(session, small)[1] - det.anomaly_map(small)).max() <= 1e-4


def test_fcdd_swift_fit_trains_on_tiles(tmp_path):
    folder = tmp_path / "good"
    folder.mkdir()
    for i, image in enumerate(surfaces(4, 96, seed=8)):
        fs.write_png(str(folder / f"{i}.png"), image)
    model = tmp_path / "m.fcdd"
    assert main(["fit", str(folder), "-o", str(model), "--epochs", "1", "--net", "FCDD_CNN28", "--tile-size", "32",
                 "--tile-stride", "24", "--tile-score", "top_k_mean"]) == 0
    params = fs.FCDD.load(str(model)).get_params()
    assert (params["tile_size"], params["tile_stride"], params["tile_score"]) == (32, 24, "top_k_mean")


def custom_folders(root, seed=0):
    """Custom folders (normal/anomalous layout) of gray surfaces in four sizes, the anomalous test images
    with an 8-pixel bright square marked in test_maps/."""
    rng = np.random.default_rng(seed)
    sizes = [(96, 128), (128, 96), (160, 160), (80, 200)]
    for split, kind, n in [("train", "normal", 8), ("test", "normal", 4), ("test", "anomalous", 4)]:
        (root / "custom" / split / "surface" / kind).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            h, w = sizes[i % 4]
            x = (rng.random((h, w)) * 60 + 100).astype(np.uint8)
            if kind == "anomalous":
                mask = np.zeros((h, w), np.uint8)
                r, c = rng.integers(0, h - 8), rng.integers(0, w - 8)
                x[r:r + 8, c:c + 8] = 250
                mask[r:r + 8, c:c + 8] = 255
                (root / "custom" / "test_maps" / "surface" / kind).mkdir(parents=True, exist_ok=True)
                fs.write_png(str(root / "custom" / "test_maps" / "surface" / kind / f"{i}.png"), mask)
            fs.write_png(str(root / "custom" / split / "surface" / kind / f"{i}.png"), x)
    return sizes


def test_fcdd_swift_train_runs_on_tiles_and_predict_tiles_its_snapshot(tmp_path, capsys):
    """A training run on tiles of custom images of four sizes: trained on tiles at their resolution, tested
    tile by tile with the pixel AUC against the maps at the images' resolution; its snapshot scores new
    images tile by tile, giving the test split's scores again (the same AUC)."""
    sizes = custom_folders(tmp_path / "data")
    logdir = tmp_path / "runs"
    assert main(["train", "-d", "custom", "--datadir", str(tmp_path / "data"), "--logdir", str(logdir), "--it", "1",
                 "--tile-size", "32", "--tile-stride", "24", "-e", "3", "--net", "FCDD_CNN28", "--batch-size", "16",
                 "--ground-truth-maps", "--noise-mode", "confetti"]) == 0
    run = logdir / "normal_0" / "it_0"
    result = json.loads((run / "result.json").read_text())
    assert result["auc"] > 0.9 and result["pixel_auc"] > 0.9
    log = (run / "log.txt").read_text()
    assert "custom on tiles: 8 training images" in log and "tiles of 32 x 32 per epoch" in log
    config = json.loads((run / "config.json").read_text())
    assert (config["tile_size"], config["tile_stride"]) == (32, 24)

    out = tmp_path / "pred"
    assert main(["predict", str(run / "snapshot.safetensors"), str(tmp_path / "data" / "custom" / "test"),
                 "-o", str(out)]) == 0
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(rows) == 8
    heatmaps = {r["path"].split("/")[-1]: fs.read_image(r["heatmap"]).shape[:2] for r in rows if "anomalous" in r["path"]}
    assert sorted(heatmaps.values()) == sorted(sizes)   # every overlay at its image's size
    labels = np.array([1 if "/anomalous/" in r["path"] else 0 for r in rows])
    scores = np.array([r["score"] for r in rows])
    auc = np.mean([s_a > s_n for s_a in scores[labels == 1] for s_n in scores[labels == 0]])
    assert abs(auc - result["auc"]) < 1e-9


@pytest.mark.parametrize("dataset", ["fmnist", "cifar10", "imagenet"])
def test_train_offers_tiles_for_images_at_their_own_size_only(dataset, capsys):
    assert main(["train", "-d", dataset, "--tile-size", "16", "--print-config"]) == 1
    assert "experiments offer it for mvtec, custom, not" in capsys.readouterr().err


def test_mvtec_tiles_refuse_whole_defect_images_as_anomalies(capsys):
    assert main(["train", "-d", "mvtec", "--tile-size", "64", "--noise-mode", "mvtec", "--supervise-mode", "noise",
                 "--print-config"]) == 1
    assert "do not fit tiles" in capsys.readouterr().err


def test_a_run_on_tiles_killed_and_resumed_ends_with_the_uninterrupted_weights(tmp_path):
    """The resume guarantee on tiles: the random tile positions are drawn from the run's seeded streams, so a
    run killed (SIGKILL) after its first epoch and resumed gives the weights of a run never interrupted."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from grid_support import snapshot_tensors
    custom_folders(tmp_path / "data")
    parent = os.path.dirname(os.path.dirname(os.path.abspath(fs.__file__)))
    env = dict(os.environ, PYTHONPATH=parent, FCDD_SWIFT_LIBRARY=fs._loader.LIBRARY_PATH)
    command = [sys.executable, "-m", "fcdd_swift", "train", "-d", "custom", "--datadir", str(tmp_path / "data"),
               "--it", "1", "--tile-size", "32", "--tile-stride", "24", "-e", "40", "--net", "FCDD_CNN28",
               "--batch-size", "16", "--noise-mode", "confetti", "--threads", "1", "--seed", "5"]

    def start(logdir, *extra):
        return subprocess.Popen(command + ["--logdir", str(logdir), *extra], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)

    reference = start(tmp_path / "reference")
    assert reference.wait(timeout=600) == 0, reference.stderr.read()
    expected = snapshot_tensors(tmp_path / "reference" / "normal_0" / "it_0")

    killed = start(tmp_path / "killed")
    history = tmp_path / "killed" / "normal_0" / "it_0" / "history.json"
    deadline = time.monotonic() + 300
    while killed.poll() is None and time.monotonic() < deadline:
        if history.exists() and len(json.loads(history.read_text())["loss"]) >= 1:
            break
        time.sleep(0.01)
    assert killed.poll() is None, "the run finished before it could be killed"
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert 1 <= len(json.loads(history.read_text())["loss"]) < 40
    resumed = start(tmp_path / "killed", "--resume", str(tmp_path / "killed"))
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read()
    got = snapshot_tensors(tmp_path / "killed" / "normal_0" / "it_0")
    assert got.keys() == expected.keys()
    for name in expected:
        np.testing.assert_allclose(got[name], expected[name], rtol=0, atol=1e-6, err_msg=name)


def test_a_grid_varies_the_tile_size(tmp_path):
    """tile_size is a content setting: a grid varies it, each combination a run on tiles of its size."""
    import io
    from fcdd_swift.grid import run_grid
    from grid_support import run_results
    custom_folders(tmp_path / "data")
    base = {"dataset": "custom", "datadir": str(tmp_path / "data"), "logdir": str(tmp_path / "grid"), "it": 1,
            "epochs": 1, "net": "FCDD_CNN28", "batch_size": 16, "noise_mode": "confetti", "ground_truth_maps": True}
    run_grid(base, {"tile_size": [32, 48]}, stream=io.StringIO())
    results = run_results(tmp_path / "grid")
    assert sorted(results) == ["00_tile_size=32/normal_0/it_0", "01_tile_size=48/normal_0/it_0"]
    assert all(auc is not None and pixel_auc is not None for auc, pixel_auc in results.values())
    for name, size in [("00_tile_size=32", 32), ("01_tile_size=48", 48)]:
        log = (tmp_path / "grid" / name / "normal_0" / "it_0" / "log.txt").read_text()
        assert f"tiles of {size} x {size} per epoch" in log


def test_serve_scores_a_tiled_model_tile_by_tile(tiled, tmp_path):
    """`fcdd-swift serve` with a model fitted on tiles: a large image's record equals FCDD.inspect of the
    same detector, its heatmap at the image's size (a loopback server, three requests, stopped)."""
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    pytest.importorskip("multipart")
    import base64
    from serve_support import Server, multipart, request
    det = fs.FCDD.from_bytes(tiled.to_bytes())
    det.calibrate_pixel_threshold(surfaces(6, 128, seed=31))
    model = tmp_path / "tiled.fcdd"
    det.save(str(model))
    image = np.ascontiguousarray(surfaces(1, 200, seed=32, defect=7)[0][:, :170])
    with Server([f"surface={model}"], str(tmp_path / "server.log")) as server:
        body, kind = multipart([("big.png", fs.encode_png(image), "image/png")])
        status, answer, _ = request(f"{server.url}/v1/models/surface/predict?heatmap=png", data=body,
                                    headers={"Content-Type": kind})
        assert status == 200, answer
        record = answer["images"][0]
        assert (record["width"], record["height"]) == (170, 200)
        assert {k: record[k] for k in ("score", "label", "regions")} == det.inspect(image[None])[0]
        assert fs.decode_image(base64.b64decode(record["heatmap"])).shape[:2] == (200, 170)
        assert request(f"{server.url}/healthz")[0] == 200

"""End to end through the engine: `fcdd-swift train` on the embedded synthetic dataset, the run folder's
artefacts, stopping and resuming from the snapshot, and `fcdd-swift predict` on PNG files."""
import json
import os

import numpy as np
import pytest

import fcdd_swift as fs
from fcdd_swift.cli import build_parser, main, train
from fcdd_swift.experiment import run_experiment


def config_for(tmp_path, *argv):
    return train.resolve(build_parser().parse_args(["train", "--logdir", str(tmp_path / "run"), *argv]))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One short synthetic run (class 0), shared by the tests below."""
    tmp = tmp_path_factory.mktemp("synthetic")
    config = config_for(tmp, "--cls-restrictions", "0", "-e", "8")
    events = []
    summary = run_experiment(config, events.append)
    return config, summary, events


def test_run_writes_the_original_folder_structure(trained):
    config, summary, _ = trained
    run = os.path.join(config["logdir"], "normal_0", "it_0")
    for name in ["config.json", "log.txt", "history.json", "snapshot.safetensors", "roc.json", "roc_curve.png",
                 "gtmap_roc_curve.png", "err.png", "heatmaps_global.png", "train_heatmaps_global.png",
                 "heatmaps_paper_local_lbl0.png", "heatmaps_paper_global_lbl1.png", "ds_preview.png"]:
        assert os.path.isfile(os.path.join(run, name)), name
    assert os.path.isfile(os.path.join(config["logdir"], "summary.json"))
    history = json.load(open(os.path.join(run, "history.json")))
    assert len(history["loss"]) == 8 and set(history) == {"loss", "loss_std", "lr", "seconds", "data_seconds", "images"}
    roc = json.load(open(os.path.join(run, "roc.json")))
    assert set(roc) >= {"fpr", "tpr", "ths", "auc"}
    log = open(os.path.join(run, "log.txt")).read()
    assert "##### ROC TEST SCORE" in log and "##### GTMAP ROC TEST SCORE" in log


def test_a_run_is_repeated_from_its_config_json(trained, capsys):
    config, _, _ = trained
    run_config = os.path.join(config["logdir"], "normal_0", "it_0", "config.json")
    stored = json.load(open(run_config))
    assert stored["run"]["nominal_class"] == 0 and stored["run"]["seed"] == 0
    assert {k: v for k, v in stored.items() if k != "run"} == config, "config.json holds the run's settings"
    assert main(["train", "--config", run_config, "--print-config"]) == 0
    assert json.loads(capsys.readouterr().out) == config


@pytest.mark.learned_figures
def test_synthetic_defects_are_detected_and_located(trained, record_property):
    _, summary, events = trained
    assert summary["stopped"] is False
    cls = summary["classes"][0]
    record_property("8-epoch synthetic run image AUROC", cls["auc"]["mean"])
    record_property("8-epoch synthetic run pixel AUROC", cls["pixel_auc"]["mean"])
    # Chance is 0.5 for both; 8 epochs reach far more (see the README for a full run).
    assert cls["auc"]["mean"] > 0.7, cls
    assert cls["pixel_auc"]["mean"] > 0.7, cls
    steps = [e for e in events if e["event"] == "step"]
    assert steps and steps[-1]["epoch"] == 7 and all(np.isfinite(e["loss"]) for e in steps)


def test_same_seed_same_numbers(tmp_path, trained):
    config, summary, _ = trained
    again = run_experiment(dict(config, logdir=str(tmp_path / "again")))
    assert again["classes"][0]["auc"] == summary["classes"][0]["auc"]


def test_stop_request_writes_a_resumable_snapshot(tmp_path):
    config = config_for(tmp_path, "--cls-restrictions", "1", "-e", "3")
    seen = []

    def stop_in_second_epoch(e):
        seen.append(e)
        return not (e["event"] == "step" and e["epoch"] == 1)

    summary = run_experiment(config, stop_in_second_epoch)
    assert summary["stopped"] is True
    snapshot = os.path.join(config["logdir"], "normal_1", "it_0", "snapshot.safetensors")
    tensors, meta = fs.load_safetensors(snapshot, with_metadata=True)
    info = json.loads(meta["fcdd"])
    assert info["completed_epochs"] == 1 and info["network"] == "FCDD_CNN32_S"
    resumed = run_experiment(dict(config, logdir=str(tmp_path / "resumed"), load=snapshot))
    assert resumed["stopped"] is False
    log = open(os.path.join(tmp_path / "resumed", "normal_1", "it_0", "log.txt")).read()
    assert "resumed from" in log
    # The stop came in the middle of the second epoch: its steps are not kept, the epoch runs again, and
    # the end is the uninterrupted run's, weights and BatchNorm counters alike.
    whole = run_experiment(dict(config, logdir=str(tmp_path / "whole")))
    a = fs.load_safetensors(os.path.join(tmp_path / "resumed", "normal_1", "it_0", "snapshot.safetensors"))
    b = fs.load_safetensors(os.path.join(tmp_path / "whole", "normal_1", "it_0", "snapshot.safetensors"))
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_allclose(np.asarray(a[name], np.float64), np.asarray(b[name], np.float64), rtol=0, atol=1e-6, err_msg=name)
    assert resumed["classes"][0]["auc"] == whole["classes"][0]["auc"]


def test_load_is_refused_for_an_experiment_of_several_runs(tmp_path, trained):
    config, _, _ = trained
    snapshot = os.path.join(config["logdir"], "normal_0", "it_0", "snapshot.safetensors")
    with pytest.raises(fs.InvalidArgumentError, match="continues one run, but this experiment has 3 runs.*--resume DIR"):
        run_experiment(dict(config, logdir=str(tmp_path / "many"), classes=[], load=snapshot))
    with pytest.raises(fs.InvalidArgumentError, match="is a snapshot of class 0, but this run trains class 2"):
        run_experiment(dict(config, logdir=str(tmp_path / "other"), classes=[2], it=1, load=snapshot))


def test_predict_scores_png_files(tmp_path, trained, capsys):
    from fcdd_swift import _lib  # noqa: F401  (library loaded)
    config, _, _ = trained
    snapshot = os.path.join(config["logdir"], "normal_0", "it_0", "snapshot.safetensors")
    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        fs.write_png(str(images / f"img{i}.png"), (rng.random((40, 40, 3)) * 255).astype(np.uint8))
    out = tmp_path / "pred"
    assert main(["predict", snapshot, str(images), "-o", str(out)]) == 0
    lines = open(out / "scores.csv").read().strip().splitlines()
    # a fresh snapshot has no thresholds: scores without labels or regions, and a line saying how to set them
    assert lines[0] == "path,score,label,regions,error" and len(lines) == 4 and all(line.endswith(",,,") for line in lines[1:])
    assert all(fs.read_image(str(out / f"img{i}_heatmap.png")).shape == (40, 40, 3) for i in range(3))  # the images' size
    printed = capsys.readouterr().out
    assert "no image threshold" in printed and "fcdd-swift calibrate" in printed and "scored 3 of 3 images" in printed
    records = [json.loads(line) for line in open(out / "predictions.jsonl")]
    assert [r["score"] for r in records] == [float(line.split(",")[1]) for line in lines[1:]]
    assert all(r["label"] is None and r["regions"] is None and r["error"] is None for r in records)


def test_predict_skips_unreadable_images_and_mirrors_input_folders(tmp_path, trained, capsys):
    import csv
    config, _, _ = trained
    snapshot = os.path.join(config["logdir"], "normal_0", "it_0", "snapshot.safetensors")
    rng = np.random.default_rng(1)
    for folder in ("good", "bad"):
        (tmp_path / "in" / folder).mkdir(parents=True)
        fs.write_png(str(tmp_path / "in" / folder / "a.png"), (rng.random((40, 40, 3)) * 255).astype(np.uint8))
    (tmp_path / "in" / "bad" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n this is cut off")
    out = tmp_path / "pred"
    assert main(["predict", snapshot, str(tmp_path / "in"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "skipped" in err and "broken.png" in err and "1 of 3 images could not be scored" in err
    rows = {os.path.relpath(r["path"], tmp_path / "in"): r for r in csv.DictReader(open(out / "scores.csv"))}
    assert set(rows) == {"good/a.png", "bad/a.png", "bad/broken.png"}
    assert rows["bad/broken.png"]["score"] == "" and "invalid PNG" in rows["bad/broken.png"]["error"]
    assert float(rows["good/a.png"]["score"]) != float(rows["bad/a.png"]["score"])
    assert rows["good/a.png"]["error"] == ""
    assert (out / "good" / "a_heatmap.png").is_file() and (out / "bad" / "a_heatmap.png").is_file()
    assert not (out / "bad" / "broken_heatmap.png").exists()


def test_missing_dataset_says_where_to_put_it(tmp_path, capsys):
    assert main(["train", "-d", "fmnist", "--datadir", str(tmp_path), "--logdir", str(tmp_path / "l")]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and f"{tmp_path}/FashionMNIST/raw" in err


def test_unusable_log_directory_is_reported(tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    assert main(["train", "--logdir", str(blocker / "x"), "-e", "1"]) == 1
    err = capsys.readouterr().err
    assert "blocker" in err and "not a directory" in err


def _write_idx(path, array, magic):
    import gzip
    import struct
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _class_images(rng, labels, shape):
    """Images whose brightness pattern depends on the class, so one-vs-rest is learnable."""
    images = rng.integers(0, 60, (len(labels), *shape)).astype(np.uint8)
    for i, c in enumerate(labels):
        images[i, ..., c * 2:c * 2 + 6, :] = 200
    return images


def test_fmnist_from_idx_files_with_cifar100_outlier_exposure(tmp_path):
    rng = np.random.default_rng(0)
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, n in [("train", 300), ("t10k", 100)]:
        labels = rng.integers(0, 10, n)
        _write_idx(raw / f"{prefix}-images-idx3-ubyte.gz", _class_images(rng, labels, (28, 28)), 0x803)
        _write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", labels, 0x801)
    cifar100 = tmp_path / "data" / "cifar100" / "cifar-100-binary"
    cifar100.mkdir(parents=True)
    records = [bytes([0, i % 100]) + rng.integers(0, 256, 3072).astype(np.uint8).tobytes() for i in range(40)]
    (cifar100 / "train.bin").write_bytes(b"".join(records))
    config = config_for(tmp_path, "-d", "fmnist", "--datadir", str(tmp_path / "data"), "--cls-restrictions", "0",
                        "-e", "2", "-b", "32", "-n", "FCDD_CNN28", "--it", "1")
    summary = run_experiment(config)
    cls = summary["classes"][0]
    assert cls["class_name"] == "t-shirt/top" or cls["class"] == 0
    assert 0 <= cls["auc"]["mean"] <= 1 and cls["pixel_auc"] is None
    log = open(os.path.join(config["logdir"], "normal_0", "it_0", "log.txt")).read()
    assert "40 cifar100 images" in log and "100 test images" in log


def test_cifar10_from_the_binary_release(tmp_path):
    rng = np.random.default_rng(1)
    folder = tmp_path / "data" / "cifar-10-batches-bin"
    folder.mkdir(parents=True)
    for name, n in [(f"data_batch_{i}.bin", 20) for i in range(1, 6)] + [("test_batch.bin", 40)]:
        labels = rng.integers(0, 10, n)
        images = _class_images(rng, labels, (3, 32, 32))
        (folder / name).write_bytes(b"".join(bytes([l]) + img.tobytes() for l, img in zip(labels, images)))
    config = config_for(tmp_path, "-d", "cifar10", "--datadir", str(tmp_path / "data"), "--cls-restrictions", "3",
                        "-e", "1", "-b", "10", "--acc-batches", "2", "-n", "FCDD_CNN32_S", "--it", "1",
                        "--supervise-mode", "noise", "--noise-mode", "uniform")
    summary = run_experiment(config)
    assert 0 <= summary["classes"][0]["auc"]["mean"] <= 1


def test_viz_ids_redraw_the_samples_of_an_earlier_run(tmp_path, trained):
    config, _, _ = trained
    again = config_for(tmp_path, "--cls-restrictions", "0", "-e", "1", "--viz-ids", config["logdir"])
    run_experiment(again)
    target = os.path.join(again["logdir"], "normal_0", "it_0", "specific_viz_ids")
    assert os.path.isfile(os.path.join(target, "heatmaps_paper_local_lbl1.png"))
    old = open(os.path.join(config["logdir"], "normal_0", "it_0", "log.txt")).read()
    new = open(os.path.join(again["logdir"], "normal_0", "it_0", "log.txt")).read()
    assert "specific_viz_ids" in new and "indices for label 1" in old


def test_ctrl_c_in_a_terminal_stops_and_keeps_a_resumable_snapshot(tmp_path):
    import signal
    import subprocess
    import sys
    import time
    logdir = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "fcdd_swift", "train", "--cls-restrictions", "2", "-e", "200",
                             "--logdir", str(logdir)], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ))
    snapshot = logdir / "normal_2" / "it_0" / "snapshot.safetensors"
    history = logdir / "normal_2" / "it_0" / "log.txt"
    deadline = time.time() + 120
    while time.time() < deadline and not (history.exists() and "training FCDD" in history.read_text()):
        time.sleep(0.2)
    time.sleep(3)  # into the first epochs
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in err and "--load" in err
    _, meta = fs.load_safetensors(str(snapshot), with_metadata=True)
    info = json.loads(meta["fcdd"])
    assert 0 <= info["completed_epochs"] < 200 and info["total_epochs"] == 200

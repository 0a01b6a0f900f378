"""What a new user hit on the way from scores to decisions, each fixed: a long fit announced with its measured
duration, a training snapshot given to FCDD.load, a PNG or ONNX file given as a model, predict's counts, a Ray
cluster that cannot be joined, a typo in a grid key; and `calibrate` on a training snapshot."""
import os

import numpy as np
import pytest

import fcdd_swift as fs
from fcdd_swift.cli import main
from fcdd_swift.detector import progress
from detector_data import FAST, labelled_set, textures


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("snapshot")
    assert main(["train", "-e", "1", "--cls-restrictions", "0", "--logdir", str(tmp / "exp"), "--logdir-suffix", ""]) == 0
    return tmp / "exp" / "normal_0" / "it_0" / "snapshot.safetensors"


def test_a_long_fit_says_how_long_it_will_take(monkeypatch):
    monkeypatch.setattr(progress, "LONG_SECONDS", 0)
    x, _ = textures(64)
    with pytest.warns(UserWarning, match=r"this fit will take about .* \(2 epochs of 4 steps, .* s an epoch as measured "
                                         r"on this machine\); FCDD\(epochs=\d+\) takes about 10 minutes") as caught:
        fs.FCDD(**FAST).fit(x)
    assert len([w for w in caught if "this fit will take" in str(w.message)]) == 1   # once


def test_a_long_fit_of_few_steps_an_epoch_is_announced_after_its_first_epoch(monkeypatch):
    monkeypatch.setattr(progress, "LONG_SECONDS", 0)
    x, _ = textures(16)     # one step an epoch: fewer than the steps timed
    with pytest.warns(UserWarning, match=r"this fit will take about .* \(2 epochs of 1 step,"):
        fs.FCDD(**FAST).fit(x)


def test_a_short_fit_says_nothing(recwarn):
    fs.FCDD(**FAST).fit(textures(64)[0])
    assert not [w for w in recwarn if "this fit will take" in str(w.message)]


def test_a_training_snapshot_given_to_fcdd_load_names_the_commands_that_take_it(snapshot):
    with pytest.raises(fs.FormatError, match=r"training snapshot of `fcdd-swift train`.*fcdd-swift predict SNAPSHOT "
                                             r"IMAGES.*fcdd-swift calibrate") as e:
        fs.FCDD.load(snapshot)
    assert "--snapshot" not in str(e.value)


@pytest.mark.parametrize("name, head, kind", [
    ("overlay.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "a PNG image"),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(64), "a JPEG image"),
    ("model.onnx", b"\x08\x08\x12\x0bfcdd-swift" + bytes(64), "an ONNX graph"),
    ("model.pth", b"PK\x03\x04" + bytes(64), "a zip archive (a PyTorch .pth/.pt checkpoint?"),
    ("config.json", b'{"epochs": 3}\n', "a text file (JSON)"),
])
def test_a_file_of_another_kind_given_as_a_model_is_named(tmp_path, name, head, kind):
    path = tmp_path / name
    path.write_bytes(head)
    with pytest.raises(fs.FormatError) as e:
        fs.FCDD.load(path)
    assert f"is not an fcdd-swift model file: it is {kind}" in str(e.value)
    assert "header length" not in str(e.value)


def test_predict_counts_what_it_scored(tmp_path, snapshot, capsys):
    images = tmp_path / "in"
    images.mkdir()
    fs.write_png(str(images / "a.png"), np.full((32, 32, 3), 120, np.uint8))
    (images / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n cut")
    assert main(["predict", str(snapshot), str(images), "-o", str(tmp_path / "out")]) == 1
    printed = capsys.readouterr()
    assert "processed 2/2 images" in printed.out and "scored 1 of 2 images" in printed.out
    assert "scored 2/2" not in printed.out and "1 of 2 images could not be scored" in printed.err


def test_a_ray_cluster_that_cannot_be_joined_leaves_no_folder(tmp_path, monkeypatch):
    ray = pytest.importorskip("ray")
    from fcdd_swift.grid import run_grid

    def refuse(*args, **kwargs):
        raise ConnectionError("no Ray Client server at 127.0.0.1:1")
    monkeypatch.setattr(ray, "init", refuse)
    logdir = tmp_path / "results"
    with pytest.raises(RuntimeError, match=r"cannot join the Ray cluster at ray://127.0.0.1:1: ConnectionError.*"
                                           r"pip install 'ray\[client\]'"):
        run_grid({"epochs": 1, "logdir": str(logdir), "logdir_suffix": ""}, {"seed": [0, 1]}, ray="ray://127.0.0.1:1")
    assert not logdir.exists()


def test_the_ray_extra_installs_ray_client(repo_root):
    setup = open(os.path.join(repo_root, "setup.py")).read()
    import re
    extras = re.search(r'"ray": \["ray\[([a-z,]+)\]', setup)
    assert extras and {"tune", "client"} <= set(extras.group(1).split(",")), "the ray extra installs Ray Client"


def test_a_typo_in_a_grid_key_gets_a_suggestion(tmp_path):
    from fcdd_swift.grid.plan import plan
    with pytest.raises(ValueError, match="grid: 'epoch' is not an experiment setting; did you mean 'epochs'\\?"):
        plan({"dataset": "synthetic", "logdir": str(tmp_path / "g")}, {"epoch": [1, 2]})


def test_calibrate_a_training_snapshot_into_a_new_file(tmp_path, snapshot, capsys):
    rng = np.random.default_rng(0)
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir(), bad.mkdir()
    for i in range(6):
        fs.write_png(str(good / f"{i}.png"), (rng.random((32, 32, 3)) * 40 + 100).astype(np.uint8))
        image = (rng.random((32, 32, 3)) * 40 + 100).astype(np.uint8)
        image[8:20, 8:20] = 255
        fs.write_png(str(bad / f"{i}.png"), image)
    before = snapshot.read_bytes()
    out = tmp_path / "calibrated.safetensors"
    assert main(["calibrate", str(snapshot), "--normal", str(good), "--anomalous", str(bad), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "image threshold: " in printed and "(f1; on 6 nominal and 6 anomalous images" in printed
    assert "pixel threshold: " in printed and "nominal_quantile 0.999" in printed   # no masks given
    assert snapshot.read_bytes() == before, "the input snapshot is never changed"
    from fcdd_swift.safetensors import load_safetensors
    old, new = load_safetensors(snapshot), load_safetensors(out)
    assert old.keys() == new.keys() and all(np.array_equal(old[k], new[k]) for k in old)   # optimiser state too
    assert main(["calibrate", str(snapshot), "--normal", str(good), "-o", str(out)]) == 1
    assert "exists; add --overwrite" in capsys.readouterr().err
    assert main(["info", str(out)]) == 0
    assert "training snapshot of `fcdd-swift train`" in capsys.readouterr().out
    assert main(["predict", str(out), str(bad), "-o", str(tmp_path / "pred")]) == 0
    assert "no image threshold" not in capsys.readouterr().out


def test_fit_a_folder_refuses_mixed_sizes_and_an_existing_model(tmp_path, capsys):
    good = tmp_path / "good"
    good.mkdir()
    fs.write_png(str(good / "a.png"), np.full((32, 32), 120, np.uint8))
    fs.write_png(str(good / "b.png"), np.full((24, 32), 120, np.uint8))
    assert main(["fit", str(good), "-o", str(tmp_path / "m.fcdd")]) == 1
    assert "the images must share one size, found 2: 32x32" in capsys.readouterr().err
    (tmp_path / "m.fcdd").write_text("mine")
    (good / "b.png").unlink()
    assert main(["fit", str(good), "-o", str(tmp_path / "m.fcdd")]) == 1
    assert "exists; add --overwrite" in capsys.readouterr().err
    assert (tmp_path / "m.fcdd").read_text() == "mine"

"""Which defaults fs.FCDD picks for data of a shape (the original runners'), and Ctrl-C during fit."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import fcdd_swift as fs
from fcdd_swift.detector import defaults


def resolved(shape, has_outliers=False, **params):
    return defaults.resolve({**fs.FCDD(**params).get_params()}, *shape, has_outliers)


def test_small_gray_images_get_the_fashion_mnist_runner():
    r = resolved((1, 28, 28))
    assert (r["net"], r["epochs"], r["batch_size"], r["lr"], r["optimizer"], r["preproc"], r["gauss_std"]) == \
        ("FCDD_CNN28_W", 400, 128, 1e-2, "sgd", "lcnaug1", 1.2)
    assert r["scheduler"] == "lambda" and r["lr_sched_param"] == [0.98] and r["quantile"] == 0.85
    assert (r["supervise_mode"], r["noise_mode"]) == ("malformed_normal", "confetti")


def test_small_colour_images_get_the_cifar10_runner():
    r = resolved((3, 32, 32), has_outliers=True)
    assert (r["net"], r["epochs"], r["batch_size"], r["acc_batches"], r["optimizer"], r["preproc"]) == \
        ("FCDD_CNN32_LW3K", 600, 20, 10, "adam", "aug1")
    assert r["scheduler"] == "milestones" and r["lr_sched_param"] == [0.1, 400, 500]
    assert (r["supervise_mode"], r["noise_mode"]) == ("noise", "outlier_exposure")


def test_large_images_get_the_mvtec_runner():
    r = resolved((3, 300, 400))
    assert (r["net"], r["epochs"], r["batch_size"], r["acc_batches"], r["weight_decay"], r["gauss_std"]) == \
        ("FCDD_CNN224_VGG_NOPT", 200, 16, 8, 1e-4, 12.0)
    assert resolved((3, 300, 400), vgg_weights="w.safetensors")["net"] == "FCDD_CNN224_VGG_F"


def test_other_objectives_get_the_matching_baseline_networks():
    assert resolved((1, 28, 28), objective="hsc")["net"] == "CNN28_W"
    assert resolved((3, 32, 32), objective="ae")["net"] == "AE32_LW3K"
    assert resolved((3, 224, 224), objective="ae")["net"] == "AE224_VGG_NOPT"


def test_given_values_win_and_a_changed_schedule_needs_its_parameters():
    r = resolved((1, 28, 28), epochs=3, lr=0.5, net="FCDD_CNN28", scheduler="lambda")
    assert (r["epochs"], r["lr"], r["net"]) == (3, 0.5, "FCDD_CNN28")
    assert resolved((3, 32, 32), scheduler="lambda")["lr_sched_param"] == [0.985]
    with pytest.raises(ValueError, match="milestones"):
        resolved((1, 28, 28), scheduler="milestones")


SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import fcdd_swift as fs
    x = (np.random.default_rng(0).random((64, 28, 28)) * 255).astype(np.uint8)
    det = fs.FCDD(net="FCDD_CNN28", epochs=100000, batch_size=16, verbose=0)
    det.fit(x, callback=lambda e: print("epoch", e["epoch"], flush=True))
    det.save(sys.argv[1])
    print("saved", det.n_epochs_, det.stopped_, flush=True)
""")


def test_ctrl_c_stops_fit_promptly_and_leaves_a_usable_model(tmp_path):
    model = tmp_path / "model.fcdd"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(model)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    line = proc.stdout.readline()
    assert line.startswith("epoch"), (line, proc.stderr.read() if proc.poll() is not None else "")
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 10, "the stop must come within a training step"
    assert proc.returncode == 0, err
    assert "saved" in out and "True" in out.splitlines()[-1]
    assert "(Ctrl-C)" in err and "uses the weights so far" in err
    det = fs.FCDD.load(model)
    assert det.stopped_ and det.predict(np.zeros((2, 28, 28), np.uint8)).shape == (2,)

"""Which defaults fs.FCDD picks for data of a shape (the original runners', resolved by the engine), its
parameters made from the settings schema, and Ctrl-C during fit."""
import inspect
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import fcdd_swift as fs
from fcdd_swift import settings
from fcdd_swift.detector import params


def resolved(shape, has_outliers=False, **given):
    p = params.engine_settings(fs.FCDD(**given).get_params())
    r = settings.resolve("detector", p, data_shape=shape, has_outliers=has_outliers)
    return dict(r["settings"], profile=r["profile"])


def test_small_gray_images_get_the_fashion_mnist_runner():
    r = resolved((1, 28, 28))
    assert r["profile"] == "small_gray"
    assert (r["net"], r["epochs"], r["batch_size"], r["lr"], r["optimizer"], r["preproc"], r["gauss_std"]) == \
        ("FCDD_CNN28_W", 400, 128, 1e-2, "sgd", "lcnaug1", 1.2)
    assert r["scheduler"] == "lambda" and r["lr_sched_param"] == [0.98] and r["quantile"] == 0.85
    assert (r["supervise_mode"], r["noise_mode"]) == ("malformed_normal", "confetti")


def test_small_colour_images_get_the_cifar10_runner():
    r = resolved((3, 32, 32), has_outliers=True)
    assert r["profile"] == "small"
    assert (r["net"], r["epochs"], r["batch_size"], r["acc_batches"], r["optimizer"], r["preproc"]) == \
        ("FCDD_CNN32_LW3K", 600, 20, 10, "adam", "aug1")
    assert r["scheduler"] == "milestones" and r["lr_sched_param"] == [0.1, 400, 500]
    assert (r["supervise_mode"], r["noise_mode"]) == ("noise", "outlier_exposure")


def test_large_images_get_the_mvtec_runner():
    r = resolved((3, 300, 400))
    assert r["profile"] == "large"
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
    with pytest.raises(fs.InvalidArgumentError, match="must be given with the milestones schedule"):
        resolved((1, 28, 28), scheduler="milestones")


def test_parameters_and_their_defaults_come_from_the_schema():
    fields = settings.fields("detector")
    names = [n for n in inspect.signature(fs.FCDD).parameters]
    assert [n for n in names if n != "oe_data"] == list(fields)
    assert names.index("oe_data") == names.index("oe_limit") + 1
    defaults = {n: p.default for n, p in inspect.signature(fs.FCDD).parameters.items()}
    assert (defaults["objective"], defaults["contamination"], defaults["seed"], defaults["verbose"], defaults["bias"]) == \
        ("fcdd", 0.1, 0, 1, True)
    assert defaults["epochs"] is None and defaults["supervise_mode"] is None, "profile-dependent: resolved at fit"
    doc = fs.FCDD.__doc__
    for name in fields:
        assert f"\n{name} : " in doc, name
    assert "None: small_gray 400, small 600, large 200." in " ".join(doc.split())


def test_bad_parameters_are_refused_by_the_engine_with_their_name():
    x = np.zeros((4, 28, 28), np.uint8)
    for given, message in [(dict(epochs=-1), "epochs must be in [0, 1000000]; got -1"),
                           (dict(lr=float("nan")), "lr must be a finite number; got 'nan'"),
                           (dict(noise_mode="cifar100"), "reads an outlier dataset from disk"),
                           (dict(threads=5000), "threads must be in [1, 1024]; got 5000"),
                           (dict(net="NOPE"), "net must be one of"),
                           (dict(verbose="loud"), "verbose must be an integer; got 'loud'"),
                           (dict(contamination=0.7), "contamination must be in (0, 0.5]; got 0.7")]:
        with pytest.raises(fs.InvalidArgumentError) as e:
            fs.FCDD(**given).fit(x)
        assert message in str(e.value), (given, str(e.value))
    with pytest.raises(fs.InvalidArgumentError, match="oe_limit must be a number, string, boolean, list or None"):
        fs.FCDD(oe_limit=object()).fit(x)


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

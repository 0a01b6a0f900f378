"""The `fcdd-swift` command line: per-dataset defaults, option mapping, one-line errors, --print-config and
--config, and a --help made from the engine's settings schema."""
import json

import pytest

import fcdd_swift as fs
from fcdd_swift import settings
from fcdd_swift.cli import build_parser, main, train


def resolve(*argv):
    return train.resolve(build_parser().parse_args(["train", *argv]))


def test_synthetic_is_the_default_dataset():
    c = resolve()
    assert c["dataset"] == "synthetic"
    assert c["net"] == "FCDD_CNN32_S" and c["supervise_mode"] == "malformed_normal" and c["noise_mode"] == "confetti"
    assert c["it"] == 1 and c["classes"] == [] and c["seed"] == 0


@pytest.mark.parametrize("dataset, expected", [
    ("fmnist", dict(batch_size=128, acc_batches=1, epochs=400, net="FCDD_CNN28_W", preproc="lcnaug1",
                    noise_mode="cifar100", gauss_std=1.2, quantile=0.85, it=5)),
    ("cifar10", dict(batch_size=20, acc_batches=10, epochs=600, net="FCDD_CNN32_LW3K", preproc="aug1", quantile=0.85)),
    ("mvtec", dict(batch_size=16, acc_batches=8, epochs=200, net="FCDD_CNN224_VGG_F", preproc="lcnaug1",
                   supervise_mode="malformed_normal", noise_mode="confetti", gauss_std=12.0, quantile=0.99)),
    ("imagenet", dict(batch_size=20, acc_batches=10, net="FCDD_CNN224_VGG_NOPT", noise_mode="imagenet22k", gauss_std=8.0)),
    ("pascalvoc", dict(nominal_label=1, noise_mode="imagenet", quantile=0.99)),
    ("custom", dict(batch_size=128, epochs=200, net="FCDD_CNN224_VGG_F", noise_mode="imagenet22k", gauss_std=10.0)),
])
def test_runner_defaults_per_dataset(dataset, expected):
    c = resolve("-d", dataset)
    for key, value in expected.items():
        assert c[key] == value, (dataset, key)


def test_optimiser_and_schedule_defaults_follow_the_runner():
    c = resolve("-d", "fmnist")
    assert (c["optimizer"], c["lr"], c["weight_decay"]) == ("sgd", 1e-2, 1e-6)
    assert (c["scheduler"], c["lr_sched_param"]) == ("lambda", [0.98])
    assert resolve("-d", "mvtec")["weight_decay"] == 1e-4
    c = resolve("-d", "cifar10")
    assert (c["optimizer"], c["scheduler"], c["lr_sched_param"]) == ("adam", "milestones", [0.1, 400, 500])
    assert resolve("-d", "cifar10", "--scheduler-type", "lambda")["lr_sched_param"] == [0.985]


def test_explicit_options_override_defaults():
    c = resolve("-d", "mvtec", "-e", "3", "-b", "4", "--acc-batches", "2", "-lr", "0.5", "-wd", "0",
                "--optimizer-type", "adam", "--scheduler-type", "milestones", "--lr-sched-param", "0.5", "2", "3",
                "--cls-restrictions", "3", "4", "--it", "2", "--seed", "7", "--no-bias", "-n", "FCDD_CNN224",
                "--oe-limit", "1", "--supervise-mode", "noise", "--noise-mode", "mvtec_gt", "--blur-heatmaps",
                "--threads", "1")
    assert (c["epochs"], c["batch_size"], c["acc_batches"]) == (3, 4, 2)
    assert (c["optimizer"], c["lr"], c["weight_decay"]) == ("adam", 0.5, 0.0)
    assert (c["scheduler"], c["lr_sched_param"]) == ("milestones", [0.5, 2, 3])
    assert c["classes"] == [3, 4] and c["it"] == 2 and c["seed"] == 7 and c["bias"] is False
    assert c["oe_limit"] == 1 and c["noise_mode"] == "mvtec_gt" and c["blur_heatmaps"] and c["threads"] == 1


def test_normal_class_is_a_single_run():
    c = resolve("-d", "mvtec", "--normal-class", "5")
    assert c["classes"] == [5] and c["it"] == 1


def test_logdir_time_placeholder_and_suffix():
    # {t} stays in the settings (so that they can be run again); the run replaces it with its start time.
    c = resolve("--logdir", "out/fcdd_{t}")
    assert (c["logdir"], c["logdir_suffix"]) == ("out/fcdd_{t}", "_synthetic_")
    c = resolve("--logdir", "out/x", "--logdir-suffix", "_s")
    assert (c["logdir"], c["logdir_suffix"]) == ("out/x", "_s")
    assert resolve("--logdir", "out/x")["logdir_suffix"] == ""


def test_vgg_weights_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FCDD_VGG11_BN_WEIGHTS", str(tmp_path / "w.safetensors"))
    assert resolve("-d", "mvtec")["vgg_weights"] == str(tmp_path / "w.safetensors")


@pytest.mark.parametrize("argv, message", [
    (["train", "--epochs", "x"], "invalid int value"),
    (["train", "-d", "mnist"], "invalid choice"),
    (["train", "--bogus"], "unrecognized arguments"),
])
def test_bad_arguments_give_one_line_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "--help" in err


@pytest.mark.parametrize("argv, message", [
    (["train", "--epochs", "-1"], "epochs (--epochs) must be in [0, 1000000]; got -1"),
    (["train", "--quantile", "2"], "quantile (--quantile) must be in (0, 1]; got 2"),
    (["train", "--load", "/nonexistent/snapshot.safetensors", "-e", "0"], "load (--load): /nonexistent/snapshot.safetensors is not a file"),
    (["train", "--scheduler-type", "milestones", "--lr-sched-param", "0.1"],
     "lr_sched_param (--lr-sched-param) of the milestones schedule must be [GAMMA, M1, M2, ...]"),
    (["train", "--scheduler-type", "milestones"], "must be given with the milestones schedule"),
    (["train", "-d", "cifar10", "--preproc", "lcnaug1"], "'lcnaug1' is not offered for cifar10; use one of aug1"),
    (["train", "--config", "/nonexistent/config.json"], "--config: cannot read /nonexistent/config.json"),
    (["predict", "/nonexistent.safetensors", "x.png"], "no such snapshot file"),
])
def test_invalid_values_are_reported_without_traceback(capsys, argv, message):
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    for option in ["--dataset", "--datadir", "--cls-restrictions", "--supervise-mode", "--noise-mode", "--oe-limit",
                   "--objective", "--epochs", "--batch-size", "--acc-batches", "--learning-rate", "--weight-decay",
                   "--optimizer-type", "--scheduler-type", "--lr-sched-param", "--load", "--seed", "--it",
                   "--logdir", "--gauss-std", "--quantile", "--blur-heatmaps", "--vgg-weights", "--nominal-label",
                   "--offline-supervision", "--one-vs-rest", "--ground-truth-maps", "--preproc", "--net"]:
        assert option in text, option


def test_print_config_round_trips_through_config(tmp_path, capsys):
    assert main(["train", "-d", "mvtec", "-e", "3", "--cls-restrictions", "2", "--print-config"]) == 0
    first = capsys.readouterr().out
    printed = json.loads(first)
    assert list(printed) == list(settings.fields("experiment")), "every experiment setting, in schema order"
    assert (printed["dataset"], printed["epochs"], printed["classes"], printed["net"]) == ("mvtec", 3, [2], "FCDD_CNN224_VGG_F")
    path = tmp_path / "config.json"
    path.write_text(first)
    assert main(["train", "--config", str(path), "--print-config"]) == 0
    assert capsys.readouterr().out == first, "printing, feeding back and printing again gives the same JSON"
    assert main(["train", "--config", str(path), "-e", "5", "--normal-class", "4", "--print-config"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["epochs"], again["classes"], again["it"], again["dataset"]) == (5, [4], 1, "mvtec"), "options win"


def test_config_files_with_errors_are_named(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"dataset": "mvtec", "epoch": 3}')
    assert main(["train", "--config", str(bad), "--print-config"]) == 1
    assert "unknown setting 'epoch'; did you mean 'epochs'?" in capsys.readouterr().err
    bad.write_text("[1, 2]")
    assert main(["train", "--config", str(bad)]) == 1
    assert "must hold a JSON object of settings" in capsys.readouterr().err


def test_help_is_made_from_the_schema(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name, field in settings.fields("experiment").items():
        for flag in field["flags"]:
            assert flag in text, (name, flag)
        assert " ".join(field["help"].split()[:4]) in text, name
    assert "(default: synthetic 20, fmnist 400, cifar10/imagenet/pascalvoc 600, mvtec/custom 200)" in text
    assert "FCDD_CNN28_W" in text and "AE32_LW3K" in text, "the network names are listed"


def test_version_names_the_package_and_its_engine(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"fcdd-swift {fs.__version__} (engine ") and fs.info()["library"] in out


def test_summary_shows_a_spread_only_for_several_repetitions():
    import io
    one = {"classes": [{"class": 0, "class_name": "a", "auc": {"mean": 0.9, "std": 0.0, "n": 1}}], "mean": {"auc": 0.9}}
    out = io.StringIO()
    train.print_summary(one, out)
    assert "±" not in out.getvalue() and "0.9000" in out.getvalue()
    two = {"classes": [{"class": 0, "class_name": "a", "auc": {"mean": 0.9, "std": 0.01, "n": 2}}], "mean": {"auc": 0.9}}
    out = io.StringIO()
    train.print_summary(two, out)
    assert "0.9000 ± 0.0100" in out.getvalue() and "mean ± std over repetitions" in out.getvalue()


def test_missing_prerequisites_are_reported_together_with_what_needs_no_download(tmp_path, capsys):
    # The custom runner's defaults need the images, ImageNet-22k and VGG weights: one error names all
    # three, each with its alternative, before anything is created.
    logdir = tmp_path / "log"
    assert main(["train", "-d", "custom", "--datadir", str(tmp_path / "data"), "--logdir", str(logdir)]) == 1
    err = capsys.readouterr().err
    assert "this experiment needs 3 things that are not here" in err, err
    for fragment in ["custom dataset not found", "ImageNet-22k not found", "FCDD_CNN224_VGG_F starts from ImageNet weights",
                     "without it: --dataset synthetic", "without it: --noise-mode confetti",
                     "without it: --net FCDD_CNN224_VGG_NOPT",
                     "fcdd-swift train --dataset custom --noise-mode confetti --net FCDD_CNN224_VGG_NOPT"]:
        assert fragment in err, (fragment, err)
    assert not logdir.exists()


def test_help_says_how_images_are_sized_per_dataset_and_network(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "fmnist 1x28x28 and cifar10 3x32x32 as stored" in text
    assert "custom shorter side 248, then a 224x224 crop" in text
    assert "the number in a name is the image side it was made for" in text


def _steps(epochs, steps, seconds_per_epoch, epoch_from=0):
    for epoch in range(epoch_from, epochs):
        for step in range(1, steps + 1):
            yield {"epoch": epoch, "epochs": epochs, "step": step, "steps": steps, "epoch_loss": 1.0,
                   "images_per_second": 100.0, "lr": 0.01, "seconds": seconds_per_epoch * step / steps}


def test_progress_gives_the_time_left_after_the_first_epoch():
    import io
    from fcdd_swift.progress_line import ProgressLine, format_duration
    assert (format_duration(3.2), format_duration(245), format_duration(7620)) == ("3 s", "4 min 05 s", "2 h 07 min")
    out = io.StringIO()
    progress = ProgressLine(out)
    progress.start_run(runs_after=2)
    events = list(_steps(epochs=20, steps=4, seconds_per_epoch=30.0))
    for e in events[:3]:
        progress.step(e)
        assert progress.eta_seconds(e) is None, "no estimate before an epoch has finished"
    progress.step(events[3])
    lines = out.getvalue().splitlines()
    assert "first epoch took 30 s: about 9 min 30 s for the 19 epochs left" in lines[-1], lines
    assert "about 29 min 30 s with the 2 runs after this one" in lines[-1], lines
    assert "9 min 30 s left" in lines[-2] and lines[-2].startswith("  epoch 1/20"), lines
    # Halfway through epoch 2 of the last run: 18.5 epochs of 30 s left.
    progress.start_run(runs_after=0)
    progress.step(events[3])
    assert progress.eta_seconds(events[5]) == pytest.approx(30.0 * 18.5)

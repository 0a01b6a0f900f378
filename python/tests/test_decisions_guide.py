"""docs/decisions.md runs as written: every shell command of the guide, in order, in a fresh folder (fit, calibrate,
info, predict, the checks), and the decisions it promises hold: regions overlap the defects, good parts mostly get
none, `predict`'s JSONL equals `fs.FCDD.inspect` on the same images, and the precision and recall `calibrate`
reports on the held-out set carry over to the test set."""
import json
import os
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest

import fcdd_swift as fs
from support import REPO

GUIDE = os.path.join(REPO, "docs", "decisions.md")


def guide_commands():
    text = open(GUIDE).read()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split("#")[0].strip()
            if line:
                commands.append(line)
    return commands


def as_argv(command):
    """The guide's command with this checkout's Python and package (not whatever fcdd-swift is on PATH)."""
    argv = shlex.split(command)
    if argv[0] == "fcdd-swift":
        return [sys.executable, "-m", "fcdd_swift"] + argv[1:]
    if argv[0] == "python3":
        return [sys.executable, os.path.join(REPO, argv[1])] + argv[2:]
    raise AssertionError(f"the guide runs only fcdd-swift and python3: {command}")


@pytest.fixture(scope="module")
def guide_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("guide")
    env = _env()
    outputs = {}
    for command in guide_commands():
        done = subprocess.run(as_argv(command), cwd=folder, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        outputs[command] = done.stdout
    return folder, outputs


def check(folder, predictions):
    done = subprocess.run([sys.executable, os.path.join(REPO, "examples", "check_predictions.py"), predictions, "parts",
                           "--json"], cwd=folder, capture_output=True, text=True, env=_env())
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _env():
    return dict(os.environ, PYTHONPATH=os.path.join(REPO, "python"), FCDD_SWIFT_LIBRARY=fs._loader.LIBRARY_PATH)


def test_the_guide_covers_the_whole_way():
    commands = " | ".join(guide_commands())
    for step in ("make_parts.py", "fcdd-swift fit", "fcdd-swift calibrate", "fcdd-swift info", "fcdd-swift predict",
                 "--masks", "check_predictions.py"):
        assert step in commands, step


@pytest.mark.learned_figures
def test_regions_overlap_the_defects_and_good_parts_mostly_get_none(guide_run, record_property):
    folder, outputs = guide_run
    assert "image threshold: " in outputs["fcdd-swift info parts-calibrated.fcdd"]
    for predictions, nominal_limit in (("predictions/predictions.jsonl", 0.10), ("predictions-good-only/predictions.jsonl", 0.35)):
        f = check(folder, predictions)
        for key, value in f.items():
            record_property(f"{predictions} {key}", value)
        print(f"learned figure: {predictions}: {f}")
        assert f["defective"] == 40 and f["nominal"] == 40
        assert f["region_overlaps_defect"] >= 0.8 * f["defective"], f
        assert f["nominal_with_region"] <= nominal_limit * f["nominal"], f


@pytest.mark.learned_figures
def test_calibrated_precision_and_recall_carry_over_to_the_test_set(guide_run, record_property):
    folder, _ = guide_run
    calibrated = fs.FCDD.load(folder / "parts-calibrated.fcdd").thresholds_["image"]["calibration"]
    measured = check(folder, "predictions/predictions.jsonl")
    for name in ("precision", "recall"):
        record_property(f"held-out {name}", calibrated[name])
        record_property(f"test {name}", measured[name])
        assert abs(calibrated[name] - measured[name]) <= 0.1, (name, calibrated[name], measured[name])


def test_predict_jsonl_equals_inspect_on_the_same_images(guide_run):
    folder, _ = guide_run
    det = fs.FCDD.load(folder / "parts-calibrated.fcdd")
    records = [json.loads(line) for line in open(folder / "predictions" / "predictions.jsonl")]
    images = np.stack([fs.read_image(folder / r["path"]) for r in records])
    inspected = det.inspect(images)
    assert len(inspected) == len(records) == 80
    for record, mine in zip(records, inspected):
        assert {k: record[k] for k in ("score", "label", "regions")} == mine, record["path"]
    masks = det.predict_mask(images)
    for record, mask in zip(records, masks):
        np.testing.assert_array_equal(fs.read_image(record["mask"] if os.path.isabs(record["mask"])
                                                    else folder / record["mask"]) > 0, mask > 0)

"""The resume guarantee of the README, tested as a crash would break it: a training command killed with
SIGKILL at 20 random moments (while preparing data, in the middle of an epoch, while writing a snapshot,
while testing) and started again with --resume each time ends with the weights, optimiser state and
BatchNorm counters of a run that was never interrupted."""
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np

import fcdd_swift as fs
from grid_support import snapshot_tensors

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(fs.__file__)))
COMMAND = ["train", "-e", "8", "--cls-restrictions", "1", "--it", "1", "--threads", "1", "--seed", "3"]


def start(logdir, *extra):
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT, FCDD_SWIFT_LIBRARY=fs._loader.LIBRARY_PATH)
    return subprocess.Popen([sys.executable, "-m", "fcdd_swift", *COMMAND, "--logdir", str(logdir), *extra],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def killed_and_resumed(folder, rng, duration, budget):
    """Runs the command in `folder`, kills it with SIGKILL after random pauses and resumes it, until it finishes
    or `budget` kills have landed; returns the number of kills."""
    kills = 0
    process = start(folder)
    while kills < budget:
        time.sleep(rng.uniform(0.1, duration / 4))
        if process.poll() is not None:
            break   # it finished before this kill
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        # Killed before it made its folder, there is nothing to resume: the command is started afresh.
        process = start(folder, *(("--resume", str(folder)) if folder.exists() else ()))
    assert process.wait(timeout=600) == 0, process.stderr.read()
    return kills


def test_twenty_kills_then_resume_give_the_uninterrupted_weights(tmp_path):
    reference = start(tmp_path / "reference")
    started = time.monotonic()
    assert reference.wait(timeout=600) == 0, reference.stderr.read()
    duration = time.monotonic() - started
    run = os.path.join("normal_1", "it_0")
    expected = snapshot_tensors(os.path.join(tmp_path / "reference", run))

    # How much of the run a random pause lets through depends on the machine (start-up against training
    # speed), so a run may finish before 20 kills have landed: the rest go to another run, and each run
    # must end with the uninterrupted weights.
    rng = random.Random(20261205)
    kills, runs = 0, 0
    while kills < 20:
        assert runs < 5, f"only {kills} kills landed in {runs} runs of {duration:.1f} s"
        folder = tmp_path / f"killed_{runs}"
        kills += killed_and_resumed(folder, rng, duration, 20 - kills)
        runs += 1
        assert_same_state(snapshot_tensors(os.path.join(folder, run)), expected)


def assert_same_state(got, expected):
    assert expected.keys() == got.keys()
    for name in expected:
        if name.endswith("num_batches_tracked"):
            assert np.array_equal(got[name], expected[name]), name
        else:
            np.testing.assert_allclose(got[name], expected[name], rtol=0, atol=1e-6, err_msg=name)

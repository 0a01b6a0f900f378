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


def test_twenty_kills_then_resume_give_the_uninterrupted_weights(tmp_path):
    reference = start(tmp_path / "reference")
    started = time.monotonic()
    assert reference.wait(timeout=600) == 0, reference.stderr.read()
    duration = time.monotonic() - started

    killed = tmp_path / "killed"
    rng = random.Random(20261205)
    kills = 0
    process = start(killed)
    while kills < 20:
        time.sleep(rng.uniform(0.1, duration / 4))
        if process.poll() is not None:
            break   # it finished before this kill: the remaining kills have nothing to hit
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        # Killed before it made its folder, there is nothing to resume: the command is started afresh.
        process = start(killed, *(("--resume", str(killed)) if killed.exists() else ()))
    assert process.wait(timeout=600) == 0, process.stderr.read()
    assert kills == 20, f"only {kills} kills landed in a run of {duration:.1f} s"

    run = os.path.join("normal_1", "it_0")
    expected = snapshot_tensors(os.path.join(tmp_path / "reference", run))
    got = snapshot_tensors(os.path.join(killed, run))
    assert expected.keys() == got.keys()
    for name in expected:
        if name.endswith("num_batches_tracked"):
            assert np.array_equal(got[name], expected[name]), name
        else:
            np.testing.assert_allclose(got[name], expected[name], rtol=0, atol=1e-6, err_msg=name)

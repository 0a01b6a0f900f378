"""`fcdd-swift train --ray` as a user runs it, in a subprocess that starts its own local Ray (2 CPUs): Ctrl-C
cancels the tasks, keeps every finished run and says how to resume; `--resume` then finishes the rest without
running the finished runs again. And without Ray installed, `--ray` is a one-line error."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from grid_support import run_results
from ray_support import worker_environment


def fcdd_swift(*args, **popen):
    env = dict(os.environ, **worker_environment())
    return subprocess.Popen([sys.executable, "-m", "fcdd_swift", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def wait_for_results(directory, count, process, timeout=300):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if len(run_results(directory)) >= count:
            return
        if process.poll() is not None:
            pytest.fail(f"the command ended early ({process.returncode}): {process.communicate()}")
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"no {count} finished runs in {directory} after {timeout} s")


def test_ctrl_c_keeps_finished_runs_and_resume_completes_the_rest(tmp_path):
    pytest.importorskip("ray")
    logdir = tmp_path / "exp"
    command = ["train", "-e", "12", "--cls-restrictions", "0", "1", "2", "--logdir", str(logdir),
               "--ray", "--ray-local-cpus", "2", "--cpus-per-run", "1"]
    first = fcdd_swift(*command)
    wait_for_results(logdir, 1, first)
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=120)
    if first.returncode != 130:   # the whole output: an assertion message would be cut short
        pytest.fail(f"exit status {first.returncode}, not 130\n--- stdout\n{out}\n--- stderr\n{err}")
    assert f"continue with --resume {logdir}" in err
    kept = run_results(logdir)
    assert 1 <= len(kept) < 3, "the grid was stopped before its last run"
    assert (logdir / "summary.json").exists(), "finished runs are summarised"
    stamps = {run: os.stat(logdir / run / "result.json").st_mtime_ns for run in kept}

    second = fcdd_swift(*command, "--resume", str(logdir))
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, (out, err)
    assert f"({len(kept)} finished earlier)" in out
    assert set(run_results(logdir)) == {"normal_0/it_0", "normal_1/it_0", "normal_2/it_0"}
    for run, stamp in stamps.items():
        assert os.stat(logdir / run / "result.json").st_mtime_ns == stamp, f"{run} was run again"
    summary = json.loads((logdir / "summary.json").read_text())
    assert len(summary["classes"]) == 3


def test_ray_option_without_ray_installed_is_one_line_saying_how_to_install(tmp_path):
    # A Ray that cannot be imported: sys.modules[name] = None makes `import ray` raise ImportError.
    code = ("import sys; sys.modules['ray'] = None; from fcdd_swift.cli import main; "
            f"sys.exit(main(['train', '-e', '1', '--logdir', {str(tmp_path / 'x')!r}, '--ray']))")
    env = dict(os.environ, **worker_environment())
    done = subprocess.run([sys.executable, "-c", code], env=env, text=True, capture_output=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "fcdd-swift train: error: Ray is not installed: pip install 'fcdd-swift[ray]' (or pip install ray)"]
    assert not (tmp_path / "x").exists(), "nothing was started"

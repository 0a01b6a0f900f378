"""Runs as Ray tasks on a local Ray with 2 CPUs: the layout and AUCs of a serial run, the engine threads of a
task, no more runs at once than the CPUs allow, a worker killed mid-run (retried, continues from its last
epoch, same results), Ctrl-C in a Ray the caller started (the tasks stop, the CPUs are free again), missing
data named with its node."""
import json
import os
import signal
import time

import pytest

from fcdd_swift import cli
from fcdd_swift.experiment import run_experiment
from fcdd_swift.grid import GridInterrupted, run_grid
from grid_support import relative_files, run_results, same_tensors, small, snapshot_tensors
from ray_support import local_ray  # noqa: F401  (fixture)

pytest.importorskip("ray")


def test_train_on_ray_has_the_layout_and_aucs_of_the_serial_run(tmp_path, capsys, local_ray):
    # Bit-identical for the same thread count (the order of float sums of weight gradients follows the
    # threads; with another count AUCs move in about the 7th digit).
    run_experiment(small(tmp_path / "serial", threads=1))
    assert cli.main(["train", "-e", "2", "--cls-restrictions", "0", "1", "--logdir", str(tmp_path / "ray"),
                     "--ray", "--cpus-per-run", "1"]) == 0
    out = capsys.readouterr().out
    assert "on a local Ray, 1 CPUs per run" in out and "mean over classes" in out
    assert run_results(tmp_path / "ray") == run_results(tmp_path / "serial")
    assert relative_files(tmp_path / "ray") == relative_files(tmp_path / "serial")
    for name in ("summary.json",):
        ray_summary = json.loads((tmp_path / "ray" / name).read_text())
        serial_summary = json.loads((tmp_path / "serial" / name).read_text())
        assert ray_summary["classes"][0]["auc"] == serial_summary["classes"][0]["auc"]
        assert ray_summary["mean"] == serial_summary["mean"]


@pytest.mark.parametrize("cpus", [1, 2])
def test_a_task_runs_the_engine_with_as_many_threads_as_it_has_cpus(tmp_path, local_ray, cpus):
    outcome = run_grid(small(tmp_path / "g", classes=[0], epochs=1), ray=True, cpus_per_run=cpus)
    (result,) = outcome.results.values()
    assert result["threads"] == cpus
    assert result["node_id"] == local_ray.get_runtime_context().get_node_id()


def test_no_more_runs_at_once_than_the_cpus_allow(tmp_path, local_ray):
    # A task that waits on Ray (ray.get, ray.wait) hands its CPU back meanwhile, and Ray starts another task
    # on it; the progress reports must not do that.
    seen = {}

    def note(update):
        now = time.monotonic()
        seen.setdefault(update["key"], [now, now])[1] = now

    run_grid(small(tmp_path / "g", classes=[0, 1, 2], epochs=6), ray=True, cpus_per_run=1, on_progress=note)
    assert len(seen) == 3
    for key, (start, _end) in seen.items():
        running = [k for k, (s, e) in seen.items() if s < start < e]
        assert len(running) <= 1, f"{key} started while {running} were running, on 2 CPUs with 1 per run"


def test_ctrl_c_in_a_ray_the_caller_started_stops_the_tasks_and_frees_the_cpus(tmp_path, local_ray):
    def ctrl_c_in_the_second_epoch(update):
        if update["epoch"] >= 1:
            raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(GridInterrupted) as stopped:
        run_grid(small(tmp_path / "g", epochs=40), ray=True, cpus_per_run=1, on_progress=ctrl_c_in_the_second_epoch)
    assert stopped.value.outcome.results == {}, "the runs were stopped long before their 40th epoch"
    assert time.monotonic() - started < 60
    # Both tasks have ended (a 40-epoch run would hold its CPU for a minute): a task asking for both CPUs runs
    # at once, and the stopped runs' snapshots no longer change.
    snapshots = {p: os.stat(p).st_mtime_ns for p in (tmp_path / "g").rglob("snapshot.safetensors")}
    assert len(snapshots) == 2
    both_cpus = local_ray.remote(num_cpus=2)(lambda: "ran")
    assert local_ray.get(both_cpus.remote(), timeout=20) == "ran"
    assert {p: os.stat(p).st_mtime_ns for p in snapshots} == snapshots


def test_a_killed_worker_is_retried_and_continues_from_its_last_epoch(tmp_path, local_ray):
    epochs = 12
    whole = run_grid(small(tmp_path / "whole", epochs=epochs), ray=True, cpus_per_run=1)
    killed = []

    def kill_first_run_in_third_epoch(update):
        if not killed and update["key"] == "normal_0/it_0" and 2 <= update["epoch"] < epochs - 2:
            killed.append(update["pid"])
            os.kill(update["pid"], signal.SIGKILL)

    cut = run_grid(small(tmp_path / "cut", epochs=epochs), ray=True, cpus_per_run=1, max_retries=2,
                   on_progress=kill_first_run_in_third_epoch)
    assert killed, "the run finished before it could be killed"
    assert not cut.failures and set(cut.results) == set(whole.results)
    assert cut.results["normal_0/it_0"]["pid"] != killed[0]
    log = (tmp_path / "cut" / "normal_0" / "it_0" / "log.txt").read_text()
    assert "resumed from" in log and "after 0 epochs" not in log
    assert run_results(tmp_path / "cut") == run_results(tmp_path / "whole")
    for run in ("normal_0/it_0", "normal_1/it_0"):
        assert same_tensors(snapshot_tensors(tmp_path / "cut" / run), snapshot_tensors(tmp_path / "whole" / run))
    assert len(json.loads((tmp_path / "cut" / "normal_0" / "it_0" / "history.json").read_text())["loss"]) == epochs


def test_a_node_without_the_data_is_named_in_the_error(tmp_path, local_ray):
    missing = str(tmp_path / "no-such-data")
    outcome = run_grid(small(tmp_path / "g", dataset="fmnist", datadir=missing, classes=[0]), ray=True, cpus_per_run=1)
    (message,) = outcome.failures.values()
    assert "node" in message and missing in message and "same path on every machine" in message
    assert outcome.results == {}

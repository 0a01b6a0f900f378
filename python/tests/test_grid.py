"""Grids run serially (no Ray needed): the plan, the spec file, the table, the layout of each combination,
and resuming: finished runs are kept and an interrupted run continues exactly from its last epoch."""
import json
import os

import pytest

from fcdd_swift import cli
from fcdd_swift.experiment import run_experiment
from fcdd_swift.grid import GridInterrupted, run_grid
from fcdd_swift.grid.plan import plan
from grid_support import relative_files, run_results, same_tensors, small, snapshot_tensors


def test_plan_is_the_product_of_the_values_times_classes_and_repetitions(tmp_path):
    p = plan(small(tmp_path / "g", it=2), {"lr": [0.01, 0.001], "gauss_std": [8, 12.5]})
    assert [c.name for c in p.combinations] == ["00_lr=0.01_gauss_std=8", "01_lr=0.01_gauss_std=12.5",
                                                "02_lr=0.001_gauss_std=8", "03_lr=0.001_gauss_std=12.5"]
    assert len(p.tasks) == 4 * 2 * 2
    assert p.combinations[3].settings["lr"] == 0.001 and p.combinations[3].settings["gauss_std"] == 12.5
    assert p.tasks[0].key == "00_lr=0.01_gauss_std=8/normal_0/it_0"
    assert p.tasks[-1].directory == os.path.join(p.directory, "03_lr=0.001_gauss_std=12.5", "normal_1", "it_1")
    assert all(t.state == "new" and t.seed == t.combination.settings["seed"] + t.iteration for t in p.tasks)


def test_combination_folders_are_named_by_the_engine_from_the_values(tmp_path):
    p = plan(small(tmp_path / "g", scheduler="milestones", lr_sched_param=[0.1, 2]), {"readme": ["a/b c", ""], "lr_sched_param": [[0.1, 2, 3]],
                                                                  "vgg_weights": [None]})
    assert [c.name for c in p.combinations] == ["00_readme=a-b-c_lr_sched_param=0.1-2-3_vgg_weights=none",
                                                "01_readme=empty_lr_sched_param=0.1-2-3_vgg_weights=none"]
    assert all(c.directory == os.path.join(p.directory, c.name) for c in p.combinations)


@pytest.mark.parametrize("grid, message", [
    ({"lrr": [0.1]}, "'lrr' is not an experiment setting"),
    ({"logdir": ["a", "b"]}, "cannot be varied"),
    ({"lr": []}, "non-empty list"),
    ({"lr": [-1.0]}, "lr"),
])
def test_bad_grids_are_refused_with_the_setting_named(tmp_path, grid, message):
    with pytest.raises(Exception, match=message):
        plan(small(tmp_path / "g"), grid)


def test_grid_runs_every_combination_and_writes_a_table_best_first(tmp_path, capsys):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"base": small(tmp_path / "g_{t}", classes=[0]), "grid": {"lr": [0.01, 0.0001]}}))
    assert cli.main(["grid", str(spec)]) == 0
    out = capsys.readouterr().out
    (folder,) = list(tmp_path.glob("g_*"))
    rows = json.loads((folder / "grid.json").read_text())["rows"]
    means = [r for r in rows if r["class"] == "mean"]
    assert len(means) == 2 and means[0]["image_auc_mean"] >= means[1]["image_auc_mean"]
    assert [r["rank"] for r in rows] == [1, 1, 2, 2]
    csv_lines = (folder / "grid.csv").read_text().splitlines()
    assert csv_lines[0].startswith("rank,combination,lr,class,class_name,runs,image_auc_mean")
    assert len(csv_lines) == 1 + len(rows)
    assert "mean over classes" in out and "grid.csv" in out
    for name in ("00_lr=0.01", "01_lr=0.0001"):
        summary = json.loads((folder / name / "summary.json").read_text())
        assert summary["classes"][0]["runs"][0]["auc"] is not None
        assert (folder / name / "roc.png").exists() and (folder / name / "normal_0" / "it_0" / "roc.json").exists()


def test_yaml_spec_and_print_plan(tmp_path, capsys):
    pytest.importorskip("yaml")
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"base:\n  epochs: 1\n  logdir: {tmp_path}/y\ngrid:\n  noise_mode: [confetti, solid]\n  lr: [0.01]\n")
    assert cli.main(["grid", str(spec), "--print-plan"]) == 0
    out = capsys.readouterr().out
    assert "2 combinations x 3 runs = 6 runs" in out and "01_noise_mode=solid_lr=0.01" in out
    assert not (tmp_path / "y").exists()



def test_the_guides_grid_example_is_a_valid_plan(tmp_path, capsys, monkeypatch):
    pytest.importorskip("yaml")
    import re
    from support import REPO
    text = open(os.path.join(REPO, "docs", "scaling.md")).read()
    block = re.search(r"```yaml\n(.*?)```", text, flags=re.S)
    assert block, "docs/scaling.md lost its grid example"
    spec = tmp_path / "grid.yaml"
    spec.write_text(block.group(1))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["grid", str(spec), "--print-plan"]) == 0
    assert "8 combinations x 6 runs = 48 runs" in capsys.readouterr().out

@pytest.mark.parametrize("text, message", [
    ('{"base": {}, "grid": {}}', "'grid' must map settings"),
    ('{"base": {}, "grid": {"lr": [0.1]}, "extra": 1}', "unknown key"),
    ('[1, 2]', "must hold an object"),
    ('{"base": 3, "grid": {"lr": [0.1]}}', "'base' must be an object"),
    ('not json', "is not JSON"),
])
def test_bad_spec_files_get_one_line_errors(tmp_path, capsys, text, message):
    spec = tmp_path / "spec.json"
    spec.write_text(text)
    assert cli.main(["grid", str(spec)]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_runs_one_at_a_time_give_the_layout_and_numbers_of_a_serial_run(tmp_path):
    serial = run_experiment(small(tmp_path / "serial"))
    outcome = run_grid(small(tmp_path / "grid"))
    assert run_results(tmp_path / "grid") == run_results(tmp_path / "serial")
    assert relative_files(tmp_path / "grid") == relative_files(tmp_path / "serial")
    assert outcome.summaries[""]["classes"] == json.loads((tmp_path / "grid" / "summary.json").read_text())["classes"]
    assert [c["auc"] for c in outcome.summaries[""]["classes"]] == [c["auc"] for c in serial["classes"]]


def test_interrupted_grid_resumes_exactly_and_keeps_finished_runs(tmp_path):
    config = small(tmp_path / "whole", epochs=4)
    run_grid(config)
    interrupted = small(tmp_path / "cut", epochs=4)

    def stop_second_run_in_third_epoch(update):
        if update["key"] == "normal_1/it_0" and update["epoch"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(GridInterrupted) as stopped:
        run_grid(interrupted, on_progress=stop_second_run_in_third_epoch)
    cut = tmp_path / "cut"
    assert list(run_results(cut)) == ["normal_0/it_0"]
    assert "--resume" in str(stopped.value)
    finished_at = os.path.getmtime(cut / "normal_0" / "it_0" / "result.json")
    with pytest.raises(ValueError, match="--resume"):
        run_grid(interrupted)
    outcome = run_grid(interrupted, resume=True)
    assert list(outcome.results) == ["normal_1/it_0"]
    assert os.path.getmtime(cut / "normal_0" / "it_0" / "result.json") == finished_at
    assert "resumed from" in (cut / "normal_1" / "it_0" / "log.txt").read_text()
    assert run_results(cut) == run_results(tmp_path / "whole")
    for run in ("normal_0/it_0", "normal_1/it_0"):
        assert same_tensors(snapshot_tensors(cut / run), snapshot_tensors(tmp_path / "whole" / run))
    history = json.loads((cut / "normal_1" / "it_0" / "history.json").read_text())
    assert len(history["loss"]) == 4


def test_resume_refuses_other_settings(tmp_path):
    run_grid(small(tmp_path / "g", classes=[0], epochs=1))
    with pytest.raises(ValueError, match="was run with lr"):
        run_grid(small(tmp_path / "g", classes=[0], epochs=1, lr=0.5), resume=True)


def test_resume_finds_the_newest_folder_of_a_timestamped_logdir(tmp_path):
    (tmp_path / "g_20200101000000_synthetic_").mkdir()
    newest = tmp_path / "g_20991231000000_synthetic_"
    newest.mkdir()
    p = plan(small(tmp_path / "g_{t}", classes=[0]), resume=True)
    assert p.directory == str(newest)
    with pytest.raises(ValueError, match="no earlier run matches"):
        plan(small(tmp_path / "other_{t}"), resume=True)

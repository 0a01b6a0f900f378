"""Settings files and grids that try to exhaust the process: a grid of a trillion combinations, a YAML alias
bomb, nesting thousands deep, a file far larger than any settings file, a FIFO in place of a file. Each ends
at once in a one-line CLI error (or ValueError) that names the file and the limit."""
import os
import subprocess
import sys
import time

import pytest

from fcdd_swift import cli
from fcdd_swift.grid import run_grid
from fcdd_swift.grid.plan import MAX_RUNS, plan
from fcdd_swift.settings_files import MAX_BYTES, MAX_DEPTH
from grid_support import small


def one_line_error(capsys, *argv):
    assert cli.main(list(argv)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_a_trillion_combinations_are_counted_not_made(tmp_path, capsys):
    spec = tmp_path / "huge.json"
    values = list(range(100))
    spec.write_text('{"base": {"dataset": "synthetic", "logdir": "%s"}, "grid": {%s}}' % (
        tmp_path / "g", ", ".join(f'"{name}": {values}' for name in ("lr", "gauss_std", "weight_decay", "epochs",
                                                                      "batch_size", "acc_batches"))))
    started = time.monotonic()
    err = one_line_error(capsys, "grid", str(spec), "--print-plan")
    assert time.monotonic() - started < 10
    assert "1e+12 combinations" in err and f"limit of {MAX_RUNS}" in err and "--max-runs" in err
    assert not (tmp_path / "g").exists()


def test_the_run_limit_counts_classes_and_repetitions_and_can_be_raised(tmp_path):
    base = small(tmp_path / "g", classes=[0, 1, 2], it=4)                   # 12 runs per combination
    with pytest.raises(ValueError, match=r"3 combinations x 12 runs each = 36 runs, more than the limit of 30"):
        plan(base, {"lr": [0.1, 0.01, 0.001]}, max_runs=30)
    assert len(plan(base, {"lr": [0.1, 0.01, 0.001]}, max_runs=36).tasks) == 36
    with pytest.raises(ValueError, match="1 combinations x 12 runs each = 12 runs"):
        run_grid(base, max_runs=11)
    with pytest.raises(ValueError, match="max_runs must be an integer >= 1"):
        plan(base, None, max_runs=0)


BOMB = """base: {dataset: synthetic}
grid:
  lr: &a [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path, capsys):
    pytest.importorskip("yaml")
    spec = tmp_path / "bomb.yaml"
    spec.write_text(BOMB)
    assert len(BOMB) < 1000
    err = one_line_error(capsys, "grid", str(spec), "--print-plan")
    assert "bomb.yaml line 4: YAML aliases (*a) are not allowed" in err


@pytest.mark.parametrize("name, text", [
    ("deep.json", '{"base": {}, "grid": {"lr": ' + "[" * 5000 + "]" * 5000 + "}}"),
    ("deep.yaml", "base: {}\ngrid:\n  lr: " + "[" * 5000 + "]" * 5000 + "\n"),
])
def test_nesting_beyond_the_limit_is_refused(tmp_path, capsys, name, text):
    if name.endswith(".yaml"):
        pytest.importorskip("yaml")
    spec = tmp_path / name
    spec.write_text(text)
    err = one_line_error(capsys, "grid", str(spec), "--print-plan")
    assert f"nests deeper than {MAX_DEPTH} levels" in err


def test_a_file_larger_than_any_settings_file_is_not_read(tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text('{"lr": 0.1, "pad": "' + "x" * MAX_BYTES + '"}')
    err = one_line_error(capsys, "train", "--config", str(config), "--print-config")
    assert f"config.json is larger than {MAX_BYTES // 1024} KiB" in err


def test_a_fifo_in_place_of_a_settings_file_does_not_block(tmp_path):
    fifo = tmp_path / "spec.json"
    os.mkfifo(fifo)
    # In a child, with a timeout: a regression would block on the open for ever.
    for argv in (["grid", str(fifo), "--print-plan"], ["train", "--config", str(fifo), "--print-config"]):
        done = subprocess.run([sys.executable, "-m", "fcdd_swift", *argv], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and "spec.json is not a regular file" in done.stderr, done.stderr

"""What a grid runs: combinations of settings, each an experiment in its own folder, and the runs
(class x repetition) of every combination, each one task.

A plain `fcdd-swift train --ray` is a grid of one combination whose folder is the experiment's folder, so
its results have the layout of a serial run. A grid's combinations are sub-folders of the grid's folder.
"""
import glob
import itertools
import json
import math
import os
import re
from dataclasses import dataclass, field

from .. import settings as settings_module
from ..experiment import plan_experiment

# Settings a grid may not vary: they choose where results go and how a run is executed, not what is run,
# or they are the grid's other axes (classes, repetitions).
NOT_VARIED = ("logdir", "logdir_suffix", "load", "threads", "classes", "it", "overwrite")
# Settings that may differ between a run's config.json and the same grid started again (--resume).
EXECUTION_ONLY = ("logdir", "logdir_suffix", "threads", "overwrite")
# The most runs a grid plans unless told otherwise (--max-runs, max_runs=). The count is computed from the
# lengths of the lists before any combination is made, so a spec of a trillion combinations fails at once
# instead of filling memory; raising the limit is a decision, not an accident.
MAX_RUNS = 10_000
# What one run asks Ray for when the caller says nothing (run_grid, `--cpus-per-run`, `--max-retries`): two
# CPUs, which its engine uses as two threads, and two more starts if its worker dies.
CPUS_PER_RUN = 2
MAX_RETRIES = 2


@dataclass
class Combination:
    name: str                # the sub-folder ("" for the plain experiment)
    values: dict             # the varied settings and their values
    settings: dict           # resolved experiment settings
    directory: str           # the experiment's folder


@dataclass
class RunTask:
    combination: Combination
    nominal_class: int
    iteration: int
    class_name: str = ""

    @property
    def key(self):
        prefix = f"{self.combination.name}/" if self.combination.name else ""
        return f"{prefix}normal_{self.nominal_class}/it_{self.iteration}"

    @property
    def directory(self):
        return os.path.join(self.combination.directory, f"normal_{self.nominal_class}", f"it_{self.iteration}")

    def finished(self):
        return os.path.exists(os.path.join(self.directory, "result.json"))


@dataclass
class GridPlan:
    directory: str                        # the grid's folder (the experiment's folder for one combination)
    combinations: list
    tasks: list = field(default_factory=list)
    varied: list = field(default_factory=list)  # names of the varied settings, in the spec's order


def _folder_value(value):
    if isinstance(value, (list, tuple)):
        return "-".join(_folder_value(v) for v in value)
    if value is None:
        return "none"
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text) or "empty"


def combination_name(index, values):
    """`03_lr=0.001_gauss_std=12`: a number that keeps the spec's order, then the values."""
    parts = [f"{k}={_folder_value(v)}" for k, v in values.items()]
    return "_".join([f"{index:02d}"] + parts)[:200]


def check_grid(grid):
    """`grid`: {setting: [values]}; every setting must be an experiment setting that a grid may vary."""
    if not isinstance(grid, dict):
        raise ValueError("the grid must map settings to lists of values, e.g. {\"lr\": [0.001, 0.0001]}")
    known = settings_module.fields("experiment")
    for name, values in grid.items():
        if name not in known:
            import difflib
            close = difflib.get_close_matches(str(name), list(known), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"grid: '{name}' is not an experiment setting{hint} (see fcdd-swift train --help)")
        if name in NOT_VARIED:
            raise ValueError(f"grid: '{name}' cannot be varied in a grid (it is set for the whole grid in 'base')")
        if not isinstance(values, list) or not values:
            raise ValueError(f"grid: '{name}' needs a non-empty list of values; got {values!r}")


def find_directory(resolved, resume):
    """The folder of an earlier start of the same command: `resume` a path (that folder) or True (the newest
    folder that matches logdir + logdir_suffix, where {t} stands for any time)."""
    if isinstance(resume, str):
        if not os.path.isdir(resume):
            raise ValueError(f"--resume {resume}: no such folder")
        return os.path.abspath(resume)
    pattern = (resolved["logdir"] + resolved["logdir_suffix"]).replace("{t}", "*")
    found = sorted(p for p in glob.glob(pattern) if os.path.isdir(p))
    if not found:
        raise ValueError(f"--resume: no earlier run matches {pattern}; start it without --resume, or name its folder "
                         "with --resume DIR")
    return os.path.abspath(found[-1])


def check_size(combinations, runs_each, max_runs):
    """Raises before anything is enumerated when `combinations` x `runs_each` runs exceed `max_runs`."""
    if isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 1:
        raise ValueError(f"max_runs must be an integer >= 1; got {max_runs!r}")
    total = combinations * runs_each
    if total > max_runs:
        count = f"{combinations:.3g}" if combinations >= 10 ** 6 else str(combinations)
        raise ValueError(f"the grid has {count} combinations x {runs_each} runs each = {total:.3g} runs, more than the "
                         f"limit of {max_runs}; shorten its lists, or raise the limit (--max-runs N, max_runs=N)")


def plan(base, grid=None, resume=None, max_runs=MAX_RUNS):
    """The plan of a grid: `base` experiment settings (the --config format) and `grid` {setting: [values]}
    (None: a single experiment, laid out as a serial run). `resume`: None, True or the folder of an
    earlier start (see find_directory). More than `max_runs` runs is an error, raised before the
    combinations are made."""
    if grid is not None:
        check_grid(grid)
        combinations = math.prod(len(values) for values in grid.values())
        check_size(combinations, 1, max_runs)
    first = plan_experiment(base)
    directory = find_directory(first["settings"], resume) if resume else os.path.abspath(first["directory"])
    if grid is None:
        check_size(1, len(first["runs"]), max_runs)
        experiments, varied = [("", {}, first, directory)], []
    else:
        # Classes and repetitions are not varied, so every combination has as many runs as the base (a varied
        # dataset can change the class count: the total is checked again once the combinations are made).
        check_size(combinations, len(first["runs"]), max_runs)
        varied, experiments = list(grid), []
        for index, values in enumerate(itertools.product(*grid.values())):
            chosen = dict(zip(varied, values))
            name = combination_name(index, chosen)
            sub = os.path.join(directory, name)
            try:
                planned = plan_experiment(dict(base, **chosen, logdir=sub, logdir_suffix=""))
            except Exception as e:
                raise ValueError(f"grid combination {name}: {e}") from None
            experiments.append((name, chosen, planned, sub))
    result = GridPlan(directory, [], varied=varied)
    total = sum(len(planned["runs"]) for _n, _c, planned, _f in experiments)
    if total > max_runs:
        raise ValueError(f"the grid's {len(experiments)} combinations have {total} runs in all, more than the limit of "
                         f"{max_runs}; shorten its lists, or raise the limit (--max-runs N, max_runs=N)")
    for name, chosen, planned, folder in experiments:
        combo = Combination(name, chosen, planned["settings"], folder)
        result.combinations.append(combo)
        result.tasks += [RunTask(combo, r["class"], r["it"], r["class_name"]) for r in planned["runs"]]
    if resume:
        check_same_settings(result)
    return result


def check_same_settings(grid_plan):
    """A resumed grid must run what the first start ran: its runs' config.json must hold the same settings."""
    for task in grid_plan.tasks:
        path = os.path.join(task.directory, "config.json")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            stored = json.load(f)
        for name, value in task.combination.settings.items():
            if name in EXECUTION_ONLY or name not in stored:
                continue
            if stored[name] != value:
                raise ValueError(f"--resume: {task.directory} was run with {name}={stored[name]!r}, this command has "
                                 f"{name}={value!r}; resume with the same settings, or start a new run without --resume")

"""What a grid runs, as the engine plans it (fcdd_experiment_plan): combinations of settings, each an
experiment in its own folder, and the runs (class x repetition) of every combination, each one task with
its folder, seed and how far an earlier start got. Python keeps no copy of the layout: it never builds a
run's path or looks at a run's files.

A plain `fcdd-swift train --ray` is a grid of one combination whose folder is the experiment's folder, so
its results have the layout of a serial run. A grid's combinations are sub-folders of the grid's folder.
"""
import json
from dataclasses import dataclass, field

from .. import _lib
from ..errors import InvalidArgumentError
from ..settings import settings_schema, to_json

# The most runs a grid plans unless told otherwise (--max-runs, max_runs=), from the engine. The count is
# computed from the lengths of the lists before any combination is made, so a spec of a trillion
# combinations fails at once instead of filling memory; raising the limit is a decision, not an accident.
MAX_RUNS = settings_schema()["grid"]["max_runs"]
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
    class_name: str
    key: str                 # "<combination>/normal_<c>/it_<i>"
    directory: str           # the run's folder
    seed: int
    state: str               # "finished", "partial" (continues from its snapshot) or "new"

    def finished(self):
        return self.state == "finished"


@dataclass
class GridPlan:
    directory: str                        # the grid's folder (the experiment's folder for one combination)
    combinations: list
    tasks: list = field(default_factory=list)
    varied: list = field(default_factory=list)  # names of the varied settings, in the spec's order


def plan(base, grid=None, resume=None, max_runs=MAX_RUNS):
    """The plan of a grid: `base` experiment settings (the --config format) and `grid` {setting: [values]}
    (None: a single experiment, laid out as a serial run). `resume`: None, True (the newest folder matching
    logdir + logdir_suffix, {t} standing for any time) or the folder of an earlier start, whose runs must
    have been started with the same settings. More than `max_runs` runs is an error, raised before the
    combinations are made."""
    if not isinstance(base, dict):
        raise InvalidArgumentError(f"the base settings must be a dict; got {type(base).__name__}")
    if isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 1:
        raise InvalidArgumentError(f"max_runs must be an integer >= 1; got {max_runs!r}")
    if grid is not None and not isinstance(grid, dict):
        raise InvalidArgumentError("the grid must map settings to lists of values, e.g. {\"lr\": [0.001, 0.0001]}")
    if resume is not None and not isinstance(resume, (bool, str)):
        raise InvalidArgumentError(f"resume must be None, True or a folder; got {resume!r}")
    request = {"settings": {k: to_json(k, v) for k, v in base.items()},
               "grid": None if grid is None else {str(k): to_json(k, v) for k, v in grid.items()},
               "resume": resume or False, "max_runs": max_runs}
    planned = _lib.read_json(_lib.lib.fcdd_experiment_plan, json.dumps(request).encode("utf-8"))
    combinations = [Combination(c["name"], c["values"], c["settings"], c["directory"]) for c in planned["combinations"]]
    tasks = [RunTask(combinations[r["combination"]], r["class"], r["it"], r["class_name"], r["key"], r["directory"],
                     r["seed"], r["state"]) for r in planned["runs"]]
    return GridPlan(planned["directory"], combinations, tasks, planned["varied"])

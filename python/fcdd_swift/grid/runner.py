"""Runs a grid (or one experiment's runs) serially or on Ray, and summarises it: each combination's
summary.json and ROC pictures from its finished runs, and for a grid the table of all combinations."""
import os
from dataclasses import dataclass, field

from ..experiment import summarize_experiment
from . import table
from .display import GridDisplay, format_seconds
from .plan import CPUS_PER_RUN, MAX_RETRIES, MAX_RUNS, plan as make_plan
from .serial import run_serial


@dataclass
class GridOutcome:
    plan: object
    summaries: dict                              # combination name -> summary
    results: dict                                # run key -> result (runs finished by this call)
    failures: dict                               # run key -> error message
    rows: list = field(default_factory=list)     # the grid's table (empty for one experiment)
    interrupted: bool = False


def _request(task):
    return {"key": task.key, "settings": task.combination.settings, "directory": task.combination.directory,
            "class": task.nominal_class, "it": task.iteration, "run_directory": task.directory}


def run_grid(base, grid=None, *, ray=None, cpus_per_run=CPUS_PER_RUN, max_retries=MAX_RETRIES, resume=None, ray_local_cpus=None,
             stream=None, on_progress=None, on_start=None, max_runs=MAX_RUNS):
    """Runs the runs of `base` experiment settings times the combinations of `grid` ({setting: [values]};
    None for one experiment laid out as a serial run).

    ray: None or False to run serially in this process; True for a local Ray (or the one this process has
    already started; `ray_local_cpus` CPUs, default all, when it starts one); an address ("auto",
    "ray://host:10001") to join a cluster. Each run asks Ray for `cpus_per_run` CPUs and runs the engine with
    that many threads; a run whose worker died is retried `max_retries` times. `resume`: True or the
    folder of an earlier start, whose finished runs are kept and unfinished runs continue from their
    snapshots. `on_progress(update)` sees the running runs' progress (key, epoch, epochs, step, pid, host);
    `on_start(plan, todo)` is called before the first run. Ctrl-C raises KeyboardInterrupt after every
    finished run is summarised. A grid of more than `max_runs` runs is refused before anything is made.
    """
    grid_plan = make_plan(base, grid, resume, max_runs)
    finished = [t for t in grid_plan.tasks if t.finished()]
    if finished and not resume:
        raise ValueError(f"{grid_plan.directory} already holds finished runs; add --resume to continue it, or choose "
                         "another --logdir")
    todo = [t for t in grid_plan.tasks if not t.finished()]
    started_ray = False
    if ray is not None and ray is not False:
        from . import on_ray
        # Joined before the results folder is made: a cluster that cannot be reached leaves nothing behind.
        started_ray = on_ray.start(None if ray is True else ray, ray_local_cpus)
    os.makedirs(grid_plan.directory, exist_ok=True)
    display = GridDisplay(total=len(grid_plan.tasks), already_done=len(finished), stream=stream)
    if on_start is not None:
        on_start(grid_plan, todo)
    requests = [_request(t) for t in todo]
    results, failures, interrupted = {}, {}, False
    try:
        if ray is None or ray is False:
            results, failures = run_serial(requests, display, on_progress)
        else:
            results, failures = on_ray.run_on_ray(requests, display, cpus_per_run, max_retries, on_progress)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        display.close()
        if started_ray:
            import ray as ray_module
            ray_module.shutdown()
    summaries = {c.name: summarize_experiment(c.settings, c.directory) for c in grid_plan.combinations}
    outcome = GridOutcome(grid_plan, summaries, results, failures, interrupted=interrupted)
    if grid is not None:
        outcome.rows = table.rows(grid_plan, summaries)
        table.write(grid_plan.directory, grid_plan, outcome.rows)
    if interrupted:
        raise GridInterrupted(outcome)
    return outcome


class GridInterrupted(KeyboardInterrupt):
    """Ctrl-C during a grid; `outcome` holds what finished (summarised and written)."""

    def __init__(self, outcome):
        super().__init__(f"finished runs are summarised in {outcome.plan.directory}; continue with --resume "
                         f"{outcome.plan.directory}")
        self.outcome = outcome


__all__ = ["run_grid", "GridOutcome", "GridInterrupted", "format_seconds"]

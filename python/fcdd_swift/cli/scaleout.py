"""The options and the driver shared by `fcdd-swift train --ray/--resume` and `fcdd-swift grid`: runs
spread over Ray tasks (a local Ray by default, a cluster by address), or serially in this process, with
finished runs kept and unfinished runs continued when the same command is started again with --resume."""
import argparse

from ..grid.plan import CPUS_PER_RUN, MAX_RETRIES, MAX_RUNS

SCALEOUT_OPTIONS = ("ray", "cpus_per_run", "max_retries", "resume", "ray_local_cpus", "max_runs")


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _non_negative(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def add_arguments(p):
    g = p.add_argument_group("scaling out (Ray: pip install 'fcdd-swift[ray]')")
    g.add_argument("--ray", nargs="?", const=True, default=None, metavar="ADDRESS",
                   help="run every (class, repetition) as a Ray task: without ADDRESS on a local Ray started here, "
                        "sized to this machine; with ADDRESS (auto, ray://host:10001) on that cluster")
    g.add_argument("--cpus-per-run", type=_positive, default=CPUS_PER_RUN, metavar="N",
                   help=f"CPUs each run asks Ray for; the engine runs with that many threads (default: {CPUS_PER_RUN})")
    g.add_argument("--ray-local-cpus", type=_positive, default=None, metavar="N",
                   help="CPUs of the local Ray that --ray without ADDRESS starts (default: all of this machine)")
    g.add_argument("--max-retries", type=_non_negative, default=MAX_RETRIES, metavar="N",
                   help="how often a run whose worker process died is started again; it continues from its last "
                        f"complete epoch (default: {MAX_RETRIES})")
    g.add_argument("--max-runs", type=_positive, default=MAX_RUNS, metavar="N",
                   help=f"refuse a grid of more than N runs, counted before anything starts (default: {MAX_RUNS})")
    g.add_argument("--resume", nargs="?", const=True, default=None, metavar="DIR",
                   help="continue an earlier start of the same command: keep its finished runs, continue the others "
                        "from their snapshots (DIR: its folder; default: the newest folder matching --logdir)")


def run(base, grid, args, out, title):
    """Runs the plan and prints per-run lines, the summary or the grid's table; returns the exit code."""
    from ..grid import GridInterrupted, format_table, run_grid
    from .summary import print_summary

    def on_start(plan, todo):
        where = ("on Ray at " + args.ray if isinstance(args.ray, str) else "on a local Ray") if args.ray else "serially"
        combos = f"{len(plan.combinations)} combinations, " if grid is not None else ""
        earlier = len(plan.tasks) - len(todo)
        out.write(f"{title}: {combos}{len(plan.tasks)} runs ({earlier} finished earlier), {where}"
                  + (f", {args.cpus_per_run} CPUs per run" if args.ray else "") + f"; folder {plan.directory}\n")
        out.flush()

    if args.ray:
        from ..grid.on_ray import import_ray
        import_ray()   # without Ray: the one-line hint before anything starts
    try:
        outcome = run_grid(base, grid, ray=args.ray, cpus_per_run=args.cpus_per_run, max_retries=args.max_retries,
                           resume=args.resume, ray_local_cpus=args.ray_local_cpus, on_start=on_start,
                           max_runs=args.max_runs)
    except GridInterrupted as e:
        _print_outcome(e.outcome, grid, out, print_summary, format_table)
        raise
    _print_outcome(outcome, grid, out, print_summary, format_table)
    if outcome.failures:
        out.write(f"{len(outcome.failures)} run(s) failed:\n")
        for key, message in outcome.failures.items():
            out.write(f"  {key}: {message}\n")
        return 1
    return 0


def _print_outcome(outcome, grid, out, print_summary, format_table):
    if grid is None:
        print_summary(outcome.summaries[""], out)
        return
    if outcome.rows:
        out.write("\n" + format_table(outcome.plan, outcome.rows) + "\n")
    out.write(f"table: {outcome.plan.directory}/grid.csv and grid.json; each combination's summary.json, ROC "
              f"pictures and runs in its sub-folder\n")

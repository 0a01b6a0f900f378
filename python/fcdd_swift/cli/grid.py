"""`fcdd-swift grid SPEC`: an experiment for every combination of settings, each with all its classes and
repetitions, serially or on Ray (--ray), and a table of mean ± std image and pixel AUC per combination and
class, best first.

SPEC is a JSON or YAML file:

    base:                 # experiment settings in the --config format (or the path of such a JSON file)
      dataset: synthetic
      epochs: 20
      logdir: ../../data/results/grid_{t}
    grid:                 # lists of values of any settings; every combination is run
      lr: [0.001, 0.0001]
      gauss_std: [8, 12]

Each combination gets a sub-folder of the grid's folder (logdir + logdir_suffix) named after its values,
laid out as a run of `fcdd-swift train` (normal_<c>/it_<i>, summary.json, ROC pictures); grid.csv and
grid.json hold the table.
"""
import os

from ..settings_files import read_settings_file
from . import scaleout

SPEC_KEYS = ("base", "grid")


def add_arguments(p):
    p.add_argument("spec", metavar="SPEC", help="the grid: a JSON or YAML file with 'base' settings and 'grid' lists")
    p.add_argument("--print-plan", action="store_true",
                   help="print the combinations and the number of runs, and exit without training")
    scaleout.add_arguments(p)


def load_spec(path):
    """The spec's base settings and grid, checked for shape (the settings themselves are checked by the engine)."""
    spec = read_settings_file(path, None, yaml_allowed=True)
    if not isinstance(spec, dict):
        raise ValueError(f"{path} must hold an object with 'base' and 'grid'")
    unknown = sorted(set(spec) - set(SPEC_KEYS))
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {', '.join(unknown)}; a spec has 'base' (settings) and 'grid' (lists)")
    base = spec.get("base") or {}
    if isinstance(base, str):
        base_path = base if os.path.isabs(base) else os.path.join(os.path.dirname(os.path.abspath(path)), base)
        base = read_settings_file(base_path, f"{path}: base")
    if not isinstance(base, dict):
        raise ValueError(f"{path}: 'base' must be an object of settings or the path of a JSON settings file")
    base = {k: v for k, v in base.items() if k != "run"}   # a run's config.json also names the run
    grid = spec.get("grid")
    if not isinstance(grid, dict) or not grid:
        raise ValueError(f"{path}: 'grid' must map settings to lists of values, e.g. grid: {{lr: [0.001, 0.0001]}}")
    return base, grid


def run(args, out):
    base, grid = load_spec(args.spec)
    if args.print_plan:
        from ..grid.plan import plan
        p = plan(base, grid, max_runs=args.max_runs)
        runs_each = len(p.tasks) // max(len(p.combinations), 1)
        out.write(f"{len(p.combinations)} combinations x {runs_each} runs = {len(p.tasks)} runs; folder {p.directory}\n")
        for c in p.combinations:
            out.write(f"  {c.name}\n")
        return 0
    return scaleout.run(base, grid, args, out, "fcdd-swift grid")

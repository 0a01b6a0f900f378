"""Grids of FCDD runs: every class x repetition x combination of settings as one run, serially in this
process or as Ray tasks on this machine or a cluster (`fcdd-swift grid`, `fcdd-swift train --ray`)."""
from .runner import GridInterrupted, GridOutcome, run_grid
from .table import format_table

__all__ = ["run_grid", "GridOutcome", "GridInterrupted", "format_table"]

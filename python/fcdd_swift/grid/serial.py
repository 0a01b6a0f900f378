"""A grid's runs one after the other in this process, each with the threads its settings give (all cores
by default). Ctrl-C stops the current run at its next step (its last complete epoch stays in its snapshot)
and ends the grid."""
from .task import TaskFailed, execute


def run_serial(tasks, display, on_progress=None):
    """Runs `tasks` (task requests); returns ({key: result}, {key: error message})."""
    results, failures = {}, {}

    def report(update):
        display.progress(update)
        if on_progress is not None:
            on_progress(update)

    for task in tasks:
        try:
            result = execute(task, threads=None, report=report)
        except TaskFailed as e:
            failures[task["key"]] = str(e)
            display.failed_run(task["key"], str(e))
            continue
        if result.get("stopped"):
            raise KeyboardInterrupt("stopped on request")
        results[task["key"]] = result
        display.finished(result)
    return results, failures

"""A grid's runs as Ray tasks: each run is one task that asks for `cpus_per_run` CPUs and runs the engine with
that many threads. Ray places the tasks (spread over the cluster's machines), retries a task whose worker
died (`max_retries`; the run continues from its last complete epoch) and cancels them on Ctrl-C. Running
tasks report their epoch to a small actor that the driver reads while it waits."""
import logging
import os

from .task import TaskFailed, execute, write_folder

INSTALL_HINT = "Ray is not installed: pip install 'fcdd-swift[ray]' (or pip install ray)"
# How often the driver wakes up to show the running tasks' progress.
POLL_SECONDS = 0.5


def import_ray():
    try:
        import ray
    except ImportError:
        raise RuntimeError(INSTALL_HINT) from None
    return ray


def start(address=None, local_cpus=None):
    """Joins the Ray of `address` ("auto", "ray://host:10001", ...) or, with None, uses the Ray this process
    already runs or starts a local one with `local_cpus` CPUs (None: all of this machine). Returns whether
    this call started Ray (and so should shut it down)."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    if address:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    else:
        # Workers use this very package and library, also from a source checkout.
        from .. import _loader
        package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        paths = [package_parent] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        env = {"PYTHONPATH": os.pathsep.join(paths), "FCDD_SWIFT_LIBRARY": _loader.LIBRARY_PATH}
        # address "local": a new Ray for this command, even when another one runs on this machine.
        ray.init(address="local", num_cpus=local_cpus, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING,
                 runtime_env={"env_vars": env})
    return True


def _progress_board(ray):
    @ray.remote(num_cpus=0)
    class ProgressBoard:
        """The last progress update of every running task."""

        def __init__(self):
            self.updates = {}

        def update(self, key, update):
            self.updates[key] = update

        def read(self):
            return self.updates

    return ProgressBoard.remote()


def _run_on_worker(task, threads, board, driver_node):
    """The body of a Ray task (module-level, so workers import it rather than unpickle code)."""
    from .task import where
    node_id = where()[0]

    def report(update):
        board.update.remote(task["key"], update)

    return execute(task, threads=threads, report=report, ship_files=node_id != driver_node)


def run_on_ray(tasks, display, cpus_per_run=2, max_retries=2, on_progress=None):
    """Runs `tasks` (task requests) as Ray tasks; returns ({key: result}, {key: error message}). Files of runs
    that ran on another machine are written into the run folders here."""
    ray = import_ray()
    board = _progress_board(ray)
    driver_node = ray.get_runtime_context().get_node_id()
    remote = ray.remote(_run_on_worker).options(num_cpus=cpus_per_run, max_retries=max_retries,
                                                retry_exceptions=False, scheduling_strategy="SPREAD")
    pending = {remote.remote(task, cpus_per_run, board, driver_node): task for task in tasks}
    results, failures, seen = {}, {}, {}
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_SECONDS)
            for key, update in ray.get(board.read.remote()).items():
                if seen.get(key) != update and key not in results:
                    seen[key] = update
                    display.progress(update)
                    if on_progress is not None:
                        on_progress(update)
            for ref in done:
                task = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayTaskError as e:
                    cause = getattr(e, "cause", None)
                    failures[task["key"]] = str(cause) if isinstance(cause, TaskFailed) else str(e).strip().splitlines()[-1]
                    display.failed_run(task["key"], failures[task["key"]])
                    continue
                except ray.exceptions.RayError as e:   # the worker died more often than max_retries
                    failures[task["key"]] = f"{type(e).__name__}: {e}".splitlines()[0]
                    display.failed_run(task["key"], failures[task["key"]])
                    continue
                files = result.pop("files", None)
                if files:
                    write_folder(task["run_directory"], files)
                results[task["key"]] = result
                display.finished(result)
    except KeyboardInterrupt:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    finally:
        ray.kill(board)
    return results, failures

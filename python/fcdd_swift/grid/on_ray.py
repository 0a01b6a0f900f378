"""A grid's runs as Ray tasks: each run is one task that asks for `cpus_per_run` CPUs and runs the engine with
that many threads. Ray places the tasks (spread over the cluster's machines), retries a task whose worker
died (`max_retries`; the run continues from its last complete epoch). Running tasks report their epoch to a
small actor that the driver reads while it waits. Ctrl-C on the driver (while it waits, the signal only sets
a flag that the loop reads) raises a stop flag on that actor, and every task stops at its next progress
report (its last complete epoch stays in its snapshot), as Ctrl-C does in a serial grid.

Why not `ray.cancel(force=True)`: cancelling a task that is just being dispatched or just ending (when a
grid's runs change hands, where a Ctrl-C after "done ..." lands) can abort the driver process inside Ray
2.60 ("Check failed: ... Tried to complete task that was not pending"; 2 of 20 such Ctrl-Cs here), taking
the summary of the finished runs with it. The stop flag also lets a task end the way a serial run does."""
import contextlib
import logging
import os
import signal
import threading
import time

from .task import TaskFailed, execute, write_folder

INSTALL_HINT = "Ray is not installed: pip install 'fcdd-swift[ray]' (or pip install ray)"
# How often the driver wakes up to show the running tasks' progress.
POLL_SECONDS = 0.5
# After Ctrl-C, how long the driver waits for running tasks to stop (a task reports at least every
# task.PROGRESS_INTERVAL during training; one that is evaluating finishes first). Tasks still running after
# that are left: a Ray this command started is shut down with them, others see the stop when they next report.
STOP_WAIT_SECONDS = 60


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
        try:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
        except Exception as e:   # Ray raises ConnectionError, RuntimeError, ValueError, ... depending on the cause
            client = " (a ray:// address needs Ray Client: pip install 'ray[client]', which fcdd-swift[ray] installs)" \
                if str(address).startswith("ray://") else ""
            raise RuntimeError(f"cannot join the Ray cluster at {address}: {type(e).__name__}: {e}{client}") from None
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

            self.stopping = False

        def update(self, key, update):
            """Records a task's progress; returns whether the grid is being stopped."""
            self.updates[key] = update
            return self.stopping

        def read(self):
            return self.updates

        def stop(self):
            self.stopping = True

        def stop_requested(self):
            return self.stopping

    return ProgressBoard.remote()


def _run_on_worker(task, threads, board, driver_node):
    """The body of a Ray task (module-level, so workers import it rather than unpickle code)."""
    import ray
    from .task import where
    node_id = where()[0]

    # Whether the driver wants a stop is learnt without waiting: each report sends this task's progress and
    # reads the answer to the one before once it has arrived (a ray.get or ray.wait inside a task can hand its
    # CPUs back to Ray for a moment, and Ray then starts more tasks than the cluster has CPUs). The first
    # answer is asked for right away, so a task that starts after Ctrl-C stops at its first step.
    replies = [board.stop_requested.remote().future()]

    def stop_requested():
        if not replies[-1].done():
            return False
        try:
            return replies[-1].result()
        except ray.exceptions.RayActorError:   # the board is gone: the driver has ended the grid
            return True

    def report(update):
        stop = stop_requested()
        replies[:] = [board.update.remote(task["key"], update).future()]
        return not stop

    return execute(task, threads=threads, report=report, ship_files=node_id != driver_node)


@contextlib.contextmanager
def _ctrl_c_as_flag(flag):
    """While the driver waits, Ctrl-C only sets `flag` (checked by the loop at its next turn), as the engine's
    event pump does: a KeyboardInterrupt raised wherever the signal lands could land inside a finaliser or
    a callback of Ray's, where Python prints and drops it, and the grid would run on as if never stopped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: flag.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_on_ray(tasks, display, cpus_per_run, max_retries, on_progress=None):
    """Runs `tasks` (task requests) as Ray tasks; returns ({key: result}, {key: error message}). Files of runs
    that ran on another machine are written into the run folders here."""
    ray = import_ray()
    board = _progress_board(ray)
    driver_node = ray.get_runtime_context().get_node_id()
    remote = ray.remote(_run_on_worker).options(num_cpus=cpus_per_run, max_retries=max_retries,
                                                retry_exceptions=False, scheduling_strategy="SPREAD")
    pending = {remote.remote(task, cpus_per_run, board, driver_node): task for task in tasks}
    results, failures, seen = {}, {}, {}

    def collect(ref):
        task = pending.pop(ref)
        try:
            result = ray.get(ref)
        except ray.exceptions.RayTaskError as e:
            cause = getattr(e, "cause", None)
            failures[task["key"]] = str(cause) if isinstance(cause, TaskFailed) else str(e).strip().splitlines()[-1]
            display.failed_run(task["key"], failures[task["key"]])
            return
        except ray.exceptions.RayError as e:   # the worker died more often than max_retries
            failures[task["key"]] = f"{type(e).__name__}: {e}".splitlines()[0]
            display.failed_run(task["key"], failures[task["key"]])
            return
        if result.get("stopped"):   # stopped at a step after Ctrl-C: its snapshot resumes it
            return
        files = result.pop("files", None)
        if files:
            write_folder(task["run_directory"], files)
        results[task["key"]] = result
        display.finished(result)

    ctrl_c = []
    try:
        with _ctrl_c_as_flag(ctrl_c):
            while pending:
                if ctrl_c:
                    raise KeyboardInterrupt
                done, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_SECONDS)
                for key, update in ray.get(board.read.remote()).items():
                    if seen.get(key) != update and key not in results:
                        seen[key] = update
                        display.progress(update)
                        if on_progress is not None:
                            on_progress(update)
                for ref in done:
                    collect(ref)
    except KeyboardInterrupt:
        # The previous handler is back: a second Ctrl-C interrupts the wait below.
        ray.get(board.stop.remote())
        display.line(f"stopping {len(pending)} runs at their next step (Ctrl-C again to leave them to Ray)")
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while pending and time.monotonic() < deadline:
            done, _ = ray.wait(list(pending), num_returns=1, timeout=POLL_SECONDS)
            for ref in done:
                collect(ref)
        raise
    finally:
        ray.kill(board)
    return results, failures


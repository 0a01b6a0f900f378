"""One run of a grid, executed where it was placed: in this process (a serial grid) or in a Ray worker.
The run's result comes back with where and how it ran; a run on another machine than the driver also
sends back its folder's files, so the driver has the whole layout even without a shared file system."""
import os
import socket
import time

from .. import experiment
from ..files import write_file

# Progress updates of a running task are sent at most this often (and at every new epoch).
PROGRESS_INTERVAL = 1.0


class TaskFailed(RuntimeError):
    """A run failed where it ran; the message names the run, the machine and the cause."""


def where():
    """(node id, host name, address) of this process: the Ray node when inside Ray, else this machine."""
    node_id = ""
    try:
        import ray
        if ray.is_initialized():
            node_id = ray.get_runtime_context().get_node_id()
    except ImportError:
        pass
    host = socket.gethostname()
    try:
        address = socket.gethostbyname(host)
    except OSError:
        address = "?"
    return node_id, host, address


def check_data(settings, host, address):
    """Datasets are read from the same path on every machine: say which machine lacks it."""
    datadir = settings.get("datadir")
    if settings.get("dataset") not in (None, "synthetic") and datadir and not os.path.isdir(datadir):
        raise TaskFailed(f"node {host} ({address}) has no folder {datadir} (--datadir): the data must be at the same "
                         "path on every machine (a shared file system or a copy)")


def execute(task, threads, report=None, ship_files=False):
    """Runs `task` ({"settings", "directory", "class", "it", "key"}) with `threads` engine threads (None: as
    the settings say).

    `report(update)` sees progress (epoch, epochs, step, steps, loss, pid); returning False stops the run.
    Returns the run's result plus node, host, pid, threads (as the engine reports them while it runs) and,
    with `ship_files`, the run folder's files as {relative path: bytes}.
    """
    from .. import info
    node_id, host, address = where()
    check_data(task["settings"], host, address)
    settings = dict(task["settings"])
    if threads is not None:
        settings["threads"] = threads
    engine_threads = []
    last = {"time": 0.0, "epoch": -1}

    def on_event(e):
        kind = e.get("event")
        if kind == "run":
            engine_threads.append(info()["threads"])
        if report is None or kind != "step":
            return True
        now = time.monotonic()
        if e["epoch"] == last["epoch"] and now - last["time"] < PROGRESS_INTERVAL and e["step"] != e["steps"]:
            return True
        last.update(time=now, epoch=e["epoch"])
        return report({"key": task["key"], "epoch": e["epoch"], "epochs": e["epochs"], "step": e["step"],
                       "steps": e["steps"], "loss": e["epoch_loss"], "pid": os.getpid(), "host": host}) is not False

    try:
        result = experiment.run_single(settings, task["directory"], task["class"], task["it"], resume=True,
                                       on_event=on_event)
    except KeyboardInterrupt:
        raise
    except Exception as e:
        raise TaskFailed(f"{task['key']} failed on node {host} ({address}): {e}") from None
    result.update(key=task["key"], node_id=node_id, host=host, address=address, pid=os.getpid(),
                  threads=engine_threads[-1] if engine_threads else info()["threads"])
    if ship_files:
        result["files"] = read_folder(result["directory"])
    return result


def read_folder(folder):
    files = {}
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, folder)] = f.read()
    return files


def write_folder(folder, files):
    """Writes shipped files (each through fcdd_swift.files.write_file: a fresh temporary name, synced,
    renamed), refusing any name that would land outside `folder`."""
    for rel, data in files.items():
        path = os.path.normpath(os.path.join(folder, rel))
        if not path.startswith(os.path.normpath(folder) + os.sep):
            raise TaskFailed(f"refusing to write {rel} outside {folder}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_file(path, data)

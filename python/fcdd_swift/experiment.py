"""Long engine calls from Python: a whole training experiment (`fcdd-swift train`), one run of an
experiment and the summary of its finished runs (the tasks of `fcdd-swift grid` and `--ray`), and
prediction with a snapshot (`fcdd-swift predict`). The engine reports events as JSON through a callback; Ctrl-C during the
call asks the engine to stop (it finishes the current step, writes a resumable snapshot and returns), and
`KeyboardInterrupt` is raised afterwards so scripts still see the interruption.
"""
import json

from . import _lib
from ._events import EventPump
from .errors import InvalidArgumentError
from .settings import to_json

__all__ = ["run_experiment", "plan_experiment", "run_single", "summarize_experiment", "run_prediction"]


def run_experiment(config, on_event=None):
    """Runs a training experiment in the engine.

    ``config``: experiment settings as a dict (``fs.settings_schema()`` lists them; missing or None values
    take the dataset runner's defaults, so ``{}`` runs the synthetic default), e.g. a run's config.json or the
    output of ``fcdd-swift train --print-config``. ``on_event(event: dict)`` sees every log line, training
    step and phase; returning ``False`` stops the run like Ctrl-C. Returns the summary dict (also written to
    ``<experiment folder>/summary.json``; its ``logdir`` is that folder).
    """
    if not isinstance(config, dict):
        raise InvalidArgumentError(f"config must be a dict of experiment settings; got {type(config).__name__}")
    return EventPump(on_event).call(_lib.lib.fcdd_experiment_run, {k: to_json(k, v) for k, v in config.items()})


def plan_experiment(config):
    """The runs an experiment would make, as the engine plans them (fcdd_experiment_plan): ``{"settings":
    resolved, "directory": the folder an experiment started now writes to, "runs": [{"class", "class_name",
    "it", "seed", "key", "directory", "state"}], ...}``. Folder datasets are listed, so their data must be
    there. Grids and resumed starts: `fcdd_swift.grid.plan.plan`."""
    if not isinstance(config, dict):
        raise InvalidArgumentError(f"config must be a dict of experiment settings; got {type(config).__name__}")
    request = {"settings": {k: to_json(k, v) for k, v in config.items()}}
    return _lib.read_json(_lib.lib.fcdd_experiment_plan, json.dumps(request).encode("utf-8"))


def _task_request(config, directory, **fields):
    if not isinstance(config, dict):
        raise InvalidArgumentError(f"config must be a dict of experiment settings; got {type(config).__name__}")
    if not isinstance(directory, str) or not directory:
        raise InvalidArgumentError("directory must be the experiment's folder, a non-empty string")
    return dict(settings={k: to_json(k, v) for k, v in config.items()}, directory=directory, **fields)


def run_single(config, directory, nominal_class, iteration, resume=True, on_event=None):
    """Runs one run of an experiment: class ``nominal_class``, repetition ``iteration``, into
    ``<directory>/normal_<c>/it_<i>`` (the same files as in a whole experiment, ending with result.json).

    With ``resume``, a run that already has its result.json is not run again, and one that has a snapshot
    continues from its last complete epoch. Returns the run's result (class, class_name, it, seed, auc,
    pixel_auc, seconds, directory) with ``stopped`` telling whether it was stopped (``on_event`` returned
    False, or Ctrl-C, which raises KeyboardInterrupt afterwards).
    """
    for name, value in (("nominal_class", nominal_class), ("iteration", iteration)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidArgumentError(f"{name} must be an integer >= 0; got {value!r}")
    request = _task_request(config, directory, **{"class": nominal_class, "it": iteration, "resume": bool(resume)})
    result = EventPump(on_event).call(_lib.lib.fcdd_experiment_run_one, request)
    result.pop("event", None)
    return result


def summarize_experiment(config, directory):
    """Writes ``<directory>/summary.json`` and the summary ROC pictures from the experiment's finished runs
    (those with a result.json); returns the summary (as `run_experiment` does)."""
    request = _task_request(config, directory)
    return _lib.read_json(_lib.lib.fcdd_experiment_summarize, json.dumps(request).encode("utf-8"))


def run_prediction(request, on_event=None):
    """Scores image files with a snapshot: ``request = {"snapshot", "inputs": [paths], "output_dir"}``."""
    return EventPump(on_event).call(_lib.lib.fcdd_predict_run, request)


def run_calibration(request, on_event=None):
    """Sets a model file's thresholds from images and writes the model with them to a new file:
    ``request = {"model", "normal": [paths], "anomalous": [paths], "masks": [path or None], "image": method,
    "pixel": method, "output", "overwrite"}`` (fcdd_calibrate_run in fcdd.h)."""
    result = EventPump(on_event).call(_lib.lib.fcdd_calibrate_run, request)
    result.pop("event", None)
    return result

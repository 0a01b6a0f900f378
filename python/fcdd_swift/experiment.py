"""Long engine calls from Python: a whole training experiment (`fcdd-swift train`) and prediction with a
snapshot (`fcdd-swift predict`). The engine reports events as JSON through a callback; Ctrl-C during the
call asks the engine to stop (it finishes the current step, writes a resumable snapshot and returns), and
`KeyboardInterrupt` is raised afterwards so scripts still see the interruption.
"""
from . import _lib
from ._events import EventPump
from .errors import InvalidArgumentError
from .settings import to_json

__all__ = ["run_experiment", "run_prediction"]


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


def run_prediction(request, on_event=None):
    """Scores image files with a snapshot: ``request = {"snapshot", "inputs": [paths], "output_dir"}``."""
    return EventPump(on_event).call(_lib.lib.fcdd_predict_run, request)

"""Long engine calls from Python: a whole training experiment (`fcdd-swift train`) and prediction with a
snapshot (`fcdd-swift predict`). The engine reports events as JSON through a callback; Ctrl-C during the
call asks the engine to stop (it finishes the current step, writes a resumable snapshot and returns), and
`KeyboardInterrupt` is raised afterwards so scripts still see the interruption.
"""
from . import _lib
from ._events import EventPump

__all__ = ["run_experiment", "run_prediction"]


def run_experiment(config, on_event=None):
    """Runs a training experiment in the engine.

    ``config``: dict with the keys documented in fcdd.h (``fcdd_experiment_run``), e.g. as built by
    ``fcdd_swift.cli.train.resolve``. ``on_event(event: dict)`` sees every log line, training step and
    phase; returning ``False`` stops the run like Ctrl-C. Returns the summary dict (also written to
    ``<logdir>/summary.json``).
    """
    return EventPump(on_event).call(_lib.lib.fcdd_experiment_run, config)


def run_prediction(request, on_event=None):
    """Scores image files with a snapshot: ``request = {"snapshot", "inputs": [paths], "output_dir"}``."""
    return EventPump(on_event).call(_lib.lib.fcdd_predict_run, request)

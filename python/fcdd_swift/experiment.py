"""Long engine calls from Python: a whole training experiment (`fcdd-swift train`) and prediction with a
snapshot (`fcdd-swift predict`). The engine reports events as JSON through a callback; Ctrl-C during the
call asks the engine to stop (it finishes the current step, writes a resumable snapshot and returns), and
`KeyboardInterrupt` is raised afterwards so scripts still see the interruption.
"""
import json
import signal
import threading

from . import _lib
from .errors import check

__all__ = ["run_experiment", "run_prediction"]


class _EventPump:
    """Turns engine events into calls of `on_event(dict)`; returns 1 to the engine once a stop is wanted."""

    def __init__(self, on_event):
        self.on_event = on_event
        self.stop = False
        self.interrupted = False
        self.error = None
        self.summary = None
        self.c_callback = _lib.EVENT_CALLBACK(self._callback)

    def _callback(self, event_json, _user):
        try:
            event = json.loads(event_json.decode("utf-8"))
            if event.get("event") == "summary":
                self.summary = event
            if self.on_event is not None and self.on_event(event) is False:
                self.stop = True
        except KeyboardInterrupt:
            self.stop = self.interrupted = True
        except BaseException as e:  # an error in user code must not unwind through the C frames
            self.error, self.stop = e, True
        return 1 if self.stop else 0

    def sigint(self, _signum, _frame):
        # Runs when the engine next calls back (ctypes re-enters Python there): ask it to stop.
        self.stop = self.interrupted = True

    def call(self, function, request):
        payload = json.dumps(request).encode("utf-8")
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, self.sigint) if in_main else None
        try:
            status = function(payload, self.c_callback, None)
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous)
        if self.error is not None:
            raise self.error
        check(status)
        if self.interrupted:
            raise KeyboardInterrupt("stopped on request; the snapshot written so far can be resumed with --load")
        return self.summary or {}


def run_experiment(config, on_event=None):
    """Runs a training experiment in the engine.

    ``config``: dict with the keys documented in fcdd.h (``fcdd_experiment_run``), e.g. as built by
    ``fcdd_swift.cli.train.resolve``. ``on_event(event: dict)`` sees every log line, training step and
    phase; returning ``False`` stops the run like Ctrl-C. Returns the summary dict (also written to
    ``<logdir>/summary.json``).
    """
    return _EventPump(on_event).call(_lib.lib.fcdd_experiment_run, config)


def run_prediction(request, on_event=None):
    """Scores image files with a snapshot: ``request = {"snapshot", "inputs": [paths], "output_dir"}``."""
    return _EventPump(on_event).call(_lib.lib.fcdd_predict_run, request)

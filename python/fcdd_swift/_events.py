"""Long engine calls with events: the engine reports progress as JSON through a callback, and the callback's
return value is how a stop request (Ctrl-C, or a user callback returning False) reaches the engine.

ctypes releases the GIL for the whole call and takes it again only while the callback runs, so other Python
threads keep running during training. Ctrl-C: while the call runs in the main thread, SIGINT only sets a
flag (the default handler would raise inside the callback, i.e. in the middle of C frames); the engine sees
the flag at its next event, finishes the current step and returns normally.
"""
import json
import signal
import threading

from . import _lib
from ._lib import check


class EventPump:
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

    def _sigint(self, _signum, _frame):
        # Runs when the engine next calls back (ctypes re-enters Python there): ask it to stop.
        self.stop = self.interrupted = True

    def run(self, invoke):
        """Calls `invoke(c_callback)` (which makes the C call and returns its status) with Ctrl-C turned
        into a stop request; re-raises an exception from `on_event`, then raises for a failed status."""
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, self._sigint) if in_main else None
        try:
            status = invoke(self.c_callback)
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous)
        if self.error is not None:
            raise self.error
        check(status)

    def call(self, function, request):
        """A JSON-request call (`fcdd_experiment_run`, `fcdd_predict_run`); KeyboardInterrupt after a Ctrl-C."""
        payload = json.dumps(request).encode("utf-8")
        self.run(lambda callback: function(payload, callback, None))
        if self.interrupted:
            raise KeyboardInterrupt("stopped on request; the snapshot written so far can be resumed with --load")
        return self.summary or {}

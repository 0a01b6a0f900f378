"""What a user sees while `FCDD.fit` trains: a progress bar over all optimiser steps (tqdm when it is
installed, the command line's one-line display otherwise), per-epoch lines at verbose >= 2, and the user's
per-epoch callback. Returning False from the callback stops training like Ctrl-C."""
import sys
import time
import warnings

from ..progress_line import ProgressLine

# A fit longer than this gets a warning with its measured duration and how to shorten it.
LONG_SECONDS = 15 * 60
# Steps timed before the estimate (the first ones pay for allocations).
TIMED_STEPS = 3


def _tqdm():
    try:
        import importlib.util
        # tqdm.auto picks the notebook bar, which needs ipywidgets and warns in every notebook without it.
        if importlib.util.find_spec("ipywidgets") is not None:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


class FitProgress:
    """The `on_event` handler of a fit."""

    def __init__(self, verbose, callback, stream=None, plan=None):
        self.verbose = verbose
        self.plan = plan
        self.callback = callback
        self.stream = stream or sys.stderr
        self.bar = None
        self.line = None
        self.epoch_info = []
        self.total_steps = 0
        self.epochs = 0
        self.steps_seen = 0
        self.first_step_time = None
        self.warned = False

    def __call__(self, event):
        kind = event.get("event")
        if kind == "start":
            self.epochs, self.total_steps = event["epochs"], event["epochs"] * event["steps"]
        if kind == "step":
            self._estimate()
        if kind == "epoch" and event["epoch"] == 0 and self.first_step_time is not None:
            self._warn_if_long(event["seconds"] * self.epochs)   # an epoch of fewer steps than are timed
        if kind == "start" and self.verbose >= 1 and event["epochs"] > 0:
            # The plan once, before the bar: what trains, for how long, and on which anomalies.
            epochs, steps = event["epochs"], event["steps"]
            self.stream.write(f"FCDD {event['network']}: {epochs} epoch{'s' if epochs != 1 else ''} of "
                              f"{steps} step{'s' if steps != 1 else ''}"
                              + (f"; {self.plan}" if self.plan else "") + "\n")
            tqdm = _tqdm()
            if tqdm is not None:
                self.bar = tqdm(total=event["epochs"] * event["steps"], unit="step", file=self.stream,
                                desc=f"FCDD {event['network']}", dynamic_ncols=True, leave=True)
            else:
                self.line = ProgressLine(self.stream)
        elif kind == "step":
            if self.bar is not None:
                self.bar.update(1)
                self.bar.set_postfix(epoch=f"{event['epoch'] + 1}/{event['epochs']}", loss=f"{event['epoch_loss']:.4f}",
                                     refresh=False)
            elif self.line is not None:
                self.line.step(event)
        elif kind == "epoch":
            info = {k: event[k] for k in ("epoch", "epochs", "loss", "loss_std", "lr", "seconds", "images")}
            info["epoch"] += 1   # the epoch just finished, counted from 1 like the progress line
            self.epoch_info.append(info)
            if self.verbose >= 2:
                text = (f"epoch {info['epoch']}/{info['epochs']}  loss {info['loss']:.5f}  lr {info['lr']:.2e}  "
                        f"{info['seconds']:.1f} s")
                (self.bar.write(text, file=self.stream) if self.bar is not None else print(text, file=self.stream))
            if self.callback is not None and self.callback(info) is False:
                return False
        return True

    def _estimate(self):
        """After the first few steps: the fit's expected duration from their measured time (the first step
        pays for allocations, so it is not timed)."""
        self.steps_seen += 1
        if self.steps_seen == 1:
            self.first_step_time = time.monotonic()
        elif self.steps_seen == 1 + TIMED_STEPS:
            self._warn_if_long((time.monotonic() - self.first_step_time) / TIMED_STEPS * self.total_steps)

    def _warn_if_long(self, expected):
        """A warning, once, when the fit will be long: the profile's epochs are the paper's, made for GPUs
        and large datasets."""
        if self.warned or expected <= LONG_SECONDS:
            return
        self.warned = True
        per_epoch = expected / max(self.epochs, 1)
        steps = self.total_steps // max(self.epochs, 1)
        shorter = max(1, int(600 / per_epoch))
        warnings.warn(f"this fit will take about {_duration(expected)} ({self.epochs} epochs of "
                      f"{steps} step{'s' if steps != 1 else ''}, {per_epoch:.1f} s an epoch as measured on "
                      f"this machine); FCDD(epochs={shorter}) takes about 10 minutes. Ctrl-C stops training and keeps "
                      "the weights so far.", UserWarning, stacklevel=2)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _duration(seconds):
    if seconds >= 5400:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.0f} minutes"

"""Searching `fs.FCDD`'s parameters with Ray Tune (`pip install 'fcdd-swift[ray]'`).

`trainable(X, y, X_val, y_val)` is a Tune trainable: every trial fits an `FCDD` with the trial's config on
(X, y) and, after every epoch, reports the validation metrics of the weights so far through `tune.report`
(``auroc`` = image AUROC on X_val, ``ap``, ``pixel_auroc`` with ``gtmaps_val``, plus ``epoch``, ``loss``,
``lr``), so schedulers such as ASHA can stop weak trials early. The last report carries a checkpoint holding
the fitted detector; `best_detector(results)` loads the best one.

The arrays travel through Ray's object store (`tune.with_parameters`), once per cluster rather than pickled
into every trial; each trial asks for ``cpus_per_trial`` CPUs and trains with that many engine threads.
"""
import os
import tempfile

import numpy as np

from .detector import FCDD
from .detector import arrays
from .errors import InvalidArgumentError
from .settings import check_threads

DETECTOR_FILE = "detector.fcdd"
_INSTALL_HINT = "Ray Tune is not installed; install it with: pip install 'fcdd-swift[ray]'"


def _ray_tune():
    try:
        from ray import tune
    except ImportError as e:
        raise RuntimeError(_INSTALL_HINT) from e
    return tune


def trainable(X, y=None, X_val=None, y_val=None, *, gtmaps_val=None, cpus_per_trial=1, **fixed):
    """A Ray Tune trainable fitting `FCDD(**fixed, **config)` per trial on X (labels y: None = all nominal,
    1 = known anomaly) and reporting validation metrics on (X_val, y_val) after every epoch.

    Parameters
    ----------
    X, y : training images (any shape `FCDD.fit` takes) and optional 0/1 labels
    X_val, y_val : validation images and their 0/1 labels (both classes present)
    gtmaps_val : optional ground-truth maps of X_val; adds ``pixel_auroc`` to the reports
    cpus_per_trial : CPUs each trial requests from Ray; the trial's engine uses that many threads
        (unless ``threads`` is given in ``fixed`` or the config)
    fixed : FCDD parameters shared by every trial (e.g. ``epochs=20``); the trial's config overrides them

    Use it as ``tune.Tuner(trainable(...), param_space={"lr": tune.grid_search([1e-3, 1e-2])},
    tune_config=tune.TuneConfig(metric="auroc", mode="max"))``.
    """
    tune = _ray_tune()
    X_val_checked = arrays.images(X_val, "X_val") if X_val is not None else None
    if X_val_checked is None or y_val is None:
        raise InvalidArgumentError("trainable needs validation images X_val and their labels y_val")
    labels = arrays.labels(y_val, len(X_val_checked))
    if not (labels == 0).any() or not (labels == 1).any():
        raise InvalidArgumentError("y_val must hold nominal (0) and anomalous (1) images: the AUROC needs both")
    check_threads(cpus_per_trial, "cpus_per_trial")   # a trial runs as many engine threads as it has CPUs
    FCDD(**fixed)   # unknown parameter names fail here, before any trial starts
    bound = tune.with_parameters(_run_trial, X=X, y=y, X_val=X_val, y_val=y_val, gtmaps_val=gtmaps_val,
                                 fixed=dict(fixed), cpus=int(cpus_per_trial))
    return tune.with_resources(bound, {"cpu": int(cpus_per_trial)})


def _run_trial(config, X, y, X_val, y_val, gtmaps_val, fixed, cpus):
    """One trial (runs in a Ray worker): fit, report per epoch, report the last epoch with a checkpoint."""
    tune = _ray_tune()
    params = {"verbose": 0, "threads": cpus, **fixed, **config}
    det = FCDD(**params)
    last = {}

    def metrics(info):
        found = det.evaluate(X_val, y_val, gtmaps=gtmaps_val)
        out = {"epoch": info["epoch"], "loss": info["loss"], "lr": info["lr"],
               "auroc": found["image_auroc"], "ap": found["ap"]}
        if gtmaps_val is not None:
            out["pixel_auroc"] = found["pixel_auroc"]
        return out

    def on_epoch(info):
        last["info"] = info
        if info["epoch"] < info["epochs"]:   # the last epoch is reported after fit, with the detector
            tune.report(metrics(info))

    det.fit(X, y, callback=on_epoch)
    if "info" not in last:   # epochs=0: nothing was trained, report the untrained detector once
        last["info"] = {"epoch": -1, "loss": float("nan"), "lr": float("nan"), "epochs": 0}
    final = metrics(last["info"])
    with tempfile.TemporaryDirectory() as d:
        det.save(os.path.join(d, DETECTOR_FILE))
        tune.report(final, checkpoint=tune.Checkpoint.from_directory(d))


def best_detector(results, metric="auroc", mode="max"):
    """The fitted `FCDD` of the best trial of a `tune.ResultGrid` (from `Tuner.fit()`), by its last report."""
    best = results.get_best_result(metric=metric, mode=mode, scope="last")
    if best.checkpoint is None:
        raise InvalidArgumentError(f"the best trial by {metric} has no checkpoint (did it finish?)")
    with best.checkpoint.as_directory() as d:
        return FCDD.load(os.path.join(d, DETECTOR_FILE))

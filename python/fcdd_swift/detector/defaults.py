"""What `FCDD` uses for a parameter left at None: the defaults of the original runner for data of that
shape. Small gray images get the Fashion-MNIST runner's, images up to 64 pixels CIFAR-10's, larger ones
MVTec-AD's (reference 9.2; the same table as `fcdd-swift train -d <dataset>`, see cli/defaults.py).

Two deliberate differences, because the detector reads no dataset from disk: without outlier images the
supervision is the MVTec runner's synthetic one (malformed_normal with confetti noise) instead of the
CIFAR-100 outlier exposure of the F-MNIST and CIFAR-10 runners; and large images get FCDD_CNN224_VGG_NOPT
unless `vgg_weights` points at the ImageNet weights FCDD_CNN224_VGG_F starts from.
"""
import os

import numpy as np

from ..cli.defaults import default, scheduler_settings

# FCDD parameter -> runner option of cli/defaults.py
_RUNNER_NAMES = {
    "net": "net", "epochs": "epochs", "batch_size": "batch_size", "acc_batches": "acc_batches",
    "lr": "learning_rate", "weight_decay": "weight_decay", "optimizer": "optimizer_type",
    "scheduler": "scheduler_type", "lr_sched_param": "lr_sched_param", "preproc": "preproc",
    "gauss_std": "gauss_std", "quantile": "quantile",
}


def profile(channels, height, width):
    """The runner whose defaults fit images of this shape: "fmnist", "cifar10" or "mvtec"."""
    side = max(height, width)
    if channels == 1 and side <= 32:
        return "fmnist"
    return "cifar10" if side <= 64 else "mvtec"


def _network(dataset, objective, vgg_weights):
    net = default(dataset, "net")
    if net == "FCDD_CNN224_VGG_F" and vgg_weights is None:
        net = "FCDD_CNN224_VGG_NOPT"
    if objective == "hsc":
        return net[len("FCDD_"):]                        # FCDD_CNN28_W -> CNN28_W
    if objective == "ae":
        return "AE" + net[len("FCDD_CNN"):]              # FCDD_CNN32_LW3K -> AE32_LW3K
    return net


def resolve(params, channels, height, width, has_outliers):
    """The full parameter set: `params` (FCDD.get_params()) with every None filled in."""
    dataset = profile(channels, height, width)
    out = dict(params)
    oe = out.pop("oe_data", None)   # the images themselves stay out of the record (and the model file)
    out["oe_data_shape"] = list(np.shape(oe)) if oe is not None else None
    if out.get("vgg_weights") is not None:
        out["vgg_weights"] = os.fspath(out["vgg_weights"])
    if out.get("lr_sched_param") is None and out.get("scheduler") not in (None, default(dataset, "scheduler_type")):
        # Another schedule than the runner's: its parameters cannot come from the runner.
        if out["scheduler"] == "milestones":
            raise ValueError("scheduler='milestones' needs lr_sched_param=[GAMMA, M1, M2, ...]")
        out["lr_sched_param"] = [0.985]
    for name, runner_name in _RUNNER_NAMES.items():
        if out.get(name) is None:
            out[name] = default(dataset, runner_name)
    if params.get("net") is None:
        out["net"] = _network(dataset, out["objective"], out.get("vgg_weights"))
    if out["supervise_mode"] is None:
        out["supervise_mode"] = "noise" if has_outliers else "malformed_normal"
    if out["noise_mode"] is None:
        out["noise_mode"] = "outlier_exposure" if has_outliers else "confetti"
    out["lr_sched_param"] = list(out["lr_sched_param"])
    out["profile"] = dataset
    return out


def engine_settings(resolved):
    """The settings JSON of fcdd_detector_create from resolved parameters."""
    scheduler = scheduler_settings(resolved["scheduler"], resolved["lr_sched_param"])
    return {
        "net": resolved["net"], "objective": resolved["objective"], "bias": bool(resolved["bias"]),
        "epochs": int(resolved["epochs"]), "batch_size": int(resolved["batch_size"]),
        "acc_batches": int(resolved["acc_batches"]),
        "optimizer": {"type": resolved["optimizer"], "lr": float(resolved["lr"]),
                      "weight_decay": float(resolved["weight_decay"])},
        "scheduler": scheduler, "supervise_mode": resolved["supervise_mode"], "noise_mode": resolved["noise_mode"],
        "oe_limit": resolved["oe_limit"], "preproc": resolved["preproc"], "gauss_std": float(resolved["gauss_std"]),
        "seed": int(resolved["seed"]), "threads": resolved["threads"], "vgg_weights": resolved["vgg_weights"],
    }

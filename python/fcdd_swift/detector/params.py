"""The constructor parameters of `FCDD`, their checks, and scikit-learn's parameter protocol
(get_params / set_params / repr) without depending on scikit-learn."""
import inspect
import os

import numpy as np

from .. import _validate
from ..errors import InvalidArgumentError

SUPERVISE_MODES = ("unsupervised", "other", "noise", "malformed_normal", "malformed_normal_gt")
NOISE_MODES = ("confetti", "gaussian", "uniform", "blob", "mixed_blob", "solid", "outlier_exposure")
PREPROCS = ("lcnaug1", "aug1", "lcn", "none")


def _choice(value, name, options, optional=True):
    if value is None and optional:
        return
    if value not in options:
        raise InvalidArgumentError(f"{name} must be one of {', '.join(map(repr, options))}" +
                                   (" or None" if optional else "") + f"; got {value!r}")


def check(p, network_names):
    """Raises InvalidArgumentError naming the first invalid parameter of the dict `p`."""
    if p["net"] is not None and p["net"] not in network_names:
        raise InvalidArgumentError(f"net: unknown network {p['net']!r}; fcdd_swift.network_names() lists them")
    _choice(p["objective"], "objective", ("fcdd", "hsc", "ae"), optional=False)
    for name, low in (("epochs", 0), ("batch_size", 1), ("acc_batches", 1), ("oe_limit", 1), ("threads", 1)):
        if p[name] is not None:
            _validate.integer(p[name], name, low, 2 ** 31 - 1)
    for name in ("lr", "gauss_std"):
        if p[name] is not None and _validate.real(p[name], name) <= 0:
            raise InvalidArgumentError(f"{name} must be > 0; got {p[name]!r}")
    if p["weight_decay"] is not None:
        _validate.real(p["weight_decay"], "weight_decay", minimum=0.0)
    _choice(p["optimizer"], "optimizer", ("sgd", "adam"))
    _choice(p["scheduler"], "scheduler", ("lambda", "milestones"))
    if p["lr_sched_param"] is not None:
        if isinstance(p["lr_sched_param"], (str, bytes)) or not hasattr(p["lr_sched_param"], "__iter__"):
            raise InvalidArgumentError(f"lr_sched_param must be a list of numbers; got {p['lr_sched_param']!r}")
        for v in p["lr_sched_param"]:
            _validate.real(v, "lr_sched_param")
    _choice(p["supervise_mode"], "supervise_mode", SUPERVISE_MODES)
    _choice(p["noise_mode"], "noise_mode", NOISE_MODES)
    _choice(p["preproc"], "preproc", PREPROCS)
    if p["quantile"] is not None:
        q = _validate.real(p["quantile"], "quantile")
        if not 0 < q <= 1:
            raise InvalidArgumentError(f"quantile must be in (0, 1]; got {p['quantile']!r}")
    if not isinstance(p["bias"], (bool, np.bool_)):
        raise InvalidArgumentError(f"bias must be True or False; got {p['bias']!r}")
    c = _validate.real(p["contamination"], "contamination")
    if not 0 < c <= 0.5:
        raise InvalidArgumentError(f"contamination must be in (0, 0.5]; got {p['contamination']!r}")
    _validate.integer(p["seed"], "seed", 0, 2 ** 53)
    _validate.integer(p["verbose"], "verbose", 0, 10)
    if p["vgg_weights"] is not None and not isinstance(p["vgg_weights"], (str, os.PathLike)):
        raise InvalidArgumentError(f"vgg_weights must be a path or None; got {p['vgg_weights']!r}")


class ParamsMixin:
    """get_params / set_params / repr in scikit-learn's style, from the constructor's signature."""

    @classmethod
    def _param_names(cls):
        return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]

    def get_params(self, deep=True):
        """The constructor parameters as a dict (`deep` is accepted for scikit-learn; nothing is nested)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Sets constructor parameters; they take effect at the next `fit`. Returns self."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; valid: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = {k: v.default for k, v in inspect.signature(type(self).__init__).parameters.items()}
        changed = []
        for name, value in self.get_params().items():
            default = defaults.get(name)
            same = value is default or (not isinstance(value, np.ndarray) and not isinstance(default, np.ndarray)
                                        and value == default)
            if not same:
                shown = f"<array {value.shape} {value.dtype}>" if isinstance(value, np.ndarray) else repr(value)
                changed.append(f"{name}={shown}")
        return f"{type(self).__name__}({', '.join(changed)})"

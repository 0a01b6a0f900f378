"""`Network`: one FCDD, HSC or autoencoder network of the engine, driven with numpy arrays.

Arrays cross the C ABI as C-contiguous float32 NCHW; any real-valued input (integer dtypes, float64,
non-contiguous views) is converted to that first, which makes a copy.
"""
import ctypes
from collections.abc import Mapping

import numpy as np

from . import _validate
from ._handle import NativeHandle
from ._lib import check, cpath, cstr, f32ptr, lib, read_json
from .errors import InvalidArgumentError, NotFoundError, ShapeError

OBJECTIVES = ("fcdd", "hsc", "ae")


class Network(NativeHandle):
    """A network of the original FCDD code, by class name ("FCDD_CNN28", "CNN32", "AE28", ...).

    Parameters
    ----------
    name : str
        Network name; `fcdd_swift.network_names()` lists them.
    in_shape : tuple of 3 int
        Input shape (C, H, W) of one image.
    bias : bool
        Biases in conv/linear layers and affine BatchNorm (the original's ``--bias``).
    seed : int
        Seed of the PyTorch-default initialisation; the same seed gives the same weights.

    Notes
    -----
    A new network is in training mode, as a new torch module is. Calls on one network are serialised by a
    lock, so a network may be shared between threads. Free it with `close()` or a ``with`` block, or let the
    garbage collector do it.
    """

    _free = lib.fcdd_network_free
    _kind = "network"

    def __init__(self, name, in_shape, bias=True, seed=0):
        if not isinstance(name, str):
            raise InvalidArgumentError(f"network name must be a string; got {name!r}")
        shape = _validate.in_shape(in_shape)
        seed = _validate.integer(seed, "seed", 0, 2 ** 64 - 1)
        super().__init__()
        check(lib.fcdd_network_create(cstr(name), shape[0], shape[1], shape[2], int(bool(bias)), seed,
                                      ctypes.byref(self._ptr)))
        d = self.describe()
        self.name = d["name"]
        self.kind = d["kind"]                        # "fcdd", "hsc" or "ae"
        self.in_shape = tuple(d["in_shape"])         # (C, H, W)
        self.out_shape = tuple(d["out_shape"])       # output of one image, e.g. (1, 7, 7)
        self.reception = d["reception"]              # {"n", "j", "r", "s"} or None
        self.parameter_count = d["parameter_count"]  # as PyTorch counts: parameters only, frozen ones included
        # (name, shape, entry) of every state entry, in PyTorch state-dict order.
        self._state = [(e["name"], tuple(e["shape"]), e) for e in d["state"]]

    def __repr__(self):
        return (f"Network({self.name!r}, in_shape={self.in_shape}, kind={self.kind!r}, "
                f"parameters={self.parameter_count}{', closed' if self.closed else ''})")

    # -- description and mode ----------------------------------------------------------------------

    def describe(self):
        """Description from the engine.

        Returns
        -------
        dict
            name, kind, in_shape, out_shape, bias, training, reception, parameter_count, and ``state``: a
            list of {name, shape, kind ("parameter"/"buffer"), trainable, dtype} in state-dict order.
        """
        with self._use() as h:
            return read_json(lib.fcdd_network_describe, h)

    @property
    def training(self):
        """True in training mode, False in eval mode."""
        return bool(self.describe()["training"])

    def train(self, mode=True):
        """Sets training mode (BatchNorm normalises with batch statistics and updates its running ones),
        as ``torch.nn.Module.train``. Returns self."""
        with self._use() as h:
            check(lib.fcdd_network_set_training(h, int(bool(mode))))
        return self

    def eval(self):
        """Sets eval mode (BatchNorm uses its running statistics). Returns self."""
        return self.train(False)

    # -- state dict --------------------------------------------------------------------------------

    def state_dict(self):
        """Weights and BatchNorm buffers under PyTorch's names, in PyTorch's order.

        Returns
        -------
        dict of str to ndarray
            float32 arrays; ``num_batches_tracked`` as a 0-d int64 array, as in PyTorch.
        """
        out = {}
        with self._use() as h:
            for name, shape, entry in self._state:
                buf = np.empty(shape, np.float32)
                check(lib.fcdd_network_get_state(h, cstr(name), f32ptr(buf), buf.size))
                out[name] = buf.astype(np.int64) if entry["dtype"] == "I64" else buf
        return out

    def load_state_dict(self, tensors):
        """Replaces weights and buffers with the arrays of a state dict (PyTorch names).

        Every key must be known and every entry present, except ``*.num_batches_tracked``, which PyTorch
        also allows to be missing. Nothing is changed when a check fails.

        Raises
        ------
        NotFoundError
            unknown or missing keys (all of them are named).
        ShapeError
            an array of the wrong shape (names the key and both shapes).
        InvalidArgumentError
            non-numeric or non-finite values.
        """
        if not isinstance(tensors, Mapping):
            raise InvalidArgumentError(f"load_state_dict needs a dict of arrays; got {type(tensors).__name__}")
        own = {name: shape for name, shape, _ in self._state}
        unknown = [k for k in tensors if k not in own]
        missing = [k for k in own if k not in tensors and not k.endswith(".num_batches_tracked")]
        if unknown or missing:
            parts = ([f"unknown keys: {', '.join(map(str, unknown))}"] if unknown else []) + \
                    ([f"missing keys: {', '.join(missing)}"] if missing else [])
            raise NotFoundError(f"state dict does not match {self.name}: " + "; ".join(parts))
        arrays = []
        for name, value in tensors.items():
            arr = _validate.as_float32(value, f"'{name}'")
            # A 0-d buffer (num_batches_tracked) may also come as a 1-element array.
            if arr.shape != own[name] and not (own[name] == () and arr.size == 1):
                raise ShapeError(f"'{name}' has shape {arr.shape}; {self.name} needs {own[name]}")
            _validate.finite(arr, f"'{name}'")
            arrays.append((name, arr))
        with self._use() as h:
            for name, arr in arrays:
                check(lib.fcdd_network_set_state(h, cstr(name), f32ptr(arr), arr.size))

    def save(self, path):
        """Writes the state dict to a safetensors file (PyTorch names), atomically."""
        with self._use() as h:
            check(lib.fcdd_network_save(h, cpath(path)))

    def load(self, path):
        """Loads a safetensors state dict written by `save` or converted from PyTorch (same rules as
        `load_state_dict`)."""
        with self._use() as h:
            check(lib.fcdd_network_load(h, cpath(path)))

    # -- computation -------------------------------------------------------------------------------

    def forward(self, x):
        """Output of a batch in the current mode.

        Parameters
        ----------
        x : array (N, C, H, W)

        Returns
        -------
        ndarray (N,) + out_shape, float32
            (N, 1, h, w) for FCDD networks. In training mode BatchNorm running statistics are updated.
        """
        x = _validate.batch(x, self.in_shape)
        out = np.empty((x.shape[0],) + self.out_shape, np.float32)
        with self._use() as h:
            check(lib.fcdd_network_forward(h, f32ptr(x), x.shape[0], f32ptr(out), out.size))
        return out

    def loss_and_grad(self, x, labels=None, gtmaps=None, objective=None, gauss_std=None):
        """Training-mode forward and backward pass on one batch (the mode is restored afterwards).

        Parameters
        ----------
        x : array (N, C, H, W)
        labels : array (N,) of 0 (nominal, pulled in) / 1 (anomalous, pushed out), optional
            Default: all 0.
        gtmaps : array (N, 1, H, W) with values in [0, 1], optional
            Selects FCDD's ground-truth-map loss on the receptive-field upsampled map.
        objective : {"fcdd", "hsc", "ae"} or None
            None: the network's own kind (the only one the engine accepts for it).
        gauss_std : float or None
            Std of the receptive-field Gaussian (ground-truth loss); None: derived from the receptive field.

        Returns
        -------
        loss : float
        grads : dict of str to ndarray
            Gradient of every trainable parameter (float32, parameter shape); `optim` steps apply them.
        """
        x = _validate.batch(x, self.in_shape)
        n = x.shape[0]
        y = _validate.labels(labels, n)
        gt = _validate.gtmaps(gtmaps, n, self.in_shape[1], self.in_shape[2])
        std = _validate.positive_or_default(gauss_std, "gauss_std")
        if objective is not None and objective not in OBJECTIVES:
            raise InvalidArgumentError(f"objective must be one of {', '.join(OBJECTIVES)} or None; got {objective!r}")
        loss = ctypes.c_double()
        grads = {}
        with self._use() as h:
            check(lib.fcdd_network_loss_and_grad(h, f32ptr(x), n, f32ptr(y), f32ptr(gt), cstr(objective), std,
                                                 ctypes.byref(loss)))
            for name, shape, entry in self._state:
                if entry["kind"] == "parameter" and entry["trainable"]:
                    g = np.empty(shape, np.float32)
                    check(lib.fcdd_network_get_grad(h, cstr(name), f32ptr(g), g.size))
                    grads[name] = g
        return float(loss.value), grads

    def scores(self, x):
        """Anomaly score per image, computed in eval mode (the mode is restored); higher is more anomalous.

        Returns
        -------
        ndarray (N,), float32
        """
        x = _validate.batch(x, self.in_shape)
        out = np.empty(x.shape[0], np.float32)
        with self._use() as h:
            check(lib.fcdd_network_scores(h, f32ptr(x), x.shape[0], f32ptr(out)))
        return out

    def profile(self, x, repetitions=3):
        """Per-layer timing of training-mode forward and backward passes of batch `x` (after one warm-up).

        Returns
        -------
        list of dict
            One per layer: index, kind, input_shape, output_shape, forward_seconds, backward_seconds (means
            over `repetitions`), forward_flops and backward_flops (2 x multiply-adds of a direct
            convolution; convolutions only, also where the engine needs fewer by Winograd). An activation
            fused into the BatchNorm before it shows about zero time: BatchNorm's time includes it.
            Parameter gradients are zeroed afterwards.
        """
        x = _validate.batch(x, self.in_shape)
        repetitions = _validate.integer(repetitions, "repetitions", 1, 10000)
        with self._use() as h:
            return read_json(lib.fcdd_network_profile, h, f32ptr(x), x.shape[0], repetitions)

    def heatmaps(self, x, gauss_std=None):
        """Explanation heatmaps at input resolution, computed in eval mode (the mode is restored).

        FCDD: the pseudo-Huber map upsampled with the receptive-field Gaussian (std `gauss_std`, None for
        the default); HSC: absolute input gradients; AE: squared reconstruction error.

        Returns
        -------
        ndarray (N, 1, H, W), float32
        """
        x = _validate.batch(x, self.in_shape)
        std = _validate.positive_or_default(gauss_std, "gauss_std")
        out = np.empty((x.shape[0], 1, self.in_shape[1], self.in_shape[2]), np.float32)
        with self._use() as h:
            check(lib.fcdd_network_heatmaps(h, f32ptr(x), x.shape[0], std, f32ptr(out), out.size))
        return out

    def trainable_names(self):
        """Names of the parameters that `loss_and_grad` returns gradients for, in state-dict order."""
        return [n for n, _, e in self._state if e["kind"] == "parameter" and e["trainable"]]

"""`Network`: one FCDD, HSC or autoencoder network of the engine, driven with numpy arrays."""
import ctypes
import threading

import numpy as np

from . import _lib, _validate
from ._lib import check, encode, f32ptr, lib
from .errors import InvalidArgumentError, NotFoundError, ShapeError


class Network:
    """A network of the original FCDD code, by class name (e.g. "FCDD_CNN28", "CNN32", "AE28").

    Parameters
    ----------
    name : str
        Network name; `fcdd_swift.network_names()` lists them.
    in_shape : tuple of int
        Input shape (C, H, W); H must equal W.
    bias : bool
        Biases in conv/linear layers and affine BatchNorm (the original's ``--bias``).
    seed : int
        Seed of the PyTorch-default initialisation.

    Arrays are float32 NCHW; other real dtypes and non-contiguous arrays are converted (copied).
    A network is safe to share between threads: calls on one network are serialised by a lock.
    """

    def __init__(self, name, in_shape, bias=True, seed=0):
        if not isinstance(name, str):
            raise InvalidArgumentError(f"network name must be a string, got {name!r}")
        try:
            shape = tuple(int(s) for s in in_shape)
        except (TypeError, ValueError):
            raise InvalidArgumentError(f"in_shape must be (C, H, W), got {in_shape!r}") from None
        if len(shape) != 3 or min(shape) < 1:
            raise InvalidArgumentError(f"in_shape must be three positive sizes (C, H, W), got {in_shape!r}")
        if not 0 <= int(seed) < 2 ** 64:
            raise InvalidArgumentError(f"seed must be in [0, 2**64), got {seed!r}")
        self._lock = threading.Lock()
        self._handle = ctypes.c_void_p()
        check(lib.fcdd_network_create(encode(name), shape[0], shape[1], shape[2], int(bool(bias)), int(seed),
                                      ctypes.byref(self._handle)))
        d = self.describe()
        self.name, self.kind = d["name"], d["kind"]
        self.in_shape, self.out_shape = tuple(d["in_shape"]), tuple(d["out_shape"])
        self.reception = d["reception"]
        self.parameter_count = d["parameter_count"]
        self._state = [(e["name"], tuple(e["shape"]), e) for e in d["state"]]

    # -- lifetime -------------------------------------------------------------------------------
    def close(self):
        """Frees the native network (also done when the object is garbage collected)."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            lib.fcdd_network_free(handle)

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _h(self):
        if not self._handle:
            raise InvalidArgumentError("the network has been closed")
        return self._handle

    def __repr__(self):
        return f"Network({self.name!r}, in_shape={self.in_shape}, kind={self.kind!r}, parameters={self.parameter_count})"

    # -- description and mode -------------------------------------------------------------------
    def describe(self):
        """Dict: name, kind, in_shape, out_shape, bias, training, reception, parameter_count, state."""
        with self._lock:
            return _lib.json_text(lib.fcdd_network_describe, self._h())

    @property
    def training(self):
        return self.describe()["training"]

    def train(self, mode=True):
        """Training mode (BatchNorm uses batch statistics and updates running ones), as torch's train()."""
        with self._lock:
            check(lib.fcdd_network_set_training(self._h(), int(bool(mode))))
        return self

    def eval(self):
        """Eval mode (BatchNorm uses running statistics)."""
        return self.train(False)

    # -- state dict -----------------------------------------------------------------------------
    def state_dict(self):
        """Weights and BatchNorm buffers under PyTorch's names, in PyTorch's order."""
        out = {}
        with self._lock:
            for name, shape, entry in self._state:
                buf = np.empty(shape, np.float32)
                check(lib.fcdd_network_get_state(self._h(), encode(name), f32ptr(buf), buf.size))
                out[name] = buf.astype(np.int64) if entry["dtype"] == "I64" else buf
        return out

    def load_state_dict(self, tensors):
        """Loads a full state dict (PyTorch names). Unknown or missing keys raise an error naming them;
        a missing ``num_batches_tracked`` is allowed, as in PyTorch."""
        own = {name: shape for name, shape, _ in self._state}
        unknown = sorted(set(tensors) - set(own))
        missing = [n for n in own if n not in tensors and not n.endswith("num_batches_tracked")]
        if unknown or missing:
            parts = ([f"unknown keys: {', '.join(unknown)}"] if unknown else []) + \
                    ([f"missing keys: {', '.join(missing)}"] if missing else [])
            raise NotFoundError(f"state dict does not match {self.name}: " + "; ".join(parts))
        arrays = {}
        for name, value in tensors.items():
            arr = _validate.as_float32(value, name)
            if arr.shape != own[name] and not (arr.size == 1 and own[name] == ()):
                raise ShapeError(f"'{name}' has shape {arr.shape}, {self.name} needs {own[name]}")
            _validate.finite(arr, name)
            arrays[name] = arr
        with self._lock:
            for name, arr in arrays.items():
                check(lib.fcdd_network_set_state(self._h(), encode(name), f32ptr(arr), arr.size))

    def save(self, path):
        """Writes the state dict as a safetensors file (atomically)."""
        with self._lock:
            check(lib.fcdd_network_save(self._h(), encode(str(path))))

    def load(self, path):
        """Loads a safetensors state dict written here or converted from PyTorch."""
        with self._lock:
            check(lib.fcdd_network_load(self._h(), encode(str(path))))

    # -- computation ----------------------------------------------------------------------------
    def forward(self, x):
        """Output for a batch (N, C, H, W) in the current mode; (N, 1, h, w) for FCDD networks."""
        x = _validate.batch(x, self.in_shape)
        out = np.empty((x.shape[0],) + self.out_shape, np.float32)
        with self._lock:
            check(lib.fcdd_network_forward(self._h(), f32ptr(x), x.shape[0], f32ptr(out), out.size))
        return out

    __call__ = forward

    def loss_and_grad(self, x, labels=None, gtmaps=None, objective=None, gauss_std=None):
        """Training-mode forward and backward pass.

        Parameters
        ----------
        x : array (N, C, H, W)
        labels : array (N,) of 0 (nominal, pulled in) / 1 (anomalous, pushed out), default all 0
        gtmaps : array (N, 1, H, W) in [0, 1], optional; FCDD's ground-truth-map loss
        objective : "fcdd", "hsc", "ae" or None for the network's own
        gauss_std : std of the receptive-field Gaussian (ground-truth loss); None = default

        Returns
        -------
        (loss, grads): the batch loss and a dict of gradients of every trainable parameter.
        """
        x = _validate.batch(x, self.in_shape)
        n = x.shape[0]
        y = _validate.labels(labels, n)
        gt = _validate.gtmaps(gtmaps, n, self.in_shape[1], self.in_shape[2])
        std = _validate.gauss_std(gauss_std)
        if objective is not None and objective not in ("fcdd", "hsc", "ae"):
            raise InvalidArgumentError(f"objective must be 'fcdd', 'hsc', 'ae' or None, got {objective!r}")
        loss = ctypes.c_double()
        grads = {}
        with self._lock:
            check(lib.fcdd_network_loss_and_grad(self._h(), f32ptr(x), n, f32ptr(y), f32ptr(gt),
                                                 encode(objective) if objective else None, std,
                                                 ctypes.byref(loss)))
            for name, shape, entry in self._state:
                if entry["kind"] == "parameter" and entry["trainable"]:
                    g = np.empty(shape, np.float32)
                    check(lib.fcdd_network_get_grad(self._h(), encode(name), f32ptr(g), g.size))
                    grads[name] = g
        return float(loss.value), grads

    def scores(self, x):
        """Anomaly score per image (N,), eval mode; higher is more anomalous."""
        x = _validate.batch(x, self.in_shape)
        out = np.empty(x.shape[0], np.float32)
        with self._lock:
            check(lib.fcdd_network_scores(self._h(), f32ptr(x), x.shape[0], f32ptr(out)))
        return out

    def heatmaps(self, x, gauss_std=None):
        """Explanation heatmaps (N, 1, H, W) at input resolution, eval mode. FCDD: receptive-field
        Gaussian upsampling of the pseudo-Huber map; HSC: input gradients; AE: squared error."""
        x = _validate.batch(x, self.in_shape)
        std = _validate.gauss_std(gauss_std)
        out = np.empty((x.shape[0], 1, self.in_shape[1], self.in_shape[2]), np.float32)
        with self._lock:
            check(lib.fcdd_network_heatmaps(self._h(), f32ptr(x), x.shape[0], std, f32ptr(out), out.size))
        return out

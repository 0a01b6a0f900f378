"""Optimisers over a `Network`'s trainable parameters, with PyTorch's update rules."""
import ctypes
import threading

from ._lib import check, encode, lib
from .errors import InvalidArgumentError


class _Optimizer:
    def __init__(self, net, create):
        self.net = net  # keeps the network alive as long as the optimiser
        self._lock = threading.Lock()
        self._handle = ctypes.c_void_p()
        with net._lock:
            check(create(net._h(), ctypes.byref(self._handle)))

    def close(self):
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            lib.fcdd_optimizer_free(handle)

    def __del__(self):
        self.close()

    def step(self):
        """Applies the gradients of the network's last `loss_and_grad`."""
        with self.net._lock, self._lock:
            check(lib.fcdd_optimizer_step(self._handle))

    @property
    def lr(self):
        value = ctypes.c_double()
        with self._lock:
            check(lib.fcdd_optimizer_get_lr(self._handle, ctypes.byref(value)))
        return value.value

    @lr.setter
    def lr(self, value):
        with self._lock:
            check(lib.fcdd_optimizer_set_lr(self._handle, float(value)))

    def set_schedule(self, kind, gamma, milestones=()):
        """Learning-rate schedule stepped by `schedule_step()` once per epoch: "lambda" gives
        lr_e = lr_0 * gamma**e; "milestones" multiplies lr by gamma at each milestone epoch."""
        ms = [int(m) for m in milestones]
        arr = (ctypes.c_int32 * max(len(ms), 1))(*ms)
        with self._lock:
            check(lib.fcdd_optimizer_set_schedule(self._handle, encode(kind), float(gamma), arr, len(ms)))

    def schedule_step(self):
        """Ends an epoch: advances the schedule and sets the next learning rate."""
        with self._lock:
            check(lib.fcdd_optimizer_schedule_step(self._handle))


class SGD(_Optimizer):
    """SGD with momentum, optional Nesterov and coupled L2 weight decay (torch.optim.SGD, dampening 0)."""

    def __init__(self, net, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(net, lambda h, out: lib.fcdd_optimizer_create_sgd(
            h, float(lr), float(momentum), int(bool(nesterov)), float(weight_decay), out))


class Adam(_Optimizer):
    """Adam with coupled L2 weight decay (torch.optim.Adam, not AdamW)."""

    def __init__(self, net, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if len(betas) != 2:
            raise InvalidArgumentError(f"betas must be a pair, got {betas!r}")
        super().__init__(net, lambda h, out: lib.fcdd_optimizer_create_adam(
            h, float(lr), float(betas[0]), float(betas[1]), float(eps), float(weight_decay), out))

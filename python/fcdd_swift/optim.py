"""Optimisers over a `Network`'s trainable parameters, with PyTorch's update rules, and learning-rate
schedules. A step applies the gradients of the network's last `Network.loss_and_grad`."""
import ctypes

from . import _validate, settings
from ._handle import NativeHandle
from ._lib import check, cstr, lib
from .errors import InvalidArgumentError
from .network import Network



def schedules():
    """The learning-rate schedules: the choices of the schema's ``scheduler`` setting."""
    return tuple(settings.fields("experiment")["scheduler"]["choices"])


class Optimizer(NativeHandle):
    """Base class of `SGD` and `Adam`; not created directly."""

    _free = lib.fcdd_optimizer_free
    _kind = "optimizer"

    def __init__(self, net, create, lr):
        if not isinstance(net, Network):
            raise InvalidArgumentError(f"an optimiser needs a fcdd_swift.Network; got {type(net).__name__}")
        _validate.real(lr, "lr", minimum=0.0)
        super().__init__()
        self.net = net  # the optimiser works on this network's parameters; keep it alive as long as we are
        with net._use() as h:
            check(create(h, ctypes.byref(self._ptr)))

    def step(self):
        """Updates the parameters with the gradients of the network's last `loss_and_grad`.

        Raises
        ------
        StateError
            no gradients have been computed yet.
        """
        # Lock order: network, then optimiser (the only place that holds both).
        with self.net._use(), self._use() as h:
            check(lib.fcdd_optimizer_step(h))

    @property
    def lr(self):
        """Current learning rate (settable; a schedule then continues from its own initial rate)."""
        value = ctypes.c_double()
        with self._use() as h:
            check(lib.fcdd_optimizer_get_lr(h, ctypes.byref(value)))
        return value.value

    @lr.setter
    def lr(self, value):
        value = _validate.real(value, "lr", minimum=0.0)
        with self._use() as h:
            check(lib.fcdd_optimizer_set_lr(h, value))

    def set_schedule(self, kind, gamma, milestones=None):
        """Attaches a learning-rate schedule, advanced by `schedule_step()` once per epoch.

        Parameters
        ----------
        kind : {"lambda", "milestones"}
            "lambda": lr_e = lr_0 * gamma**e (the original's LambdaLR); "milestones": lr multiplied by
            gamma at each milestone epoch (torch's MultiStepLR). lr_0 is the learning rate now.
        gamma : float in (0, 1]
        milestones : sequence of int, optional
            Epochs for "milestones" (ignored by "lambda").
        """
        if kind not in schedules():
            raise InvalidArgumentError(f"schedule kind must be one of {', '.join(schedules())}; got {kind!r}")
        gamma = _validate.real(gamma, "gamma")
        try:
            ms = [] if milestones is None else list(milestones)
        except TypeError:
            raise InvalidArgumentError(f"milestones must be a sequence of epochs; got {milestones!r}") from None
        ms = [_validate.integer(m, "milestones", 0, 2 ** 31 - 1) for m in ms]
        arr = (ctypes.c_int32 * len(ms))(*ms) if ms else None
        with self._use() as h:
            check(lib.fcdd_optimizer_set_schedule(h, cstr(kind), gamma, arr, len(ms)))

    def schedule_step(self):
        """Ends an epoch: advances the schedule and sets the learning rate of the next epoch."""
        with self._use() as h:
            check(lib.fcdd_optimizer_schedule_step(h))


class SGD(Optimizer):
    """SGD with momentum, optional Nesterov momentum and (coupled, L2) weight decay, as ``torch.optim.SGD``
    with dampening 0.

    Parameters
    ----------
    net : Network
    lr : float
    momentum : float
    nesterov : bool
    weight_decay : float
    """

    def __init__(self, net, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        momentum = _validate.real(momentum, "momentum", minimum=0.0)
        weight_decay = _validate.real(weight_decay, "weight_decay", minimum=0.0)
        super().__init__(net, lambda h, out: lib.fcdd_optimizer_create_sgd(
            h, float(lr), momentum, int(bool(nesterov)), weight_decay, out), lr)


class Adam(Optimizer):
    """Adam with coupled L2 weight decay, as ``torch.optim.Adam`` (not AdamW).

    Parameters
    ----------
    net : Network
    lr : float
    betas : (float, float)
    eps : float
    weight_decay : float
    """

    def __init__(self, net, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise InvalidArgumentError(f"betas must be a pair (beta1, beta2); got {betas!r}") from None
        beta1, beta2 = _validate.real(beta1, "beta1"), _validate.real(beta2, "beta2")
        eps = _validate.real(eps, "eps", minimum=0.0)
        weight_decay = _validate.real(weight_decay, "weight_decay", minimum=0.0)
        super().__init__(net, lambda h, out: lib.fcdd_optimizer_create_adam(
            h, float(lr), beta1, beta2, eps, weight_decay, out), lr)

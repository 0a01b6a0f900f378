"""Optimisers and learning-rate schedules through the Python API."""
import gc

import numpy as np
import pytest

import fcdd_swift as fs


@pytest.fixture
def net():
    with fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), seed=0) as n:
        yield n


def batch(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 1, 28, 28), dtype=np.float32)


def test_step_before_any_gradient_is_a_state_error(net):
    with fs.optim.SGD(net, lr=0.1) as opt:
        with pytest.raises(fs.StateError, match="loss_and_grad"):
            opt.step()


def test_first_sgd_step_follows_torch(net):
    """torch.optim.SGD, first step, dampening 0: the momentum buffer is the gradient d = g + wd * w, and
    Nesterov uses d + momentum * d, so w1 = w0 - lr * (1 + momentum) * d."""
    lr, momentum, wd = 0.05, 0.9, 1e-2
    w0 = net.state_dict()
    _, grads = net.loss_and_grad(batch(), labels=[0, 1] * 4)
    with fs.optim.SGD(net, lr=lr, momentum=momentum, nesterov=True, weight_decay=wd) as opt:
        opt.step()
    w1 = net.state_dict()
    for name, g in grads.items():
        d = g.astype(np.float64) + wd * w0[name]
        np.testing.assert_allclose(w1[name], w0[name] - lr * (1 + momentum) * d, rtol=1e-5, atol=1e-7, err_msg=name)


def test_first_adam_step_follows_torch(net):
    """torch.optim.Adam, first step: bias-corrected m/sqrt(v) is d/|d|, so w1 = w0 - lr * d / (|d| + eps)."""
    lr, eps = 1e-3, 1e-8
    w0 = net.state_dict()
    _, grads = net.loss_and_grad(batch(), labels=[0, 1] * 4)
    with fs.optim.Adam(net, lr=lr, betas=(0.9, 0.999), eps=eps) as opt:
        opt.step()
    w1 = net.state_dict()
    for name, g in grads.items():
        d = g.astype(np.float64)
        big = np.abs(d) > 1e-4  # eps matters only for tiny gradients
        np.testing.assert_allclose(w1[name][big], (w0[name] - lr * d / (np.abs(d) + eps))[big], rtol=1e-4,
                                   atol=1e-7, err_msg=name)


def test_lambda_schedule(net):
    opt = fs.optim.SGD(net, lr=0.1, momentum=0.9)
    opt.set_schedule("lambda", gamma=0.985)
    for e in range(1, 6):
        opt.schedule_step()
        assert opt.lr == pytest.approx(0.1 * 0.985 ** e, rel=1e-12)


def test_milestone_schedule(net):
    opt = fs.optim.Adam(net, lr=1.0)
    opt.set_schedule("milestones", gamma=0.1, milestones=[2, 4])
    lrs = []
    for _ in range(5):
        opt.schedule_step()
        lrs.append(opt.lr)
    assert lrs == pytest.approx([1.0, 0.1, 0.1, 0.01, 0.01])
    opt.set_schedule("milestones", gamma=0.1, milestones=np.array([400, 500]))
    assert opt.lr == pytest.approx(0.01)


def test_lr_property_and_schedule_errors(net):
    opt = fs.optim.SGD(net, lr=0.1)
    opt.lr = 0.25
    assert opt.lr == 0.25
    for bad in (-1.0, np.nan, "0.1", None):
        with pytest.raises(fs.InvalidArgumentError):
            opt.lr = bad
    with pytest.raises(fs.StateError, match="no schedule"):
        opt.schedule_step()
    with pytest.raises(fs.InvalidArgumentError, match="lambda, milestones"):
        opt.set_schedule("cosine", gamma=0.5)
    with pytest.raises(fs.InvalidArgumentError, match="gamma"):  # the engine's check: gamma in (0, 1]
        opt.set_schedule("lambda", gamma=1.5)
    with pytest.raises(fs.InvalidArgumentError, match="milestones"):
        opt.set_schedule("milestones", gamma=0.1, milestones=[1.5])


def test_constructor_validation(net):
    for kwargs in ({"lr": -1}, {"lr": np.inf}, {"lr": 0.1, "momentum": -0.5}, {"lr": 0.1, "weight_decay": np.nan}):
        with pytest.raises(fs.InvalidArgumentError):
            fs.optim.SGD(net, **kwargs)
    with pytest.raises(fs.InvalidArgumentError, match="betas"):
        fs.optim.Adam(net, betas=0.9)
    with pytest.raises(fs.InvalidArgumentError):
        fs.optim.Adam(net, betas=(0.9, 1.5))  # the engine's check
    with pytest.raises(fs.InvalidArgumentError, match="Network"):
        fs.optim.SGD("net", lr=0.1)


def test_optimizer_keeps_its_network_alive():
    opt = fs.optim.SGD(fs.Network("FCDD_CNN28", in_shape=(1, 28, 28)), lr=0.1)
    gc.collect()
    opt.net.loss_and_grad(batch(4))
    opt.step()
    opt.close()
    with pytest.raises(fs.StateError, match="closed"):
        opt.step()


def test_training_reduces_the_loss(net):
    x = batch(16)
    labels = np.array([0, 1] * 8, np.float32)
    x[labels == 1] += np.random.default_rng(1).random((8, 1, 28, 28)).astype(np.float32)
    opt = fs.optim.SGD(net, lr=0.05, momentum=0.9, nesterov=True)
    losses = []
    for _ in range(30):
        losses.append(net.loss_and_grad(x, labels=labels)[0])
        opt.step()
    assert losses[-1] < 0.5 * losses[0], losses
    net.eval()
    scores = net.scores(x)
    assert scores[labels == 1].min() > scores[labels == 0].max()  # separable after training

"""Gradients of `loss_and_grad` against finite differences of its loss, through the Python API (FCDD_CNN28).

The loss is piecewise smooth: leaky ReLU and max pooling have kinks, and a step of eps = 1e-2 in a weight of
conv1 crosses many of them (max-pooling winners switch), so a plain central difference there is off by a
few percent even with a correct gradient. Two checks follow from that:

* a central difference at eps = 1e-2 on parameters whose perturbation crosses no kink (conv2.bias shifts
  every value in a channel equally, so pooling winners keep winning; conv_final is followed only by the
  smooth loss), with a tolerance for float32 rounding and the eps**2 curvature term;
* for every parameter, the loss change across [p - eps, p + eps] against the integral of the analytic
  gradient along that segment (trapezoid rule on 17 points), which holds across kinks as well.
"""
import numpy as np
import pytest

import fcdd_swift as fs

EPS = 1e-2
KINK_FREE = ["conv2.bias", "conv_final.weight", "conv_final.bias"]
BIAS_BEFORE_BN = "conv1.bias"  # feeds BatchNorm: its exact gradient is zero


class Problem:
    def __init__(self, seed, gt=False):
        rng = np.random.default_rng(seed)
        self.net = fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), seed=seed)
        self.x = rng.normal(size=(4, 1, 28, 28)).astype(np.float32)
        self.labels = np.array([0, 1, 0, 1], np.float32)
        self.gtmaps = None
        if gt:  # anomalous squares in two images
            self.gtmaps = np.zeros((4, 1, 28, 28), np.float32)
            self.gtmaps[1, :, 4:12, 6:14] = 1
            self.gtmaps[3, :, 15:25, 10:20] = 1
        self.base = self.net.state_dict()
        self.rng = rng

    def loss_and_grad_at(self, name, index, delta):
        """Loss and the gradient entry `name[index]` with that one parameter moved by `delta`."""
        state = dict(self.base)
        state[name] = self.base[name].copy()
        state[name][index] += delta
        self.net.load_state_dict(state)
        loss, grads = self.net.loss_and_grad(self.x, labels=self.labels, gtmaps=self.gtmaps, gauss_std=1.2)
        return loss, float(grads[name][index])

    def random_index(self, name):
        return tuple(int(self.rng.integers(0, s)) for s in self.base[name].shape)


@pytest.mark.parametrize("gt", [False, True], ids=["labels", "gtmaps"])
def test_central_differences_on_kink_free_parameters(gt):
    p = Problem(seed=0, gt=gt)
    _, grads = p.net.loss_and_grad(p.x, labels=p.labels, gtmaps=p.gtmaps, gauss_std=1.2)
    for name in KINK_FREE:
        scale = np.abs(grads[name]).max()
        for _ in range(3):
            i = p.random_index(name)
            plus, _ = p.loss_and_grad_at(name, i, EPS)
            minus, _ = p.loss_and_grad_at(name, i, -EPS)
            fd = (plus - minus) / (2 * EPS)
            assert abs(fd - grads[name][i]) <= 3e-3 * scale + 1e-4, \
                f"{name}{list(i)}: gradient {grads[name][i]:.6g}, central difference {fd:.6g}"


def test_gradients_integrate_to_the_loss_change():
    p = Problem(seed=1)
    _, grads = p.net.loss_and_grad(p.x, labels=p.labels)
    ts = np.linspace(-EPS, EPS, 17)
    for name, g in grads.items():
        if name == BIAS_BEFORE_BN:
            continue
        for _ in range(2):
            i = p.random_index(name)
            losses, slopes = zip(*(p.loss_and_grad_at(name, i, t) for t in ts))
            slopes = np.asarray(slopes)
            mean_slope = ((slopes[:-1] + slopes[1:]) / 2 * np.diff(ts)).sum() / (2 * EPS)  # trapezoid rule
            fd = (losses[-1] - losses[0]) / (2 * EPS)
            assert abs(fd - mean_slope) <= 1e-2 * np.abs(g).max() + 1e-4, \
                f"{name}{list(i)}: mean gradient {mean_slope:.6g} over the segment, loss change / 2 eps {fd:.6g}"


def test_bias_before_batchnorm_has_zero_gradient():
    p = Problem(seed=2)
    _, grads = p.net.loss_and_grad(p.x, labels=p.labels)
    assert np.abs(grads[BIAS_BEFORE_BN]).max() <= 1e-5
    plus, _ = p.loss_and_grad_at(BIAS_BEFORE_BN, (3,), EPS)
    minus, _ = p.loss_and_grad_at(BIAS_BEFORE_BN, (3,), -EPS)
    assert abs(plus - minus) / (2 * EPS) <= 1e-4

"""The golden fixtures (PyTorch running the original FCDD code, Tests/FCDDCoreTests/Fixtures/README.md)
reproduced through the Python API: forward passes, BatchNorm statistics, scores, heatmaps, losses, every
gradient, three SGD and three Adam steps, and the receptive-field upsampling.

One class of values is compared differently, on purpose. The bias of a convolution that feeds straight
into BatchNorm has an exact gradient of zero (BatchNorm subtracts the batch mean), so PyTorch's and the
engine's values are both float32 rounding noise (~1e-7) and "1e-3 of the largest value" would compare noise
with noise: they are checked to be <= 1e-5 instead. Adam divides that noise by its own running magnitude and
so turns it into steps of about +-lr, different on each side; such biases are checked to have moved by at
most 3 * lr, and the running mean of the BatchNorm behind them (which sees the bias) to agree within 1e-3.
"""
import functools
import glob
import json
import os

import numpy as np
import pytest

import fcdd_swift as fs
from support import FIXTURES, assert_close, assert_close_to_max

NETS = sorted(glob.glob(os.path.join(FIXTURES, "net_*.safetensors")))
IDS = [os.path.basename(p)[4:-12] for p in NETS]

# Bias of a (transposed) convolution -> running mean of the BatchNorm directly after it (original networks).
BIAS_BEFORE_BN = {
    "FCDD_CNN28": {"conv1.bias": "bn2d1.running_mean"},
    "FCDD_CNN32_S": {"conv1.bias": "bn2d1.running_mean", "conv2.bias": "bn2d2.running_mean"},
    "CNN28": {"conv1.bias": "bn1.running_mean", "conv2.bias": "bn2.running_mean"},
    "AE28": {"encoder.conv1.bias": "encoder.bn1.running_mean", "encoder.conv2.bias": "encoder.bn2.running_mean",
             "deconv1.bias": "bn3.running_mean", "deconv2.bias": "bn4.running_mean"},
}
ADAM_LR = 1e-3


@functools.lru_cache(maxsize=None)
def fixture(path):
    tensors, meta = fs.load_safetensors(path, with_metadata=True)
    return tensors, meta


class Case:
    """One fixture file: its tensors, a network built from its metadata, and helpers."""

    def __init__(self, path):
        self.g, self.meta = fixture(path)
        self.net = fs.Network(self.meta["network"], in_shape=json.loads(self.meta["in_shape"]), bias=True, seed=0)
        self.init = {k[len("init."):]: v for k, v in self.g.items() if k.startswith("init.")}
        self.x, self.labels = self.g["x"], self.g["labels"]
        self.std, self.objective = float(self.meta["gauss_std"]), self.meta["objective"]
        self.shadowed = BIAS_BEFORE_BN.get(self.meta["network"], {})

    def reset(self):
        self.net.load_state_dict(self.init)
        self.net.train()

    def loss_and_grad(self, labels=None, gtmaps=None):
        return self.net.loss_and_grad(self.x, labels=labels, gtmaps=gtmaps, objective=self.objective,
                                      gauss_std=self.std)


def _having(key):
    """The fixture files that hold `key` (as pytest parameters)."""
    return [pytest.param(p, id=i) for p, i in zip(NETS, IDS) if key in fixture(p)[0]]


@pytest.fixture
def case(request):
    c = Case(request.param)
    yield c
    c.net.close()


def cases(key="x"):
    """Parametrises the `case` fixture with every fixture file holding `key`."""
    return pytest.mark.parametrize("case", _having(key), indirect=True)


def test_fixtures_are_present():
    assert IDS == ["ae28", "cnn28", "fcdd_cnn28", "fcdd_cnn32_s"], f"fixtures found in {FIXTURES}: {IDS}"


@cases()
def test_init_state_is_the_complete_state_dict(case):
    own = set(case.net.state_dict())
    given = set(case.init)
    assert given <= own and {k for k in own - given if not k.endswith("num_batches_tracked")} == set()


@cases()
def test_training_forward_running_stats_and_eval(case):
    case.reset()
    assert_close(case.net.forward(case.x), case.g["train.out"], "train.out")
    sd = case.net.state_dict()
    after = [k for k in case.g if k.startswith("after.")]
    assert after, "fixture has no after.* running statistics"
    for key in after:
        assert_close(sd[key[len("after."):]], case.g[key], key)
    case.net.eval()
    assert_close(case.net.forward(case.x), case.g["eval.out"], "eval.out")


@cases("eval.score")  # FCDD networks only
def test_eval_scores_and_heatmaps(case):
    case.reset()
    case.net.forward(case.x)  # the fixture's eval values use the running statistics after one training forward
    assert_close(case.net.scores(case.x), case.g["eval.score"], "eval.score")
    assert_close(case.net.heatmaps(case.x, gauss_std=case.std), case.g["eval.heatmap"], "eval.heatmap")


@cases()
def test_unsupervised_loss(case):
    case.reset()
    loss, _ = case.loss_and_grad(labels=np.zeros(len(case.x)))
    assert_close(loss, case.g["loss.unsup"], "loss.unsup")


@cases("loss.semi")
def test_semi_supervised_loss_and_every_gradient(case):
    check_loss_and_gradients(case, "semi")


@cases("loss.gt")  # FCDD networks with ground-truth maps
def test_ground_truth_map_loss_and_every_gradient(case):
    check_loss_and_gradients(case, "gt")


def check_loss_and_gradients(case, variant):
    case.reset()
    gtmaps = case.g["gtmaps"] if variant == "gt" else None
    loss, grads = case.loss_and_grad(labels=case.labels, gtmaps=gtmaps)
    assert_close(loss, case.g[f"loss.{variant}"], f"loss.{variant}")
    expected = {k[len(f"grad.{variant}."):]: v for k, v in case.g.items() if k.startswith(f"grad.{variant}.")}
    assert set(grads) == set(expected), "gradients returned vs. fixture"
    for name, grad in grads.items():
        if name in case.shadowed:
            worst = max(np.abs(grad).max(), np.abs(expected[name]).max())
            assert worst <= 1e-5, f"grad.{variant}.{name}: exact gradient is 0, got values up to {worst:.3e}"
        else:
            assert_close_to_max(grad, expected[name], f"grad.{variant}.{name}")


@cases()
@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_three_optimiser_steps(case, kind):
    case.reset()
    if kind == "sgd":
        opt = fs.optim.SGD(case.net, lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)
    else:
        opt = fs.optim.Adam(case.net, lr=ADAM_LR, weight_decay=1e-4)
    losses = []
    with opt:
        for _ in range(3):
            losses.append(case.loss_and_grad(labels=case.labels)[0])
            opt.step()
    assert_close(losses, case.g[f"{kind}.losses"], f"{kind}.losses")
    sd = case.net.state_dict()
    expected = {k[len(kind) + 1:]: v for k, v in case.g.items() if k.startswith(kind + ".") and k != f"{kind}.losses"}
    assert set(expected) <= set(sd) and len(expected) >= len(case.net.trainable_names())
    for name, value in expected.items():
        key = f"{kind}.{name}"
        if kind == "adam" and name in case.shadowed:
            moved = np.abs(sd[name] - case.init[name]).max()
            assert moved <= 3 * ADAM_LR + 1e-6, f"{key}: moved {moved:.3e} from init, more than 3 * lr"
        elif kind == "adam" and name in case.shadowed.values():
            diff = np.abs(sd[name] - value).max()
            assert diff <= 1e-3, f"{key}: differs by {diff:.3e} (> 1e-3) from the fixture"
        else:
            assert_close_to_max(sd[name], value, key)


def test_receptive_upsampling():
    g, meta = fixture(os.path.join(FIXTURES, "upsample.safetensors"))
    keys = sorted(k for k in meta if k + ".in" in g)  # "<i>.<network>", e.g. "0.FCDD_CNN28"
    assert len(keys) == 6, f"upsample.safetensors: cases {keys}"
    for key in keys:
        spec = json.loads(meta[key])
        maps = g[key + ".in"]
        assert maps.shape[2] == spec["n"], f"{key}: map side {maps.shape[2]} vs n = {spec['n']}"
        out = fs.receptive_upsample(maps, spec["j"], spec["r"], spec["s"], spec["img"][-1], spec["std"])
        assert_close(out, g[key + ".out"], key)

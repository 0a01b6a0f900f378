"""The golden fixtures (PyTorch running the original code) reproduced through the Python API."""
import glob
import json
import os

import numpy as np
import pytest

import fcdd_swift as fs
from conftest import FIXTURES

NETS = sorted(glob.glob(os.path.join(FIXTURES, "net_*.safetensors")))


def close(a, b, what):
    """Forward outputs, losses, scores, heatmaps: rtol 1e-4, atol 1e-5."""
    np.testing.assert_allclose(np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel(),
                               rtol=1e-4, atol=1e-5, err_msg=what)


def close_to_max(a, b, what):
    """Gradients and optimiser results: |a - b| <= 1e-3 * max|b|."""
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    assert np.abs(a - b).max() <= 1e-3 * max(np.abs(b).max(), 1e-12), what


def bn_shadowed_biases(net):
    """Biases of (transposed) convolutions directly followed by BatchNorm: their exact gradient is
    zero (BatchNorm removes the mean), so both sides hold float32 noise; Adam then amplifies that noise
    to steps of about lr, which also moves the running mean of that BatchNorm."""
    names = [e["name"] for e in net.describe()["state"]]
    out = {}
    for i, name in enumerate(names):
        if name.endswith(".bias") and ("conv" in name or "features" in name or "deconv" in name):
            nxt = next((n for n in names[i + 1:] if n.endswith(".weight") or n.endswith(".running_mean")), "")
            if nxt.endswith(".weight") and nxt.rsplit(".", 1)[0] + ".running_mean" in names:
                out[name] = nxt.rsplit(".", 1)[0] + ".running_mean"
    return out


@pytest.mark.parametrize("path", NETS, ids=[os.path.basename(p) for p in NETS])
def test_network_fixture(path):
    g, meta = fs.load_safetensors(path, with_metadata=True)
    net = fs.Network(meta["network"], in_shape=json.loads(meta["in_shape"]), seed=0)
    std, objective = float(meta["gauss_std"]), meta["objective"]
    init = {k[5:]: v for k, v in g.items() if k.startswith("init.")}
    x, labels = g["x"], g["labels"]
    shadowed = bn_shadowed_biases(net)

    net.load_state_dict(init)
    net.train()
    close(net.forward(x), g["train.out"], "train.out")
    sd = net.state_dict()
    for k in g:
        if k.startswith("after."):
            close(sd[k[6:]], g[k], k)
    net.eval()
    close(net.forward(x), g["eval.out"], "eval.out")
    if "eval.score" in g:
        close(net.scores(x), g["eval.score"], "eval.score")
        close(net.heatmaps(x, gauss_std=std), g["eval.heatmap"], "eval.heatmap")

    net.load_state_dict(init)
    loss, _ = net.loss_and_grad(x, labels=np.zeros(len(x)), objective=objective, gauss_std=std)
    close(loss, g["loss.unsup"], "loss.unsup")
    for case, gt in (("semi", None), ("gt", g.get("gtmaps"))):
        if f"loss.{case}" not in g:
            continue
        net.load_state_dict(init)
        loss, grads = net.loss_and_grad(x, labels=labels, gtmaps=gt, objective=objective, gauss_std=std)
        close(loss, g[f"loss.{case}"], f"loss.{case}")
        for name, grad in grads.items():
            expected = g[f"grad.{case}.{name}"]
            if name in shadowed:
                assert max(np.abs(grad).max(), np.abs(expected).max()) <= 1e-5, name
            else:
                close_to_max(grad, expected, f"grad.{case}.{name}")

    for kind in ("sgd", "adam"):
        net.load_state_dict(init)
        opt = (fs.optim.SGD(net, lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4) if kind == "sgd"
               else fs.optim.Adam(net, lr=1e-3, weight_decay=1e-4))
        losses = []
        for _ in range(3):
            losses.append(net.loss_and_grad(x, labels=labels, objective=objective, gauss_std=std)[0])
            opt.step()
        close(losses, g[f"{kind}.losses"], f"{kind}.losses")
        sd = net.state_dict()
        for name, value in sd.items():
            key = f"{kind}.{name}"
            if key not in g:
                continue
            if kind == "adam" and name in shadowed:
                assert np.abs(value - init[name]).max() <= 3.1e-3, key
            elif kind == "adam" and name in shadowed.values():
                assert np.abs(value - g[key]).max() <= 1e-3, key
            else:
                close_to_max(value, g[key], key)


def test_receptive_upsampling_fixture():
    g, meta = fs.load_safetensors(os.path.join(FIXTURES, "upsample.safetensors"), with_metadata=True)
    assert len(meta) == 6
    for key, spec in meta.items():
        spec = json.loads(spec)
        out = fs.receptive_upsample(g[key + ".in"], spec["j"], spec["r"], spec["s"], spec["img"][-1], spec["std"])
        close(out, g[key + ".out"], key)

"""Behaviour of the low-level API: state dicts, validation errors, optimisers, files, determinism."""
import os
import subprocess
import sys

import numpy as np
import pytest

import fcdd_swift as fs


@pytest.fixture
def net():
    return fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), seed=0)


def batch(n=4, shape=(1, 28, 28), seed=0):
    return np.random.default_rng(seed).random((n,) + shape, dtype=np.float32)


def test_state_dict_round_trip_and_names(net):
    sd = net.state_dict()
    assert list(sd) == ["conv1.weight", "conv1.bias", "bn2d1.weight", "bn2d1.bias", "bn2d1.running_mean",
                        "bn2d1.running_var", "bn2d1.num_batches_tracked", "conv2.weight", "conv2.bias",
                        "conv_final.weight", "conv_final.bias"]
    assert sd["bn2d1.num_batches_tracked"].dtype == np.int64
    other = fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), seed=1)
    assert not np.array_equal(other.state_dict()["conv1.weight"], sd["conv1.weight"])
    other.load_state_dict(sd)
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(v, sd[k])
    again = fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), seed=0).state_dict()
    assert all(np.array_equal(again[k], sd[k]) for k in sd), "same seed must give the same weights"


def test_load_state_dict_errors_name_the_keys(net):
    sd = net.state_dict()
    with pytest.raises(fs.NotFoundError, match="unknown keys: bogus"):
        net.load_state_dict({**sd, "bogus": np.zeros(1)})
    partial = dict(sd)
    del partial["conv2.weight"]
    with pytest.raises(fs.NotFoundError, match="missing keys: conv2.weight"):
        net.load_state_dict(partial)
    del partial["bn2d1.num_batches_tracked"]  # allowed to be missing, as in PyTorch
    partial["conv2.weight"] = sd["conv2.weight"]
    net.load_state_dict(partial)
    with pytest.raises(fs.ShapeError, match="conv1.weight"):
        net.load_state_dict({**sd, "conv1.weight": np.zeros((8, 1, 3, 3))})
    with pytest.raises(fs.InvalidArgumentError, match="NaN"):
        net.load_state_dict({**sd, "conv1.bias": np.full(8, np.nan)})


@pytest.mark.parametrize("bad, error, message", [
    (np.zeros((1, 28, 28)), fs.ShapeError, "batch dimension"),
    (np.zeros((2, 3, 28, 28)), fs.ShapeError, r"\(N, 1, 28, 28\)"),
    (np.zeros((0, 1, 28, 28)), fs.ShapeError, "empty"),
    (np.full((2, 1, 28, 28), np.nan), fs.InvalidArgumentError, "NaN"),
    (np.zeros((2, 1, 28, 28), dtype=complex), fs.InvalidArgumentError, "real numbers"),
    (np.array([["a"]]), fs.InvalidArgumentError, "real numbers"),
])
def test_bad_inputs_raise_clear_errors(net, bad, error, message):
    for call in (net.forward, net.scores, net.heatmaps, net.loss_and_grad):
        with pytest.raises(error, match=message):
            call(bad)


def test_non_contiguous_and_integer_inputs_are_converted(net):
    x = batch(4)
    wide = np.zeros((4, 1, 28, 56), np.float32)
    wide[..., ::2] = x
    np.testing.assert_array_equal(net.scores(wide[..., ::2]), net.scores(x))
    assert net.scores((x * 255).astype(np.uint8)).shape == (4,)


def test_labels_gtmaps_objective_validation(net):
    x = batch(4)
    with pytest.raises(fs.ShapeError):
        net.loss_and_grad(x, labels=[0, 1])
    with pytest.raises(fs.InvalidArgumentError, match="0 \\(nominal\\) or 1"):
        net.loss_and_grad(x, labels=[0, 1, 2, 0])
    with pytest.raises(fs.ShapeError):
        net.loss_and_grad(x, gtmaps=np.zeros((4, 1, 7, 7)))
    with pytest.raises(fs.InvalidArgumentError, match="\\[0, 1\\]"):
        net.loss_and_grad(x, gtmaps=np.full((4, 1, 28, 28), 2.0))
    with pytest.raises(fs.InvalidArgumentError, match="hsc"):
        net.loss_and_grad(x, objective="hsc")
    with pytest.raises(fs.InvalidArgumentError, match="gauss_std"):
        net.heatmaps(x, gauss_std=-1)
    with pytest.raises(fs.InvalidArgumentError, match="unknown network"):
        fs.Network("FCDD_NOPE", in_shape=(1, 28, 28))
    with pytest.raises(fs.InvalidArgumentError, match="square"):
        fs.Network("FCDD_CNN28", in_shape=(1, 28, 30))
    with pytest.raises(fs.InvalidArgumentError, match="28x28"):
        fs.Network("CNN28", in_shape=(1, 32, 32))
    dense = fs.Network("CNN32", in_shape=(3, 32, 32))  # BatchNorm1d sees one value per channel
    with pytest.raises(fs.InvalidArgumentError, match="more than one value"):
        dense.loss_and_grad(batch(1, (3, 32, 32)))


def test_training_updates_running_stats_and_eval_does_not(net):
    x = batch(8)
    before = net.state_dict()["bn2d1.running_mean"].copy()
    net.eval()
    net.forward(x)
    np.testing.assert_array_equal(net.state_dict()["bn2d1.running_mean"], before)
    net.train()
    net.forward(x)
    assert not np.array_equal(net.state_dict()["bn2d1.running_mean"], before)
    assert int(net.state_dict()["bn2d1.num_batches_tracked"]) == 1


def test_optimizer_step_and_schedules(net):
    opt = fs.optim.SGD(net, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    with pytest.raises(fs.StateError, match="loss_and_grad"):
        opt.step()
    x = batch(8)
    first, _ = net.loss_and_grad(x, labels=[0, 1] * 4)
    opt.step()
    opt.set_schedule("lambda", gamma=0.5)
    for e in range(1, 4):
        opt.schedule_step()
        assert opt.lr == pytest.approx(0.1 * 0.5 ** e)
    adam = fs.optim.Adam(net, lr=1.0)
    adam.set_schedule("milestones", gamma=0.1, milestones=[2, 4])
    lrs = []
    for _ in range(5):
        adam.schedule_step()
        lrs.append(adam.lr)
    assert lrs == pytest.approx([1.0, 0.1, 0.1, 0.01, 0.01])
    with pytest.raises(fs.InvalidArgumentError):
        opt.set_schedule("cosine", gamma=0.5)
    with pytest.raises(fs.InvalidArgumentError):
        fs.optim.SGD(net, lr=-1)


def test_training_reduces_the_loss(net):
    x = batch(16)
    labels = np.array([0, 1] * 8, np.float32)
    x[labels == 1] += np.random.default_rng(1).random((8, 1, 28, 28)).astype(np.float32)
    opt = fs.optim.SGD(net, lr=0.05, momentum=0.9, nesterov=True)
    losses = []
    for _ in range(30):
        losses.append(net.loss_and_grad(x, labels=labels)[0])
        opt.step()
    assert losses[-1] < 0.5 * losses[0]


def test_safetensors_round_trip(tmp_path):
    tensors = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([1, -2], np.int64),
               "c": np.array(3.5, np.float64), "d": np.array([True, False]), "e": np.zeros((0, 2), np.float16)}
    path = tmp_path / "t.safetensors"
    fs.save_safetensors(path, tensors, metadata={"k": "v"})
    back, meta = fs.load_safetensors(path, with_metadata=True)
    assert meta == {"k": "v"}
    for k, v in tensors.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape
        np.testing.assert_array_equal(back[k], v)


def test_bad_files(tmp_path, net):
    path = tmp_path / "w.safetensors"
    net.save(path)
    data = path.read_bytes()
    for cut in (3, 8, 20, len(data) // 2, len(data) - 1):
        (tmp_path / "cut.safetensors").write_bytes(data[:cut])
        with pytest.raises(fs.FormatError):
            fs.load_safetensors(tmp_path / "cut.safetensors")
        with pytest.raises(fs.FormatError):
            net.load(tmp_path / "cut.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\xff" * 64)
    with pytest.raises(fs.FormatError):
        fs.load_safetensors(tmp_path / "junk.safetensors")
    with pytest.raises(fs.FCDDIOError, match="No such file"):
        fs.load_safetensors(tmp_path / "missing.safetensors")
    with pytest.raises(fs.FCDDIOError):
        fs.save_safetensors(tmp_path / "no" / "dir.safetensors", {"a": np.zeros(2)})
    assert not list((tmp_path / "no").glob("*")) if (tmp_path / "no").exists() else True
    other = fs.Network("FCDD_CNN32_S", in_shape=(3, 32, 32))
    with pytest.raises(fs.NotFoundError, match="missing keys: bn2d2.weight"):
        other.load(path)
    fresh = fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), seed=5)
    fresh.load(path)
    x = batch(3)
    np.testing.assert_array_equal(fresh.scores(x), net.scores(x))


def test_every_network_builds_with_pytorch_names():
    shapes = {"28": (1, 28, 28), "32": (3, 32, 32), "224": (3, 224, 224)}
    names = fs.network_names()
    assert len(names) == 27
    nets = {}
    for name in names:
        size = next(s for s in ("224", "28", "32") if s in name)
        shape = (3, 32, 32) if name.startswith("AE32") else shapes[size]
        nets[name] = fs.Network(name, in_shape=shape, seed=0)
    counts = {n: nets[n].parameter_count for n in ("FCDD_CNN28", "FCDD_CNN28_W", "FCDD_CNN32_LW3K", "FCDD_CNN224_VGG_F")}
    assert counts == {"FCDD_CNN28": 3457, "FCDD_CNN28_W": 413441, "FCDD_CNN32_LW3K": 1185537,
                      "FCDD_CNN224_VGG_F": 4504833}
    frozen = sum(int(np.prod(e["shape"])) for e in nets["FCDD_CNN224_VGG_F"].describe()["state"]
                 if e["kind"] == "parameter" and not e["trainable"])
    assert frozen == 962304
    state = lambda n: [e["name"] for e in nets[n].describe()["state"]]
    assert {"features.0.weight", "features.19.running_var", "conv_final.weight"} <= set(state("FCDD_CNN224_VGG"))
    assert "vgg.classifier.3.weight" in state("CNN224_VGG_NOPT")
    assert {"encoder.fc_final.weight", "deconv3.weight"} <= set(state("AE28"))
    assert "defeatures.26.weight" in state("AE224_VGG_NOPT")
    assert "bn2d3.weight" in state("FCDD_CNN32_LW3K")
    assert nets["FCDD_CNN224_VGG"].reception == {"n": 28, "j": 8, "r": 62, "s": 3.5}
    assert nets["FCDD_CNN224"].reception == {"n": 28, "j": 8, "r": 59, "s": 0}
    assert nets["FCDD_CNN32_LW3K"].reception == {"n": 8, "j": 4, "r": 22, "s": 1.5}


def test_info_reports_blas():
    info = fs.info()
    assert info["blas_core"] and info["threads"] >= 1
    assert info["blas_coretype_source"] in ("auto", "user", "unset")


def test_missing_library_error_names_paths():
    env = dict(os.environ, FCDD_SWIFT_LIBRARY="/nonexistent/libfcdd.so")
    out = subprocess.run([sys.executable, "-c", "import fcdd_swift"], capture_output=True, text=True, env=env)
    assert out.returncode != 0
    assert "/nonexistent/libfcdd.so" in out.stderr and "pip install ." in out.stderr

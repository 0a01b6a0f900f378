"""Behaviour of `Network`: state dicts, modes, shapes, argument validation, files, handles, threads."""
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fcdd_swift as fs

CNN28_STATE = ["conv1.weight", "conv1.bias", "bn2d1.weight", "bn2d1.bias", "bn2d1.running_mean",
               "bn2d1.running_var", "bn2d1.num_batches_tracked", "conv2.weight", "conv2.bias",
               "conv_final.weight", "conv_final.bias"]


@pytest.fixture
def net():
    with fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), bias=True, seed=0) as n:
        yield n


def batch(n=4, shape=(1, 28, 28), seed=0):
    return np.random.default_rng(seed).random((n,) + shape, dtype=np.float32)


# -- description ---------------------------------------------------------------------------------------

def test_attributes_and_description(net):
    assert (net.name, net.kind, net.in_shape, net.out_shape) == ("FCDD_CNN28", "fcdd", (1, 28, 28), (1, 7, 7))
    assert net.reception == {"n": 7, "j": 4, "r": 16, "s": 1.5}
    assert net.parameter_count == 3457
    d = net.describe()
    assert {"name", "kind", "in_shape", "out_shape", "bias", "training", "reception", "parameter_count",
            "state"} <= set(d)
    assert [e["name"] for e in d["state"]] == CNN28_STATE
    assert net.trainable_names() == [n for n in CNN28_STATE if "running" not in n and "num_batches" not in n]
    assert "FCDD_CNN28" in repr(net)


def test_baseline_networks_have_no_reception():
    hsc = fs.Network("CNN28", in_shape=(1, 28, 28))
    ae = fs.Network("AE28", in_shape=(1, 28, 28))
    assert (hsc.kind, hsc.out_shape, hsc.reception) == ("hsc", (48,), None)
    assert (ae.kind, ae.out_shape, ae.reception) == ("ae", (1, 28, 28), None)
    x = batch(3)
    assert hsc.forward(x).shape == (3, 48) and ae.forward(x).shape == (3, 1, 28, 28)
    assert hsc.scores(x).shape == (3,) and ae.heatmaps(x).shape == (3, 1, 28, 28)


# -- state dict ----------------------------------------------------------------------------------------

def test_state_dict_names_order_dtypes_and_shapes(net):
    sd = net.state_dict()
    assert list(sd) == CNN28_STATE
    assert sd["bn2d1.num_batches_tracked"].dtype == np.int64 and sd["bn2d1.num_batches_tracked"].shape == ()
    shapes = {"conv1.weight": (8, 1, 5, 5), "conv1.bias": (8,), "bn2d1.running_var": (8,),
              "conv2.weight": (16, 8, 5, 5), "conv_final.weight": (1, 16, 1, 1), "conv_final.bias": (1,)}
    for name, shape in shapes.items():
        assert sd[name].shape == shape and sd[name].dtype == np.float32, name
    # PyTorch defaults: BatchNorm weight 1, bias 0, running mean 0, running var 1.
    assert (sd["bn2d1.weight"] == 1).all() and (sd["bn2d1.bias"] == 0).all()
    assert (sd["bn2d1.running_mean"] == 0).all() and (sd["bn2d1.running_var"] == 1).all()


def test_state_dict_round_trip(net):
    sd = net.state_dict()
    with fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), seed=1) as other:
        assert not np.array_equal(other.state_dict()["conv1.weight"], sd["conv1.weight"])
        other.load_state_dict(sd)
        back = other.state_dict()
        assert list(back) == list(sd)
        for k in sd:
            np.testing.assert_array_equal(back[k], sd[k], err_msg=k)
        x = batch(3)
        np.testing.assert_array_equal(other.eval().forward(x), net.eval().forward(x))


def test_same_seed_same_weights_different_seed_different_weights():
    a = fs.Network("FCDD_CNN28_W", in_shape=(1, 28, 28), seed=7).state_dict()
    b = fs.Network("FCDD_CNN28_W", in_shape=(1, 28, 28), seed=7).state_dict()
    c = fs.Network("FCDD_CNN28_W", in_shape=(1, 28, 28), seed=8).state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=f"{k}: same seed must give the same values")
    weights = [k for k in a if k.endswith(".weight") and not k.startswith("bn")]
    assert weights and all(not np.array_equal(a[k], c[k]) for k in weights)


def test_load_state_dict_names_unknown_and_missing_keys(net):
    sd = net.state_dict()
    with pytest.raises(fs.NotFoundError, match="unknown keys: bogus.weight") as info:
        net.load_state_dict({**sd, "bogus.weight": np.zeros(1)})
    assert isinstance(info.value, KeyError) and not str(info.value).startswith("'")  # no KeyError quoting
    partial = {k: v for k, v in sd.items() if k != "conv2.weight"}
    with pytest.raises(fs.NotFoundError, match="missing keys: conv2.weight"):
        net.load_state_dict(partial)
    with pytest.raises(fs.NotFoundError, match="unknown keys: extra; missing keys: conv2.weight"):
        net.load_state_dict({**partial, "extra": np.zeros(1)})


def test_load_state_dict_allows_missing_num_batches_tracked(net):
    sd = net.state_dict()
    sd.pop("bn2d1.num_batches_tracked")
    net.load_state_dict(sd)
    sd["bn2d1.num_batches_tracked"] = np.array([5])  # a 1-element array for a 0-d buffer is fine too
    net.load_state_dict(sd)
    assert net.state_dict()["bn2d1.num_batches_tracked"] == 5


def test_load_state_dict_shape_and_value_errors_change_nothing(net):
    sd = net.state_dict()
    bad = {**sd, "conv1.bias": np.ones(8, np.float32), "conv1.weight": np.zeros((8, 1, 3, 3))}
    with pytest.raises(fs.ShapeError, match=r"'conv1.weight' has shape \(8, 1, 3, 3\).*\(8, 1, 5, 5\)"):
        net.load_state_dict(bad)
    with pytest.raises(fs.InvalidArgumentError, match="NaN"):
        net.load_state_dict({**sd, "conv1.bias": np.full(8, np.nan)})
    with pytest.raises(fs.InvalidArgumentError, match="real numeric"):
        net.load_state_dict({**sd, "conv1.bias": np.full(8, 1j)})
    with pytest.raises(fs.InvalidArgumentError, match="dict"):
        net.load_state_dict(list(sd.items()))
    np.testing.assert_array_equal(net.state_dict()["conv1.bias"], sd["conv1.bias"])  # nothing half-loaded


# -- modes -----------------------------------------------------------------------------------------------

def test_modes_and_running_statistics(net):
    assert net.training  # a new network is in training mode, as a new torch module
    x = batch(8)
    assert net.eval() is net and not net.training
    before = net.state_dict()
    net.forward(x)
    np.testing.assert_array_equal(net.state_dict()["bn2d1.running_mean"], before["bn2d1.running_mean"])
    assert net.train() is net and net.training
    net.forward(x)
    after = net.state_dict()
    assert not np.array_equal(after["bn2d1.running_mean"], before["bn2d1.running_mean"])
    assert int(after["bn2d1.num_batches_tracked"]) == 1


def test_scores_heatmaps_and_loss_restore_the_mode(net):
    x = batch(4)
    for mode in (True, False):
        net.train(mode)
        net.scores(x)
        net.heatmaps(x)
        net.loss_and_grad(x)
        assert net.training == mode


def test_output_shapes(net):
    x = batch(5)
    assert net.forward(x).shape == (5, 1, 7, 7) and net.forward(x).dtype == np.float32
    assert net.scores(x).shape == (5,) and net.scores(x).dtype == np.float32
    assert net.heatmaps(x, gauss_std=1.2).shape == (5, 1, 28, 28)
    loss, grads = net.loss_and_grad(x, labels=[0, 1, 0, 1, 0], gauss_std=1.2)
    assert isinstance(loss, float) and np.isfinite(loss)
    sd = net.state_dict()
    assert list(grads) == net.trainable_names()
    assert all(grads[k].shape == sd[k].shape and grads[k].dtype == np.float32 for k in grads)


def test_eval_forward_is_per_image(net):
    x = batch(6)
    net.eval()
    np.testing.assert_allclose(net.forward(x)[2:3], net.forward(x[2:3]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.scores(x)[4:], net.scores(x[4:]), rtol=1e-5, atol=1e-7)


# -- input validation --------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, error, message", [
    (np.zeros((1, 28, 28)), fs.ShapeError, r"shape \(N, 1, 28, 28\).*x\[None\]"),
    (np.zeros((28, 28)), fs.ShapeError, r"\(N, 1, 28, 28\)"),
    (np.zeros((2, 3, 28, 28)), fs.ShapeError, r"\(N, 1, 28, 28\); got \(2, 3, 28, 28\)"),
    (np.zeros((2, 1, 32, 32)), fs.ShapeError, r"\(N, 1, 28, 28\)"),
    (np.zeros((0, 1, 28, 28)), fs.ShapeError, "empty batch"),
    (np.full((2, 1, 28, 28), np.nan), fs.InvalidArgumentError, "NaN"),
    (np.full((2, 1, 28, 28), -np.inf), fs.InvalidArgumentError, "infinity"),
    (np.zeros((2, 1, 28, 28), complex), fs.InvalidArgumentError, "real numeric.*complex"),
    (np.zeros((2, 1, 28, 28), bool), fs.InvalidArgumentError, "real numeric.*bool"),
    (np.full((2, 1, 28, 28), "a"), fs.InvalidArgumentError, "real numeric"),
    (np.empty((2, 1, 28, 28), object), fs.InvalidArgumentError, "real numeric.*object"),
    ([[1, 2], [3]], fs.InvalidArgumentError, "numeric array"),
    ("not an array", fs.InvalidArgumentError, "real numeric"),
])
def test_bad_inputs_raise_clear_errors(net, bad, error, message):
    for call in (net.forward, net.scores, net.heatmaps, net.loss_and_grad):
        with pytest.raises(error, match=message):
            call(bad)


def test_integer_float64_lists_and_non_contiguous_inputs_are_converted(net):
    x = batch(4)
    net.eval()
    expected = net.scores(x)
    wide = np.zeros((4, 1, 28, 56), np.float32)
    wide[..., ::2] = x
    assert not wide[..., ::2].flags.c_contiguous
    np.testing.assert_array_equal(net.scores(wide[..., ::2]), expected)
    np.testing.assert_array_equal(net.scores(np.asfortranarray(x)), expected)
    np.testing.assert_array_equal(net.scores(x.astype(np.float64)), expected)
    np.testing.assert_array_equal(net.scores(x.tolist()), expected)
    q = (x * 255).astype(np.uint8)
    np.testing.assert_array_equal(net.scores(q), net.scores(q.astype(np.float32)))
    assert net.forward(np.ones((1, 1, 28, 28), np.int64)).shape == (1, 1, 7, 7)


def test_labels_validation(net):
    x = batch(4)
    with pytest.raises(fs.ShapeError, match=r"labels must have shape \(4,\)"):
        net.loss_and_grad(x, labels=[0, 1])
    with pytest.raises(fs.ShapeError):
        net.loss_and_grad(x, labels=np.zeros((4, 1)))
    with pytest.raises(fs.InvalidArgumentError, match=r"0 \(nominal\) or 1 \(anomalous\); got \[2.0\]"):
        net.loss_and_grad(x, labels=[0, 1, 2, 0])
    with pytest.raises(fs.InvalidArgumentError):
        net.loss_and_grad(x, labels=[0, 0.5, 1, 0])
    with pytest.raises(fs.InvalidArgumentError):
        net.loss_and_grad(x, labels=[0, np.nan, 1, 0])
    with pytest.raises(fs.InvalidArgumentError, match="real numeric"):
        net.loss_and_grad(x, labels=["a", "b", "c", "d"])
    a, _ = net.loss_and_grad(x, labels=np.array([False, True, False, True]))
    b, _ = net.loss_and_grad(x, labels=[0, 1, 0, 1])
    c, _ = net.loss_and_grad(x)
    d, _ = net.loss_and_grad(x, labels=np.zeros(4, np.int32))
    assert a == b and c == d and a != c


def test_gtmaps_validation(net):
    x = batch(4)
    with pytest.raises(fs.ShapeError, match=r"gtmaps must have shape \(4, 1, 28, 28\); got \(4, 1, 7, 7\)"):
        net.loss_and_grad(x, gtmaps=np.zeros((4, 1, 7, 7)))
    with pytest.raises(fs.ShapeError):
        net.loss_and_grad(x, gtmaps=np.zeros((4, 28, 28)))
    with pytest.raises(fs.InvalidArgumentError, match=r"\[0, 1\]"):
        net.loss_and_grad(x, gtmaps=np.full((4, 1, 28, 28), 2.0))
    with pytest.raises(fs.InvalidArgumentError, match=r"\[0, 1\]"):
        net.loss_and_grad(x, gtmaps=np.full((4, 1, 28, 28), -0.5))
    with pytest.raises(fs.InvalidArgumentError, match="NaN"):
        net.loss_and_grad(x, gtmaps=np.full((4, 1, 28, 28), np.nan))
    gt = np.zeros((4, 1, 28, 28))
    gt[1, :, 10:20, 10:20] = 1
    loss, _ = net.loss_and_grad(x, gtmaps=gt)
    assert np.isfinite(loss)
    with pytest.raises(fs.InvalidArgumentError, match="FCDD objective"):  # the engine's own check
        fs.Network("CNN28", in_shape=(1, 28, 28)).loss_and_grad(x, gtmaps=gt)


def test_objective_and_gauss_std_validation(net):
    x = batch(2)
    with pytest.raises(fs.InvalidArgumentError, match="objective must be one of"):
        net.loss_and_grad(x, objective="mse")
    with pytest.raises(fs.InvalidArgumentError, match="needs a hsc network"):  # the engine's own check
        net.loss_and_grad(x, objective="hsc")
    assert net.loss_and_grad(x, objective="fcdd")[0] == net.loss_and_grad(x, objective=None)[0]
    for bad in (0, -1.0, np.nan, np.inf, "1.2", True):
        with pytest.raises(fs.InvalidArgumentError, match="gauss_std"):
            net.heatmaps(x, gauss_std=bad)
        with pytest.raises(fs.InvalidArgumentError, match="gauss_std"):
            net.loss_and_grad(x, gauss_std=bad)
    assert not np.array_equal(net.heatmaps(x, gauss_std=0.5), net.heatmaps(x, gauss_std=4.0))
    assert net.heatmaps(x).shape == (2, 1, 28, 28)  # None: the default of the receptive field


def test_constructor_validation():
    with pytest.raises(fs.InvalidArgumentError, match="unknown network 'FCDD_NOPE'; known networks: .*AE28.*FCDD_CNN2"):
        fs.Network("FCDD_NOPE", in_shape=(1, 28, 28))
    with pytest.raises(fs.InvalidArgumentError, match="string"):
        fs.Network(28, in_shape=(1, 28, 28))
    for shape in [(1, 28), (1, 28, 28, 28), (0, 28, 28), (1, -28, 28), (1, 2.5, 28), "abc", None, (1, True, 28)]:
        with pytest.raises(fs.InvalidArgumentError, match="three positive integers"):
            fs.Network("FCDD_CNN28", in_shape=shape)
    for seed in (-1, 2 ** 64, 1.5, "0"):
        with pytest.raises(fs.InvalidArgumentError, match="seed"):
            fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), seed=seed)
    # Checks of the engine: channel count, square inputs, dense layers sized for one input size.
    with pytest.raises(fs.InvalidArgumentError, match="square"):
        fs.Network("FCDD_CNN28", in_shape=(1, 28, 30))
    with pytest.raises(fs.InvalidArgumentError, match="28x28"):
        fs.Network("CNN28", in_shape=(1, 32, 32))
    assert fs.Network("FCDD_CNN28", in_shape=np.array([1, 28, 28]), seed=np.uint64(3)).in_shape == (1, 28, 28)


# -- every network -------------------------------------------------------------------------------------

def _shape_for(name):
    if "224" in name:
        return (3, 224, 224)
    return (1, 28, 28) if "28" in name else (3, 32, 32)


def _describe_and_close(name):
    with fs.Network(name, in_shape=_shape_for(name), seed=0) as n:
        return name, n.describe()


def test_every_network_builds_with_pytorch_names():
    names = fs.network_names()
    assert len(names) == 27 and "FCDD_CNN28" in names and "AE224_VGG_NOPT" in names
    # The 224 VGG networks are large (AE224_VGG has a 4096 x 25088 Linear): only built, one per thread at a
    # time, and freed at once.
    with ThreadPoolExecutor(max_workers=2) as pool:
        desc = dict(pool.map(_describe_and_close, names))
    state = {n: [e["name"] for e in d["state"]] for n, d in desc.items()}
    for name, d in desc.items():
        assert d["name"] == name and d["kind"] == ("fcdd" if name.startswith("FCDD") else
                                                   "ae" if name.startswith("AE") else "hsc")
        assert len(state[name]) == len(set(state[name])), f"{name}: duplicate state names"
    assert {"features.0.weight", "features.19.running_var", "conv_final.weight"} <= set(state["FCDD_CNN224_VGG"])
    assert "vgg.classifier.3.weight" in state["CNN224_VGG_NOPT"]
    assert {"encoder.fc_final.weight", "deconv3.weight"} <= set(state["AE28"])
    assert "defeatures.26.weight" in state["AE224_VGG_NOPT"]
    assert "bn2d3.weight" in state["FCDD_CNN32_LW3K"]  # defined but unused by the original's forward
    counts = {n: desc[n]["parameter_count"] for n in ("FCDD_CNN28", "FCDD_CNN28_W", "FCDD_CNN32_LW3K",
                                                      "FCDD_CNN224_VGG_F")}
    assert counts == {"FCDD_CNN28": 3457, "FCDD_CNN28_W": 413441, "FCDD_CNN32_LW3K": 1185537,
                      "FCDD_CNN224_VGG_F": 4504833}
    for name in ("FCDD_CNN32_LW3K", "FCDD_CNN224_VGG_F"):  # counted the PyTorch way: every parameter
        params = [e for e in desc[name]["state"] if e["kind"] == "parameter"]
        assert sum(int(np.prod(e["shape"])) for e in params) == counts[name]
    frozen = [e for e in desc["FCDD_CNN224_VGG_F"]["state"] if e["kind"] == "parameter" and not e["trainable"]]
    assert frozen and all(e["name"].startswith("features.") for e in frozen)
    assert desc["FCDD_CNN224_VGG"]["reception"] == {"n": 28, "j": 8, "r": 62, "s": 3.5}


@pytest.mark.parametrize("name", ["FCDD_CNN32", "FCDD_CNN32_S", "FCDD_CNN32_LW3K", "CNN32", "AE32"])
def test_32_pixel_networks_run(name):
    with fs.Network(name, in_shape=(3, 32, 32)) as n:
        x = batch(2, (3, 32, 32))
        loss, grads = n.loss_and_grad(x)
        assert np.isfinite(loss) and set(grads) == set(n.trainable_names())
        assert n.scores(x).shape == (2,)


# -- files ----------------------------------------------------------------------------------------------

def test_save_and_load(tmp_path, net):
    path = tmp_path / "w.safetensors"
    net.forward(batch(4))  # non-trivial running statistics
    net.save(path)
    with fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), seed=5) as fresh:
        fresh.load(str(path))
        for k, v in net.state_dict().items():
            np.testing.assert_array_equal(fresh.state_dict()[k], v, err_msg=k)
    stored, meta = fs.load_safetensors(path, with_metadata=True)
    assert list(stored) == CNN28_STATE and meta["network"] == "FCDD_CNN28"
    nbt = stored["bn2d1.num_batches_tracked"]
    assert (nbt.dtype, nbt.shape, int(nbt)) == (np.int64, (), 1)  # as PyTorch stores it
    with fs.Network("FCDD_CNN32_S", in_shape=(3, 32, 32)) as other:
        with pytest.raises(fs.NotFoundError, match="missing keys: .*bn2d2.weight"):
            other.load(path)
    with pytest.raises(fs.FCDDIOError):
        net.load(tmp_path / "missing.safetensors")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(fs.FormatError):
        net.load(path)


# -- handles and threads ------------------------------------------------------------------------------

def test_close_is_idempotent_and_later_calls_raise():
    n = fs.Network("FCDD_CNN28", in_shape=(1, 28, 28))
    n.close()
    n.close()
    assert n.closed and "closed" in repr(n)
    for call in (lambda: n.forward(batch(1)), n.state_dict, n.describe, n.eval):
        with pytest.raises(fs.StateError, match="closed"):
            call()
    with fs.Network("FCDD_CNN28", in_shape=(1, 28, 28)) as m:
        assert not m.closed
    assert m.closed


def test_a_network_can_be_shared_between_threads(net):
    net.eval()
    xs = [batch(8, seed=s) for s in range(8)]
    expected = [net.scores(x) for x in xs]
    results = [None] * len(xs)
    errors = []

    def work(i):
        try:
            for _ in range(5):
                results[i] = net.scores(xs[i])
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for r, e in zip(results, expected):
        np.testing.assert_array_equal(r, e)

"""PyTorch checkpoints read without PyTorch: both layouts of torch.save (written here byte for byte by
torch_format.py), dtypes, strided and shared views, refusal of every global outside the allowlist with
nothing executed, damaged archives, and the ImageNet VGG weights of the detector from a .pth file."""
import io
import pickle
import struct
import tarfile
import zipfile

import numpy as np
import pytest

import fcdd_swift as fs
import torch_format as tf

LAYOUTS = {
    "zip64_aligned": lambda state: tf.zip_checkpoint(state),
    "zip_torchvision_folder_no_byteorder": lambda state: tf.zip_checkpoint(
        state, folder="vgg11_bn-6002323d", byteorder=None, zip64=False, align=0),
    "legacy": tf.legacy_checkpoint,
    "legacy_python2_ordered_dict": lambda state: tf.legacy_checkpoint(state, python2=True),
}


def write(tmp_path, data, name="checkpoint.pth"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def assert_state(got, expected):
    assert list(got) == list(expected)
    for name, want in expected.items():
        assert got[name].dtype == want.dtype, name
        assert got[name].shape == want.shape, name
        np.testing.assert_array_equal(got[name], want, err_msg=name)


def format_error(path):
    """The FormatError that reading `path` raises; its message must name the file."""
    with pytest.raises(fs.FormatError) as caught:
        fs.load_torch_checkpoint(path)
    message = str(caught.value)
    assert str(path) in message
    return message


@pytest.mark.parametrize("layout", LAYOUTS)
def test_values_dtypes_and_views_round_trip(tmp_path, layout):
    state, expected = tf.sample_state()
    data = LAYOUTS[layout](state)
    if layout.startswith("zip"):
        assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None      # the writer makes archives zipfile reads
    got = fs.load_torch_checkpoint(write(tmp_path, data))
    assert_state(got, expected)
    assert got["conv.weight_t"].flags.c_contiguous
    assert got["bn.num_batches_tracked"].ndim == 0


def test_zip_data_offsets_come_from_the_local_headers(tmp_path):
    # PyTorch pads the local headers' extra fields (data at multiples of 64) but not the central directory's:
    # a reader that took the central extra length would read from the wrong place.
    state, expected = tf.sample_state()
    data = tf.zip_checkpoint(state, zip64=False, align=64)
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        local_extra = struct.unpack_from("<H", data, info.header_offset + 28)[0]
        assert local_extra > 0 and info.extra == b""
        assert (info.header_offset + 30 + len(info.filename) + local_extra) % 64 == 0
    assert_state(fs.load_torch_checkpoint(write(tmp_path, data)), expected)


def test_legacy_storage_views_and_the_pre_0_4_rebuild_call(tmp_path):
    root = tf.Storage.of(np.arange(10, dtype=np.float32), "140")
    view = tf.View(root, offset=2, size=6, key="141")
    state = {"view": tf.Tensor(view, offset=1, shape=(2, 2), stride=(2, 1), rebuild=tf.REBUILD_TENSOR),
             "whole": tf.Tensor(root, rebuild=tf.REBUILD_TENSOR)}
    got = fs.load_torch_checkpoint(write(tmp_path, tf.legacy_checkpoint(state)))
    assert_state(got, {"view": np.arange(3, 7, dtype=np.float32).reshape(2, 2), "whole": np.arange(10, dtype=np.float32)})
    # The same view reaching past its 6-element window.
    state["view"] = tf.Tensor(view, offset=1, shape=(3, 2), stride=(2, 1), rebuild=tf.REBUILD_TENSOR)
    assert "reaches beyond its storage '140' of 6 elements" in format_error(write(tmp_path, tf.legacy_checkpoint(state)))


class Call:
    """Pickles as a call of a global: GLOBAL module name, the arguments, REDUCE."""

    def __init__(self, module, name, *args):
        self.function, self.args = tf.torch_global(module, name), args

    def __reduce__(self):
        return self.function, self.args


@pytest.mark.parametrize("module,name", [
    ("os", "system"), ("posix", "system"), ("builtins", "eval"), ("builtins", "exec"), ("subprocess", "Popen"),
    ("torch", "load"), ("torch._utils", "_rebuild_parameter"), ("torch", "ComplexFloatStorage"),
    ("torch", "Tensor"), ("numpy.core.multiarray", "_reconstruct"), ("collections", "defaultdict"),
    ("_codecs", "encode"),
])
def test_every_other_global_is_refused_and_nothing_runs(tmp_path, module, name):
    marker = tmp_path / "ran"
    data, _ = tf.dumps({"w": Call(module, name, f"touch {marker}")})
    for layout, archive in [("zip", tf.zip_archive([("archive/data.pkl", data)])),
                            ("legacy", tf.legacy_checkpoint({}).replace(tf.state_dict_pickle({}, legacy=True)[0], data))]:
        message = format_error(write(tmp_path, archive, f"{layout}.pth"))
        assert f"global '{module}.{name}' is not allowed" in message
    assert not marker.exists()


def test_the_refused_payload_is_live_for_a_real_unpickler(tmp_path):
    # The same bytes run the shell command under pickle.loads: the refusal above is what stops it.
    marker = tmp_path / "ran"
    data, _ = tf.dumps(Call("os", "system", f"touch {marker}"))
    format_error(write(tmp_path, tf.zip_archive([("archive/data.pkl", data)])))
    assert not marker.exists()
    pickle.loads(data)
    assert marker.exists()


def test_protocol_4_stack_global_and_code_opcodes_are_refused(tmp_path):
    class Eval:
        def __reduce__(self):
            return eval, ("1 + 1",)
    message = format_error(write(tmp_path, tf.zip_archive([("archive/data.pkl", pickle.dumps(Eval(), protocol=4))])))
    assert "global 'builtins.eval' is not allowed" in message
    # A storage type called instead of named in a persistent id; a BUILD on a plain dict; INST (protocol 0).
    for payload, words in [(b"\x80\x02ctorch\nFloatStorage\n)R.", "may only name the type of a persistent id"),
                           (b"\x80\x02}}b.", "BUILD on dict is not allowed"),
                           (b"\x80\x02(ios\nsystem\n.", "opcode 0x69 is not allowed")]:
        assert words in format_error(write(tmp_path, tf.zip_archive([("archive/data.pkl", payload)])))


def test_objects_other_than_a_state_dict_of_tensors_are_refused(tmp_path):
    weight = tf.tensor(np.ones(2, np.float32), "0")
    for obj, words in [({"model": {"w": weight}}, "'model' holds a value of type dict, not a tensor"),
                       ({"w": weight, "epoch": 3}, "'epoch' holds a value of type int, not a tensor"),
                       ([weight], "holds a value of type list, not a state dict")]:
        data, storages = tf.dumps(obj)
        entries = [("archive/data.pkl", data)] + [(f"archive/data/{k}", s.raw) for k, s in storages.items()]
        assert words in format_error(write(tmp_path, tf.zip_archive(entries)))


def central_header(data, name):
    """Offset of the central directory header of entry `name`."""
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + length] == name.encode():
            return at
        at += 4


def data_offset(data, name):
    """Where the bytes of entry `name` start: after its local header, name and extra field."""
    local = zipfile.ZipFile(io.BytesIO(data)).getinfo(name).header_offset
    name_length, extra_length = struct.unpack_from("<HH", data, local + 26)
    return local + 30 + name_length + extra_length


def test_damaged_archives_are_format_errors(tmp_path):
    state, _ = tf.sample_state()
    good = tf.zip_checkpoint(state, zip64=False)
    for cut in (4, 100, len(good) // 2, len(good) - 22, len(good) - 1):
        assert any(words in format_error(write(tmp_path, good[:cut]))
                   for words in ("end-of-central-directory", "truncated", "beyond"))
    # An entry whose local header offset points past the end of the file.
    beyond = bytearray(good)
    struct.pack_into("<I", beyond, central_header(good, "archive/data/0") + 42, 0x7FFFFFF0)
    assert "local header of 'archive/data/0'" in format_error(write(tmp_path, bytes(beyond)))
    # The same through a ZIP64 extra field.
    good64 = tf.zip_checkpoint(state, zip64=True)
    beyond = bytearray(good64)
    struct.pack_into("<Q", beyond, central_header(good64, "archive/data/0") + 46 + len("archive/data/0") + 20, 2 ** 62)
    assert "lies beyond" in format_error(write(tmp_path, bytes(beyond)))
    # Re-zipped with compression.
    compressed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(compressed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    assert "is compressed (ZIP method 8" in format_error(write(tmp_path, compressed.getvalue()))
    # A flipped byte inside a storage fails its CRC.
    damaged = bytearray(good)
    damaged[data_offset(good, "archive/data/0") + 3] ^= 1
    assert "fails its CRC-32 check" in format_error(write(tmp_path, bytes(damaged)))


def test_missing_short_or_overrun_storages_are_format_errors(tmp_path):
    state, _ = tf.sample_state()
    data, storages = tf.state_dict_pickle(state)
    entries = [("archive/data.pkl", data)] + [(f"archive/data/{k}", s.raw) for k, s in storages.items()]
    assert "storage '3' (archive/data/3) is missing" in format_error(
        write(tmp_path, tf.zip_archive([e for e in entries if e[0] != "archive/data/3"])))
    short = [(n, d[:-4] if n == "archive/data/0" else d) for n, d in entries]
    assert "storage '0' has 44 bytes, not the 12 x 4" in format_error(write(tmp_path, tf.zip_archive(short)))
    overrun = {"w": tf.Tensor(tf.Storage.of(np.zeros(4, np.float32), "0"), offset=1, shape=(4,))}
    assert "reaches beyond its storage '0' of 4 elements" in format_error(write(tmp_path, tf.zip_checkpoint(overrun)))
    expanded = {"w": tf.Tensor(tf.Storage.of(np.zeros(1, np.float32), "0"), shape=(1000, 1000), stride=(0, 0))}
    assert "expanded or overlapping" in format_error(write(tmp_path, tf.zip_checkpoint(expanded)))


def test_other_layouts_and_files_are_format_errors(tmp_path):
    state, _ = tf.sample_state()
    assert "big-endian" in format_error(write(tmp_path, tf.zip_checkpoint(state, byteorder="big")))
    data, _ = tf.state_dict_pickle({})
    two = tf.zip_archive([("a/data.pkl", data), ("b/data.pkl", data)])
    assert "holds 2 checkpoints" in format_error(write(tmp_path, two))
    assert "without <folder>/data.pkl" in format_error(write(tmp_path, tf.zip_archive([("data.pkl", data)])))
    legacy = tf.legacy_checkpoint(state)
    assert "lies beyond" in format_error(write(tmp_path, legacy[:-5]))
    assert "2 unexpected bytes follow the last storage" in format_error(write(tmp_path, legacy + b"\0\0"))
    fs.save_safetensors(tmp_path / "w.safetensors", {"w": np.ones(2, np.float32)})
    assert "not a PyTorch checkpoint" in format_error(tmp_path / "w.safetensors")
    with tarfile.open(tmp_path / "old.pth", "w") as tar:
        tar.add(tmp_path / "w.safetensors", arcname="sys_info")
    assert "tar-format PyTorch checkpoint" in format_error(tmp_path / "old.pth")
    with pytest.raises(fs.FCDDIOError):
        fs.load_torch_checkpoint(tmp_path / "missing.pth")


def test_vgg_weights_from_pth_checkpoints_give_the_detector_of_the_same_safetensors(tmp_path):
    with fs.Network("FCDD_CNN224_VGG_NOPT", in_shape=(3, 224, 224), seed=7) as net:
        initial = {k: v for k, v in net.state_dict().items() if k.startswith("features.")}
    # Away from any initialisation the detector could fall back to (variances stay positive).
    weights = {k: v * np.float32(1.25) + np.float32(0.01) if v.dtype == np.float32 else v for k, v in initial.items()}
    state = {k: tf.tensor(v, str(i)) for i, (k, v) in enumerate(weights.items())}
    write(tmp_path, tf.zip_checkpoint(state, folder="vgg11_bn-6002323d"), "vgg11_bn.pth")
    write(tmp_path, tf.legacy_checkpoint(state), "vgg11_bn_legacy.pth")
    assert_state(fs.load_torch_checkpoint(tmp_path / "vgg11_bn.pth"), weights)
    fs.save_safetensors(tmp_path / "vgg11_bn.safetensors", weights)
    fs.save_safetensors(tmp_path / "initial.safetensors", initial)
    X = np.random.default_rng(0).integers(0, 256, (3, 224, 224, 3), dtype=np.uint8)

    def scores(path):
        det = fs.FCDD(net="FCDD_CNN224_VGG_F", vgg_weights=str(tmp_path / path), epochs=0, verbose=0).fit(X)
        return det.decision_function(X)

    reference = scores("vgg11_bn.safetensors")
    np.testing.assert_array_equal(scores("vgg11_bn.pth"), reference)
    np.testing.assert_array_equal(scores("vgg11_bn_legacy.pth"), reference)
    assert not np.allclose(scores("initial.safetensors"), reference)    # the weights do reach the scores


def test_real_torch_save_output_reads_the_same(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    conv, bn = torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4)
    state = {**{f"conv.{k}": v for k, v in conv.state_dict().items()}, **{f"bn.{k}": v for k, v in bn.state_dict().items()}}
    base = torch.arange(12, dtype=torch.float32)
    state.update({"transposed": base.reshape(3, 4).t(), "offset": base[5:11], "half": torch.tensor([1.5, -2.0]).half(),
                  "bf16": torch.tensor([1.0, -2.5]).bfloat16(), "long": torch.tensor(7), "mask": torch.tensor([True, False]),
                  "byte": torch.tensor([0, 255], dtype=torch.uint8), "int": torch.tensor([-3, 4], dtype=torch.int32),
                  "double": torch.tensor([1e-300], dtype=torch.float64)})
    expected = {k: (v.float() if v.dtype == torch.bfloat16 else v).numpy() for k, v in state.items()}
    for zip_layout in (True, False):
        path = tmp_path / f"torch_{zip_layout}.pth"
        torch.save(state, path, _use_new_zipfile_serialization=zip_layout)
        assert_state(fs.load_torch_checkpoint(path), expected)
    vgg = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8))
    torch.save(vgg.state_dict(), tmp_path / "module.pth")
    assert_state(fs.load_torch_checkpoint(tmp_path / "module.pth"), {k: v.numpy() for k, v in vgg.state_dict().items()})


def test_torchvision_vgg11_bn_state_dict_is_accepted_as_vgg_weights(tmp_path):
    """torchvision's vgg11_bn with its own key names, saved by torch in both layouts (the published
    vgg11_bn-6002323d.pth predates the zip layout), serves as --vgg-weights unchanged."""
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(0)
    state = torchvision.models.vgg11_bn(weights=None).state_dict()
    X = np.random.default_rng(0).integers(0, 256, (2, 224, 224, 3), dtype=np.uint8)
    scores = []
    for zip_layout in (True, False):
        path = tmp_path / f"vgg11_bn_{zip_layout}.pth"
        torch.save(state, path, _use_new_zipfile_serialization=zip_layout)
        assert_state(fs.load_torch_checkpoint(path), {k: v.numpy() for k, v in state.items()})
        det = fs.FCDD(net="FCDD_CNN224_VGG_F", vgg_weights=str(path), epochs=0, verbose=0).fit(X)
        scores.append(det.decision_function(X))
        path.unlink()
    np.testing.assert_array_equal(scores[0], scores[1])

"""safetensors reading and writing: dtypes, metadata, files from another writer, damaged files, atomicity."""
import json
import os
import struct

import numpy as np
import pytest

import fcdd_swift as fs


def write_by_hand(path, entries, metadata=None):
    """A safetensors file written independently of the engine: entries are (name, dtype, shape, raw bytes)."""
    header, offset, blobs = {}, 0, []
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def test_round_trip_keeps_dtypes_shapes_values_and_metadata(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {
        "f32": rng.random((2, 3), dtype=np.float32),
        "f64": np.array(3.5, np.float64),                    # 0-d
        "f16": np.array([1.5, -2.25, 65504.0], np.float16),
        "i64": np.array([1, -2, 2 ** 40], np.int64),
        "i32": np.arange(-3, 3, dtype=np.int32).reshape(2, 3),
        "i16": np.array([-7], np.int16), "i8": np.array([-8, 7], np.int8),
        "u8": np.arange(256, dtype=np.uint8), "u16": np.array([65535], np.uint16),
        "u32": np.array([2 ** 32 - 1], np.uint32), "u64": np.array([2 ** 64 - 1], np.uint64),
        "bool": np.array([[True, False]]),
        "empty": np.zeros((0, 2), np.float32),
        "strided": np.arange(20, dtype=np.float32).reshape(4, 5)[:, ::2],     # non-contiguous
        "big_endian": np.arange(4, dtype=">f8"),                              # stored little endian
    }
    path = tmp_path / "t.safetensors"
    fs.save_safetensors(path, tensors, metadata={"network": "FCDD_CNN28", "in_shape": "[1, 28, 28]"})
    back, meta = fs.load_safetensors(str(path), with_metadata=True)
    assert meta == {"network": "FCDD_CNN28", "in_shape": "[1, 28, 28]"}
    assert set(back) == set(tensors)
    for k, v in tensors.items():
        assert back[k].shape == v.shape, k
        assert back[k].dtype == v.dtype.newbyteorder("="), k
        np.testing.assert_array_equal(back[k], v, err_msg=k)
    assert fs.load_safetensors(path) .keys() == back.keys()  # without metadata: just the dict


def test_reads_files_of_another_writer_including_bf16(tmp_path):
    bf16_values = np.array([1.0, -2.5, 3.140625, 1e-3], np.float32)
    bf16 = (bf16_values.view(np.uint32) >> 16).astype("<u2").tobytes()  # exact for these values except 1e-3
    expected_bf16 = ((np.frombuffer(bf16, "<u2").astype(np.uint32)) << 16).view(np.float32)
    path = tmp_path / "hand.safetensors"
    write_by_hand(path, [
        ("b", "BF16", (2, 2), bf16),
        ("h", "F16", (3,), np.array([0.5, -1, 2], "<f2").tobytes()),
        ("n", "I64", (), np.array(42, "<i8").tobytes()),
        ("w", "F32", (1, 2), np.array([[1, 2]], "<f4").tobytes()),
    ], metadata={"format": "pt"})
    back, meta = fs.load_safetensors(path, with_metadata=True)
    assert meta == {"format": "pt"}
    assert back["b"].dtype == np.float32 and back["b"].shape == (2, 2)
    np.testing.assert_array_equal(back["b"].ravel(), expected_bf16)
    assert back["b"].ravel()[:3].tolist() == [1.0, -2.5, 3.140625]
    assert back["h"].dtype == np.float16 and back["h"].tolist() == [0.5, -1, 2]
    assert back["n"].dtype == np.int64 and back["n"].shape == () and back["n"] == 42
    assert back["w"].dtype == np.float32 and back["w"].tolist() == [[1, 2]]


def test_state_dicts_move_through_files(tmp_path):
    net = fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), seed=3)
    path = tmp_path / "sd.safetensors"
    fs.save_safetensors(path, net.state_dict())
    other = fs.Network("FCDD_CNN28", in_shape=(1, 28, 28), seed=4)
    other.load(path)
    other.load_state_dict(fs.load_safetensors(path))
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[k], v, err_msg=k)


def test_damaged_files_raise_format_error(tmp_path):
    good = tmp_path / "good.safetensors"
    fs.save_safetensors(good, {"a": np.arange(100, dtype=np.float32), "b": np.ones((3, 3))}, {"k": "v"})
    data = good.read_bytes()
    header_len = struct.unpack("<Q", data[:8])[0]
    damaged = {
        "empty": b"",
        "short length": data[:3],
        "length only": data[:8],
        "cut header": data[:8 + header_len // 2],
        "cut data": data[:len(data) // 2 + header_len // 2],
        "one byte short": data[:-1],
        "junk": b"\xff" * 64,
        "huge header length": struct.pack("<Q", 2 ** 62) + data[8:],
        "header not json": struct.pack("<Q", 4) + b"{{{{",
        "header not an object": struct.pack("<Q", 2) + b"[]",
    }
    for what, content in damaged.items():
        path = tmp_path / f"{what.replace(' ', '_')}.safetensors"
        path.write_bytes(content)
        with pytest.raises(fs.FormatError):
            fs.load_safetensors(path)
            pytest.fail(f"{what}: no error")


def test_inconsistent_headers_raise_format_error(tmp_path):
    cases = {
        "offsets beyond the data": [("a", "F32", (4,), b"\0" * 8)],          # 4 floats need 16 bytes
        "unknown dtype": [("a", "X99", (1,), b"\0" * 4)],
        "negative dimension": [("a", "F32", (-1,), b"")],
    }
    for what, entries in cases.items():
        path = tmp_path / "bad.safetensors"
        write_by_hand(path, entries)
        if what == "offsets beyond the data":  # the declared offsets say 16 bytes, the file holds 8
            text = json.dumps({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode()
            path.write_bytes(struct.pack("<Q", len(text)) + text + b"\0" * 8)
        with pytest.raises(fs.FormatError):
            fs.load_safetensors(path)
            pytest.fail(f"{what}: no error")


def test_missing_file_is_an_io_error(tmp_path):
    with pytest.raises(fs.FCDDIOError) as info:
        fs.load_safetensors(tmp_path / "missing.safetensors")
    assert isinstance(info.value, OSError) and "missing.safetensors" in str(info.value)
    with pytest.raises(fs.FCDDIOError):
        fs.load_safetensors(tmp_path)  # a directory


def test_failed_writes_leave_no_temporary_file(tmp_path):
    tensors = {"a": np.zeros(2, np.float32)}
    with pytest.raises(fs.FCDDIOError):
        fs.save_safetensors(tmp_path / "no" / "such" / "dir.safetensors", tensors)
    assert not (tmp_path / "no").exists()
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "occupied").mkdir()  # the final rename onto a directory fails
    with pytest.raises(fs.FCDDError):
        fs.save_safetensors(tmp_path / "occupied", tensors)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["occupied"]
    assert list((tmp_path / "occupied").iterdir()) == []


def test_overwrite_replaces_the_file(tmp_path):
    path = tmp_path / "t.safetensors"
    fs.save_safetensors(path, {"a": np.zeros(1000, np.float32)})
    fs.save_safetensors(path, {"b": np.ones(2, np.int64)})
    back = fs.load_safetensors(path)
    assert list(back) == ["b"] and back["b"].tolist() == [1, 1]
    assert os.listdir(tmp_path) == ["t.safetensors"]


def test_save_validation(tmp_path):
    path = tmp_path / "t.safetensors"
    for bad in ({"c": np.zeros(2, complex)}, {"o": np.array([None, 1], object)}, {"s": np.array(["x"])},
                {1: np.zeros(2)}, {"nul\0name": np.zeros(2)}):
        with pytest.raises(fs.InvalidArgumentError):
            fs.save_safetensors(path, bad)
    with pytest.raises(fs.InvalidArgumentError, match="str to str"):
        fs.save_safetensors(path, {"a": np.zeros(2)}, metadata={"epoch": 3})
    with pytest.raises(fs.InvalidArgumentError, match="dict"):
        fs.save_safetensors(path, [np.zeros(2)])
    assert not path.exists()

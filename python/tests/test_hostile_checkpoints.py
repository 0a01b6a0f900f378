"""Checkpoints built to crash or exhaust the reader (written here byte for byte with torch_format.py): a size-1
dimension with a huge stride (once a Swift overflow trap that killed the process), zip entries that share
one large entry's bytes (work without bound), many names for one storage (memory without bound), a dimension
beyond what an exact integer holds. Each is read correctly or refused with a FormatError naming the file and
the limit; memory stays within a stated multiple of the file."""
import struct

import numpy as np
import pytest

import fcdd_swift as fs
import torch_format as tf

LAYOUTS = {"zip": tf.zip_checkpoint, "legacy": tf.legacy_checkpoint}


def write(tmp_path, data, name="hostile.pth"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_huge_stride_on_a_dimension_of_size_one_is_read_not_trapped(tmp_path, layout):
    # Element [i, 0, k] is storage[i + 2k]; the size-1 dimension never moves, whatever its stride, and a
    # reader that steps along it anyway overflows (2^63 - 1 added to 1).
    storage = tf.Storage.of(np.arange(6, dtype=np.float32), "0")
    state = {"w": tf.Tensor(storage, shape=(2, 1, 3), stride=(1, 2 ** 63 - 1, 2))}
    got = fs.load_torch_checkpoint(write(tmp_path, LAYOUTS[layout](state)))
    np.testing.assert_array_equal(got["w"], np.arange(6, dtype=np.float32).reshape(3, 2).T.reshape(2, 1, 3))


def test_zip_entries_sharing_one_entrys_bytes_are_refused(tmp_path):
    # 200 storages of 1 MiB each, but the archive holds the bytes once: every storage entry of the central
    # directory points at the first one. Read as it claims, that is 200 MiB of CRC work from a 1 MiB file.
    big = np.zeros(1 << 18, np.float32)
    storages = [tf.Storage(str(k), big.tobytes(), big.size, "FloatStorage") for k in range(200)]
    pickle_bytes, _ = tf.state_dict_pickle({f"t{k}": tf.Tensor(s) for k, s in enumerate(storages)})
    entries = [("archive/data.pkl", pickle_bytes), ("archive/data/0", big.tobytes())]
    aliases = [(f"archive/data/{k}", "archive/data/0") for k in range(1, 200)]
    path = write(tmp_path, tf.zip_archive_with_aliases(entries, aliases))
    with pytest.raises(fs.FormatError, match=r"hostile\.pth.*entries 'archive/data/0' and 'archive/data/1' overlap"):
        fs.load_torch_checkpoint(path)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_many_names_for_one_storage_are_refused_beyond_four_copies(tmp_path, layout):
    # 1,000 names for one 1 MiB storage would be 1 GB of tensors from a 1 MB file.
    storage = tf.Storage.of(np.ones(1 << 18, np.float32), "0")
    state = {f"t{i}": tf.Tensor(storage) for i in range(1000)}
    path = write(tmp_path, LAYOUTS[layout](state))
    with pytest.raises(fs.FormatError, match=r"hostile\.pth: its 1000 tensors hold 1048576000 bytes, more than 4 times"):
        fs.load_torch_checkpoint(path)
    # Tied weights, one storage under four names, are still read.
    tied = {f"t{i}": tf.Tensor(storage) for i in range(4)}
    got = fs.load_torch_checkpoint(write(tmp_path, LAYOUTS[layout](tied), "tied.pth"))
    assert len(got) == 4 and all(np.array_equal(v, np.ones(1 << 18, np.float32)) for v in got.values())


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_dimension_beyond_exact_integers_is_refused(tmp_path, layout):
    # Zero elements, so no size check of the bytes stops it; 2^53 is past what a JSON number (a double)
    # holds exactly, so the shape could not travel as an integer.
    state = {"empty": tf.Tensor(tf.Storage.of(np.zeros(0, np.float32), "0"), shape=(0, 2 ** 53), stride=(1, 1))}
    path = write(tmp_path, LAYOUTS[layout](state))
    with pytest.raises(fs.FormatError, match=r"hostile\.pth: 'empty': size \[0, 9007199254740992\] has a dimension above 9007199254740991"):
        fs.load_torch_checkpoint(path)


def test_a_safetensors_dimension_beyond_exact_integers_is_refused(tmp_path):
    header = b'{"empty":{"dtype":"F32","shape":[0,9007199254740993],"data_offsets":[0,0]}}'
    path = write(tmp_path, struct.pack("<Q", len(header)) + header, "hostile.safetensors")
    with pytest.raises(fs.FormatError, match=r"hostile\.safetensors.*'empty': shape \[0, 9007199254740992\] has a dimension above"):
        fs.load_safetensors(path)
    # The largest exact integer is still a size.
    header = b'{"empty":{"dtype":"F32","shape":[0,9007199254740991],"data_offsets":[0,0]}}'
    ok = write(tmp_path, struct.pack("<Q", len(header)) + header, "edge.safetensors")
    assert fs.load_safetensors(ok)["empty"].shape == (0, 9007199254740991)

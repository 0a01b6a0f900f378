"""PyTorch's checkpoint layouts written without PyTorch, for tests, fixtures and fuzz seeds.

``torch.save(state_dict, path)`` (torch/serialization.py) pickles, at protocol 2, the state dict as an
OrderedDict with a ``_metadata`` attribute, every tensor as ``torch._utils._rebuild_tensor_v2(storage,
storage_offset, size, stride, requires_grad, backward_hooks)`` and every storage as a persistent id
``('storage', torch.FloatStorage, key, 'cpu', numel)``. The zip layout (PyTorch >= 1.6) stores that pickle as
``<folder>/data.pkl`` next to ``<folder>/data/<key>`` (raw little-endian bytes), ``byteorder`` and
``version`` in a STORED zip whose local headers are padded so that data starts at a multiple of 64 and,
since miniz writes with MZ_ZIP_FLAG_WRITE_ZIP64, with ZIP64 records. The legacy layout (before 1.6) is a
sequence: pickles of the magic number, of 1001 and of sys_info, the state dict (persistent ids get a sixth
item, view metadata), the sorted storage keys, then per key an int64 element count and the raw bytes.

Python's pickler writes a global only after importing it and checking it is the same object, and torch is
not installed; so the torch names below are stand-ins that write their GLOBAL opcode themselves, through a
subclass of the pure-Python pickler. The bytes are the ones torch writes.
"""
import collections
import io
import pickle
import struct
import zlib

import numpy as np

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001


class Global:
    """A class or function of another module, pickled as GLOBAL 'module name'. Calling it is a bug: a reader
    that honours the checkpoint must never run anything."""

    def __init__(self, module, name):
        self.module, self.name = module, name
        self.__name__ = name

    def __call__(self, *args):
        raise AssertionError(f"{self.module}.{self.name} must never be called")


REBUILD_TENSOR_V2 = Global("torch._utils", "_rebuild_tensor_v2")
REBUILD_TENSOR = Global("torch._utils", "_rebuild_tensor")     # PyTorch before 0.4
_STORAGE_NAMES = {np.dtype(np.float32): "FloatStorage", np.dtype(np.float16): "HalfStorage",
                  np.dtype(np.float64): "DoubleStorage", np.dtype(np.int64): "LongStorage",
                  np.dtype(np.int32): "IntStorage", np.dtype(np.uint8): "ByteStorage", np.dtype(bool): "BoolStorage"}
_GLOBALS = {}


def torch_global(module, name):
    """One stand-in per name, so that the pickler memoizes it as it memoizes the real class."""
    return _GLOBALS.setdefault((module, name), Global(module, name))


class Storage:
    """A torch storage: `numel` elements of `type_name` whose little-endian bytes are `raw`."""

    def __init__(self, key, raw, numel, type_name):
        self.key, self.raw, self.numel = str(key), bytes(raw), int(numel)
        self.type = torch_global("torch", type_name)

    @classmethod
    def of(cls, values, key):
        values = np.ascontiguousarray(values).ravel()
        little = values.astype(values.dtype.newbyteorder("<")) if values.dtype.itemsize > 1 else values
        return cls(key, little.tobytes(), values.size, _STORAGE_NAMES[values.dtype])

    @classmethod
    def bfloat16(cls, values, key):
        """bfloat16 elements: the upper halves of the float32 `values` (exact for values that fit)."""
        upper = (np.asarray(values, np.float32).ravel().view(np.uint32) >> 16).astype("<u2")
        return cls(key, upper.tobytes(), upper.size, "BFloat16Storage")


class View:
    """A legacy storage view: `size` elements of `root` from element `offset`, saved under `key`."""

    def __init__(self, root, offset, size, key):
        self.root, self.offset, self.size, self.key = root, offset, size, str(key)


class Tensor:
    """A tensor as torch pickles it: `shape` and `stride` (in elements) from element `offset` of `storage`,
    rebuilt by `rebuild` (the call torch writes; tests swap in other globals)."""

    def __init__(self, storage, offset=0, shape=None, stride=None, rebuild=REBUILD_TENSOR_V2):
        numel = storage.size if isinstance(storage, View) else storage.numel
        self.storage, self.offset = storage, offset
        self.shape = tuple(shape) if shape is not None else (numel,)
        if stride is None:
            stride, step = [], 1
            for size in reversed(self.shape):
                stride.insert(0, step)
                step *= size
        self.stride, self.rebuild = tuple(stride), rebuild

    def __reduce_ex__(self, protocol):
        args = (self.storage, self.offset, self.shape, self.stride)
        if self.rebuild is not REBUILD_TENSOR:
            args += (False, collections.OrderedDict())
        return self.rebuild, args


def tensor(array, key):
    """A contiguous tensor with its own storage holding `array`."""
    array = np.asarray(array)
    return Tensor(Storage.of(array, key), shape=array.shape)


class Python2OrderedDict(dict):
    """Pickles as Python 2.7's OrderedDict did: OrderedDict([[key, value], ...])."""

    def __reduce__(self):
        return collections.OrderedDict, ([[k, v] for k, v in self.items()],)


class _Pickler(pickle._Pickler):
    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, legacy):
        super().__init__(file, protocol=2)
        self.legacy = legacy
        self.storages = {}

    def _save_stand_in(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("ascii"))
        self.memoize(obj)

    dispatch[Global] = _save_stand_in

    def persistent_id(self, obj):
        if isinstance(obj, View):
            root = obj.root
            self.storages[root.key] = root
            return ("storage", root.type, root.key, "cpu", root.numel, (obj.key, obj.offset, obj.size))
        if isinstance(obj, Storage):
            self.storages[obj.key] = obj
            return ("storage", obj.type, obj.key, "cpu", obj.numel) + ((None,) if self.legacy else ())
        return None


def dumps(obj, legacy=False):
    """The protocol-2 pickle of `obj` as torch writes it, and the storages it names, by key."""
    out = io.BytesIO()
    pickler = _Pickler(out, legacy)
    pickler.dump(obj)
    return out.getvalue(), pickler.storages


def state_dict_pickle(state, legacy=False, python2=False):
    """The pickle of a state dict {name: Tensor} and the storages it names, by key."""
    if python2:
        return dumps(Python2OrderedDict(state), legacy)
    od = collections.OrderedDict(state)
    od._metadata = collections.OrderedDict([("", {"version": 1})])
    return dumps(od, legacy)


def zip_archive(entries, zip64=True, align=64):
    """A STORED zip of (name, bytes) entries laid out as PyTorch's writer (miniz) does: each local header's
    extra field padded so that the data starts at a multiple of `align`, the central directory without the
    padding; with `zip64`, ZIP64 extra fields for sizes and offsets and ZIP64 end records."""
    out, central = bytearray(), bytearray()
    for name, data in entries:
        encoded, offset, crc = name.encode(), len(out), zlib.crc32(data)
        extra = b""
        if align:
            pad = -(offset + 30 + len(encoded) + 4) % align
            extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, crc, len(data), len(data), len(encoded),
                           len(extra)) + encoded + extra + data
        if zip64:
            fields, (size, at) = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset), (0xFFFFFFFF, 0xFFFFFFFF)
        else:
            fields, (size, at) = b"", (len(data), offset)
        version = 45 if zip64 else 20
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, version, version, 0, 0, 0, 0x21, crc, size, size,
                               len(encoded), len(fields), 0, 0, 0, 0, at) + encoded + fields
    start, count = len(out), len(entries)
    out += central
    if zip64:
        record = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(central), start)
        out += struct.pack("<IIQI", 0x07064B50, 0, record, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0)
    return bytes(out)


def zip_archive_with_aliases(entries, aliases):
    """A hostile STORED zip: `entries` [(name, bytes)] plus central-directory entries [(name, target)] that
    point at the local header of entry `target`, names without bytes of their own (a reader that trusts them
    reads and checks the same bytes once per name)."""
    out, central, offsets = bytearray(), bytearray(), {}

    def central_entry(name, data, offset):
        encoded = name.encode()
        return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0x21, zlib.crc32(data), len(data),
                           len(data), len(encoded), 0, 0, 0, 0, 0, offset) + encoded

    for name, data in entries:
        encoded = name.encode()
        offsets[name] = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, zlib.crc32(data), len(data), len(data),
                           len(encoded), 0) + encoded + data
        central += central_entry(name, data, offsets[name])
    data_of = dict(entries)
    for name, target in aliases:
        central += central_entry(name, data_of[target], offsets[target])
    start, count = len(out), len(entries) + len(aliases)
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0)
    return bytes(out)


def zip_checkpoint(state, folder="archive", byteorder="little", zip64=True, align=64, python2=False):
    """The bytes of ``torch.save(state)`` in the zip layout; state is {name: Tensor}."""
    data, storages = state_dict_pickle(state, python2=python2)
    entries = [(f"{folder}/data.pkl", data)]
    if byteorder is not None:
        entries.append((f"{folder}/byteorder", byteorder.encode()))
    entries += [(f"{folder}/data/{key}", s.raw) for key, s in storages.items()]
    entries.append((f"{folder}/version", b"3\n"))
    return zip_archive(entries, zip64=zip64, align=align)


def legacy_checkpoint(state, python2=False):
    """The bytes of ``torch.save(state, _use_new_zipfile_serialization=False)`` (and of PyTorch < 1.6)."""
    data, storages = state_dict_pickle(state, legacy=True, python2=python2)
    sys_info = {"protocol_version": LEGACY_PROTOCOL_VERSION, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": 8}}
    keys = sorted(storages)
    out = b"".join(pickle.dumps(v, protocol=2) for v in (MAGIC_NUMBER, LEGACY_PROTOCOL_VERSION, sys_info))
    out += data + pickle.dumps(keys, protocol=2)
    for key in keys:
        out += struct.pack("<q", storages[key].numel) + storages[key].raw
    return out


def sample_state():
    """A small state dict covering what a reader must get right, and the arrays it must return: float32
    contiguous, a transposed (non-contiguous) view and an offset view of the same storage, float16, float64,
    int32, uint8, bool, bfloat16, and a 0-d int64 (num_batches_tracked)."""
    base = Storage.of(np.arange(12, dtype=np.float32) - 3.5, "0")
    values = np.arange(12, dtype=np.float32) - 3.5
    bf16 = np.array([1.0, -2.5, 3.140625, 65280.0], np.float32)      # exactly representable in bfloat16
    state = {
        "conv.weight": Tensor(base, shape=(3, 4)),
        "conv.weight_t": Tensor(base, shape=(4, 3), stride=(1, 4)),
        "conv.bias": Tensor(base, offset=5, shape=(2, 3), stride=(3, 1)),
        "half": tensor(np.array([1.5, -2.25, 65504.0], np.float16), "1"),
        "double": tensor(np.array([[1e-300, -2.0]], np.float64), "2"),
        "int": tensor(np.arange(-2, 3, dtype=np.int32), "3"),
        "byte": tensor(np.array([0, 7, 255], np.uint8), "4"),
        "mask": tensor(np.array([True, False, True]), "5"),
        "bf16": Tensor(Storage.bfloat16(bf16, "6"), shape=(2, 2)),
        "bn.num_batches_tracked": Tensor(Storage.of(np.array([7], np.int64), "7"), shape=()),
    }
    expected = {
        "conv.weight": values.reshape(3, 4), "conv.weight_t": values.reshape(3, 4).T,
        "conv.bias": values[5:11].reshape(2, 3), "half": np.array([1.5, -2.25, 65504.0], np.float16),
        "double": np.array([[1e-300, -2.0]]), "int": np.arange(-2, 3, dtype=np.int32),
        "byte": np.array([0, 7, 255], np.uint8), "mask": np.array([True, False, True]),
        "bf16": bf16.reshape(2, 2), "bn.num_batches_tracked": np.array(7, np.int64),
    }
    return state, expected

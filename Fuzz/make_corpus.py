#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses (Fuzz/Corpus/<harness>/): small valid files of each
format, so that libFuzzer starts from inputs that reach deep into the readers; and the attacks that once
broke a reader (Tests/FCDDCoreTests/Fixtures/fuzz-regressions/<harness>/), which FuzzRegressionTests
replays. Both are committed; run this again only to change them (it needs the fcdd_swift package and
numpy, nothing else). Inputs that scripts/fuzz.sh finds crashing go into fuzz-regressions by hand.

    python3 Fuzz/make_corpus.py
"""
import gzip
import io
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FIXTURES = os.path.join(REPO, "Tests", "FCDDCoreTests", "Fixtures")
sys.path.insert(0, os.path.join(REPO, "python"))
sys.path.insert(0, os.path.join(REPO, "python", "tests"))
import fcdd_swift as fs  # noqa: E402
import torch_format  # noqa: E402  (PyTorch's checkpoint layouts, written without PyTorch)


REGRESSIONS = os.path.join(FIXTURES, "fuzz-regressions")


def seeds(harness, files, root=os.path.join(HERE, "Corpus")):
    folder = os.path.join(root, harness)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for name, data in files.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def png_chunked(width, height, bit_depth, color_type, raw, extra=(), interlace=0):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace))
    for kind, data in extra:
        out += chunk(kind, data)
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def png_files(tmp):
    out = {}
    rng = np.random.default_rng(0)
    for name, array in [("gray.png", rng.integers(0, 256, (6, 5), dtype=np.uint8)),
                        ("rgb.png", rng.integers(0, 256, (4, 7, 3), dtype=np.uint8)),
                        ("rgba.png", rng.integers(0, 256, (3, 3, 4), dtype=np.uint8))]:
        path = os.path.join(tmp, name)
        fs.write_png(path, array)
        out[name] = open(path, "rb").read()
    out["palette1.png"] = png_chunked(9, 2, 1, 3, b"\x00\xaa\x80" * 2, extra=[(b"PLTE", b"\x00\x00\x00\xff\x10\x20")])
    out["gray16_gamma.png"] = png_chunked(2, 2, 16, 0, b"\x00\x12\x34\xff\xff" * 2, extra=[(b"gAMA", struct.pack(">I", 45455))])
    out["interlaced.png"] = png_chunked(3, 3, 8, 0, bytes(range(12)) * 2, interlace=1)
    return out


def jpeg_files():
    out = {name: open(os.path.join(FIXTURES, name), "rb").read()
           for name in ("pil_gray.jpg", "pil_rgb420.jpg", "pil_progressive.jpg", "pil_cmyk.jpg")}
    # The smallest baseline JPEG written by hand: one 8x8 gray block.
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 8, 8, 1) + b"\x01\x11\x00"
    dht = (b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + bytes([1] + [0] * 15) + b"\x00"
           + b"\xff\xc4" + struct.pack(">H", 20) + b"\x10" + bytes([1] + [0] * 15) + b"\x00")
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + b"\x00\x3f\x00"
    out["minimal.jpg"] = b"\xff\xd8" + dqt + sof + dht + sos + b"\x00" + b"\xff\xd9"
    return out


def idx(dims, values):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(values)


def cifar_binary():
    rng = np.random.default_rng(1)
    ten = b"".join(bytes([k]) + rng.integers(0, 256, 3072, dtype=np.uint8).tobytes() for k in (3, 9))
    hundred = b"".join(bytes([k % 20, k]) + rng.integers(0, 256, 3072, dtype=np.uint8).tobytes() for k in (5, 99))
    return {"cifar10.bin": ten, "cifar100.bin": hundred}


def cifar_pickles():
    out = {name: open(os.path.join(FIXTURES, name), "rb").read()
           for name in ("cifar10_py2_protocol2.pkl", "cifar100_py3_protocol5.pkl")}
    data = np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072)
    out["cifar10_protocol3.pkl"] = pickle.dumps({"batch_label": "x", "labels": [1, 2], "data": data}, protocol=3)
    return out


def safetensors_files(tmp):
    path = os.path.join(tmp, "t.safetensors")
    fs.save_safetensors(path, {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "h": np.ones(3, np.float16),
                               "i": np.array([1, -2], np.int64), "e": np.zeros((0, 2), np.float32)},
                        metadata={"format": "pt"})
    return {"mixed.safetensors": open(path, "rb").read()}


def torch_checkpoints():
    """The fixtures of TorchCheckpointTests (zip layout with ZIP64 and aligned data, legacy layout) and two
    more variants: a plain zip without byteorder under torchvision's folder name, Python 2's OrderedDict."""
    out = {name: open(os.path.join(FIXTURES, name), "rb").read()
           for name in ("torch_state_dict.pth", "torch_state_dict_legacy.pth")}
    state = {"w": torch_format.tensor(np.arange(6, dtype=np.float32).reshape(2, 3), "0"),
             "n": torch_format.tensor(np.array(3, np.int64), "1")}
    out["plain_zip.pth"] = torch_format.zip_checkpoint(state, folder="vgg11_bn-6002323d", byteorder=None, zip64=False, align=0)
    out["python2_legacy.pth"] = torch_format.legacy_checkpoint(state, python2=True)
    # Views the hostile inputs below distort: a size-1 dimension with a stride of its own, and tied weights
    # (three names for one storage).
    base = torch_format.Storage.of(np.arange(6, dtype=np.float32), "0")
    views = {"v": torch_format.Tensor(base, shape=(2, 1, 3), stride=(1, 7, 2)),
             "a": torch_format.Tensor(base), "b": torch_format.Tensor(base), "c": torch_format.Tensor(base)}
    out["size1_stride_and_tied.pth"] = torch_format.zip_checkpoint(views, zip64=False, align=0)
    out["size1_stride_and_tied_legacy.pth"] = torch_format.legacy_checkpoint(views)
    return out


def model_files(tmp):
    x = (np.random.default_rng(2).random((8, 28, 28)) * 255).astype(np.uint8)
    det = fs.FCDD(net="FCDD_CNN28", epochs=1, batch_size=4, threads=1, verbose=0, seed=0).fit(x)
    path = os.path.join(tmp, "cnn28.fcdd")
    det.save(path)
    return {"cnn28.fcdd": open(path, "rb").read()}


def mvtec_cache(test_record=("test/crack/000.png", 1, 12, 12)):
    """The cache layout of Sources/FCDDCore/Data/Folders/MVTecCache.swift: one class, one test image with
    its mask and one training image."""
    side = 240
    header = json.dumps({"side": side, "fingerprint": "1f", "defects": ["good", "crack"],
                         "classes": [{"index": 0, "test": [list(test_record)], "train": ["train/good/000.png"]}]},
                        separators=(",", ":")).encode()
    head = b"FCDDMVTC" + struct.pack("<IIQ", 1, side, len(header))
    images = bytes(range(256)) * (2 * 3 * side * side // 256)
    mask = bytes([0, 255]) * (side * side // 2)
    return {"one_class.cache": head + header + images + mask}


def voc_xml():
    return {"annotation.xml": b"<?xml version='1.0'?>\n<annotation><folder>VOC2007</folder><filename>000005.jpg</filename>"
                              b"<object><name>horse</name><bndbox><xmin>1</xmin></bndbox></object>"
                              b"<object><name> person </name></object><!-- note --></annotation>",
            "entities.xml": b"<annotation a=\"1\" b='&amp;&lt;'><object><name>c&#x61;t</name></object></annotation>"}


def npy_files():
    out = {}
    for name, array in [("int64.npy", np.arange(6, dtype=np.int64).reshape(2, 3)), ("uint8.npy", np.arange(5, dtype=np.uint8)),
                        ("int32_fortran.npy", np.asfortranarray(np.arange(4, dtype=np.int32).reshape(2, 2)))]:
        buffer = io.BytesIO()
        np.save(buffer, array)
        out[name] = buffer.getvalue()
    return out


def json_files():
    return {"nested.json": json.dumps({"a": [1, 2.5e-3, -0.0, True, None], "b": {"c": "\u00e9\\\"\n", "d": []}}).encode(),
            "surrogates.json": b'["\\ud83d\\ude00", "\\u0041"]', "number.json": b"-12.5E+3"}


def config_files(tmp):
    out = {}
    printed = subprocess.run([sys.executable, "-m", "fcdd_swift", "train", "--print-config"], capture_output=True,
                             check=True, cwd=tmp, env=dict(os.environ, PYTHONPATH=os.path.join(REPO, "python"))).stdout
    out["experiment.json"] = printed
    out["detector.json"] = json.dumps({"epochs": 3, "lr": 0.01, "net": "FCDD_CNN32_S", "gauss_std": 4}).encode()
    out["request.json"] = json.dumps({"context": "detector", "given": {"epochs": 2}, "data_shape": [1, 28, 28]}).encode()
    return out


def regressions(tmp):
    """The attacks of the issue that made the readers memory-safe: each once crashed or exhausted memory."""
    seeds("FuzzMVTecCache", {
        "path_without_slash.cache": mvtec_cache(("test_crack_000.png", 1, 12, 12))["one_class.cache"],
        "good_image_of_2_32_squared_pixels.cache": mvtec_cache(("test/good/000.png", 0, 2 ** 32, 2 ** 32))["one_class.cache"],
        "good_image_of_10_gigapixels.cache": mvtec_cache(("test/good/000.png", 0, 100000, 100000))["one_class.cache"]},
        REGRESSIONS)
    rows = (b"\x00" + bytes((20000 + 7) // 8)) * 10000
    seeds("FuzzPNG", {"palette_bomb_200mpx.png": png_chunked(20000, 10000, 1, 3, rows, extra=[(b"PLTE", b"\x00\x00\x00\xff\xff\xff")])},
          REGRESSIONS)
    minimal = jpeg_files()["minimal.jpg"]
    seeds("FuzzJPEG", {"tiny_file_claiming_144mpx.jpg": minimal.replace(struct.pack(">HH", 8, 8), struct.pack(">HH", 12000, 12000), 1)},
          REGRESSIONS)
    seeds("FuzzIDX", {"gzip_bomb.gz": gzip.compress(idx([1, 2, 2], [1, 2, 3, 4]) + bytes(50_000_000), compresslevel=9, mtime=0)},
          REGRESSIONS)
    header = json.dumps({"t": {"dtype": "F32", "shape": [2 ** 62], "data_offsets": [0, 0]}}).encode()
    # A dimension past the integers a JSON number holds exactly, on a tensor of zero elements (second round).
    zero_size = json.dumps({"t": {"dtype": "F32", "shape": [0, 2 ** 53], "data_offsets": [0, 0]}}).encode()
    seeds("FuzzSafeTensors", {"shape_2_62.safetensors": struct.pack("<Q", len(header)) + header,
                              "zero_size_dim_2_53.safetensors": struct.pack("<Q", len(zero_size)) + zero_size}, REGRESSIONS)
    header = b"{'descr': '<i8', 'fortran_order': False, 'shape': (4611686018427387904,), }"
    header += b" " * ((64 - (10 + len(header) + 1) % 64) % 64) + b"\n"
    seeds("FuzzNumpy", {"shape_2_62.npy": b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(8)},
          REGRESSIONS)
    model = model_files(tmp)["cnn28.fcdd"]
    length = struct.unpack("<Q", model[:8])[0]
    head = model[8:8 + length].decode()
    big = head.replace('\\"in_shape\\":[1,28,28]', '\\"in_shape\\":[1,13000,13000]')
    assert big != head, "the model metadata changed its layout"
    big = big.encode()
    seeds("FuzzModel", {"in_shape_13000.fcdd": struct.pack("<Q", len(big)) + big + model[8 + length:]}, REGRESSIONS)
    # The checkpoint attacks of the second round (docs/safety.md): a huge stride on a size-1 dimension (an
    # overflow trap), central-directory entries sharing one entry's bytes, many names for one storage.
    base = torch_format.Storage.of(np.arange(6, dtype=np.float32), "0")
    huge = {"w": torch_format.Tensor(base, shape=(2, 1, 3), stride=(1, 2 ** 63 - 1, 2))}
    big = torch_format.Storage.of(np.ones(1 << 14, np.float32), "0")
    shared = {f"t{i}": torch_format.Tensor(big) for i in range(100)}
    pickle_bytes, _ = torch_format.state_dict_pickle({f"t{k}": torch_format.Tensor(torch_format.Storage(
        str(k), bytes(4096), 1024, "FloatStorage")) for k in range(20)})
    overlapping = torch_format.zip_archive_with_aliases(
        [("archive/data.pkl", pickle_bytes), ("archive/data/0", bytes(4096))],
        [(f"archive/data/{k}", "archive/data/0") for k in range(1, 20)])
    seeds("FuzzTorchCheckpoint", {"size1_stride_2_63.pth": torch_format.zip_checkpoint(huge),
                                  "size1_stride_2_63_legacy.pth": torch_format.legacy_checkpoint(huge),
                                  "100_names_one_storage.pth": torch_format.zip_checkpoint(shared),
                                  "entries_sharing_bytes.pth": overlapping}, REGRESSIONS)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        seeds("FuzzPNG", png_files(tmp))
        seeds("FuzzJPEG", jpeg_files())
        images = idx([3, 4, 5], range(60))
        seeds("FuzzIDX", {"images-idx3-ubyte": images, "labels-idx1-ubyte": idx([4], [0, 1, 2, 9]),
                          "images.gz": gzip.compress(images, mtime=0)})
        seeds("FuzzGzip", {"one.gz": gzip.compress(b"fcdd " * 50, mtime=0),
                           "two_members.gz": gzip.compress(b"abc", mtime=0) + gzip.compress(b"def" * 9, mtime=0) + b"\0\0"})
        seeds("FuzzCIFARBinary", cifar_binary())
        seeds("FuzzCIFARPickle", cifar_pickles())
        seeds("FuzzSafeTensors", safetensors_files(tmp))
        seeds("FuzzModel", model_files(tmp))
        seeds("FuzzMVTecCache", mvtec_cache())
        seeds("FuzzVOCXML", voc_xml())
        seeds("FuzzNumpy", npy_files())
        seeds("FuzzJSON", json_files())
        seeds("FuzzConfig", config_files(tmp))
        seeds("FuzzTorchCheckpoint", torch_checkpoints())
        regressions(tmp)


if __name__ == "__main__":
    main()

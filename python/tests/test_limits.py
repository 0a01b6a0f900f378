"""Outside sizes are checked before memory is allocated: the pixel limit (fs.set_limits and the
environment variable), decompression bombs in PNG and JPEG, memory that cannot be had raising MemoryError
with the process alive, handles of the wrong kind, and thread counts refused alike everywhere."""
import ctypes
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest

import fcdd_swift as fs
from fcdd_swift import _lib


def png_bytes(width, height, bit_depth, color_type, raw_rows, extra_chunks=()):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0))
    for kind, data in extra_chunks:
        out += chunk(kind, data)
    return out + chunk(b"IDAT", zlib.compress(raw_rows, 9)) + chunk(b"IEND", b"")


@pytest.fixture
def restored_limits():
    saved = fs.get_limits()
    yield
    fs.set_limits(**saved)


def test_default_limit_is_pils_and_set_limits_returns_the_previous_values(restored_limits):
    assert fs.get_limits() == {"max_image_pixels": 2 * 89_478_485}
    previous = fs.set_limits(max_image_pixels=1000)
    assert previous == {"max_image_pixels": 2 * 89_478_485}
    assert fs.get_limits()["max_image_pixels"] == 1000
    with pytest.raises(fs.InvalidArgumentError):
        fs.set_limits(max_image_pixels=0)
    with pytest.raises(fs.InvalidArgumentError):
        fs.set_limits(max_image_pixels=1.5)


def test_environment_variable_sets_the_limit_of_a_new_process():
    code = "import fcdd_swift as fs; print(fs.get_limits()['max_image_pixels'])"
    env = dict(os.environ, FCDD_SWIFT_MAX_IMAGE_PIXELS="12345")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "12345"


def test_an_image_over_the_limit_is_refused_naming_the_limit_and_how_to_raise_it(tmp_path, restored_limits):
    path = tmp_path / "small.png"
    fs.write_png(str(path), np.zeros((40, 50), np.uint8))
    fs.set_limits(max_image_pixels=40 * 50 - 1)
    with pytest.raises(fs.FormatError, match=r"40 pixels exceeds the limit of 1999 pixels.*set_limits\(max_image_pixels=.*FCDD_SWIFT_MAX_IMAGE_PIXELS"):
        fs.read_image(str(path))
    fs.set_limits(max_image_pixels=40 * 50)
    assert fs.read_image(str(path)).shape == (40, 50)


def test_palette_png_bomb_is_refused_from_its_header(tmp_path):
    # 1-bit palette, 20000 x 10000 = 200 Mpx (above the default limit): ~25 KB on disk, 800 MB as RGBA.
    width, height = 20000, 10000
    rows = (b"\x00" + bytes((width + 7) // 8)) * height
    data = png_bytes(width, height, 1, 3, rows, extra_chunks=[(b"PLTE", b"\x00\x00\x00\xff\xff\xff")])
    assert len(data) < 100_000
    path = tmp_path / "bomb.png"
    path.write_bytes(data)
    with pytest.raises(fs.FormatError, match="exceeds the limit of 178956970 pixels"):
        fs.read_image(str(path))


def test_jpeg_whose_header_claims_more_pixels_than_its_bytes_can_encode(tmp_path):
    # A real 16 x 16 JPEG from the engine's own reader tests is not at hand without PIL, so build the
    # smallest baseline JPEG by hand: SOI, DQT, SOF0 (gray), DHT (DC and AC), SOS, one block, EOI.
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    def sof(h, w):
        return b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, h, w, 1) + b"\x01\x11\x00"
    # DC table: one code of length 1 for category 0; AC table: one code of length 1 for EOB (0x00).
    dht = (b"\xff\xc4" + struct.pack(">H", 2 + 17 + 1) + b"\x00" + bytes([1] + [0] * 15) + b"\x00"
           + b"\xff\xc4" + struct.pack(">H", 2 + 17 + 1) + b"\x10" + bytes([1] + [0] * 15) + b"\x00")
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + b"\x00\x3f\x00"
    def jpeg(h, w, scan):
        return b"\xff\xd8" + dqt + sof(h, w) + dht + sos + scan + b"\xff\xd9"
    small = tmp_path / "small.jpg"
    small.write_bytes(jpeg(8, 8, b"\x00"))  # codes "0" (DC 0) and "0" (EOB), padded with 1 bits by libjpeg rules
    assert fs.read_image(str(small)).shape == (8, 8)
    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(jpeg(12000, 12000, b"\x00"))  # 144 Mpx from ~200 bytes
    with pytest.raises(fs.FormatError, match="more than .* bytes can encode"):
        fs.read_image(str(bomb))


def test_memory_that_cannot_be_had_is_a_memory_error_and_the_process_lives_on():
    # The input (1.6 GB, calloc: no pages touched) can be had, the activations (~70 GB) cannot.
    net = fs.Network("FCDD_CNN224_VGG_NOPT", in_shape=(3, 2048, 2048))
    x = np.zeros((32, 3, 2048, 2048), np.float32)
    with pytest.raises(MemoryError, match="cannot be allocated"):
        net.scores(x)
    with pytest.raises(fs.FCDDMemoryError):
        net.loss_and_grad(x, labels=np.zeros(32, np.float32))
    small = fs.Network("FCDD_CNN28", in_shape=(1, 28, 28))
    assert small.scores(np.zeros((2, 1, 28, 28), np.float32)).shape == (2,)


def test_a_network_input_over_the_pixel_limit_is_refused(restored_limits):
    fs.set_limits(max_image_pixels=100 * 100)
    with pytest.raises(fs.InvalidArgumentError, match="exceeds the limit"):
        fs.Network("FCDD_CNN224_VGG_NOPT", in_shape=(3, 128, 128))


def test_a_handle_of_the_wrong_kind_is_an_argument_error():
    lib = _lib.lib
    tensor_file = ctypes.c_void_p()
    assert lib.fcdd_tensor_file_create(ctypes.byref(tensor_file)) == 0
    assert lib.fcdd_network_set_training(tensor_file, 1) == 1  # FCDD_ERR_INVALID_ARGUMENT
    assert "tensor-file handle" in _lib.last_error() and "network handle" in _lib.last_error()
    lib.fcdd_network_free(tensor_file)  # ignored: not a network
    assert lib.fcdd_tensor_file_write(tensor_file, b"/nonexistent/dir/x.safetensors") == 4  # still alive: FCDD_ERR_IO
    lib.fcdd_tensor_file_free(tensor_file)


def test_tensor_file_shapes_that_overflow_are_refused():
    lib = _lib.lib
    f = ctypes.c_void_p()
    assert lib.fcdd_tensor_file_create(ctypes.byref(f)) == 0
    shape = (ctypes.c_int64 * 1)(1 << 62)
    assert lib.fcdd_tensor_file_add(f, b"t", b"F32", shape, 1, None, 0) == 1
    assert "too large" in _lib.last_error()
    lib.fcdd_tensor_file_free(f)


def test_png_write_refuses_sizes_before_reading_any_pixel():
    lib = _lib.lib
    pixels = (ctypes.c_uint8 * 4)()
    assert lib.fcdd_png_write(b"/tmp/never.png", pixels, 1 << 30, 1 << 30, 4) == 1
    assert "1000000" in _lib.last_error()


@pytest.mark.parametrize("bad", [0, 1025, -1, 1 << 40])
def test_thread_counts_are_refused_alike_everywhere(bad, tmp_path):
    with pytest.raises(fs.InvalidArgumentError, match="1024"):
        fs.set_num_threads(bad)
    with pytest.raises(fs.InvalidArgumentError, match="1024"):
        fs.FCDD(threads=bad).fit(np.zeros((4, 28, 28), np.uint8))
    if -(2 ** 31) <= bad < 2 ** 31:
        assert _lib.lib.fcdd_set_num_threads(bad) == 1
        assert "1024" in _lib.last_error()
    out = subprocess.run([sys.executable, "-m", "fcdd_swift", "train", "--threads", str(bad), "--print-config"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode != 0 and "1024" in out.stderr

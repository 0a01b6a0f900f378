"""fs.decode_image and fs.encode_png: images in memory through the engine's codecs, as the files are read."""
import numpy as np
import pytest

import fcdd_swift as fs


def test_decoding_bytes_equals_reading_the_file_png_and_jpeg(tmp_path, fixtures_dir):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (17, 23, 3), dtype=np.uint8)
    path = tmp_path / "a.png"
    fs.write_png(path, rgb)
    data = path.read_bytes()
    np.testing.assert_array_equal(fs.decode_image(data), fs.read_image(path))
    assert fs.encode_png(rgb) == data, "the same encoder as write_png"
    import glob
    jpegs = sorted(glob.glob(f"{fixtures_dir}/**/*.jpg", recursive=True)) + sorted(glob.glob(f"{fixtures_dir}/**/*.jpeg", recursive=True))
    assert jpegs
    readable = 0
    for jpeg in jpegs:      # the fixtures hold good and hostile JPEGs: bytes and files get the same answer
        with open(jpeg, "rb") as f:
            data = f.read()
        try:
            expected = fs.read_image(jpeg)
        except fs.FormatError as e:
            with pytest.raises(fs.FormatError) as got:
                fs.decode_image(data, source=jpeg)
            assert str(got.value) == str(e)
            continue
        np.testing.assert_array_equal(fs.decode_image(data), expected)
        readable += 1
    assert readable >= 1


def test_channels_are_converted_as_the_datasets_convert_them():
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]], np.uint8)
    gray = fs.decode_image(fs.encode_png(rgb), channels=1)
    # PIL's convert("L"): (R*19595 + G*38470 + B*7471 + 0x8000) >> 16
    r, g, b = (rgb[..., k].astype(np.int64) for k in range(3))
    expected = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16
    np.testing.assert_array_equal(gray, expected)
    back = fs.decode_image(fs.encode_png(gray), channels=3)
    assert back.shape == (1, 4, 3) and (back == gray[..., None]).all()


@pytest.mark.parametrize("data, words", [(b"", "empty file"), (b"GIF89a....", "not a PNG or JPEG image"),
                                         (b"\x89PNG\r\n\x1a\n" + bytes(40), "invalid PNG")])
def test_bad_bytes_are_a_format_error_naming_the_source(data, words):
    with pytest.raises(fs.FormatError, match=words) as e:
        fs.decode_image(data, source="upload.png")
    assert str(e.value).startswith("upload.png: ")


def test_bad_arguments_are_refused():
    with pytest.raises(fs.InvalidArgumentError, match="needs bytes"):
        fs.decode_image("not bytes")
    with pytest.raises(fs.InvalidArgumentError, match="channels must be None, 1 or 3"):
        fs.decode_image(fs.encode_png(np.zeros((2, 2), np.uint8)), channels=2)
    with pytest.raises(fs.InvalidArgumentError, match="needs uint8"):
        fs.encode_png(np.zeros((2, 2), np.float32))

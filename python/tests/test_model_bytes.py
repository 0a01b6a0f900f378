"""Models in memory: FCDD.to_bytes / from_bytes (fcdd_detector_to_bytes / _from_bytes), safetensors bytes
(fcdd_tensor_file_open_bytes) and ONNX export from memory (fcdd_model_export_description_bytes), so that
export, pickling and the server need no temporary files."""
import pickle
import tempfile

import numpy as np
import pytest

import fcdd_swift as fs
from fcdd_swift.safetensors import load_safetensors_bytes


@pytest.fixture(scope="module")
def fitted():
    X = np.random.default_rng(0).normal(128, 24, (48, 28, 28)).clip(0, 255).astype(np.uint8)
    det = fs.FCDD(epochs=1, seed=0, verbose=0).fit(X)
    det.calibrate_threshold(X)
    return det, X


def test_the_bytes_are_the_model_file(fitted, tmp_path):
    det, X = fitted
    det.save(tmp_path / "m.fcdd")
    data = det.to_bytes()
    assert data == (tmp_path / "m.fcdd").read_bytes()
    same = fs.FCDD.from_bytes(data, "sent.fcdd")
    np.testing.assert_array_equal(same.decision_function(X), det.decision_function(X))
    assert same.threshold_ == det.threshold_
    tensors, metadata = load_safetensors_bytes(data, with_metadata=True)
    on_disk, metadata2 = fs.load_safetensors(tmp_path / "m.fcdd", with_metadata=True)
    assert metadata == metadata2 and tensors.keys() == on_disk.keys()
    for k in tensors:
        np.testing.assert_array_equal(tensors[k], on_disk[k])


def test_bad_bytes_are_a_format_error_naming_their_source(fitted):
    det, _ = fitted
    for data, words in ((b"", "sent.fcdd"), (b"PK\x03\x04 zip", "sent.fcdd is not an fcdd-swift model file"),
                        (det.to_bytes()[:1000], "sent.fcdd")):
        with pytest.raises(fs.FormatError, match=words):
            fs.FCDD.from_bytes(data, "sent.fcdd")
    with pytest.raises(fs.InvalidArgumentError, match="needs bytes"):
        fs.FCDD.from_bytes("model.fcdd")


def test_pickling_and_onnx_export_use_no_temporary_files(fitted, tmp_path, monkeypatch):
    pytest.importorskip("onnx")
    det, X = fitted
    det.save(tmp_path / "m.fcdd")
    from fcdd_swift.deploy import export_onnx
    expected = export_onnx(str(tmp_path / "m.fcdd"), str(tmp_path / "from-file.onnx"))

    def no_temporary(*args, **kwargs):
        raise AssertionError("a temporary folder was made")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_temporary)
    monkeypatch.setattr(tempfile, "mkdtemp", no_temporary)
    again = pickle.loads(pickle.dumps(det))
    np.testing.assert_array_equal(again.decision_function(X), det.decision_function(X))
    det.export_onnx(tmp_path / "from-memory.onnx")
    assert (tmp_path / "from-memory.onnx").read_bytes() == open(expected, "rb").read()

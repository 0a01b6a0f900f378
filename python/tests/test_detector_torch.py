"""A model trained by fs.FCDD loads into the same network in PyTorch: the model file is safetensors with the
original's state_dict names, so `load_state_dict(strict=True)` takes it and the outputs agree. Runs only
where PyTorch is installed (never in CI)."""
import numpy as np
import pytest

import fcdd_swift as fs
from detector_data import FAST, textures

torch = pytest.importorskip("torch")


class TorchFCDDCNN28(torch.nn.Module):
    """FCDD_CNN28 as the original defines it (fcdd/models/fmnist_like.py, reference 2.2)."""

    def __init__(self, channels=1, widths=(8, 16)):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(channels, widths[0], 5, padding=2)
        self.bn2d1 = torch.nn.BatchNorm2d(widths[0], eps=1e-4)
        self.pool = torch.nn.MaxPool2d(2, 2)
        self.conv2 = torch.nn.Conv2d(widths[0], widths[1], 5, padding=2)
        self.conv_final = torch.nn.Conv2d(widths[1], 1, 1)

    def forward(self, x):
        x = self.pool(torch.nn.functional.leaky_relu(self.bn2d1(self.conv1(x))))
        return self.conv_final(self.pool(self.conv2(x)))


def test_a_trained_model_loads_into_pytorch(tmp_path):
    x, _ = textures(48)
    det = fs.FCDD(**FAST).fit(x)
    path = tmp_path / "model.fcdd"
    det.save(path)

    tensors = fs.load_safetensors(path)
    model = TorchFCDDCNN28()
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}, strict=True)
    model.eval()

    engine = fs.Network("FCDD_CNN28", in_shape=(1, 28, 28))
    engine.load(path)
    engine.eval()
    inputs = np.random.default_rng(0).standard_normal((4, 1, 28, 28)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(inputs)).numpy()
    np.testing.assert_allclose(engine.forward(inputs), expected, rtol=1e-4, atol=1e-5)

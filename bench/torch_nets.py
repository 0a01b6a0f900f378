"""The benchmarked networks in PyTorch, as the original code defines them (for bench.py and latency.py)."""


def torch_network(name, channels):
    import torch.nn as nn
    c = channels
    if name == "FCDD_CNN28":
        return nn.Sequential(
            nn.Conv2d(c, 8, 5, padding=2), nn.BatchNorm2d(8, eps=1e-4), nn.LeakyReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(8, 16, 5, padding=2), nn.MaxPool2d(2, 2), nn.Conv2d(16, 1, 1))
    if name == "FCDD_CNN28_W":
        return nn.Sequential(
            nn.Conv2d(c, 128, 5, padding=2), nn.BatchNorm2d(128, eps=1e-4), nn.LeakyReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(128, 128, 5, padding=2), nn.MaxPool2d(2, 2), nn.Conv2d(128, 1, 1))
    if name == "FCDD_CNN32_LW3K":
        return nn.Sequential(
            nn.Conv2d(c, 128, 3, padding=1), nn.BatchNorm2d(128, eps=1e-4), nn.LeakyReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(128, 256, 3, padding=1), nn.BatchNorm2d(256, eps=1e-4), nn.LeakyReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.BatchNorm2d(256, eps=1e-4), nn.LeakyReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(256, 128, 3, padding=1), nn.Conv2d(128, 1, 1))
    if name == "FCDD_CNN224_VGG_NOPT":
        layers = []
        for v in [64, "M", 128, "M", 256, 256, "M", 512, 512]:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c, v, 3, 1, 1), nn.BatchNorm2d(v), nn.ReLU(True)]
                c = v
        return nn.Sequential(*layers, nn.Conv2d(512, 1, 1))
    raise ValueError(f"no PyTorch definition of {name}")

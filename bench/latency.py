"""Latency of one 224x224 image from Python: anomaly score and heatmap (FCDD_CNN224_VGG_NOPT, eval mode;
the engine through fs.FCDD.score_and_map, i.e. with its preprocessing of a uint8 image) versus PyTorch (model forward, pseudo-Huber map, and the original's receptive upsampling, a
transposed convolution with the Gaussian kernel). Median of repeated calls. Used by bench.py."""
import time

REPEATS = 15


def median_seconds(fn):
    fn()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def engine(threads):
    import numpy as np
    import fcdd_swift as fs
    images = np.random.default_rng(0).integers(0, 256, (4, 224, 224, 3), dtype=np.uint8)
    # An untrained detector (epochs=0) has the network, preprocessing and heatmap path of a trained one.
    det = fs.FCDD(net="FCDD_CNN224_VGG_NOPT", epochs=0, gauss_std=12.0, threads=threads, verbose=0).fit(images)
    return median_seconds(lambda: det.score_and_map(images[:1]))


def torch(threads):
    import math
    import torch
    import torch.nn as nn
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    from torch_nets import torch_network
    net = torch_network("FCDD_CNN224_VGG_NOPT", 3).eval()
    # Receptive field of FCDD_CNN224_VGG_NOPT's output (j = 8, r = 62, s = 3.5) and the Gaussian of gauss_std 12.
    j, r, s, std = 8, 62, 3.5, 12.0
    half = [math.exp(-0.5 * ((i - (r - 2) / 2) / std) ** 2) for i in range(r - 1)]
    g = torch.tensor(half[: (r - 2) // 2 + 1] + half[(r - 2) // 2:]) / 2
    kernel = torch.outer(g, g)[None, None]
    x = torch.randn(1, 3, 224, 224)
    pad, n = (r - 1) // 2, 28
    out_pad = 224 - (n - 1) * j - 2

    def run():
        with torch.no_grad():
            a = ((net(x) ** 2 + 1).sqrt() - 1)
            a.mean()
            up = nn.functional.conv_transpose2d(a, kernel, stride=j, output_padding=out_pad)
            up[..., pad - int(s):pad - int(s) + 224, pad - int(s):pad - int(s) + 224]

    return median_seconds(run)

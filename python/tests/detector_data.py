"""Small synthetic image sets for the detector tests: noisy gray or colour textures as nominal images and
the same textures with a bright square (marked in the ground-truth mask) as anomalies."""
import numpy as np

FAST = dict(net="FCDD_CNN28", epochs=2, batch_size=16, verbose=0)


def textures(n, side=28, channels=1, anomalous=False, seed=0, height=None):
    rng = np.random.default_rng(seed)
    h = height or side
    x = (rng.random((n, h, side, channels)) * 60 + 100).astype(np.uint8)
    m = np.zeros((n, h, side), np.uint8)
    if anomalous:
        k = max(3, min(h, side) // 5)
        for i in range(n):
            r, c = rng.integers(0, h - k), rng.integers(0, side - k)
            x[i, r:r + k, c:c + k] = 250
            m[i, r:r + k, c:c + k] = 1
    return (x[..., 0] if channels == 1 else x), m


def labelled_set(n=24, side=28, channels=1, seed=1):
    """n nominal then n anomalous images, their labels and masks."""
    xn, mn = textures(n, side, channels, seed=seed)
    xa, ma = textures(n, side, channels, anomalous=True, seed=seed + 1)
    return np.concatenate([xn, xa]), np.r_[np.zeros(n, int), np.ones(n, int)], np.concatenate([mn, ma])

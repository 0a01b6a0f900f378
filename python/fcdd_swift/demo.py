"""A self-contained FCDD run on data generated here: no download, a minute on two CPU cores.

Nominal images are smooth random textures; anomalies are the same kind of texture with a bright
scratch or spot (with a ground-truth mask). FCDD_CNN28 is trained on nominal images against
artificial anomalies (random confetti squares), the low-level API way: `loss_and_grad` + `SGD.step`.
It then prints the image-level ROC AUC on held-out textures with real defects, and the pixel-level
AUC of the heatmaps against the defect masks.

    python3 -m fcdd_swift.demo [--epochs 8] [--seed 0]
"""
import argparse
import time

import numpy as np


def textures(rng, n, side=28):
    """Smooth random textures in [0, 1]: a few low-frequency sinusoids per image."""
    yy, xx = np.mgrid[0:side, 0:side] / side
    out = np.zeros((n, 1, side, side), np.float32)
    for i in range(n):
        img = np.zeros((side, side))
        for _ in range(3):
            fx, fy = rng.uniform(0.5, 2.5, 2)
            phase = rng.uniform(0, 2 * np.pi)
            img += np.sin(2 * np.pi * (fx * xx + fy * yy) + phase)
        out[i, 0] = 0.5 + 0.12 * img
    return np.clip(out, 0, 1)


def with_defects(rng, images):
    """Adds a bright scratch or spot to each image; returns images and ground-truth masks."""
    imgs, masks = images.copy(), np.zeros_like(images)
    side = images.shape[-1]
    for i in range(len(images)):
        if rng.random() < 0.5:  # scratch: a short bright line
            r = rng.integers(4, side - 4)
            c0 = rng.integers(2, side - 14)
            masks[i, 0, r:r + 2, c0:c0 + 12] = 1
        else:  # spot: a bright disc
            cy, cx = rng.integers(5, side - 5, 2)
            yy, xx = np.mgrid[0:side, 0:side]
            masks[i, 0][(yy - cy) ** 2 + (xx - cx) ** 2 <= 9] = 1
        imgs[i] = np.where(masks[i] > 0, 1.0, imgs[i])
    return imgs, masks


def confetti(rng, images):
    """Artificial anomalies for training: random bright and dark squares on nominal images."""
    out = images.copy()
    side = images.shape[-1]
    for i in range(len(out)):
        for _ in range(rng.integers(2, 6)):
            s = rng.integers(2, 6)
            y, x = rng.integers(0, side - s, 2)
            out[i, 0, y:y + s, x:x + s] = rng.choice([0.0, 1.0])
    return out


def auc(labels, scores):
    """ROC AUC by the rank-sum formula with tied ranks averaged."""
    labels, scores = np.asarray(labels), np.asarray(scores, np.float64)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = labels == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return (ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    import fcdd_swift as fs
    info = fs.info()
    print(f"fcdd-swift {fs.__version__}: OpenBLAS core {info['blas_core']}, {info['threads']} threads")
    rng = np.random.default_rng(args.seed)
    train = textures(rng, 1024)
    test_nominal = textures(rng, 200)
    test_anomalous, masks = with_defects(rng, textures(rng, 200))

    net = fs.Network("FCDD_CNN28_W", in_shape=(1, 28, 28), seed=args.seed)
    opt = fs.optim.SGD(net, lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-6)
    opt.set_schedule("lambda", gamma=0.98)
    batch = 128
    for epoch in range(args.epochs):
        start, losses = time.perf_counter(), []
        for b in np.split(rng.permutation(len(train)), len(train) // batch):
            x = train[b].copy()
            labels = (rng.random(len(b)) < 0.5).astype(np.float32)  # half become artificial anomalies
            x[labels == 1] = confetti(rng, x[labels == 1])
            loss, _ = net.loss_and_grad(x, labels=labels, gauss_std=1.2)
            opt.step()
            losses.append(loss)
        opt.schedule_step()
        seconds = time.perf_counter() - start
        print(f"epoch {epoch + 1:2d}/{args.epochs}  loss {np.mean(losses):.4f}  {len(train) / seconds:,.0f} images/s")

    x_test = np.concatenate([test_nominal, test_anomalous])
    y_test = np.r_[np.zeros(len(test_nominal)), np.ones(len(test_anomalous))]
    scores = net.scores(x_test)
    maps = net.heatmaps(test_anomalous, gauss_std=1.2)
    print(f"image-level ROC AUC (defects vs. nominal textures): {auc(y_test, scores):.3f}")
    print(f"pixel-level ROC AUC of the heatmaps on the defects:  {auc(masks.ravel(), maps.ravel()):.3f}")


if __name__ == "__main__":
    main()

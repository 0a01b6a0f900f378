#!/usr/bin/env python3
"""How FCDD does with each kind of supervision, on the handwritten digits that scikit-learn ships (8x8
gray, 1797 images; no download): one-vs-rest, each digit in turn the nominal class, trained on 70% of its
images and tested on the other 30% against 30% of every other digit (anomalies).

    synthetic only   fit(X_nominal): confetti noise drawn on the nominal images (the default)
    outlier images   fit(X_nominal) with oe_data = the other digits' training images
    known anomalies  fit(X, y) with 2 labelled training images of every other digit
    PCA baseline     30-component PCA reconstruction error (scikit-learn), for scale

Prints a table of image AUROC per digit and the mean (docs/detector.md carries it).

    python3 bench/supervision.py                  # digits 0-9, 40 epochs
    python3 bench/supervision.py --digits 0 1 2 --epochs 20
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import fcdd_swift as fs  # noqa: E402


def split(images, labels, nominal, rng):
    train, test = [], []
    for d in range(10):
        idx = rng.permutation(np.nonzero(labels == d)[0])
        cut = int(0.7 * len(idx))
        train.append(idx[:cut]); test.append(idx[cut:])
    train_nominal = train[nominal]
    train_other = np.concatenate([train[d] for d in range(10) if d != nominal])
    known = np.concatenate([train[d][:2] for d in range(10) if d != nominal])
    test_idx = np.concatenate(test)
    return train_nominal, train_other, known, test_idx, (labels[test_idx] != nominal).astype(int)


def auroc(y, scores):
    from sklearn.metrics import roc_auc_score
    return roc_auc_score(y, scores)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--digits", type=int, nargs="+", default=list(range(10)))
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA

    digits = load_digits()
    images = np.round(digits.images * (255 / 16)).astype(np.uint8)   # 0..16 -> 0..255
    labels = digits.target
    common = dict(epochs=args.epochs, seed=args.seed, verbose=0)
    rows = []
    for d in args.digits:
        rng = np.random.default_rng(args.seed + d)
        nominal, other, known, test, y = split(images, labels, d, rng)
        X_test = images[test]
        synthetic = fs.FCDD(**common).fit(images[nominal])
        outliers = fs.FCDD(**common, oe_data=images[other]).fit(images[nominal])
        X_semi = np.concatenate([images[nominal], images[known]])
        y_semi = np.r_[np.zeros(len(nominal), int), np.ones(len(known), int)]
        semi = fs.FCDD(**common).fit(X_semi, y_semi)
        flat = images.reshape(len(images), -1).astype(np.float64) / 255
        pca = PCA(n_components=30, random_state=args.seed).fit(flat[nominal])
        error = ((flat[test] - pca.inverse_transform(pca.transform(flat[test]))) ** 2).sum(1)
        row = [d, auroc(y, synthetic.decision_function(X_test)), auroc(y, outliers.decision_function(X_test)),
               auroc(y, semi.decision_function(X_test)), auroc(y, error)]
        rows.append(row)
        print(f"digit {d}: " + "  ".join(f"{v:.3f}" for v in row[1:]), file=sys.stderr, flush=True)
    mean = np.mean([r[1:] for r in rows], axis=0)
    print(f"\nscikit-learn digits, one-vs-rest, {args.epochs} epochs, image AUROC on the held-out 30%:\n")
    print("| nominal digit | synthetic only (confetti) | outlier images (oe_data) | 2 known anomalies per other digit | PCA baseline |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | " + " | ".join(f"{v:.3f}" for v in r[1:]) + " |")
    print("| mean | " + " | ".join(f"{v:.3f}" for v in mean) + " |")


if __name__ == "__main__":
    main()

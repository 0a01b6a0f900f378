#!/usr/bin/env python3
"""Writes a small set of "parts" in MVTec-AD's folder layout, for docs/decisions.md: gray 32x32 surfaces (a
soft gradient with fine grain) as good parts, and defective ones with a bright spot or a dark scratch, with their
ground-truth masks.

    python3 examples/make_parts.py parts      # parts/train/good, parts/test/{good,spot,scratch},
                                              # parts/ground_truth/{spot,scratch}/<name>_mask.png
"""
import argparse
import os
import sys

import numpy as np


def surface(rng, side):
    y, x = np.mgrid[0:side, 0:side] / side
    angle = rng.uniform(0, np.pi)
    base = 120 + 40 * (np.cos(angle) * x + np.sin(angle) * y) + rng.normal(0, 6, (side, side))
    return base


def spot(rng, image):
    side = image.shape[0]
    r = rng.uniform(5.5, 7.5)
    cy, cx = rng.uniform(r + 1, side - r - 1, 2)
    y, x = np.mgrid[0:side, 0:side]
    mask = (y - cy) ** 2 + (x - cx) ** 2 <= r * r
    image[mask] = 245
    return mask


def scratch(rng, image):
    side = image.shape[0]
    length = rng.uniform(side * 0.35, side * 0.6)
    angle = rng.uniform(0, np.pi)
    cy, cx = rng.uniform(side * 0.3, side * 0.7, 2)
    t = np.linspace(-length / 2, length / 2, int(length * 3))
    mask = np.zeros(image.shape, bool)
    for dy in (-2, -1, 0, 1, 2):
        ys = np.clip(np.round(cy + t * np.sin(angle)) + dy, 0, side - 1).astype(int)
        xs = np.clip(np.round(cx + t * np.cos(angle)), 0, side - 1).astype(int)
        mask[ys, xs] = True
    image[mask] = 20
    return mask


def write(folder, name, image):
    import fcdd_swift as fs
    os.makedirs(folder, exist_ok=True)
    fs.write_png(os.path.join(folder, name), np.clip(image, 0, 255).astype(np.uint8))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder")
    p.add_argument("--side", type=int, default=32)
    p.add_argument("--train", type=int, default=200, help="good training parts (default: %(default)s)")
    p.add_argument("--test", type=int, default=40, help="good test parts, and as many defective ones (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if os.path.exists(args.folder) and os.listdir(args.folder):
        sys.exit(f"{args.folder} already holds files; choose an empty or new folder")
    rng = np.random.default_rng(args.seed)
    for i in range(args.train):
        write(os.path.join(args.folder, "train", "good"), f"{i:03d}.png", surface(rng, args.side))
    for i in range(args.test):
        write(os.path.join(args.folder, "test", "good"), f"{i:03d}.png", surface(rng, args.side))
    for kind, draw in (("spot", spot), ("scratch", scratch)):
        for i in range(args.test // 2):
            image = surface(rng, args.side)
            mask = draw(rng, image)
            write(os.path.join(args.folder, "test", kind), f"{i:03d}.png", image)
            write(os.path.join(args.folder, "ground_truth", kind), f"{i:03d}_mask.png", mask.astype(np.uint8) * 255)
    print(f"wrote {args.train} good training parts, {args.test} good and {args.test // 2 * 2} defective test parts "
          f"(with masks) to {args.folder}/")


if __name__ == "__main__":
    main()

"""Peak memory of an MVTec-AD-sized run, for docs/speed.md (the original needs 33-38 GB).

Writes an MVTec-AD tree in the official layout with full-resolution images (1024x1024 and 700x700, smooth
textures with defects and masks; 15 classes, few images each, since only the sizes matter for memory),
then runs `fcdd-swift train -d mvtec` with the MVTec runner's batch settings (batch 16, 8 accumulated
batches = 128 images per step, network FCDD_CNN224_VGG_NOPT or --net) for one epoch and reports the peak
resident memory of the process (ru_maxrss of the child).

    python3 bench/mvtec_memory.py --root /tmp/mvtec-bench [--net FCDD_CNN224_VGG_NOPT] [--train 20]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

CLASSES = ["bottle", "cable", "capsule", "carpet", "grid", "hazelnut", "leather", "metal_nut", "pill", "screw",
           "tile", "toothbrush", "transistor", "wood", "zipper"]


def texture(rng, side, gray):
    yy, xx = np.mgrid[0:side, 0:side] / side
    img = sum(np.sin(2 * np.pi * (rng.uniform(1, 6) * xx + rng.uniform(1, 6) * yy) + rng.uniform(0, 6)) for _ in range(3))
    img = (0.5 + 0.12 * img)[..., None] * (np.ones(3) if gray else rng.uniform(0.6, 1.0, 3))
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def write_tree(fs, root, train_count, rng):
    for ci, name in enumerate(CLASSES):
        side = 700 if ci % 3 == 2 else 1024
        gray = name in ("grid", "screw", "zipper")
        base = os.path.join(root, "mvtec", name)
        for i in range(train_count):
            d = os.path.join(base, "train", "good")
            os.makedirs(d, exist_ok=True)
            fs.write_png(os.path.join(d, f"{i:03d}.png"), texture(rng, side, gray))
        for defect, count in [("good", 6), ("crack", 4), ("contamination", 4)]:
            d = os.path.join(base, "test", defect)
            os.makedirs(d, exist_ok=True)
            for i in range(count):
                img = texture(rng, side, gray)
                if defect != "good":
                    mask = np.zeros((side, side), np.uint8)
                    y, x = rng.integers(100, side - 200, 2)
                    mask[y:y + 80, x:x + 120] = 255
                    img[mask > 0] = 30
                    md = os.path.join(base, "ground_truth", defect)
                    os.makedirs(md, exist_ok=True)
                    fs.write_png(os.path.join(md, f"{i:03d}_mask.png"), mask)
                fs.write_png(os.path.join(d, f"{i:03d}.png"), img)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", default="/tmp/fcdd-mvtec-bench")
    p.add_argument("--net", default="FCDD_CNN224_VGG_NOPT")
    p.add_argument("--train", type=int, default=20, help="training images per class (default 20)")
    p.add_argument("--class", type=int, default=0, dest="cls")
    args = p.parse_args()

    import fcdd_swift as fs
    if not os.path.isdir(os.path.join(args.root, "mvtec")):
        start = time.time()
        write_tree(fs, args.root, args.train, np.random.default_rng(0))
        print(f"wrote the MVTec-AD tree in {time.time() - start:.0f} s", flush=True)
    cmd = [sys.executable, "-m", "fcdd_swift", "train", "-d", "mvtec", "--datadir", args.root, "-n", args.net,
           "--cls-restrictions", str(args.cls), "-e", "1", "--it", "1", "--logdir", os.path.join(args.root, "results")]
    print(" ".join(cmd), flush=True)
    start = time.time()
    subprocess.run(cmd, check=True)
    seconds = time.time() - start
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {"net": args.net, "batch": "16 x 8 accumulated = 128", "train_images_per_class": args.train,
              "seconds": round(seconds, 1), "peak_rss_mib": round(peak_mib)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()

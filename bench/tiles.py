#!/usr/bin/env python3
"""Tiled vs resized on large inspection images: generated surfaces of --side x --side pixels (a textured
background that varies per image) with small defects of 4-16 pixels and their masks. The same network is
trained two ways and tested on the same images:

  resized  fs.FCDD as without tiles, at the network's size (224 for images larger than 256 pixels), so a
           6-pixel defect on 2048 pixels becomes less than one pixel. The training images are resized
           here, before fit, as a user of this path would (PIL's antialiased bilinear, the resize the
           detector applies itself, written in numpy below): fit on full-resolution images would draw
           the synthetic anomalies on every training image at its stored size and resize it, every
           epoch, which at 2048 pixels takes longer than all the rest. The test images stay at full
           resolution: the detector resizes them to its fitted size and returns heatmaps at their own size;
  tiled    fs.FCDD(tile_size=T): trained on random T x T tiles of the full-resolution training images,
           every tile of a test image scored and the maps stitched at full resolution.

Both modes are tested on the same full-resolution images, pixel AUROC and AUPRO against the
full-resolution masks. Both get the same training compute: the resized detector runs as many epochs as it
takes to see as many input pixels as the tiled one (batches of 64, no accumulation, the profile's other
defaults). Each mode runs in a child process, which reports image AUROC, pixel AUROC, AUPRO (FPR up to
0.3), training seconds (fit only, not the resize before it), seconds per test image and its peak resident
memory. Then a tiled detector scores one --memory-side x --memory-side image (10,000 by default) in a
child of its own, and the peak memory is set against the image and its map.

    python3 bench/tiles.py                         # 2048 px, 6 training and 16 test images
    python3 bench/tiles.py --side 1024 --epochs 4  # quicker
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def surfaces(n, side, seed, defects=False):
    """Gray surfaces: brushed texture (sinusoids at random angles and phases) plus noise; with `defects`
    one defect each, a bright or dark square or a thin scratch of 4-16 pixels, marked in the mask."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    images = np.empty((n, side, side), np.uint8)
    masks = np.zeros((n, side, side), np.uint8)
    for i in range(n):
        angle, phase = rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi, 2)
        u = xx * np.cos(angle) + yy * np.sin(angle)
        texture = 128 + 18 * np.sin(u / 3.1 + phase[0]) + 10 * np.sin(u / 17.3 + phase[1])
        texture += rng.normal(0, 6, (side, side)).astype(np.float32)
        if defects:
            size = int(rng.integers(4, 17))
            r, c = rng.integers(size, side - 2 * size, 2)
            if rng.random() < 0.5:
                masks[i, r:r + size, c:c + size] = 1                       # a spot
            else:
                length = 3 * size
                for k in range(length):                                    # a scratch, 2 px wide
                    masks[i, r + k // 3, c + k:c + k + 2] = 1
            texture[masks[i] == 1] += 70 if rng.random() < 0.5 else -70
        images[i] = np.clip(texture, 0, 255).astype(np.uint8)
    return images, masks


def input_side(side):
    """The detector's network side for square side x side images (Detector.inputSide for FCDD's fully
    convolutional networks): their own side up to 256 pixels, else 224."""
    return side if side <= 256 else 224


def resize_bilinear(images, side):
    """(N, H, W) uint8 images resized to side x side with PIL's antialiased bilinear filter (a triangle
    whose support grows with the downscale factor; libImaging/Resample.c, as the engine's ImageResize.swift
    does): a horizontal pass rounded to uint8, then a vertical one. Float weights instead of PIL's 22-bit
    fixed point, so a pixel may differ from PIL's by one gray level."""
    def weights(n_in, n_out):
        scale = n_in / n_out
        support = max(scale, 1.0)
        w = np.zeros((n_out, n_in))
        for o in range(n_out):
            center = (o + 0.5) * scale
            lo, hi = max(int(center - support + 0.5), 0), min(int(center + support + 0.5), n_in)
            t = np.abs((np.arange(lo, hi) - center + 0.5) / support)
            k = np.where(t < 1, 1 - t, 0)
            w[o, lo:hi] = k / k.sum()
        return w
    n, h, w = images.shape
    across, down = weights(w, side), weights(h, side)
    out = np.empty((n, side, side), np.uint8)
    for i, image in enumerate(images):
        rows = np.clip(np.floor(image.astype(np.float64) @ across.T + 0.5), 0, 255)   # (h, side), as uint8
        out[i] = np.clip(np.floor(down @ rows + 0.5), 0, 255)
    return out


def run_mode(args):
    import fcdd_swift as fs
    train, _ = surfaces(args.train, args.side, seed=1)
    good, good_masks = surfaces(args.test // 2, args.side, seed=2)
    bad, bad_masks = surfaces(args.test - args.test // 2, args.side, seed=3, defects=True)
    test = np.concatenate([good, bad])
    masks = np.concatenate([good_masks, bad_masks])
    labels = np.r_[np.zeros(len(good), int), np.ones(len(bad), int)]
    per_axis = len(range(0, args.side - args.tile, args.stride)) + 1 if args.side > args.tile else 1
    # The same training compute: the resized detector sees as many input pixels as the tiled one (its
    # images are resized to the network's side, 224 x 224 for large images).
    side = input_side(args.side)
    resized_epochs = max(1, round(args.epochs * per_axis ** 2 * args.tile ** 2 / side ** 2))
    common = dict(net=args.net, batch_size=64, acc_batches=1, seed=0, verbose=0, preproc=args.preproc)
    if args.mode == "tiled":
        det = fs.FCDD(**common, epochs=args.epochs, tile_size=args.tile, tile_stride=args.stride)
    else:
        det = fs.FCDD(**common, epochs=resized_epochs)
        train = resize_bilinear(train, side) if side != args.side else train   # the test images stay as they are
    started = time.perf_counter()
    det.fit(train)
    trained = time.perf_counter() - started
    started = time.perf_counter()
    metrics = det.evaluate(test, labels, gtmaps=masks)
    per_image = (time.perf_counter() - started) / len(test)
    print(json.dumps({"mode": args.mode, "image_auroc": metrics["image_auroc"], "pixel_auroc": metrics["pixel_auroc"],
                      "aupro": metrics["aupro"], "train_seconds": trained, "seconds_per_image": per_image,
                      "peak_mb": peak_rss_mb(), "epochs": det.n_epochs_}))


def run_memory(args):
    import fcdd_swift as fs
    small, _ = surfaces(4, 256, seed=5)
    det = fs.FCDD(net=args.net, epochs=1, batch_size=64, seed=0, verbose=0, preproc=args.preproc,
                  tile_size=args.tile, tile_stride=args.stride).fit(small)
    rng = np.random.default_rng(0)
    side = args.memory_side
    image = rng.integers(100, 156, (1, side, side), dtype=np.uint8)   # made as uint8: no float copy in the peak
    before = peak_rss_mb()
    started = time.perf_counter()
    scores, maps = det.score_and_map(image)
    seconds = time.perf_counter() - started
    print(json.dumps({"side": side, "image_mb": image.nbytes / 2 ** 20, "map_mb": maps.nbytes / 2 ** 20,
                      "peak_before_mb": before, "peak_mb": peak_rss_mb(), "seconds": seconds}))


def child(args, mode):
    command = [sys.executable, os.path.abspath(__file__), "--child", mode] + [
        f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items() if k not in ("child",)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{mode} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--side", type=int, default=2048)
    p.add_argument("--train", type=int, default=6)
    p.add_argument("--test", type=int, default=16)
    p.add_argument("--epochs", type=int, default=6, help="epochs of the tiled detector")
    p.add_argument("--tile", type=int, default=64)
    p.add_argument("--stride", type=int, default=64)
    p.add_argument("--net", default="FCDD_CNN28")
    p.add_argument("--preproc", default="aug1")
    p.add_argument("--memory-side", type=int, default=10_000)
    p.add_argument("--child", choices=["resized", "tiled", "memory"], help=argparse.SUPPRESS)
    p.add_argument("--mode", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child in ("resized", "tiled"):
        args.mode = args.child
        return run_mode(args)
    if args.child == "memory":
        return run_memory(args)
    rows = [child(args, mode) for mode in ("resized", "tiled")]
    print(f"{args.train} training and {args.test} test images of {args.side}x{args.side} (half with a 4-16 px "
          f"defect), {args.net}, preproc {args.preproc}, batch 64; tiles {args.tile} every {args.stride} px; "
          f"the same training pixels for both\n")
    print("| mode | epochs | image AUROC | pixel AUROC | AUPRO | training s | s per test image | peak memory MB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['mode']} | {r['epochs']} | {r['image_auroc']:.3f} | {r['pixel_auroc']:.3f} | {r['aupro']:.3f} | "
              f"{r['train_seconds']:.0f} | {r['seconds_per_image']:.2f} | {r['peak_mb']:.0f} |")
    m = child(args, "memory")
    print(f"\none {m['side']}x{m['side']} gray image scored on tiles in {m['seconds']:.1f} s: image {m['image_mb']:.0f} MB, "
          f"map {m['map_mb']:.0f} MB, peak resident memory {m['peak_before_mb']:.0f} MB before and {m['peak_mb']:.0f} MB "
          f"after (growth {m['peak_mb'] - m['peak_before_mb']:.0f} MB)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Where the detector's time goes per scoring call: a sampling profile of `score_and_map` per network,
batch and thread count, summed into the parts of a call.

Each case runs in a child process under py-spy (`pip install py-spy`; a development tool, never needed
by CI): `py-spy record --native` samples the calling thread's native and Python stack while the child
calls `fs.FCDD.score_and_map` on the same images over and over. Every sample goes to the first part, from
the innermost frame outwards, whose name it matches (the matrix products of OpenBLAS, the Winograd
transforms, the first layer's direct convolution, ...); the engine's other frames only when no part
matches. Helper threads are not sampled: their work shows
as the caller's wait at the joins.

    python3 bench/inference_profile.py                       # every network, batch 1 and N, 1 thread
    python3 bench/inference_profile.py --threads 2 --nets FCDD_CNN32_LW3K
    python3 bench/inference_profile.py --rate-only --threads 2     # the loop's images/s, no profiler

Prints a Markdown table: per case the share of samples per part, in percent (with --rate-only the
images/s of the same loop, the quick before-and-after check of one change).
"""
import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
NETWORKS = {"FCDD_CNN28_W": ((28, 28), 64), "FCDD_CNN32_LW3K": ((32, 32, 3), 64),
            "FCDD_CNN224_VGG_NOPT": ((224, 224, 3), 16)}

# (part, substrings of a frame name); the first part a frame matches, innermost frame first, wins.
PARTS = [
    ("waiting at joins", ["WorkerPool", "pthread_cond_wait"]),
    ("matrix products", ["sgemm", "sgemv", "cblas_"]),
    ("Winograd transforms", ["Winograd"]),
    ("first convolution (direct)", ["ThinConvolution"]),
    ("im2col", ["im2col", "unfold"]),
    ("max pool", ["MaxPool", "pool2x2"]),
    ("BatchNorm and activation", ["BatchNorm", "normalizeChannel", "LeakyReLU", "ReLU"]),
    ("preprocessing", ["ItemPipeline", "ArrayImageSource", "RawImage"]),
    ("heatmaps and scores", ["ReceptiveUpsampling", "MapResize", "pseudoHuber", "Losses"]),
    ("rest of the engine", ["FCDDCore", "FCDDKernels", "CBridge"]),
]

CHILD = """
import os, sys, time
sys.path.insert(0, {python!r})
import numpy as np
import fcdd_swift as fs
shape, batch, threads, seconds = {shape!r}, {batch}, {threads}, {seconds}
X = np.random.default_rng(0).integers(0, 256, (max(batch, 2),) + shape, dtype=np.uint8)
det = fs.FCDD(net={net!r}, epochs=0, seed=0, verbose=0).fit(X)
det.set_params(threads=threads)
x = X[:batch]
for _ in range(10):
    det.score_and_map(x)
start, calls = time.perf_counter(), 0
while time.perf_counter() - start < seconds:
    det.score_and_map(x)
    calls += 1
print(calls * batch / (time.perf_counter() - start))
"""


def part_of(frames):
    """The part of one sample: the first specific part from the innermost frame outwards (a vector load
    inlined into a transform names the load first, then the transform), else the engine's rest."""
    for needles_of in (PARTS[:-1], PARTS[-1:]):
        for frame in reversed(frames):
            for part, needles in needles_of:
                if any(n in frame for n in needles):
                    return part
    return None


def child_script(net, batch, threads, seconds, folder):
    shape, _ = NETWORKS[net]
    script = os.path.join(folder, "child.py")
    with open(script, "w") as f:
        f.write(CHILD.format(python=os.path.join(HERE, "..", "python"), shape=shape, batch=batch,
                             threads=threads, seconds=seconds, net=net))
    return script


def rate(net, batch, threads, seconds, folder):
    """Images/s of the scoring loop of one case, without the profiler."""
    done = subprocess.run([sys.executable, child_script(net, batch, threads, seconds, folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return float(done.stdout.strip().splitlines()[-1])


def profile(net, batch, threads, seconds, folder):
    """Share of samples per part (percent) of the scoring calls of one case."""
    script = child_script(net, batch, threads, seconds, folder)
    raw = os.path.join(folder, "samples.txt")
    done = subprocess.run(["py-spy", "record", "--native", "-r", "250", "-f", "raw", "-o", raw, "--",
                           sys.executable, script], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    counts, total = collections.Counter(), 0
    with open(raw) as f:
        for line in f:
            stack, _, n = line.rstrip().rpartition(" ")
            frames = [frame.split(" (")[0] for frame in stack.split(";")]
            if not any("score_and_map" in frame for frame in frames):
                continue   # start-up, fitting and the warm-up calls
            n = int(n)
            total += n
            counts[part_of(frames) or "Python and ctypes"] += n
    return {part: 100 * n / max(total, 1) for part, n in counts.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, nargs="+", default=[1])
    p.add_argument("--nets", nargs="+", default=list(NETWORKS), choices=list(NETWORKS))
    p.add_argument("--seconds", type=float, default=6.0, help="length of the profiled loop per case")
    p.add_argument("--rate-only", action="store_true", help="the loop's images/s per case, without py-spy")
    args = p.parse_args()
    if args.rate_only:
        print("| network | threads | batch | images/s |\n|---|---|---|---|")
        with tempfile.TemporaryDirectory() as folder:
            for net in args.nets:
                for threads in args.threads:
                    for batch in (1, NETWORKS[net][1]):
                        print(f"| {net} | {threads} | {batch} | {rate(net, batch, threads, args.seconds, folder):,.1f} |")
        return
    if shutil.which("py-spy") is None:
        raise SystemExit("py-spy is not installed: pip install py-spy")
    names = [part for part, _ in PARTS] + ["Python and ctypes"]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for net in args.nets:
            for threads in args.threads:
                for batch in (1, NETWORKS[net][1]):
                    rows.append((net, threads, batch, profile(net, batch, threads, args.seconds, folder)))
    print("| network | threads | batch | " + " | ".join(names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    for net, threads, batch, shares in rows:
        print(f"| {net} | {threads} | {batch} | " + " | ".join(f"{shares.get(n, 0):.0f}" for n in names) + " |")
    print("\npercent of the samples of the calling thread during score_and_map calls (py-spy --native)")


if __name__ == "__main__":
    main()

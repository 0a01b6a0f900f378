#!/usr/bin/env python3
"""Does the complete example of docs/detector.md use the cores it is given? Trains its detector (500 gray 32x32
textures, FCDD_CNN28_W, at the example's batch of 32 and LCN preprocessing; --batch-size 128 --preproc
lcnaug1 for the runner's) for a few epochs with 1 thread and with N threads, alternating, and
prints per epoch the wall time and the process's CPU time: with N threads working, CPU time per epoch is
about N x wall time and the epoch about N x faster. The inference calls (decision_function, evaluate with
masks, anomaly_map on the 200 test images) are timed the same way.

    python3 bench/threads.py                 # 1 vs 2 threads, 4 epochs, 2 rounds
    python3 bench/threads.py --threads 4 --rounds 3
"""
import argparse
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import fcdd_swift as fs  # noqa: E402


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(call):
    wall, cpu = time.perf_counter(), cpu_seconds()
    call()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def data():
    rng = np.random.default_rng(0)
    train = rng.normal(128, 24, (500, 32, 32)).clip(0, 255).astype(np.uint8)
    test = rng.normal(128, 24, (200, 32, 32)).clip(0, 255).astype(np.uint8)
    labels = np.r_[np.zeros(100, int), np.ones(100, int)]
    masks = np.zeros(test.shape, np.uint8)
    masks[100:, 10:12, 8:14] = 1
    test[100:, 10:12, 8:14] = 255
    return train, test, labels, masks


def measure(threads, epochs, settings, train, test, labels, masks):
    """Seconds (wall, CPU) of training per epoch and of the inference calls, with `threads` threads."""
    fs.set_num_threads(threads)
    det = fs.FCDD(epochs=epochs, seed=0, threads=threads, verbose=0, **settings)
    fit_wall, fit_cpu = timed(lambda: det.fit(train))
    infer = timed(lambda: (det.decision_function(test), det.evaluate(test, labels, gtmaps=masks), det.anomaly_map(test)))
    return (fit_wall / epochs, fit_cpu / epochs), infer


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2, help="the thread count compared with 1 (default 2)")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32, help="the example's (default 32)")
    p.add_argument("--preproc", default="lcn", help="the example's (default lcn)")
    args = p.parse_args()
    settings = {"batch_size": args.batch_size, "preproc": args.preproc}
    arrays = data()
    rows = {1: [], args.threads: []}
    for _ in range(args.rounds):
        for n in (1, args.threads):
            rows[n].append(measure(n, args.epochs, settings, *arrays))
    print(f"| threads | epoch wall s | epoch CPU s | CPU / wall | inference wall s | inference CPU s |")
    print("|---|---|---|---|---|---|")
    median = {}
    for n, runs in rows.items():
        (ew, ec), (iw, ic) = [tuple(float(np.median([r[k][j] for r in runs])) for j in (0, 1)) for k in (0, 1)]
        median[n] = (ew, iw)
        print(f"| {n} | {ew:.2f} | {ec:.2f} | {ec / ew:.2f} | {iw:.2f} | {ic:.2f} |")
    one, many = median[1], median[args.threads]
    print(f"\n{args.threads} threads vs 1: training {one[0] / many[0]:.2f}x faster, inference {one[1] / many[1]:.2f}x "
          f"(medians of {args.rounds} rounds; batch {args.batch_size}, {args.preproc}; cores here: {os.cpu_count()})")


if __name__ == "__main__":
    main()

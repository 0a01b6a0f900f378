#!/usr/bin/env python3
"""Benchmark of a grid of runs: serially in one process with all cores as engine threads, against a local
Ray with one 1-CPU task per run (as many runs side by side as there are cores).

The grid is the synthetic dataset, 3 classes x 2 repetitions, once with its default network (FCDD_CNN32_S)
and once with FCDD_CNN32_LW3K (the CIFAR-10 network, on the same 32 x 32 images). Each measurement runs in
its own subprocess; the two modes take turns round after round, because timings on shared machines drift.
Reported: wall time of the whole grid (for Ray including starting it), training images per second over
the wall time, the Ray / serial speed ratio per round, and the mean seconds of one epoch of one run in each
mode (how far one run scales from 1 thread to all cores).

    python3 bench/grid.py                       # 2 rounds, all cores
    python3 bench/grid.py --rounds 3 --cpus 2
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

WORKLOADS = [  # (label, network, epochs)
    ("synthetic default", "FCDD_CNN32_S", 6),
    ("CIFAR-10 sized", "FCDD_CNN32_LW3K", 2),
]


def grid_settings(net, epochs, logdir, threads):
    return {"dataset": "synthetic", "net": net, "epochs": epochs, "classes": [0, 1, 2], "it": 2,
            "logdir": logdir, "threads": threads}


def run_histories(directory):
    """(training images, [seconds of every epoch]) over all runs below `directory`."""
    images, epochs = 0, []
    for root, _dirs, files in os.walk(directory):
        if "history.json" in files and "result.json" in files:
            with open(os.path.join(root, "history.json")) as f:
                h = json.load(f)
            images += sum(h["images"])
            epochs += h["seconds"]
    return images, epochs


def measure(mode, net, epochs, cpus):
    """One grid in this process; prints its figures as JSON."""
    from fcdd_swift.grid import run_grid
    from fcdd_swift.grid import on_ray
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as quiet:
        logdir = os.path.join(tmp, "grid")
        start = time.perf_counter()
        ray_start = 0.0
        if mode == "serial":
            outcome = run_grid(grid_settings(net, epochs, logdir, cpus), stream=quiet)
        else:
            on_ray.start(None, cpus)
            ray_start = time.perf_counter() - start
            outcome = run_grid(grid_settings(net, epochs, logdir, None), ray=True, cpus_per_run=1, stream=quiet)
            import ray
            ray.shutdown()
        wall = time.perf_counter() - start
        assert not outcome.failures, outcome.failures
        images, epoch_seconds = run_histories(logdir)
    print(json.dumps({"wall": wall, "ray_start": ray_start, "images": images,
                      "epoch_seconds": statistics.mean(epoch_seconds)}))


def measure_in_subprocess(mode, net, epochs, cpus):
    out = subprocess.run([sys.executable, __file__, "--measure", mode, "--net", net, "--epochs", str(epochs),
                          "--cpus", str(cpus)], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--cpus", type=int, default=os.cpu_count())
    p.add_argument("--measure", choices=["serial", "ray"], help=argparse.SUPPRESS)
    p.add_argument("--net", help=argparse.SUPPRESS)
    p.add_argument("--epochs", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.measure:
        measure(args.measure, args.net, args.epochs, args.cpus)
        return
    print(f"grid benchmark: {args.cpus} CPUs, {args.rounds} rounds; synthetic, 3 classes x 2 repetitions", flush=True)
    rows = []
    for label, net, epochs in WORKLOADS:
        found = {"serial": [], "ray": []}
        for r in range(args.rounds):
            for mode in ("serial", "ray"):
                found[mode].append(measure_in_subprocess(mode, net, epochs, args.cpus))
                m = found[mode][-1]
                print(f"  {net} round {r + 1} {mode}: {m['wall']:.1f} s, {m['images'] / m['wall']:.0f} img/s, "
                      f"epoch of one run {m['epoch_seconds']:.2f} s", flush=True)
        ratios = [s["wall"] / y["wall"] for s, y in zip(found["serial"], found["ray"])]
        rows.append((label, net, epochs, found, ratios))
    print()
    print(f"| grid (6 runs) | epochs | mode | wall time (s) | images/s | one run's epoch (s) | Ray / serial speed |")
    print("|---|---|---|---|---|---|---|")
    for label, net, epochs, found, ratios in rows:
        for mode in ("serial", "ray"):
            ms = found[mode]
            wall = statistics.median(m["wall"] for m in ms)
            ips = statistics.median(m["images"] / m["wall"] for m in ms)
            epoch = statistics.median(m["epoch_seconds"] for m in ms)
            what = (f"serial, {args.cpus} threads" if mode == "serial"
                    else f"local Ray, 1-CPU tasks (start {statistics.median(m['ray_start'] for m in ms):.1f} s)")
            ratio = "" if mode == "serial" else f"{statistics.median(ratios):.2f}x ({', '.join(f'{x:.2f}' for x in ratios)})"
            print(f"| {label}: {net} | {epochs} | {what} | {wall:.1f} | {ips:.0f} | {epoch:.2f} | {ratio} |")


if __name__ == "__main__":
    main()

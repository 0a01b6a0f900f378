#!/usr/bin/env python3
"""Inference speed of an exported model: onnxruntime (CPU) against the engine, for the three benchmark
networks of bench/bench.py. Per network: a detector fitted for 0 epochs (the speed does not depend on
the weights), exported with `export_onnx`, then scores and anomaly maps of the same batch, timed as the
median of several rounds; the same thread count for both (onnxruntime's intra-op threads).

    python3 bench/onnx_speed.py                     # 2 threads, batch 64 (16 at 224x224), 5 rounds
    python3 bench/onnx_speed.py --threads 4 --rounds 7

Needs pip install 'fcdd-swift[onnx]'. Prints a Markdown table (docs/speed.md carries it).
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import fcdd_swift as fs  # noqa: E402

NETWORKS = [("FCDD_CNN28", 64, (1, 28, 28)), ("FCDD_CNN32_LW3K", 64, (3, 32, 32)), ("FCDD_CNN224_VGG_NOPT", 16, (3, 224, 224))]


def median_seconds(call, rounds):
    call()   # warm-up: first-call allocations and thread start-up
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    import onnxruntime as ort
    fs.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"| network | batch | engine img/s | onnxruntime img/s | onnxruntime / engine |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for net, batch, (c, h, w) in NETWORKS:
            X = rng.integers(0, 256, (batch, h, w, c) if c == 3 else (batch, h, w), dtype=np.uint8)
            det = fs.FCDD(net=net, epochs=0, threads=args.threads, verbose=0).fit(X)
            path = det.export_onnx(os.path.join(folder, f"{net}.onnx"))
            options = ort.SessionOptions()
            options.intra_op_num_threads = args.threads
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
            x = X.astype(np.float32) / 255
            x = x[:, None] if c == 1 else x.transpose(0, 3, 1, 2)
            x = np.ascontiguousarray(x)
            engine = median_seconds(lambda: det.anomaly_map(X), args.rounds)   # one pass: scores and maps
            runtime = median_seconds(lambda: session.run(None, {"images": x}), args.rounds)
            print(f"| {net} | {batch} | {batch / engine:,.0f} | {batch / runtime:,.0f} | {engine / runtime:.2f}x |", flush=True)
    print(f"\n{args.threads} threads, medians of {args.rounds} rounds; both compute scores and anomaly maps in one pass "
          f"(the engine's anomaly_map, onnxruntime's run) from uint8 images (engine) or float32 [0, 1] (onnxruntime).")


if __name__ == "__main__":
    main()

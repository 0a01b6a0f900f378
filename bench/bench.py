#!/usr/bin/env python3
"""Benchmark of fcdd-swift: training step and inference throughput (images/s), peak memory, GFLOP/s per
convolution, single-image latency, the data pipeline's share of an epoch, and large allocations per step of
the training loop (steady_state.py).

Each measurement runs in its own subprocess, so that the peak resident memory (ru_maxrss) belongs to
that one configuration. When PyTorch is importable (never installed by CI; `pip install torch` on a
development machine, or point --torch-python at an interpreter that has it) the same networks are timed
in PyTorch in the same run and the ratio is reported.

    python3 bench/bench.py                    # all networks, 1 and 2 threads, layer report, latency
    python3 bench/bench.py --threads 2 --quick
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

CONFIGS = [  # (network, batch, input shape)
    ("FCDD_CNN28", 128, (1, 28, 28)),
    ("FCDD_CNN32_LW3K", 128, (3, 32, 32)),
    ("FCDD_CNN224_VGG_NOPT", 16, (3, 224, 224)),
]


def timed(fn, min_seconds, min_reps):
    """Runs fn until both limits are reached after one warm-up call; returns seconds per call."""
    fn()
    reps, start = 0, time.perf_counter()
    while reps < min_reps or time.perf_counter() - start < min_seconds:
        fn()
        reps += 1
    return (time.perf_counter() - start) / reps


def peak_mib():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_engine(name, batch, shape, threads, seconds):
    import numpy as np
    import fcdd_swift as fs
    fs.set_num_threads(threads)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    labels = (np.arange(batch) % 2).astype(np.float32)
    net = fs.Network(name, in_shape=shape, seed=0)
    opt = fs.optim.SGD(net, lr=1e-3, momentum=0.9, nesterov=True, weight_decay=1e-6)

    def train_step():
        net.loss_and_grad(x, labels=labels)
        opt.step()

    train = timed(train_step, seconds, 3)
    infer = timed(lambda: net.scores(x), seconds, 3)
    info = fs.info()
    return {"train_ips": batch / train, "infer_ips": batch / infer, "peak_mib": peak_mib(),
            "blas_core": info.get("blas_core"), "threads": info.get("threads")}


def run_torch(name, batch, shape, threads, seconds):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from torch_nets import torch_network
    net = torch_network(name, shape[0])
    opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9, nesterov=True, weight_decay=1e-6)
    x = torch.randn((batch,) + shape)
    labels = torch.arange(batch) % 2

    def train_step():
        opt.zero_grad()
        ph = ((net(x) ** 2 + 1).sqrt() - 1).reshape(batch, -1).mean(1)
        loss = torch.where(labels == 0, ph, -torch.log(1 - torch.exp(-ph) + 1e-31)).mean()
        loss.backward()
        opt.step()

    net.train()
    train = timed(train_step, seconds, 3)
    net.eval()

    def infer():
        with torch.no_grad():
            ((net(x) ** 2 + 1).sqrt() - 1).reshape(batch, -1).mean(1)

    inf = timed(infer, seconds, 3)
    return {"train_ips": batch / train, "infer_ips": batch / inf, "peak_mib": peak_mib(),
            "version": torch.__version__}


def child(args):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if args.child_backend == "layers":
        import fcdd_swift
        import layers
        print(json.dumps(layers.measure(fcdd_swift, args.threads)))
    elif args.child_backend in ("latency-engine", "latency-torch"):
        import latency
        fn = latency.engine if args.child_backend == "latency-engine" else latency.torch
        print(json.dumps({"seconds": fn(args.threads)}))
    else:
        name, batch, shape = CONFIGS[args.child_index]
        fn = run_torch if args.child_backend == "torch" else run_engine
        print(json.dumps(fn(name, batch, shape, args.threads, args.seconds)))


def measure(index, backend, args, python, threads):
    cmd = [python, os.path.abspath(__file__), "--child-index", str(index), "--child-backend", backend,
           "--threads", str(threads), "--seconds", str(args.seconds)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def torch_python(args):
    candidates = [args.torch_python] if args.torch_python else [sys.executable]
    for py in candidates:
        ok = subprocess.run([py, "-c", "import torch"], capture_output=True).returncode == 0
        if ok:
            return py
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", default="1,2", help="thread counts to measure, e.g. 2 or 1,2")
    p.add_argument("--seconds", type=float, default=3.0, help="minimum timing per measurement")
    p.add_argument("--quick", action="store_true", help="skip the 224x224 network, the layer report and latency")
    p.add_argument("--torch-python", help="python interpreter with PyTorch for the comparison")
    p.add_argument("--json", default="bench/results.json")
    p.add_argument("--child-index", type=int, help=argparse.SUPPRESS)
    p.add_argument("--child-backend", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child_index is not None:
        args.threads = int(args.threads)
        return child(args)

    thread_counts = [int(t) for t in str(args.threads).split(",")]
    tpy = torch_python(args)
    rows, layer_reports, latencies = [], [], []
    for threads in thread_counts:
        for i, (name, batch, shape) in enumerate(CONFIGS):
            if args.quick and shape[1] > 100:
                continue
            row = {"network": name, "batch": batch, "shape": shape, "threads": threads,
                   "engine": measure(i, "engine", args, sys.executable, threads)}
            if tpy:
                row["torch"] = measure(i, "torch", args, tpy, threads)
            rows.append(row)
            print(f"measured {name} with {threads} thread(s)", file=sys.stderr)
        if not args.quick:
            layer_reports.append(measure(0, "layers", args, sys.executable, threads))
            lat = {"threads": threads, "engine": measure(0, "latency-engine", args, sys.executable, threads)}
            if tpy:
                lat["torch"] = measure(0, "latency-torch", args, tpy, threads)
            latencies.append(lat)

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    header = ("| network, batch | threads | engine train img/s | engine infer img/s | engine peak MiB |"
              + (" torch train img/s | torch infer img/s | torch peak MiB | train ratio | infer ratio |" if tpy else ""))
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for r in rows:
        e = r["engine"]
        if "error" in e:
            lines.append(f"| {r['network']}, {r['batch']} | {r['threads']} | error: {e['error']} |")
            continue
        line = (f"| {r['network']}, {r['batch']} | {r['threads']} | {e['train_ips']:.1f} | {e['infer_ips']:.1f} |"
                f" {e['peak_mib']:.0f} |")
        t = r.get("torch")
        if t and "error" not in t:
            line += (f" {t['train_ips']:.1f} | {t['infer_ips']:.1f} | {t['peak_mib']:.0f} |"
                     f" {e['train_ips'] / t['train_ips']:.2f}x | {e['infer_ips'] / t['infer_ips']:.2f}x |")
        lines.append(line)
    first = next((r["engine"] for r in rows if "error" not in r["engine"]), {})
    machine = (f"{cpu}, {os.cpu_count()} cores, OpenBLAS core {first.get('blas_core')}, "
               f"Python {platform.python_version()}")
    if tpy:
        tv = next((r["torch"].get("version") for r in rows if "torch" in r), "?")
        machine += f", PyTorch {tv}"
    # The whole data path: an epoch of the synthetic dataset with confetti anomalies and augmentation,
    # timed by the engine itself (share of the epoch spent preparing batches).
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import fcdd_swift
    import layers
    from pipeline_share import measure as measure_pipeline
    import steady_state
    pipeline = measure_pipeline(fcdd_swift, threads=thread_counts[-1])
    allocations = steady_state.measure(threads=thread_counts[-1],
                                       configs=[c for c in steady_state.CONFIGS if not (args.quick and c[2] > 100)])
    print(machine)
    print("\n".join(lines))
    for lat in latencies:
        e, t = lat["engine"], lat.get("torch")
        text = f"\none 224x224 image, score + heatmap, {lat['threads']} thread(s): engine {1e3 * e.get('seconds', float('nan')):.1f} ms"
        if t and "seconds" in t:
            text += f", PyTorch {1e3 * t['seconds']:.1f} ms ({t['seconds'] / e['seconds']:.2f}x)"
        print(text)
    for report in layer_reports:
        if "error" not in report:
            print("\n" + layers.table(report))
    print(f"\nsynthetic epoch (FCDD_CNN32_S, batch 64, confetti + lcnaug1, {thread_counts[-1]} threads): "
          f"{pipeline['epoch_images_per_s']:.0f} images/s end to end, {100 * pipeline['data_share']:.1f}% of the time "
          f"in the data pipeline (decoding, anomaly generation, augmentation, batching)")
    print(f"\nlarge allocations in the training loop (FCDD.fit, one step per epoch, {thread_counts[-1]} threads):")
    print(allocations.get("error") or steady_state.table(allocations))
    with open(args.json, "w") as f:
        json.dump({"machine": machine, "threads": thread_counts, "rows": rows, "layers": layer_reports,
                   "latency": latencies, "pipeline": pipeline, "allocations": allocations}, f, indent=1)


if __name__ == "__main__":
    main()

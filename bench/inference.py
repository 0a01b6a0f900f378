#!/usr/bin/env python3
"""Inference speed of the detector against onnxruntime and PyTorch, and what loading a model costs.

Per network (FCDD_CNN28_W on 28x28 gray, FCDD_CNN32_LW3K on 32x32 RGB, FCDD_CNN224_VGG_NOPT on 224x224 RGB)
one detector is fitted for 0 epochs (speed does not depend on the weights) and then, with the same weights:

  engine       fs.FCDD.score_and_map on uint8 images: scores and heatmaps at the images' size, the
               detector's own preprocessing included (what a notebook, the server and the hot folder call)
  onnxruntime  the graph the detector exports (export_onnx), float32 images in [0, 1], scores and maps
  pytorch      the same network in PyTorch with the same weights (where torch is installed; never in CI):
               normalisation, forward, pseudo-Huber map, score, and the original's receptive-field
               upsampling (a transposed convolution with the Gaussian kernel), under torch.no_grad

at batch 1 (a server or a camera line) and batch N (64, 16 for VGG), with 1 and 2 threads (the detector's
`threads` set with set_params after fitting; onnxruntime's intra-op threads; torch.set_num_threads). A
cell is the median over rounds of the time per call (each round repeats the call for at least
--min-seconds); images/s = batch / that time. Then, for each network, from a saved model file in a
fresh child process: load time (fs.FCDD.load), first-call latency (score_and_map of one image right
after loading) and resident memory per loaded model (growth of VmRSS over 4 loaded models, each called once).

    python3 bench/inference.py                  # every cell, 7 rounds
    python3 bench/inference.py --rounds 3 --nets FCDD_CNN28_W

Prints Markdown tables (the README and docs/speed.md carry them).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
sys.path.insert(0, HERE)
import fcdd_swift as fs  # noqa: E402

NETWORKS = {"FCDD_CNN28_W": ((1, 28, 28), 64), "FCDD_CNN32_LW3K": ((3, 32, 32), 64),
            "FCDD_CNN224_VGG_NOPT": ((3, 224, 224), 16)}


def per_call_seconds(call, rounds, min_seconds):
    """Median over rounds of the seconds per call; a round repeats the call for at least `min_seconds`."""
    # The runtimes measured before this one may still have threads polling for work (onnxruntime's pool
    # and PyTorch's OpenMP threads spin after a call, and so do the engine's helpers for 0.3 ms): on a
    # 2-core machine one such thread takes half of it from the next measurement. Let them go to sleep.
    time.sleep(0.5)
    call()   # warm-up: first-call allocations, thread start-up
    samples = []
    for _ in range(rounds):
        calls, start = 0, time.perf_counter()
        while True:
            call()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        samples.append(elapsed / calls)
    return float(np.median(samples))


def images(net, count, seed=0):
    (c, h, w), _ = NETWORKS[net]
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, h, w, c) if c == 3 else (count, h, w), dtype=np.uint8)


def as_float_nchw(x):
    x = x.astype(np.float32) / 255
    return np.ascontiguousarray(x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2))


# ---- PyTorch ------------------------------------------------------------------------------------------

def torch_available():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


def torch_detector(det, net, weights_path):
    """A callable that scores a float (N, C, H, W) array as the detector does, in PyTorch, with its weights."""
    import torch
    import torch.nn as nn
    from torch_nets import torch_network
    (c, h, w), _ = NETWORKS[net]
    model = torch_network(net, c).eval()
    # The engine's tensors by layer, in PyTorch's state-dict order (fs.Network states them that way).
    order = [name for name in fs.Network(net, (c, h, w), bias=det.resolved_params_["bias"]).state_dict()]
    stored = fs.load_safetensors(weights_path)
    layers = []
    for name in order:
        prefix, field = name.rsplit(".", 1)
        if not layers or layers[-1][0] != prefix:
            layers.append((prefix, {}))
        layers[-1][1][field] = np.asarray(stored[name])
    modules = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))]
    # The original keeps BatchNorm modules that its forward pass never uses (bn2d3 of the CNN32 networks,
    # reference 9); the PyTorch definition here leaves them out, so they are skipped by kind.
    is_norm = [isinstance(m, nn.BatchNorm2d) for m in modules]
    while len(layers) > len(modules):
        k = next(i for i, (_, fields) in enumerate(layers) if i >= len(modules) or ("running_mean" in fields) != is_norm[i])
        del layers[k]
    with torch.no_grad():
        for module, (prefix, fields) in zip(modules, layers):
            if ("running_mean" in fields) != isinstance(module, nn.BatchNorm2d):
                raise SystemExit(f"{net}: the PyTorch layers do not follow the engine's ({prefix})")
            if isinstance(module, nn.Conv2d):
                module.weight.copy_(torch.from_numpy(fields["weight"]))
                if "bias" in fields:
                    module.bias.copy_(torch.from_numpy(fields["bias"]))
                else:
                    module.bias = None
            else:
                module.running_mean.copy_(torch.from_numpy(fields["running_mean"]))
                module.running_var.copy_(torch.from_numpy(fields["running_var"]))
                if "weight" in fields:
                    module.weight.copy_(torch.from_numpy(fields["weight"]))
                    module.bias.copy_(torch.from_numpy(fields["bias"]))
                else:
                    module.weight, module.bias, module.affine = None, None, False
    # The original's receptive-field upsampling (reference 5): a transposed convolution with stride j and
    # the Gaussian kernel of gauss_std over the receptive field r, then the crop by the offset s.
    info = fs.Network(net, (c, h, w)).reception
    j, r, s, std = info["j"], info["r"], info["s"], det.gauss_std_
    half = [math.exp(-0.5 * ((i - (r - 2) / 2) / std) ** 2) for i in range(r - 1)]
    g = torch.tensor(half[: (r - 2) // 2 + 1] + half[(r - 2) // 2:]) / 2
    kernel = torch.outer(g, g)[None, None]
    pad = (r - 1) // 2
    mean = torch.full((1, c, 1, 1), 0.5)
    scale = torch.full((1, c, 1, 1), 0.25)

    def run(x):
        with torch.no_grad():
            t = (torch.from_numpy(x) - mean) / scale
            a = (model(t) ** 2 + 1).sqrt() - 1
            scores = a.mean(dim=(1, 2, 3))
            side = a.shape[-1]
            out_pad = max(0, h - (side - 1) * j - 2)
            up = nn.functional.conv_transpose2d(a, kernel, stride=j, output_padding=out_pad)
            start = pad - int(s)
            return scores, up[..., start:start + h, start:start + w]
    return run


# ---- one network --------------------------------------------------------------------------------------

def measure_network(net, thread_counts, rounds, min_seconds, folder, with_torch):
    import onnxruntime as ort
    _, batch_n = NETWORKS[net]
    X = images(net, batch_n)
    det = fs.FCDD(net=net, epochs=0, seed=0, verbose=0).fit(X)
    onnx_path = det.export_onnx(os.path.join(folder, f"{net}.onnx"))
    model_path = os.path.join(folder, f"{net}.fcdd")
    det.save(model_path)
    # PyTorch runs in a child process of its own: its OpenMP threads, loaded into this process, slowed
    # the engine's next measurements (VGG at batch 1 with 2 threads: 38 img/s alone, 34 beside PyTorch).
    torch_ips = torch_in_child(net, model_path, thread_counts, rounds, min_seconds) if with_torch else None
    rows = []
    for threads in thread_counts:
        det.set_params(threads=threads)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
        cells = {}
        for batch in (1, batch_n):
            x8 = X[:batch]
            xf = as_float_nchw(x8)
            engine = per_call_seconds(lambda: det.score_and_map(x8), rounds, min_seconds)
            runtime = per_call_seconds(lambda: session.run(None, {"images": xf}), rounds, min_seconds)
            cells[batch] = (batch / engine, batch / runtime, torch_ips[str(threads)][str(batch)] if with_torch else None)
        rows.append((threads, cells))
    return batch_n, rows, model_path


def torch_in_child(net, model_path, thread_counts, rounds, min_seconds):
    """PyTorch's images/s per thread count and batch ({"1": {"1": ips, "64": ips}, ...}), measured in a
    child process on the model file's weights."""
    request = json.dumps({"net": net, "model": model_path, "threads": thread_counts, "rounds": rounds,
                          "min_seconds": min_seconds})
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-child", request],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def torch_child(request):
    import torch
    r = json.loads(request)
    net, (_, batch_n) = r["net"], NETWORKS[r["net"]]
    run_torch = torch_detector(fs.FCDD.load(r["model"]), net, r["model"])
    X = images(net, batch_n)
    result = {}
    for threads in r["threads"]:
        torch.set_num_threads(threads)
        result[str(threads)] = {}
        for batch in (1, batch_n):
            xf = as_float_nchw(X[:batch])
            result[str(threads)][str(batch)] = batch / per_call_seconds(lambda: run_torch(xf), r["rounds"], r["min_seconds"])
    print(json.dumps(result))


def load_costs(model_path, net):
    """Load time, first-call latency and memory per model, measured in a fresh child process."""
    script = f"""
import json, os, sys, time
sys.path.insert(0, {os.path.join(HERE, '..', 'python')!r})
import numpy as np
import fcdd_swift as fs
def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
image = np.random.default_rng(1).integers(0, 256, {tuple([1] + list(NETWORKS[net][0][1:]) + ([3] if NETWORKS[net][0][0] == 3 else []))!r}, dtype=np.uint8)
fs.FCDD.load({model_path!r}).score_and_map(image)   # the library and its threads are up before measuring
before = rss_mb()
loads, firsts, kept = [], [], []
for _ in range(4):
    t = time.perf_counter(); det = fs.FCDD.load({model_path!r}); loads.append(time.perf_counter() - t)
    t = time.perf_counter(); det.score_and_map(image); firsts.append(time.perf_counter() - t)
    kept.append(det)
print(json.dumps({{"load": sorted(loads)[2], "first": sorted(firsts)[2], "mb": (rss_mb() - before) / 4,
                   "size": os.path.getsize({model_path!r})}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--min-seconds", type=float, default=0.2, help="minimum length of a round")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--nets", nargs="+", default=list(NETWORKS), choices=list(NETWORKS))
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out even where it is installed")
    p.add_argument("--torch-child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.torch_child:
        return torch_child(args.torch_child)
    with_torch = torch_available() and not args.no_torch
    results, loads = [], []
    with tempfile.TemporaryDirectory() as folder:
        for net in args.nets:
            batch_n, rows, model_path = measure_network(net, args.threads, args.rounds, args.min_seconds, folder, with_torch)
            results.append((net, batch_n, rows))
            loads.append((net, load_costs(model_path, net)))

    def cell(values):
        engine, runtime, torch_ips = values
        text = f"{engine:,.1f} / {runtime:,.1f}"
        ratio = f"{engine / runtime:.2f}x"
        if torch_ips is not None:
            text += f" / {torch_ips:,.1f}"
            ratio += f", {engine / torch_ips:.2f}x"
        return text, ratio

    who = "engine / onnxruntime" + (" / pytorch" if with_torch else "")
    print(f"| network | threads | batch 1: {who} img/s | engine vs | batch N: {who} img/s | engine vs |")
    print("|---|---|---|---|---|---|")
    for net, batch_n, rows in results:
        for threads, cells in rows:
            one, one_ratio = cell(cells[1])
            many, many_ratio = cell(cells[batch_n])
            print(f"| {net} | {threads} | {one} | {one_ratio} | {many} (N = {batch_n}) | {many_ratio} |")
    info = fs.info()
    source = {"user": "set by OPENBLAS_CORETYPE", "auto": "chosen from the CPU flags"}.get(info["blas_coretype_source"], "OpenBLAS's own choice")
    print(f"\nOpenBLAS kernel {info['blas_core']} ({source}); onnxruntime picks its own kernels for the CPU")
    print(f"medians of {args.rounds} rounds of at least {args.min_seconds} s; 'engine vs' is engine images/s over "
          f"onnxruntime's{' (and over PyTorch' + chr(39) + 's)' if with_torch else ''}; "
          f"{'PyTorch ' + __import__('torch').__version__ if with_torch else 'PyTorch not installed'}")
    print("\n| network | model file MB | load ms | first call ms (1 image) | resident MB per loaded model |")
    print("|---|---|---|---|---|")
    for net, cost in loads:
        print(f"| {net} | {cost['size'] / 2 ** 20:.1f} | {cost['load'] * 1e3:.1f} | {cost['first'] * 1e3:.1f} | {cost['mb']:.1f} |")


if __name__ == "__main__":
    main()

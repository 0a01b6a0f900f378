"""Per-layer GFLOP/s of the convolutions of FCDD_CNN32_LW3K and FCDD_CNN224_VGG_NOPT in a training step,
against what a plain sgemm reaches with the same threads (one single-threaded OpenBLAS product per worker,
the way the engine runs them). GFLOP/s count the multiply-adds of a direct convolution (2 x N x OC x OH x OW
x C x K x K per product), also for the layers computed by Winograd, which need fewer: their rate is the
direct-equivalent one and can exceed sgemm's. Used by bench.py; also runnable alone:

    python3 bench/layers.py [--threads 2]
"""
import argparse
import json

NETWORKS = [("FCDD_CNN32_LW3K", 128, (3, 32, 32)), ("FCDD_CNN224_VGG_NOPT", 16, (3, 224, 224))]
# Kernel sizes of the convolutions (all 3x3 but the final 1x1 ones).
KERNELS = {("FCDD_CNN32_LW3K", 12): 1, ("FCDD_CNN224_VGG_NOPT", 21): 1}


def measure(fs, threads, calls=4, sgemm_seconds=2.0):
    """Best of `calls` for every layer and for sgemm alike: on a shared VM a neighbour's burst can slow a
    5 ms layer for a few seconds, so the calls go round the networks (spread over a minute or more) and
    the best of them is what the code reaches."""
    import numpy as np
    fs.set_num_threads(threads)
    sgemm = max(fs.sgemm_gflops(1024, 1024, 1024, threads=threads, seconds=sgemm_seconds / calls)
                for _ in range(calls))
    nets = [(fs.Network(name, in_shape=shape, seed=0),
             np.random.default_rng(0).standard_normal((batch,) + shape).astype(np.float32))
            for name, batch, shape in NETWORKS]
    runs = [[] for _ in nets]
    for _ in range(calls):
        for (net, x), network_runs in zip(nets, runs):
            network_runs.append(net.profile(x, 1))
    layers = []
    for (name, _, _), network_runs in zip(NETWORKS, runs):
        for i, layer in enumerate(network_runs[0]):
            if layer["forward_flops"] == 0:
                continue
            forward = min(run[i]["forward_seconds"] for run in network_runs)
            backward = min(run[i]["backward_seconds"] for run in network_runs)
            layers.append({
                "network": name, "index": layer["index"], "input_shape": layer["input_shape"],
                "output_shape": layer["output_shape"], "in_channels": layer["input_shape"][1],
                "forward_gflops": layer["forward_flops"] / forward / 1e9,
                "backward_gflops": layer["backward_flops"] / backward / 1e9,
                "forward_ms": 1e3 * forward, "backward_ms": 1e3 * backward,
            })
    for net, _ in nets:
        net.close()
    return {"sgemm_gflops": sgemm, "threads": threads, "calls": calls, "layers": layers,
            "vector_code": fs.info()["vector_code"]}


def method(layer, vector_code):
    """How the engine computes the layer (Conv2d.swift): Winograd F(2x2,3x3) for 3x3 stride-1 padding-1
    convolutions with >= 16 channels in and out (forward and input gradient); convolutions with fewer than
    32 unfolded rows (C*K*K: the first layers) by direct kernels, forward pass and weight gradient, when
    built for AVX2 + FMA, else by im2col + sgemm with the weight gradient from columns padded to 32 rows;
    all others by im2col + sgemm."""
    out_shape = layer["output_shape"]
    k = KERNELS.get((layer["network"], layer["index"]), 3)
    wino = k == 3 and out_shape[2:] == layer["input_shape"][2:] and layer["in_channels"] >= 16 and out_shape[1] >= 16
    if wino:
        return "Winograd + im2col (dW)"
    if k > 1 and layer["in_channels"] * k * k < 32:
        return "direct (AVX2 FMA), dW too" if vector_code == "avx2-fma" else "im2col + sgemm, 32-row im2col (dW)"
    return "im2col + sgemm"


def table(result):
    s = result["sgemm_gflops"]
    lines = [f"sgemm 1024^3, {result['threads']} thread(s): {s:.1f} GFLOP/s (best of {result.get('calls', 1)}, like every layer)",
             "| network | layer | input | forward GFLOP/s (% of sgemm) | backward GFLOP/s (% of sgemm) | method |",
             "|---|---|---|---|---|---|"]
    for l in result["layers"]:
        shape = "x".join(map(str, l["input_shape"][1:]))
        lines.append(f"| {l['network']} | {l['index']} | {shape} | {l['forward_gflops']:.1f} ({100 * l['forward_gflops'] / s:.0f}%)"
                     f" | {l['backward_gflops']:.1f} ({100 * l['backward_gflops'] / s:.0f}%) | {method(l, result.get('vector_code'))} |")
    return "\n".join(lines)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    import fcdd_swift
    r = measure(fcdd_swift, args.threads)
    print(table(r))


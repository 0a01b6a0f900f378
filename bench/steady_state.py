"""Whether the training loop reuses its buffers: heap allocations of at least 1 MiB per optimiser step,
counted by a small allocator shim (large_allocations.c, compiled here with the system C compiler and
preloaded into a child process) while `FCDD.fit` trains. One epoch is one step (as many images as the
batch), so the per-epoch callback sees each step; the first steps size the buffers, the rest should
allocate nothing. Used by bench.py and python/tests/test_steady_state.py; also runnable alone:

    python3 bench/steady_state.py [--threads 2]
"""
import argparse
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "large_allocations.c")

CONFIGS = [  # (network, images = batch, image side, channels, steps)
    ("FCDD_CNN28", 128, 28, 1, 6),
    ("FCDD_CNN32_LW3K", 128, 32, 3, 6),
    ("FCDD_CNN224_VGG_NOPT", 16, 224, 3, 4),
]


def build_counter(directory):
    """Compiles the allocation counter into `directory`; returns its path (None without a C compiler)."""
    compiler = shutil.which("cc") or shutil.which("clang") or shutil.which("gcc")
    if compiler is None:
        return None
    library = os.path.join(directory, "liblarge_allocations.so")
    subprocess.run([compiler, "-O2", "-shared", "-fPIC", "-o", library, SOURCE, "-ldl"], check=True)
    return library


def run(counter, net, images, side, channels, steps, threads=2):
    """Trains `net` for `steps` one-step epochs in a child process with the counter preloaded; returns
    one (allocations, bytes) pair per step."""
    env = dict(os.environ, LD_PRELOAD=counter)
    cmd = [sys.executable, os.path.abspath(__file__), "--child", json.dumps([net, images, side, channels, steps, threads])]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"steady-state child failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(spec):
    import numpy as np
    import fcdd_swift as fs
    net, images, side, channels, steps, threads = spec
    counter = ctypes.CDLL(None)
    for name in ("large_allocation_count", "large_allocation_bytes"):
        getattr(counter, name).restype = ctypes.c_long
    x = (np.random.default_rng(0).random((images, side, side, channels)) * 255).astype(np.uint8)
    per_step, last = [], [counter.large_allocation_count(), counter.large_allocation_bytes()]

    def epoch_ended(*_):
        now = [counter.large_allocation_count(), counter.large_allocation_bytes()]
        per_step.append([now[0] - last[0], now[1] - last[1]])
        last[:] = now
        return True

    fs.FCDD(net=net, epochs=steps, batch_size=images, acc_batches=1, verbose=0, threads=threads).fit(
        x, callback=epoch_ended)
    print(json.dumps(per_step))


def measure(threads=2, configs=CONFIGS):
    """Rows of network, batch, large allocations in the first step and per step after two warm-up steps."""
    with tempfile.TemporaryDirectory() as tmp:
        counter = build_counter(tmp)
        if counter is None:
            return {"error": "no C compiler (cc) to build the allocation counter"}
        rows = []
        for net, images, side, channels, steps in configs:
            per_step = run(counter, net, images, side, channels, steps, threads)
            steady = per_step[2:]
            rows.append({"network": net, "batch": images, "first_step_mib": round(per_step[0][1] / 2**20, 1),
                         "steady_allocations_per_step": sum(a for a, _ in steady) / len(steady),
                         "steady_mib_per_step": round(sum(b for _, b in steady) / len(steady) / 2**20, 2)})
        return {"threads": threads, "rows": rows}


def table(report):
    lines = ["| network, batch | MiB allocated in step 1 | allocations >= 1 MiB per step after step 2 |",
             "|---|---|---|"]
    for r in report["rows"]:
        lines.append(f"| {r['network']}, {r['batch']} | {r['first_step_mib']:.0f} |"
                     f" {r['steady_allocations_per_step']:g} ({r['steady_mib_per_step']:g} MiB) |")
    return "\n".join(lines)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(json.loads(args.child))
    else:
        report = measure(args.threads)
        print(report.get("error") or table(report))

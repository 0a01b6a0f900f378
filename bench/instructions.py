#!/usr/bin/env python3
"""Instructions per training step and per inference batch of two builds of fcdd-swift, counted by
valgrind's callgrind on one thread. Unlike timings on a shared machine, instruction counts repeat exactly, so a
change that must not cost speed shows here whether it adds work, however busy the machine is (compare.py
gives the timings).

    python3 bench/instructions.py --before /path/to/old/checkout [--after .] [--steps 3] [--quick]

Callgrind runs the engine some hundred times slower: FCDD_CNN28 takes a few minutes, FCDD_CNN32_LW3K about
ten minutes per count (--quick leaves it out).

Each count is the difference of two runs of the same process, with and without the measured calls, so that
starting Python and building the network cancel out. Needs valgrind (Debian: valgrind).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import builds

CONFIGS = [("FCDD_CNN28", 32, (1, 28, 28)), ("FCDD_CNN32_LW3K", 8, (3, 32, 32))]

WORKLOAD = """
import sys
import numpy as np
import fcdd_swift as fs
name, batch, shape, steps, mode = sys.argv[1], int(sys.argv[2]), tuple(map(int, sys.argv[3].split(","))), int(sys.argv[4]), sys.argv[5]
fs.set_num_threads(1)
rng = np.random.default_rng(0)
x = rng.standard_normal((batch,) + shape).astype(np.float32)
labels = (np.arange(batch) % 2).astype(np.float32)
net = fs.Network(name, in_shape=shape, seed=0)
opt = fs.optim.SGD(net, lr=1e-3, momentum=0.9, nesterov=True, weight_decay=1e-6)
net.loss_and_grad(x, labels=labels); opt.step(); net.scores(x)   # warm-up: first-call allocations
for _ in range(steps):
    if mode == "train":
        net.loss_and_grad(x, labels=labels); opt.step()
    else:
        net.scores(x)
"""


def instructions(env, script, args):
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out",
                              sys.executable, script, *args], capture_output=True, text=True, env=env)
    found = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or not found:
        raise SystemExit(f"callgrind failed:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    builds.add_arguments(p)
    p.add_argument("--steps", type=int, default=3, help="measured calls per count")
    p.add_argument("--quick", action="store_true", help="FCDD_CNN28 only")
    args = p.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    # valgrind 3.19 does not decode AVX-512: OpenBLAS runs its AVX2 kernels for both builds.
    envs = builds.environments(args, OPENBLAS_NUM_THREADS="1", OPENBLAS_CORETYPE="Haswell")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(WORKLOAD)
        script = f.name
    try:
        print("| network, batch | call | before (instructions) | after | after / before |")
        print("|---|---|---|---|---|")
        for name, batch, shape in CONFIGS[:1] if args.quick else CONFIGS:
            for mode in ("train", "infer"):
                counts = {}
                for label, env in envs.items():
                    base = [name, str(batch), ",".join(map(str, shape))]
                    full = instructions(env, script, base + [str(args.steps), mode])
                    empty = instructions(env, script, base + ["0", mode])
                    counts[label] = (full - empty) / args.steps
                print(f"| {name}, {batch} | {'training step' if mode == 'train' else 'scores'} | "
                      f"{counts['before']:.4g} | {counts['after']:.4g} | {counts['after'] / counts['before']:.4f} |",
                      flush=True)
    finally:
        os.unlink(script)


if __name__ == "__main__":
    main()

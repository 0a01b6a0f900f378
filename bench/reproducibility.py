#!/usr/bin/env python3
"""How far the complete example of docs/detector.md moves from one CPU to another.

A run is bit-identical on one machine kind with one thread count and seed. Another CPU makes OpenBLAS pick
another kernel (another blocking order, FMA or not), an engine built elsewhere may lack its FMA kernels, and
another thread count splits the sums differently: each rounds differently, and 20 epochs of training carry
the difference into the weights. This script runs that example block (exactly as printed) in a child
process for every combination of

  * OpenBLAS kernel: one of each result group this machine can run (scripts/blas_kernels.py), forced with
    OPENBLAS_CORETYPE;
  * engine library: this checkout's (or the installed) one, plus each --library, e.g. a build without the
    FMA kernels (--portable builds one in .build-portable with FCDD_SWIFT_PORTABLE=1);
  * thread count (--threads);

and, on this CPU's own kernel (the one the package picks), this library and the first thread count, for
--seeds other seeds (a larger change than rounding: another initialisation and other synthetic anomalies).
It prints one row per run and the range of each figure: docs/detector.md quotes the ranges and
test_readme_example.py checks the example against them.

    python3 bench/reproducibility.py --portable                     # every kernel group x 2 builds x 2 threads
    python3 bench/reproducibility.py --kernels SkylakeX Haswell --threads 2 --seeds
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "scripts"))
sys.path.insert(0, os.path.join(REPO, "python", "tests"))
import blas_kernels  # noqa: E402



def build_portable():
    """The engine without the FMA kernels (as built on a CPU without AVX2/FMA): scripts/build-portable.sh."""
    print("building: scripts/build-portable.sh", file=sys.stderr, flush=True)
    out = subprocess.check_output([os.path.join(REPO, "scripts", "build-portable.sh")], cwd=REPO, text=True)
    return out.strip().splitlines()[-1]


def own_kernel_first(kernels):
    """The kernels with the one the package picks on this CPU first: the seeds run on it."""
    sys.path.insert(0, os.path.join(REPO, "python"))
    from fcdd_swift import _loader

    own = _loader.choose_coretype(_loader.cpu_flags())
    return sorted(kernels, key=lambda k: k != own)


def child(threads, seed):
    """In the child: the example's figures and what it ran on, as one JSON line."""
    sys.path.insert(0, os.path.join(REPO, "python"))
    import fcdd_swift as fs
    import readme_example

    fs.set_num_threads(threads)
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        figures = readme_example.run_example(readme_example.example_code(), seed=seed)
    info = fs.info()
    print(json.dumps({**figures, "kernel": info["blas_core"], "vector_code": info["vector_code"],
                      "threads": info["threads"], "seed": seed}))


def run(kernel, library, threads, seed):
    env = dict(os.environ, OPENBLAS_CORETYPE=kernel)
    if library:
        env["FCDD_SWIFT_LIBRARY"] = library
    command = [sys.executable, os.path.abspath(__file__), "--child", "--threads", str(threads), "--seed", str(seed)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the example failed with OPENBLAS_CORETYPE={kernel} library={library}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kernels", nargs="+", help="OpenBLAS kernels (default: one of each group that runs here)")
    p.add_argument("--library", action="append", default=[], help="another libfcdd.so to run (repeatable)")
    p.add_argument("--portable", action="store_true", help="also build and run the engine without FMA kernels")
    p.add_argument("--threads", type=int, nargs="+", default=[2])
    p.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3],
                   help="other seeds, on this CPU's own kernel, this library and the first thread count (default 1 2 3)")
    p.add_argument("--json", help="also write the rows to this file")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.threads[0], args.seed)
        return
    kernels = args.kernels or own_kernel_first(blas_kernels.representatives(blas_kernels.survey()))
    libraries = [None] + args.library + ([build_portable()] if args.portable else [])
    plan = [(k, lib, t, 0) for lib in libraries for k in kernels for t in args.threads]
    plan += [(kernels[0], libraries[0], args.threads[0], s) for s in args.seeds]
    rows = []
    print("| OpenBLAS kernel | engine | threads | seed | image AUROC | pixel AUROC | AUPRO | accuracy |")
    print("|---|---|---|---|---|---|---|---|", flush=True)
    for kernel, library, threads, seed in plan:
        r = run(kernel, library, threads, seed)
        rows.append(r)
        print(f"| {r['kernel']} | {r['vector_code']} | {r['threads']} | {r['seed']} | {r['image_auroc']:.4f} | "
              f"{r['pixel_auroc']:.4f} | {r['aupro']:.4f} | {r['accuracy']:.2f} |", flush=True)
    print()
    for label, subset in (("seed 0 (kernels, builds, threads)", [r for r in rows if r["seed"] == 0]),
                          ("all runs (with the other seeds)", rows)):
        spread = ", ".join(f"{name} {min(r[name] for r in subset):.4f}-{max(r[name] for r in subset):.4f}"
                           for name in ("image_auroc", "pixel_auroc", "aupro", "accuracy"))
        print(f"{label}, {len(subset)} runs: {spread}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()

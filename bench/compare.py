#!/usr/bin/env python3
"""Before/after speed of two builds of fcdd-swift, measured in one run: the training-step and inference
throughput of bench.py's networks and a synthetic training epoch end to end (pipeline_share.py), with the two
builds taking turns round after round so that both see the same load on a shared machine. A change that must
not cost speed is checked with it (the docs' claims about "no slowdown" come from here).

    python3 bench/compare.py --before /path/to/old/checkout [--after .] [--threads 2] [--rounds 3]

A checkout is used through its Python package (`<checkout>/python`) and its release library
(`<checkout>/.build-release/release/libfcdd.so`, built by `pip install .`), or `--before-library`.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import builds  # noqa: E402
from bench import CONFIGS  # noqa: E402


def child(env, argv):
    out = subprocess.run([sys.executable] + argv, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def one_round(env, threads, seconds, quick):
    results = {}
    for i, (name, batch, shape) in enumerate(CONFIGS):
        if quick and shape[1] > 100:
            continue
        r = child(env, [os.path.join(HERE, "bench.py"), "--child-index", str(i), "--child-backend", "engine",
                        "--threads", str(threads), "--seconds", str(seconds)])
        results[f"{name} train img/s"] = r["train_ips"]
        results[f"{name} infer img/s"] = r["infer_ips"]
    r = child(env, [os.path.join(HERE, "pipeline_share.py"), "--threads", str(threads)])
    results["synthetic epoch img/s"] = r["epoch_images_per_s"]
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    builds.add_arguments(p)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=2.0, help="minimum timing per measurement")
    p.add_argument("--quick", action="store_true", help="leave out the 224x224 network")
    args = p.parse_args()
    envs = builds.environments(args)
    samples = {"before": [], "after": []}
    for r in range(args.rounds):
        order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
        for label in order:
            samples[label].append(one_round(envs[label], args.threads, args.seconds, args.quick))
            print(f"round {r + 1}/{args.rounds}: {label} measured", file=sys.stderr)
    print(f"{args.threads} thread(s), {args.rounds} rounds taking turns, medians:\n")
    print("| measurement | before | after | after / before |")
    print("|---|---|---|---|")
    for key in samples["before"][0]:
        b = statistics.median(s[key] for s in samples["before"])
        a = statistics.median(s[key] for s in samples["after"])
        print(f"| {key} | {b:.1f} | {a:.1f} | {a / b:.3f} |")


if __name__ == "__main__":
    main()

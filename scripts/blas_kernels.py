#!/usr/bin/env python3
"""The OpenBLAS kernels this machine can run, grouped by the results they give.

OpenBLAS builds for several CPUs at once (DYNAMIC_ARCH, as Debian's) pick their compute kernels when they
load; OPENBLAS_CORETYPE forces one. Kernels round differently (another blocking order, FMA or not), so a
training run gives other weights, scores and AUROCs on another CPU. To see that spread on one machine,
this script tries every core name OpenBLAS 0.3.21 knows for x86-64, each in a child process with
OPENBLAS_CORETYPE set:

  * a kernel whose instructions this CPU lacks dies with SIGILL ("cannot run here"), e.g. FMA4 on Intel;
  * a name the library maps to another core reports that core ("runs as X");
  * the others train two short detectors (gray 32x32 images on FCDD_CNN28_W, RGB 32x32 on FCDD_CNN32_LW3K)
    and hash their scores bit for bit. Kernels with the same hash give the same results here, so one
    kernel of each group stands for the group in scripts/test-kernels.sh.

    python3 scripts/blas_kernels.py              # a table: kernel, outcome, result group
    python3 scripts/blas_kernels.py --groups     # one kernel per group, one per line
    FCDD_SWIFT_LIBRARY=.build-portable/release/libfcdd.so python3 scripts/blas_kernels.py   # another build
"""
import argparse
import contextlib
import hashlib
import io
import json
import os
import signal
import subprocess
import sys

# OpenBLAS 0.3.21's x86-64 core names (driver/others/dynamic.c), oldest first.
CORE_NAMES = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Nano", "Opteron", "Barcelona",
              "Bobcat", "Bulldozer", "Piledriver", "Steamroller", "Excavator", "Sandybridge", "Haswell", "Zen",
              "SkylakeX", "Cooperlake", "SapphireRapids"]
PYTHON_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python")


def fingerprint():
    """In the child: the core OpenBLAS runs, the engine's vector code and a hash of two short fits' scores."""
    sys.path.insert(0, PYTHON_DIR)
    import numpy as np
    import fcdd_swift as fs

    rng = np.random.default_rng(0)
    gray = rng.normal(128, 24, (64, 32, 32)).clip(0, 255).astype(np.uint8)
    rgb = rng.normal(128, 24, (32, 32, 32, 3)).clip(0, 255).astype(np.uint8)
    digest = hashlib.sha1()
    for images in (gray, rgb):
        det = fs.FCDD(epochs=1, seed=0, threads=1, verbose=0)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            det.fit(images)
        digest.update(det.decision_function(images).astype(np.float32).tobytes())
        digest.update(det.anomaly_map(images[:4]).astype(np.float32).tobytes())
    info = fs.info()
    return {"core": info["blas_core"], "vector_code": info["vector_code"], "hash": digest.hexdigest()[:12]}


def probe(name, timeout=600):
    """Runs the fingerprint with OPENBLAS_CORETYPE=name; a dict with `outcome` and, when it ran, `hash`."""
    env = dict(os.environ, OPENBLAS_CORETYPE=name)
    try:
        done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child"], env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"kernel": name, "outcome": f"no answer in {timeout} s"}
    if done.returncode == -signal.SIGILL:
        return {"kernel": name, "outcome": "cannot run here (SIGILL)"}
    if done.returncode != 0:
        return {"kernel": name, "outcome": f"failed (exit {done.returncode}): {done.stderr.strip()[-300:]}"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["core"] != name:
        return {"kernel": name, "outcome": f"runs as {result['core']}"}
    return {"kernel": name, "outcome": "runs", **result}


def survey(names=CORE_NAMES):
    """Every kernel probed, with `group` (1, 2, ... in order of first appearance) for those that run."""
    rows, groups = [], {}
    for name in names:
        row = probe(name)
        if "hash" in row:
            row["group"] = groups.setdefault(row["hash"], len(groups) + 1)
        rows.append(row)
        print(f"  {name}: {row['outcome']}" + (f", group {row['group']}" if "group" in row else ""),
              file=sys.stderr, flush=True)
    return rows


def representatives(rows):
    """The first kernel of each result group."""
    seen, chosen = set(), []
    for row in rows:
        if "group" in row and row["group"] not in seen:
            seen.add(row["group"])
            chosen.append(row["kernel"])
    return chosen


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--groups", action="store_true", help="print one kernel per result group, one per line")
    p.add_argument("--json", action="store_true", help="print the survey as JSON")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(fingerprint()))
        return
    rows = survey()
    if args.groups:
        print("\n".join(representatives(rows)))
    elif args.json:
        print(json.dumps(rows, indent=1))
    else:
        print("| OpenBLAS kernel | outcome | result group | hash of two short fits |")
        print("|---|---|---|---|")
        for r in rows:
            print(f"| {r['kernel']} | {r['outcome']} | {r.get('group', '')} | {r.get('hash', '')} |")


if __name__ == "__main__":
    main()

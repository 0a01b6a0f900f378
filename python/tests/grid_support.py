"""Helpers of the grid tests: small synthetic experiments and what to compare between two of them."""
import json
import os

import numpy as np

import fcdd_swift as fs


def small(logdir, **settings):
    """A synthetic experiment that takes a few seconds per run."""
    return dict({"dataset": "synthetic", "epochs": 2, "classes": [0, 1], "it": 1, "logdir": str(logdir)}, **settings)


def run_results(directory):
    """{run folder relative to the experiment: (auc, pixel_auc)} of every finished run below `directory`."""
    found = {}
    for root, _dirs, files in os.walk(directory):
        if "result.json" in files:
            with open(os.path.join(root, "result.json")) as f:
                r = json.load(f)
            found[os.path.relpath(root, directory)] = (r["auc"], r["pixel_auc"])
    return found


def snapshot_tensors(run_directory):
    tensors = fs.load_safetensors(os.path.join(run_directory, "snapshot.safetensors"))
    return {k: np.asarray(v) for k, v in tensors.items()}


def same_tensors(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def relative_files(directory):
    return sorted(os.path.relpath(os.path.join(root, f), directory) for root, _d, files in os.walk(directory) for f in files)

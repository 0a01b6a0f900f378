"""fs.FCDD uses the threads it is given: during fit and inference with 2 threads the process burns about
twice the CPU time of the wall time (bench/threads.py measures the same on the README example). CPU time
over wall time is used rather than a speed ratio: it does not depend on how fast this machine is today."""
import os
import resource
import time

import numpy as np
import pytest

import fcdd_swift as fs


def _cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs 2 cores")
def test_fit_and_scoring_keep_two_threads_busy():
    rng = np.random.default_rng(0)
    X = rng.normal(128, 24, (256, 32, 32)).clip(0, 255).astype(np.uint8)
    det = fs.FCDD(epochs=2, batch_size=64, seed=0, threads=2, verbose=0)
    wall, cpu = time.perf_counter(), _cpu()
    det.fit(X)
    fit_ratio = (_cpu() - cpu) / (time.perf_counter() - wall)
    wall, cpu = time.perf_counter(), _cpu()
    for _ in range(3):
        det.anomaly_map(X)
    infer_ratio = (_cpu() - cpu) / (time.perf_counter() - wall)
    # 1.0 would be serial; measured here 1.9-2.0.
    assert fit_ratio > 1.4, f"fit used {fit_ratio:.2f} cores of 2"
    assert infer_ratio > 1.4, f"anomaly_map used {infer_ratio:.2f} cores of 2"

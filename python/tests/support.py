"""Shared test helpers: repository paths and the tolerance checks of the golden fixtures."""
import os

import numpy as np


def _find_repo_root():
    d = os.path.dirname(os.path.abspath(__file__))
    while d != os.path.dirname(d):
        if os.path.isfile(os.path.join(d, "Package.swift")):
            return d
        d = os.path.dirname(d)
    raise RuntimeError("python/tests must live inside the fcdd-swift repository (no Package.swift above it)")


REPO = _find_repo_root()
FIXTURES = os.path.join(REPO, "Tests", "FCDDCoreTests", "Fixtures")
HEADER = os.path.join(REPO, "Sources", "CBridge", "include", "fcdd.h")


def _describe(a, b):
    d = np.abs(a - b)
    i = int(np.argmax(d)) if d.size else 0
    return (f"shape {a.shape} vs {b.shape}; largest |difference| {d.max() if d.size else 0:.3e} at flat index {i} "
            f"(got {a.ravel()[i]:.7g}, expected {b.ravel()[i]:.7g}); max|expected| {np.abs(b).max():.3e}")


def assert_close(actual, expected, what, rtol=1e-4, atol=1e-5):
    """Forward outputs, losses, scores, heatmaps, upsampling: |a - b| <= atol + rtol * |b| elementwise."""
    a, b = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert a.size == b.size, f"{what}: {a.size} values, expected {b.size} ({a.shape} vs {b.shape})"
    a, b = a.reshape(b.shape), b
    ok = np.abs(a - b) <= atol + rtol * np.abs(b)
    assert ok.all(), f"{what}: {int((~ok).sum())} of {b.size} values outside rtol {rtol}, atol {atol}; {_describe(a, b)}"


def assert_close_to_max(actual, expected, what, rel=1e-3):
    """Gradients and optimiser results: |a - b| <= rel * max|b| (the fixtures' README)."""
    a, b = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert a.shape == b.shape, f"{what}: shape {a.shape}, expected {b.shape}"
    bound = rel * np.abs(b).max()
    assert np.abs(a - b).max() <= bound, f"{what}: exceeds {rel} * max|expected| = {bound:.3e}; {_describe(a, b)}"

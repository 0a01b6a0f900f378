"""The scikit-learn / PyOD style detector `FCDD` (see estimator.py and docs/detector.md)."""
from .estimator import FCDD

__all__ = ["FCDD"]

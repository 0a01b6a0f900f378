"""Deployment: models as ONNX graphs (`export_onnx`; needs the optional onnx package)."""
from .onnx_export import build, describe, export_onnx

__all__ = ["build", "describe", "export_onnx"]

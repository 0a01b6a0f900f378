"""pytest set-up: the helpers in support.py are importable whatever the import mode; fixtures for paths."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import support  # noqa: E402


@pytest.fixture(scope="session")
def repo_root():
    return support.REPO


@pytest.fixture(scope="session")
def fixtures_dir():
    return support.FIXTURES


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "learned_figures: checks a figure that training produces (an AUROC, which setting wins); such "
        "figures move with the CPU's float rounding, so scripts/test.sh runs these tests a second time on "
        "another OpenBLAS kernel (docs/reproducibility.md)")


def pytest_sessionstart(session):
    """CI installs the optional extras; there a missing Ray is an installation failure, not a reason to
    skip the scale-out tests quietly."""
    if os.environ.get("CI") == "true":
        import importlib.util
        for module, extra in (("ray", "ray"), ("yaml", "ray"), ("onnx", "onnx"), ("onnxruntime", "onnx"),
                              ("fastapi", "serve"), ("uvicorn", "serve"), ("multipart", "serve"),
                              ("prometheus_client", "serve"), ("watchdog", "serve")):
            if importlib.util.find_spec(module) is None:
                raise pytest.UsageError(f"CI=true but {module} is not installed: pip install '.[{extra}]'")


@pytest.fixture(scope="session")
def parts_model(tmp_path_factory):
    """A calibrated detector of generated parts, saved once per session for the serving tests:
    {"path", "det", "nominal", "defective"} (see serve_support.train_model)."""
    import serve_support
    path = str(tmp_path_factory.mktemp("served") / "parts.fcdd")
    det, nominal, defective = serve_support.train_model(path, seed=0, epochs=10)
    return {"path": path, "det": det, "nominal": nominal, "defective": defective}

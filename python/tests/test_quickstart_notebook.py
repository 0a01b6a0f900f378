"""examples/quickstart.ipynb runs headless from top to bottom (nbclient, installed by the test command, not
required by the package), shows its heatmaps inline, and is what examples/make_quickstart.py writes."""
import importlib.util
import os
import sys

import pytest

from support import REPO

NOTEBOOK = os.path.join(REPO, "examples", "quickstart.ipynb")


def _need(module):
    if importlib.util.find_spec(module) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {module} is not installed (scripts/test.sh installs nbclient, ipykernel)")
        pytest.skip(f"{module} is not installed")


def test_the_notebook_is_what_its_generator_writes():
    _need("nbformat")
    import nbformat
    sys.path.insert(0, os.path.join(REPO, "examples"))
    try:
        import make_quickstart
    finally:
        sys.path.pop(0)
    committed = nbformat.read(NOTEBOOK, as_version=4)
    generated = make_quickstart.notebook()
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in generated.cells], \
        "run python3 examples/make_quickstart.py and commit the notebook"
    assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code"), "commit it without outputs"


def test_the_quickstart_notebook_runs_headless(tmp_path, monkeypatch):
    _need("nbclient")
    _need("ipykernel")
    import nbformat
    from nbclient import NotebookClient
    # The kernel imports this checkout's package, like the rest of the tests.
    monkeypatch.setenv("PYTHONPATH", os.path.join(REPO, "python") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "the overlays are shown inline"
    text = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "image_auroc" in text and "reloaded: FCDD_CNN28_W True" in text, text
    assert (tmp_path / "textures.fcdd").is_file() and (tmp_path / "overlays.png").is_file()

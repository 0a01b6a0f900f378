"""The notebook example of the README runs as printed, at its documented settings (20 epochs), and prints
the figures the README quotes (within the stated tolerance)."""
import ast
import contextlib
import io
import os
import re

from support import REPO

# The README's "Measured here" sentence: image AUROC, pixel AUROC and AUPRO after the example's fit.
TOLERANCE = 0.02


def readme_figures(text):
    m = re.search(r"then image AUROC (\d\.\d\d), pixel AUROC (\d\.\d\d), AUPRO (\d\.\d\d) on the 200 test images", text)
    assert m, "the README lost the figures of its notebook example"
    return {"image_auroc": float(m.group(1)), "pixel_auroc": float(m.group(2)), "aupro": float(m.group(3))}


def test_readme_notebook_example_runs_and_prints_the_quoted_figures(tmp_path, monkeypatch):
    text = open(os.path.join(REPO, "README.md")).read()
    block = re.search(r"<!-- notebook-example[^>]*-->\s*```python\n(.*?)```", text, flags=re.S)
    assert block, "the README lost its notebook example"
    code = block.group(1)
    assert "epochs=20" in code
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    assert (tmp_path / "overlay.png").is_file() and (tmp_path / "textures.fcdd").is_file()
    printed = ast.literal_eval(out.getvalue().splitlines()[0])
    for name, quoted in readme_figures(text).items():
        assert abs(printed[name] - quoted) <= TOLERANCE, (name, printed[name], quoted)

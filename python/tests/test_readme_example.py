"""The notebook example of the README runs as printed (with 2 epochs instead of 20, to stay quick)."""
import os
import re

from support import REPO


def test_readme_notebook_example_runs(tmp_path, monkeypatch):
    text = open(os.path.join(REPO, "README.md")).read()
    block = re.search(r"<!-- notebook-example[^>]*-->\s*```python\n(.*?)```", text, flags=re.S)
    assert block, "the README lost its notebook example"
    code = block.group(1)
    assert "epochs=20" in code
    monkeypatch.chdir(tmp_path)
    exec(compile(code.replace("epochs=20", "epochs=2"), "README.md", "exec"), {"__name__": "readme"})
    assert (tmp_path / "overlay.png").is_file() and (tmp_path / "textures.fcdd").is_file()

"""The complete example of docs/detector.md as code: the block itself, running it, and the figures the page
quotes for it. Used by test_readme_example.py and by bench/reproducibility.py, which measures those figures on
every OpenBLAS kernel, engine build and thread count (and seed) to give the ranges the page quotes. Also the
README's first example block."""
import ast
import contextlib
import io
import os
import re

from support import REPO

README = os.path.join(REPO, "README.md")
GUIDE = os.path.join(REPO, "docs", "detector.md")
FIGURES = ("image_auroc", "pixel_auroc", "aupro", "accuracy")

# The page's sentence after the example: a figure is one value ("1.00") or a range ("0.97-0.99").
_VALUE = r"(\d\.\d\d)(?:-(\d\.\d\d))?"
_QUOTED = re.compile(
    rf"image AUROC {_VALUE}, pixel AUROC {_VALUE}, AUPRO {_VALUE} on the 200 test images and accuracy {_VALUE}"
    r" at the F1 threshold".replace(" ", r"\s+"))


def readme_text():
    """The text of the page with the complete example."""
    with open(GUIDE) as f:
        return f.read()


def first_example_code():
    """The README's first example (behind `<!-- first-example ... -->`)."""
    with open(README) as f:
        block = re.search(r"<!-- first-example[^>]*-->\s*```python\n(.*?)```", f.read(), flags=re.S)
    assert block, "the README lost its first example"
    return block.group(1)


def example_code(text=None):
    """The Python block behind the `<!-- notebook-example ... -->` marker."""
    block = re.search(r"<!-- notebook-example[^>]*-->\s*```python\n(.*?)```", text or readme_text(), flags=re.S)
    assert block, "docs/detector.md lost its complete example"
    return block.group(1)


def quoted_ranges(text=None):
    """{figure: (low, high)} as the page quotes them after the example."""
    m = _QUOTED.search(text or readme_text())
    assert m, "docs/detector.md lost the figures of its complete example"
    values = m.groups()
    return {name: (float(values[2 * i]), float(values[2 * i + 1] or values[2 * i]))
            for i, name in enumerate(FIGURES)}


def run_example(code, seed=None):
    """Runs the block in the current folder; the figures it prints: {image_auroc, pixel_auroc, aupro, accuracy}.
    `seed` replaces the detector's seed=0 (bench/reproducibility.py measures the spread over seeds too)."""
    if seed is not None:
        assert code.count("seed=0)") == 1, "the example must create its detector with seed=0"
        code = code.replace("seed=0)", f"seed={seed})")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/detector.md", "exec"), {"__name__": "readme"})
    lines = out.getvalue().splitlines()
    figures = {k: v for k, v in ast.literal_eval(lines[0]).items() if k in FIGURES}
    accuracy = [line for line in lines if line.startswith("accuracy ")]
    assert accuracy, "the example no longer prints its accuracy"
    figures["accuracy"] = float(accuracy[0].split()[1])
    return figures

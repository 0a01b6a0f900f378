"""The "Choosing the supervision" example of docs/detector.md runs as printed, and shows what the docs say:
on object-level data (a digit against the others) outlier images and known anomalies beat synthetic
anomalies alone."""
import contextlib
import io
import os
import re

import pytest

from support import REPO

pytest.importorskip("sklearn.datasets")


@pytest.mark.learned_figures
def test_supervision_example_runs_and_outliers_and_known_anomalies_help(record_property):
    text = open(os.path.join(REPO, "docs", "detector.md")).read()
    block = re.search(r"<!-- supervision-example[^>]*-->\s*```python\n(.*?)```", text, flags=re.S)
    assert block, "docs/detector.md lost its supervision example"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block.group(1), "docs/detector.md", "exec"), {"__name__": "docs"})
    auroc = {m.group(1).strip(): float(m.group(2)) for m in re.finditer(r"^(.+?) image AUROC (\d\.\d+)", out.getvalue(), flags=re.M)}
    assert set(auroc) == {"synthetic only", "outlier images", "known anomalies"}, out.getvalue()
    for name, value in auroc.items():   # scripts/learned_figures.py tabulates these per kernel
        record_property(f"supervision {name} image AUROC", value)
    assert auroc["outlier images"] > auroc["synthetic only"] + 0.1, auroc
    assert auroc["known anomalies"] > auroc["synthetic only"] + 0.1, auroc
    assert "synthetic anomalies only" in out.getvalue() and "known anomalies" in out.getvalue()

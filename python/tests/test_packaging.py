"""setup.py ships every subpackage of fcdd_swift (the tests import the source tree, so a package missing
from setup.py would otherwise only show up after `pip install .`)."""
import os
import re

from support import REPO


def test_setup_lists_every_subpackage():
    root = os.path.join(REPO, "python")
    found = {os.path.relpath(d, root).replace(os.sep, ".") for d, _, files in os.walk(os.path.join(root, "fcdd_swift"))
             if "__init__.py" in files}
    listed = set(re.findall(r'"(fcdd_swift[a-z_.]*)"', open(os.path.join(REPO, "setup.py")).read()))
    assert found <= listed, f"missing from setup.py packages: {sorted(found - listed)}"


def test_the_guides_are_readable_from_the_source_tree():
    import fcdd_swift as fs
    assert {"README", "detector", "settings", "tune"} <= set(fs.guide())
    assert "## Choosing the supervision" in fs.guide("detector")
    assert 'fcdd_swift.guide("detector")' in fs.FCDD.__doc__


def test_the_installed_package_carries_its_guides():
    """`pip install .` (the test command installs the package) copies docs/ into the package: the guide
    that help(fs.FCDD) points to is there without the repository."""
    import os
    import subprocess
    import sys
    import pytest
    code = ("import fcdd_swift as fs, json; "
            "print(json.dumps([fs.__file__, fs.guide(), fs.guide_path('detector'), len(fs.guide('detector'))]))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", code], cwd="/", env=env, capture_output=True, text=True)
    if done.returncode != 0 and "No module named 'fcdd_swift'" in done.stderr:
        if os.environ.get("CI") == "true":
            pytest.fail("fcdd_swift is not installed; the test command installs it with pip install .")
        pytest.skip("fcdd_swift is not installed (pip install .)")
    assert done.returncode == 0, done.stderr
    import json
    package_file, names, detector_path, size = json.loads(done.stdout)
    package = os.path.dirname(package_file)
    assert not package.startswith(os.path.join(REPO, "python")), "imported the source tree, not the installed package"
    assert {"README", "detector", "settings", "tune"} <= set(names)
    assert detector_path == os.path.join(package, "_docs", "detector.md")
    assert size == len(open(os.path.join(REPO, "docs", "detector.md"), encoding="utf-8").read())

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

"""The C header is the ABI's source of truth: every declared function is exported by the built
library, and the library needs no Swift runtime from a toolchain."""
import os
import re
import subprocess

import fcdd_swift as fs
from conftest import REPO

HEADER = os.path.join(REPO, "Sources", "CBridge", "include", "fcdd.h")


def declared_functions():
    text = re.sub(r"/\*.*?\*/", "", open(HEADER).read(), flags=re.S)
    return set(re.findall(r"\b(fcdd_[a-z_0-9]+)\s*\(", text))


def test_every_declared_function_is_exported():
    lib = fs._loader.LIBRARY_PATH
    out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
    exported = set(re.findall(r"\bT (fcdd_[a-z_0-9]+)", out))
    declared = declared_functions()
    assert len(declared) > 30
    assert declared - exported == set()
    assert exported - declared == set(), "exported but not declared in fcdd.h"


def test_library_does_not_need_the_swift_toolchain():
    out = subprocess.run(["readelf", "-d", fs._loader.LIBRARY_PATH], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"NEEDED.*\[(.+)\]", out)
    assert needed and not [n for n in needed if "swift" in n.lower() or "Foundation" in n]
    assert "$ORIGIN" in out

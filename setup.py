"""Builds the Swift engine (release, Swift stdlib linked statically) and installs the fcdd_swift
package with libfcdd.so inside it: `pip install .` from the repository root."""
import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

ROOT = os.path.dirname(os.path.abspath(__file__))
SCRATCH = os.path.join(ROOT, ".build-release")


class BuildWithSwift(build_py):
    def run(self):
        if shutil.which("swift") is None:
            raise SystemExit("fcdd-swift needs the Swift toolchain (swift) on PATH to build its engine")
        subprocess.check_call(["swift", "build", "-c", "release", "--product", "fcdd", "--scratch-path", SCRATCH],
                              cwd=ROOT)
        super().run()
        target = os.path.join(self.build_lib, "fcdd_swift")
        os.makedirs(target, exist_ok=True)
        shutil.copy2(os.path.join(SCRATCH, "release", "libfcdd.so"), os.path.join(target, "libfcdd.so"))


class BinaryDistribution(Distribution):
    """The wheel carries a native library, so it is platform specific."""

    def has_ext_modules(self):
        return True


setup(
    name="fcdd-swift",
    version="0.1.0",
    description="FCDD (Explainable Deep One-Class Classification) on a native Swift engine",
    package_dir={"": "python"},
    packages=["fcdd_swift"],
    python_requires=">=3.9",
    install_requires=["numpy"],
    cmdclass={"build_py": BuildWithSwift},
    distclass=BinaryDistribution,
    zip_safe=False,
)

"""Builds the Swift engine (release; Swift standard library linked statically, RUNPATH $ORIGIN) and
installs the fcdd_swift package with libfcdd.so inside it: `pip install .` from the repository root."""
import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

ROOT = os.path.dirname(os.path.abspath(__file__))
# A scratch folder of its own: the release library is linked with other flags than `swift build`'s
# default .build, and SwiftPM may not relink when flags change within one folder.
SCRATCH = os.path.join(ROOT, ".build-release")
LIBRARY = os.path.join(SCRATCH, "release", "libfcdd.so")
SWIFT_BUILD = ["swift", "build", "-c", "release", "--product", "fcdd", "--scratch-path", SCRATCH]


class BuildWithSwift(build_py):
    """build_py that first builds libfcdd.so with SwiftPM and then copies it into the package."""

    def run(self):
        if shutil.which("swift") is None:
            raise SystemExit(
                "error: fcdd-swift needs the Swift toolchain (`swift` on PATH, Swift 5.9 or newer) to build its "
                "native engine libfcdd.so; install it from https://www.swift.org/install/ and retry "
                "`pip install .` (the system packages libopenblas-dev, libpng-dev, zlib1g-dev, libturbojpeg0-dev and pkg-config "
                "are needed too: "
                "scripts/install-deps.sh)")
        print("building the Swift engine:", " ".join(SWIFT_BUILD), flush=True)
        try:
            subprocess.check_call(SWIFT_BUILD, cwd=ROOT)
        except subprocess.CalledProcessError as e:
            raise SystemExit(f"error: `{' '.join(SWIFT_BUILD)}` failed with exit code {e.returncode}; "
                             "see the compiler output above") from None
        super().run()
        target = os.path.join(self.build_lib, "fcdd_swift")
        os.makedirs(target, exist_ok=True)
        shutil.copy2(LIBRARY, os.path.join(target, "libfcdd.so"))
        # The guides ship with the package (fcdd_swift.guide reads them): docs/*.md and the README.
        docs = os.path.join(target, "_docs")
        os.makedirs(docs, exist_ok=True)
        for name in os.listdir(os.path.join(ROOT, "docs")):
            if name.endswith(".md"):
                shutil.copy2(os.path.join(ROOT, "docs", name), os.path.join(docs, name))
        shutil.copy2(os.path.join(ROOT, "README.md"), os.path.join(docs, "README.md"))


class BinaryDistribution(Distribution):
    """The package carries a native library: the wheel must be platform specific (root_is_pure False)."""

    def has_ext_modules(self):
        return True


cmdclass = {"build_py": BuildWithSwift}
try:
    from wheel.bdist_wheel import bdist_wheel

    class PlatformWheel(bdist_wheel):
        """py3-none-<platform>: libfcdd.so depends on the platform but not on the Python version or ABI."""

        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            return ("py3", "none", super().get_tag()[2])

    cmdclass["bdist_wheel"] = PlatformWheel
except ImportError:  # no wheel package: plain `setup.py install`; has_ext_modules still marks it binary
    pass


setup(
    name="fcdd-swift",
    version="0.1.0",
    description="FCDD (Explainable Deep One-Class Classification) on a native Swift engine",
    package_dir={"": "python"},
    packages=["fcdd_swift", "fcdd_swift.cli", "fcdd_swift.deploy", "fcdd_swift.detector", "fcdd_swift.grid",
              "fcdd_swift.serve"],
    entry_points={"console_scripts": ["fcdd-swift = fcdd_swift.cli:main"]},
    package_data={"fcdd_swift": ["libfcdd.so", "_docs/*.md"], "fcdd_swift.serve": ["page.html"]},  # placed into the build folder by BuildWithSwift
    python_requires=">=3.9",
    install_requires=["numpy"],
    # Ray runs grids and Tune searches past one process or machine; PyYAML reads YAML grid specs.
    # ONNX export (onnx) and running the exported graphs (onnxruntime, used by the tests and bench/).
    # Serving: the HTTP API and page (FastAPI on uvicorn), uploads, Prometheus metrics, the hot folder.
    # Ray Serve comes with the ray extra.
    extras_require={"ray": ["ray[tune,client,serve]>=2.9", "pyyaml"], "onnx": ["onnx>=1.14", "onnxruntime>=1.16"],
                    "serve": ["fastapi>=0.100", "uvicorn>=0.23", "python-multipart>=0.0.7", "prometheus-client>=0.17",
                              "watchdog>=3"]},
    cmdclass=cmdclass,
    distclass=BinaryDistribution,
    zip_safe=False,
)

"""Two builds of fcdd-swift side by side (compare.py, instructions.py): a checkout is used through its Python
package (`<checkout>/python`) and its release library (`<checkout>/.build-release/release/libfcdd.so`, built
by `pip install .`, or one given explicitly)."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def add_arguments(p):
    p.add_argument("--before", required=True, help="checkout of the earlier build")
    p.add_argument("--after", default=os.path.dirname(HERE), help="checkout of the later build (default: this one)")
    p.add_argument("--before-library", help="libfcdd.so of the earlier build (default: its .build-release)")
    p.add_argument("--after-library", help="libfcdd.so of the later build (default: its .build-release)")


def environments(args, **extra):
    """{"before": env, "after": env}: the process environment that loads each build, plus `extra`."""
    out = {}
    for label in ("before", "after"):
        checkout, library = getattr(args, label), getattr(args, f"{label}_library")
        env = dict(os.environ, PYTHONPATH=os.path.join(os.path.abspath(checkout), "python"), **extra)
        env["FCDD_SWIFT_LIBRARY"] = os.path.abspath(library or os.path.join(checkout, ".build-release", "release",
                                                                            "libfcdd.so"))
        if not os.path.isfile(env["FCDD_SWIFT_LIBRARY"]):
            raise SystemExit(f"{env['FCDD_SWIFT_LIBRARY']} does not exist: build that checkout first (pip install .)")
        out[label] = env
    return out

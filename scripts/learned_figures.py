"""The figures that training produces in the test suite (AUROCs of the README example, of the docs' examples,
of short training runs), per kernel, from the logs of scripts/test-kernels.sh: pytest records them as test
properties in its JUnit XML, `swift test` prints them as "learned figure: <name> <value>". Shows how far each
figure moves between CPUs, next to the bound its test checks.

    python3 scripts/learned_figures.py [LOG_FOLDER]        # default test-kernels-logs
"""
import argparse
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

SWIFT_LINE = re.compile(r"^learned figure: (.+) (-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$", re.M)


def read_run(folder, label):
    """{figure: value} of one kernel run (its pytest XML and its swift log, either may be missing)."""
    figures = {}
    xml = os.path.join(folder, f"{label}-pytest.xml")
    if os.path.exists(xml):
        for prop in ET.parse(xml).iter("property"):
            figures[prop.get("name")] = float(prop.get("value"))
    log = os.path.join(folder, f"{label}-swift.log")
    if os.path.exists(log):
        with open(log, errors="replace") as f:
            for name, value in SWIFT_LINE.findall(f.read()):
                figures[name] = float(value)
    return figures


def labels(folder):
    found = set()
    for path in glob.glob(os.path.join(folder, "*-pytest.xml")) + glob.glob(os.path.join(folder, "*-swift.log")):
        found.add(re.sub(r"-(pytest\.xml|swift\.log)$", "", os.path.basename(path)))
    return sorted(found)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", default="test-kernels-logs")
    args = parser.parse_args(argv)
    runs = {label: read_run(args.folder, label) for label in labels(args.folder)}
    runs = {label: figures for label, figures in runs.items() if figures}
    if not runs:
        sys.exit(f"no figures in {args.folder}: run scripts/test-kernels.sh first")
    names = sorted({name for figures in runs.values() for name in figures})
    print("| figure | " + " | ".join(runs) + " | spread |")
    print("|---|" + "---|" * (len(runs) + 1))
    for name in names:
        values = [runs[label].get(name) for label in runs]
        present = [v for v in values if v is not None]
        cells = ["" if v is None else f"{v:.4f}" for v in values]
        print(f"| {name} | " + " | ".join(cells) + f" | {max(present) - min(present):.4f} |")


if __name__ == "__main__":
    main()

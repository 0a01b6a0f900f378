"""`fcdd-swift watch MODEL IN_DIR -o OUT_DIR`: a hot folder. Every PNG/JPEG image that appears in IN_DIR (and
its sub-folders), once completely written, is decided with the model as `fcdd-swift predict --format jsonl`
decides it: its record (path, score, label, regions, error) is appended to OUT_DIR/predictions.jsonl and a
line printed. With --sort the image then moves to OUT_DIR/pass/, fail/ or (unreadable) error/. A journal
(OUT_DIR/watch-journal.jsonl) makes a restart neither skip nor repeat an image. Ctrl-C stops after the
current image. Needs watchdog (`pip install 'fcdd-swift[serve]'`); --once needs nothing more."""
import sys

from .. import settings
from .options import add_setting_option


def add_arguments(p):
    p.add_argument("model", metavar="MODEL", help="a model file of fs.FCDD.save / `fcdd-swift fit` / `calibrate`")
    p.add_argument("in_dir", metavar="IN_DIR", help="the folder to watch")
    p.add_argument("-o", "--output", required=True, metavar="OUT_DIR",
                   help="where predictions.jsonl, the journal and (with --sort) pass/, fail/ and error/ go")
    p.add_argument("--sort", action="store_true",
                   help="move each decided image to OUT_DIR/pass/ or fail/ (unreadable ones to error/); needs an "
                        "image threshold")
    p.add_argument("--min-area", type=int, default=1, help="drop regions of fewer pixels than this (default: %(default)s)")
    p.add_argument("--settle", type=float, default=0.5,
                   help="seconds a file's size and time must stay unchanged before it counts as written "
                        "(default: %(default)s)")
    add_setting_option(p, "threads", settings.fields("detector")["threads"], default=None, context="detector",
                       help="engine threads (default: the model's own setting, else one per core)")
    p.add_argument("--once", action="store_true", help="decide the images there now, then exit (no watching)")


def _line(record):
    if record["error"] is not None:
        return f"{record['path']}: error: {record['error']}"
    label = {1: "ANOMALOUS", 0: "nominal", None: "no threshold"}[record["label"]]
    regions = "" if record["regions"] is None else f", {len(record['regions'])} regions"
    return f"{record['path']}: {label} (score {record['score']:.5g}{regions})"


def run(args, out):
    import os
    from ..detector import FCDD
    from ..errors import InvalidArgumentError
    from ..serve.hot_folder import HotFolder

    if not os.path.isdir(args.in_dir):
        raise InvalidArgumentError(f"{args.in_dir}: no such folder to watch")
    if not 0 <= args.settle <= 3600:
        raise InvalidArgumentError(f"--settle must be in [0, 3600] seconds; got {args.settle:g}")
    if args.min_area < 1:
        raise InvalidArgumentError(f"--min-area must be >= 1; got {args.min_area}")
    detector = FCDD.load(args.model)
    if args.threads is not None:
        detector.set_params(threads=args.threads)

    def report(record):
        out.write(_line(record) + "\n")
        out.flush()

    folder = HotFolder(detector, args.in_dir, args.output, sort=args.sort, min_area=args.min_area,
                       settle=args.settle, report=report)
    if args.once:
        n = folder.run_once()
        sys.stderr.write(f"fcdd-swift watch: decided {n} images into {os.path.join(args.output, 'predictions.jsonl')}\n")
        return 0
    sys.stderr.write(f"fcdd-swift watch: watching {args.in_dir} (Ctrl-C stops); records go to "
                     f"{os.path.join(args.output, 'predictions.jsonl')}\n")
    sys.stderr.flush()
    try:
        folder.run()
    except KeyboardInterrupt:
        folder.stop()
    sys.stderr.write(f"fcdd-swift watch: stopped after {folder.decided} images\n")
    return 0

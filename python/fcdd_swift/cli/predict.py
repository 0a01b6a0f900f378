"""`fcdd-swift predict MODEL IMAGES...|FOLDER`: scores new images with a model (a `train` snapshot or an
fs.FCDD model file) using the preprocessing stored in it, and decides each under the model's thresholds
(`fcdd-swift calibrate` sets them): label (score above the image threshold) and anomalous regions
(connected parts of the heatmap above the pixel threshold, with box, area and scores). Writes
predictions.jsonl (one JSON object per image: path, score, label, regions, error) and scores.csv (path,
score, label, regions, error), a heatmap overlay per image at the image's own resolution (regions outlined
in white, a red frame for anomalous, green for nominal) and, with --masks, binary mask PNGs under masks/;
sub-folders mirror the inputs' folders. An image that cannot be read is reported on stderr and in the
error field, the others are scored, and the command exits with status 1."""
import os
import sys

from .. import settings
from .options import add_setting_option, check_setting_value

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


def add_arguments(p):
    p.add_argument("snapshot", metavar="MODEL",
                   help="snapshot.safetensors of `fcdd-swift train`, or a model file of fs.FCDD.save / `fcdd-swift calibrate`")
    p.add_argument("inputs", nargs="+", help="image files (PNG/JPEG) or folders (searched recursively)")
    p.add_argument("-o", "--output", default="predictions", help="output folder (default: %(default)s)")
    fields = settings.fields("experiment")
    add_setting_option(p, "gauss_std", fields["gauss_std"], default=None,
                       help="std of the receptive-field Gaussian (default: the model's)")
    add_setting_option(p, "threads", fields["threads"], default=None, help="engine threads (default: all cores)")
    p.add_argument("--format", choices=["jsonl", "csv", "both"], default="both",
                   help="which table to write: predictions.jsonl, scores.csv or both (default: %(default)s)")
    p.add_argument("--masks", action="store_true",
                   help="write a binary mask PNG per image (masks/<folders>/<name>_mask.png, 255 = anomalous region)")
    p.add_argument("--min-area", type=int, default=1,
                   help="drop regions of fewer pixels than this (default: %(default)s)")
    p.add_argument("--overwrite", action="store_true",
                   help="write into an output folder that already holds files, replacing those of the same names "
                        "(without: an error)")


def collect_images(inputs):
    files = []
    for item in inputs:
        if os.path.isdir(item):
            found = []
            for root, dirs, names in os.walk(item):
                dirs.sort()
                found += [os.path.join(root, n) for n in sorted(names) if n.lower().endswith(IMAGE_EXTENSIONS)]
            if not found:
                raise ValueError(f"{item}: no PNG or JPEG images in this folder")
            files += found
        elif os.path.isfile(item):
            files.append(item)
        else:
            raise ValueError(f"{item}: no such file or folder")
    return files


def run(args, out):
    from .. import set_num_threads
    from ..experiment import run_prediction

    if not os.path.isfile(args.snapshot):
        raise ValueError(f"{args.snapshot}: no such snapshot file")
    if args.gauss_std is not None:
        check_setting_value("gauss_std", args.gauss_std)
    if args.threads is not None:
        set_num_threads(args.threads)
    if args.min_area < 1:
        raise ValueError("--min-area must be >= 1")
    files = collect_images(args.inputs)
    request = {"snapshot": args.snapshot, "inputs": files, "output_dir": args.output, "overwrite": args.overwrite,
               "formats": ["jsonl", "csv"] if args.format == "both" else [args.format], "masks": args.masks,
               "min_area": args.min_area}
    if args.gauss_std is not None:
        request["gauss_std"] = args.gauss_std

    def on_event(e):
        if e.get("event") == "image" and e.get("error"):
            sys.stderr.write(f"fcdd-swift predict: skipped {e['path']}: {e['error']}\n")
        if e.get("event") == "image" and (e["index"] + 1 == e["count"] or (e["index"] + 1) % 50 == 0):
            out.write(f"  processed {e['index'] + 1}/{e['count']} images\n")
        elif e.get("event") == "log":
            out.write("  " + e["message"] + "\n")

    summary = run_prediction(request, on_event)
    for level in summary["missing_thresholds"]:
        what = "labels" if level == "image" else "regions and masks"
        out.write(f"no {level} threshold in {args.snapshot}, so no {what}; set it with `fcdd-swift calibrate "
                  f"{args.snapshot} --normal GOOD_IMAGES [--anomalous BAD_IMAGES --masks MASKS]`\n")
    scored = [item for item in summary["results"] if item.get("score") is not None]
    for item in scored[:20]:
        verdict = {None: "", 0: "  nominal", 1: "  ANOMALOUS"}[item.get("label")]
        regions = f"  {len(item['regions'])} region(s)" if item.get("regions") else ""
        out.write(f"{item['score']:.6f}{verdict}{regions}  {item['path']}\n")
    if len(scored) > 20:
        out.write(f"... {len(scored) - 20} more\n")
    failed = int(summary["failed"])
    anomalous = sum(1 for item in scored if item.get("label") == 1)
    verdicts = f"; {anomalous} anomalous, {len(scored) - anomalous} nominal" if summary["thresholds"]["image"] else ""
    out.write(f"scored {len(scored)} of {len(files)} images{verdicts}\n")
    tables = " and ".join(summary["files"][k] for k in ("jsonl", "csv") if k in summary["files"])
    out.write(f"results: {tables}; heatmap overlays{' and masks' if args.masks else ''}: {args.output}/\n")
    if failed:
        sys.stderr.write(f"fcdd-swift predict: {failed} of {len(files)} images could not be scored (see the error field of "
                         f"{tables})\n")
        return 1
    return 0

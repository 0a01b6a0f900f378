"""`fcdd-swift predict SNAPSHOT IMAGES...|FOLDER`: scores new images with a trained snapshot, using the
preprocessing stored in it, and writes scores.csv (path, score, error) and heatmap overlays (PNG) into the
output folder, in sub-folders that mirror the inputs' folders. An image that cannot be read is reported on
stderr and in the error column, the others are scored, and the command exits with status 1."""
import os
import sys

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


def add_arguments(p):
    p.add_argument("snapshot", help="snapshot.safetensors written by `fcdd-swift train`")
    p.add_argument("inputs", nargs="+", help="image files (PNG/JPEG) or folders (searched recursively)")
    p.add_argument("-o", "--output", default="predictions", help="output folder (default: %(default)s)")
    p.add_argument("--gauss-std", type=float, help="std of the receptive-field Gaussian (default: the snapshot's)")
    p.add_argument("--threads", type=int, help="engine threads (default: all cores)")
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
    if args.gauss_std is not None and not args.gauss_std > 0:
        raise ValueError("--gauss-std must be > 0")
    if args.threads is not None:
        set_num_threads(args.threads)
    files = collect_images(args.inputs)
    request = {"snapshot": args.snapshot, "inputs": files, "output_dir": args.output, "overwrite": args.overwrite}
    if args.gauss_std is not None:
        request["gauss_std"] = args.gauss_std

    def on_event(e):
        if e.get("event") == "image" and e.get("error"):
            sys.stderr.write(f"fcdd-swift predict: skipped {e['path']}: {e['error']}\n")
        if e.get("event") == "image" and (e["index"] + 1 == e["count"] or (e["index"] + 1) % 50 == 0):
            out.write(f"  scored {e['index'] + 1}/{e['count']} images\n")
        elif e.get("event") == "log":
            out.write("  " + e["message"] + "\n")

    summary = run_prediction(request, on_event)
    scored = [item for item in summary.get("results", []) if "score" in item]
    for item in scored[:20]:
        out.write(f"{item['score']:.6f}  {item['path']}\n")
    if len(scored) > 20:
        out.write(f"... {len(scored) - 20} more\n")
    out.write(f"scores: {os.path.join(args.output, 'scores.csv')}; heatmap overlays: {args.output}/\n")
    failed = int(summary.get("failed", 0))
    if failed:
        sys.stderr.write(f"fcdd-swift predict: {failed} of {len(files)} images could not be scored (see the error column of scores.csv)\n")
        return 1
    return 0

"""`fcdd-swift calibrate MODEL --normal DIR [--anomalous DIR] [--masks DIR] [-o OUT]`: sets the image and pixel
thresholds of a model (a `train` snapshot or an fs.FCDD model file) from folders of images and writes the model
with them to a new file (OUT, by default MODEL's name with `-calibrated`; the input is replaced only with
--in-place). `predict` then labels images and finds anomalous regions with them.

With good parts only (--normal), the image threshold flags at most --max-fpr of them and the pixel threshold
is the --quantile of their pixel scores: the weaker choice, since it knows nothing of how defects score. With
anomalous images (--anomalous) the image threshold maximises F1 (or, with --image-method max_fpr, recall
within --max-fpr); with their ground-truth masks (--masks) the pixel threshold maximises pixel F1. A mask is
found by the image's path relative to --anomalous: `<masks>/<folders>/<name>_mask.png` (MVTec-AD's
ground_truth/<defect>/000_mask.png) or `<masks>/<folders>/<name>.png`. For MVTec-AD:

  fcdd-swift calibrate model.fcdd --normal bottle/test/good --anomalous bottle/test --masks bottle/ground_truth

(images of --anomalous that are also under --normal count as nominal)."""
import os
import sys

from .predict import collect_images


def add_arguments(p):
    p.add_argument("model", metavar="MODEL", help="snapshot.safetensors of `fcdd-swift train` or an fs.FCDD model file")
    p.add_argument("--normal", nargs="+", required=True, metavar="DIR", help="nominal (good) images: folders or files")
    p.add_argument("--anomalous", nargs="+", default=[], metavar="DIR", help="anomalous images: folders or files")
    p.add_argument("--masks", metavar="DIR", help="ground-truth masks of the anomalous images (see above)")
    p.add_argument("-o", "--output", help="the model file to write (default: MODEL with -calibrated before its extension)")
    p.add_argument("--in-place", action="store_true", help="replace MODEL itself (atomically)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists (without: an error)")
    p.add_argument("--image-method", choices=["f1", "max_fpr"],
                   help="image threshold: f1 (default with --anomalous) or max_fpr (default without)")
    p.add_argument("--pixel-method", choices=["f1", "max_fpr", "quantile"],
                   help="pixel threshold: f1 (default with --masks) or max_fpr, or quantile of nominal pixels (default without)")
    p.add_argument("--max-fpr", type=float, default=0.05, help="false-positive rate for max_fpr (default: %(default)s)")
    p.add_argument("--quantile", type=float, default=0.999,
                   help="quantile of the nominal pixel scores for the quantile method (default: %(default)s)")


def default_output(model):
    stem, ext = os.path.splitext(model)
    return f"{stem}-calibrated{ext or '.fcdd'}"


def find_mask(image, anomalous_root, masks_root):
    """The mask of `image` (under `anomalous_root`) in `masks_root`, or None."""
    relative = os.path.relpath(image, anomalous_root) if os.path.isdir(anomalous_root) else os.path.basename(image)
    stem = os.path.splitext(relative)[0]
    for candidate in (f"{stem}_mask.png", f"{stem}.png"):
        path = os.path.join(masks_root, candidate)
        if os.path.isfile(path):
            return path
    return None


def run(args, out):
    from ..experiment import run_calibration

    if not os.path.isfile(args.model):
        raise ValueError(f"{args.model}: no such model file")
    if args.in_place and args.output:
        raise ValueError("give either -o OUT or --in-place, not both")
    if not 0 <= args.max_fpr < 1:
        raise ValueError("--max-fpr must be in [0, 1)")
    if not 0 < args.quantile <= 1:
        raise ValueError("--quantile must be in (0, 1]")
    if args.masks and not os.path.isdir(args.masks):
        raise ValueError(f"{args.masks}: no such masks folder")
    output = args.model if args.in_place else (args.output or default_output(args.model))
    normal = collect_images(args.normal)
    known = {os.path.realpath(f) for f in normal}
    anomalous, masks = [], []
    for root in args.anomalous:
        for image in collect_images([root]):
            if os.path.realpath(image) in known:
                continue
            anomalous.append(image)
            masks.append(find_mask(image, root, args.masks) if args.masks else None)
    found = sum(m is not None for m in masks)
    if args.masks and found == 0:
        raise ValueError(f"no mask in {args.masks} matches an anomalous image (expected <folders>/<name>_mask.png or "
                         "<folders>/<name>.png relative to --anomalous)")
    if args.pixel_method == "f1" and found == 0:
        raise ValueError("--pixel-method f1 needs --masks with the anomalous images' ground truth")
    if args.image_method == "f1" and not anomalous:
        raise ValueError("--image-method f1 needs --anomalous images; with good parts only use max_fpr")

    def method(name):
        return None if name is None else {"method": name, "max_fpr": args.max_fpr, "quantile": args.quantile}

    pixel = method(args.pixel_method) or (None if found else {"method": "quantile", "quantile": args.quantile})
    image = method(args.image_method) or (None if anomalous else {"method": "max_fpr", "max_fpr": args.max_fpr})
    request = {"model": args.model, "normal": normal, "anomalous": anomalous, "masks": masks, "image": image,
               "pixel": pixel, "output": output, "overwrite": bool(args.overwrite or args.in_place)}
    out.write(f"calibrating on {len(normal)} nominal and {len(anomalous)} anomalous images"
              f"{f' ({found} with masks)' if args.masks else ''}\n")

    def on_event(e):
        if e.get("event") == "image" and ((e["index"] + 1) % 50 == 0 or e["index"] + 1 == e["count"]):
            out.write(f"  scored {e['index'] + 1}/{e['count']} images\n")

    try:
        result = run_calibration(request, on_event)
    except FileExistsError:
        raise ValueError(f"{output} exists; add --overwrite to replace it, or choose another -o") from None
    for level in ("image", "pixel"):
        out.write(describe_threshold(level, result["thresholds"][level]) + "\n")
    out.write(f"wrote {output}\n")
    return 0


def describe_threshold(level, t):
    """One line: the value, how it was chosen and what it gave on the calibration images."""
    if t is None:
        return f"{level} threshold: none"
    how = t["method"] + (f" {t['parameter']:g}" if t.get("parameter") is not None else "")
    c = t.get("calibration") or {}
    if "nominal" not in c:
        return f"{level} threshold: {t['value']:.6g} ({how})"
    unit = "pixels" if level == "pixel" else "images"
    counts = f"{c['nominal']} nominal" + (f" and {c['anomalous']} anomalous" if c.get("anomalous") else "") + f" {unit}"
    rates = [f"{name} {c[key]:.3f}" for key, name in (("precision", "precision"), ("recall", "recall"), ("f1", "F1"),
                                                       ("false_positive_rate", "false-positive rate"))
             if c.get(key) is not None]
    return f"{level} threshold: {t['value']:.6g} ({how}; on {counts}: {', '.join(rates)})"

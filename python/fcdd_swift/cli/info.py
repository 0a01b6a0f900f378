"""`fcdd-swift info MODEL`: what a model file is (a `train` snapshot or an fs.FCDD model), its network, input,
training and preprocessing, and its decision thresholds with how they were chosen (`fcdd-swift calibrate`
sets them)."""
import json

from .calibrate import describe_threshold


def add_arguments(p):
    p.add_argument("model", metavar="MODEL", help="snapshot.safetensors of `fcdd-swift train` or an fs.FCDD model file")
    p.add_argument("--json", action="store_true", help="print the model's stored description as JSON")


def run(args, out):
    import os
    from ..deploy.onnx_export import describe
    from ..safetensors import load_safetensors

    if not os.path.isfile(args.model):
        raise ValueError(f"{args.model}: no such model file")
    d = describe(args.model)          # the engine reads and checks the whole model first
    _, metadata = load_safetensors(args.model, with_metadata=True)
    stored = json.loads(metadata["fcdd"])
    if args.json:
        out.write(json.dumps(stored, indent=2) + "\n")
        return 0
    extra = stored.get("extra") or {}
    kind = "fs.FCDD model" if extra.get("detector") else "training snapshot of `fcdd-swift train`"
    c, h, w = d["in_shape"]
    out.write(f"{args.model}: {kind}\n")
    out.write(f"network: {d['network']} ({d['objective']}), input {c} x {h} x {w}\n")
    out.write(f"trained: {stored['completed_epochs']} of {stored['total_epochs']} epochs")
    if extra.get("dataset") is not None:
        out.write(f"; dataset {extra['dataset']}, nominal class {extra.get('nominal_class')}")
    out.write("\n")
    if d["head"].get("gauss_std") is not None:
        out.write(f"heatmaps: receptive-field upsampling with gauss_std {d['head']['gauss_std']:g}\n")
    out.write(f"images: {d['outside']}\n")
    thresholds = stored.get("thresholds") or {}
    legacy = (extra.get("user") or {}).get("threshold")
    for level in ("image", "pixel"):
        t = thresholds.get(level)
        if t is None and level == "image" and legacy is not None:
            out.write(f"image threshold: {legacy:.6g} (stored by an earlier version of fs.FCDD.save)\n")
        elif t is None:
            out.write(f"{level} threshold: none (set it with `fcdd-swift calibrate {args.model} --normal GOOD_IMAGES`)\n")
        else:
            out.write(describe_threshold(level, t) + "\n")
    return 0

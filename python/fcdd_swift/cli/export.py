"""`fcdd-swift export MODEL -o model.onnx`: a detector model (`FCDD.save`) or a training snapshot
(`fcdd-swift train`'s snapshot.safetensors) as an ONNX graph: input `images` (float32, N x C x H x W in
[0, 1] at the model's input size), the model's preprocessing inside, outputs `scores` and, for FCDD and AE
models, `anomaly_maps`. Needs the onnx package: pip install 'fcdd-swift[onnx]'."""


def add_arguments(p):
    p.add_argument("model", help="a detector model file or a snapshot.safetensors of `fcdd-swift train`")
    p.add_argument("-o", "--output", default="model.onnx", help="the ONNX file to write (default: %(default)s)")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset version, 13 or newer (default: %(default)s)")
    p.add_argument("--force", action="store_true", help="replace the output file if it exists (without: an error)")


def run(args, out):
    import os
    if not os.path.isfile(args.model):
        raise ValueError(f"{args.model}: no such model file")
    exists = f"{args.output} exists; add --force to replace it, or choose another -o"
    if not args.force and os.path.lexists(args.output):
        raise ValueError(exists)
    try:
        from ..deploy import export_onnx
        from ..deploy.onnx_export import describe
        # replace=False again at the write itself: a file that appears meanwhile is not replaced either.
        export_onnx(args.model, args.output, opset=args.opset, replace=args.force)
    except ImportError as e:
        raise RuntimeError(str(e)) from None
    except FileExistsError:
        raise ValueError(exists) from None
    d = describe(args.model)
    outputs = "scores and anomaly_maps" if d["head"]["kind"] in ("fcdd", "ae") else "scores"
    c, h, w = d["in_shape"]
    out.write(f"wrote {args.output}: {d['network']}, input images N x {c} x {h} x {w} in [0, 1], outputs {outputs}\n"
              f"outside the graph: {d['outside']}\n")
    return 0

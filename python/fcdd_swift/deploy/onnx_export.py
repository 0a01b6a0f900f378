"""ONNX export of a model file (a detector model or a `fcdd-swift train` snapshot), built with the `onnx`
package from the engine's own description of the model (`fcdd_model_export_description`: preprocessing,
layers with their weight names, head) and the weights in the file. No PyTorch is involved.

The graph: input ``images`` (float32, N x C x H x W, values in [0, 1], at the model's input size, any N) ->
the model's normalisation (LCN and min-max, or mean/std) -> the network -> ``scores`` (N) and, for FCDD and
AE models, ``anomaly_maps`` (N x 1 x H x W). Resizing images to the input size stays outside the graph;
the model's metadata ``outside`` says how the engine does it.
"""
import json
import os

import numpy as np

from .._lib import lib, read_json
from ..errors import InvalidArgumentError
from ..files import write_file
from ..safetensors import load_safetensors, load_safetensors_bytes

MIN_OPSET = 13


def _onnx():
    try:
        import onnx
        from onnx import helper, numpy_helper, TensorProto
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install 'fcdd-swift[onnx]' (or pip install onnx)") from None
    return onnx, helper, numpy_helper, TensorProto


def describe(model):
    """The engine's export description of `model`, a model file's path or its bytes (see fcdd.h,
    fcdd_model_export_description)."""
    if isinstance(model, (bytes, bytearray)):
        return read_json(lib.fcdd_model_export_description_bytes, bytes(model), len(model), b"<model in memory>")
    return read_json(lib.fcdd_model_export_description, os.fsencode(os.fspath(model)))


def _weights(model):
    if isinstance(model, (bytes, bytearray)):
        return load_safetensors_bytes(model, "<model in memory>")
    return load_safetensors(model)


class _Graph:
    """Nodes and constants of the graph under construction, with unique names."""

    def __init__(self, opset, weights):
        self.onnx, self.helper, self.numpy_helper, self.TensorProto = _onnx()
        self.opset = opset
        self.weights = weights
        self.nodes, self.initializers = [], []
        self.count = 0

    def name(self, hint):
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, value, hint="const", dtype=np.float32):
        name = self.name(hint)
        self.initializers.append(self.numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def weight(self, key, hint):
        if key not in self.weights:
            raise InvalidArgumentError(f"the model file has no tensor '{key}'")
        return self.const(np.asarray(self.weights[key], dtype=np.float32), hint)

    def op(self, op_type, inputs, hint=None, outputs=1, **attributes):
        names = [self.name(hint or op_type.lower()) for _ in range(outputs)]
        self.nodes.append(self.helper.make_node(op_type, inputs, names, **attributes))
        return names[0] if outputs == 1 else names

    def reduce(self, op_type, x, axes, keepdims):
        # ReduceSum takes its axes as an input from opset 13, the other reductions from opset 18.
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, [x, self.const(axes, "axes", np.int64)], keepdims=keepdims)
        return self.op(op_type, [x], axes=list(axes), keepdims=keepdims)


def _preprocessing(g, x, steps, channels):
    for step in steps:
        if step["op"] == "lcn":
            # Per image over all channels and pixels: centre, then divide by the mean absolute value
            # (left as is where that is 0, as the engine does). Both means are taken in double and rounded
            # to float, as the engine takes them: a flat image (a flat tile of a large one) then centres to
            # exactly 0 instead of to float rounding noise that the division would blow up.
            def mean_in_double(t, hint):
                total = g.reduce("ReduceMean", g.op("Cast", [t], to=11), [1, 2, 3], 1)   # 11: DOUBLE
                return g.op("Cast", [total], hint, to=1)                                      # 1: FLOAT
            centred = g.op("Sub", [x, mean_in_double(x, "lcn_mean")], "lcn_centred")
            scale = mean_in_double(g.op("Abs", [centred]), "lcn_scale")
            zero = g.op("Equal", [scale, g.const(0.0)])
            x = g.op("Div", [centred, g.op("Where", [zero, g.const(1.0), scale])], "lcn")
        elif step["op"] == "normalize":
            shape = (1, channels, 1, 1)
            mean = np.asarray(step["mean"], dtype=np.float32).reshape(shape)
            std = np.asarray(step["std"], dtype=np.float32).reshape(shape)
            x = g.op("Div", [g.op("Sub", [x, g.const(mean, "mean")]), g.const(std, "std")], "normalized")
        else:
            raise InvalidArgumentError(f"unknown preprocessing step {step['op']!r} (a newer engine?)")
    return x


def _layer(g, x, layer):
    op = layer["op"]
    if op in ("conv", "conv_transpose"):
        inputs = [x, g.weight(layer["weight"], "weight")] + ([g.weight(layer["bias"], "bias")] if layer["bias"] else [])
        k, s, p = layer["kernel"], layer["stride"], layer["padding"]
        attributes = dict(kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p])
        if op == "conv_transpose":
            attributes["output_padding"] = [layer["output_padding"]] * 2
            return g.op("ConvTranspose", inputs, "conv_transpose", **attributes)
        return g.op("Conv", inputs, "conv", **attributes)
    if op == "batch_norm":
        c = layer["channels"]
        scale = g.weight(layer["weight"], "gamma") if layer["weight"] else g.const(np.ones(c), "gamma")
        bias = g.weight(layer["bias"], "beta") if layer["bias"] else g.const(np.zeros(c), "beta")
        mean, var = g.weight(layer["running_mean"], "running_mean"), g.weight(layer["running_var"], "running_var")
        return g.op("BatchNormalization", [x, scale, bias, mean, var], "batch_norm", epsilon=float(layer["eps"]))
    if op == "max_pool":
        k, s, p = layer["kernel"], layer["stride"], layer["padding"]
        return g.op("MaxPool", [x], "max_pool", kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p])
    if op == "leaky_relu":
        return g.op("LeakyRelu", [x], alpha=float(layer["slope"]))
    if op in ("relu", "sigmoid"):
        return g.op(op.capitalize(), [x])
    if op == "identity":
        return x
    if op == "linear":
        inputs = [x, g.weight(layer["weight"], "weight")] + ([g.weight(layer["bias"], "bias")] if layer["bias"] else [])
        return g.op("Gemm", inputs, "linear", transB=1)
    if op == "upsample_nearest":
        f = float(layer["scale"])
        return g.op("Resize", [x, "", g.const([1, 1, f, f], "scales")], "upsample", mode="nearest",
                    coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    if op == "reshape":
        return g.op("Reshape", [x, g.const([-1] + list(layer["item_shape"]), "shape", np.int64)], "reshape")
    if op == "adaptive_avg_pool":
        (h, w), (oh, ow) = layer["in_shape"][2:], layer["output"]
        if (h, w) == (oh, ow):
            return x
        if h % oh or w % ow:
            raise InvalidArgumentError(f"adaptive average pooling from {h}x{w} to {oh}x{ow} has no fixed-kernel ONNX form")
        return g.op("AveragePool", [x], "avg_pool", kernel_shape=[h // oh, w // ow], strides=[h // oh, w // ow])
    raise InvalidArgumentError(f"unknown layer {op!r} (a newer engine?)")


def _fcdd_head(g, out, head):
    huber = g.op("Sub", [g.op("Sqrt", [g.op("Add", [g.op("Mul", [out, out]), g.const(1.0)])]), g.const(1.0)], "pseudo_huber")
    scores = g.reduce("ReduceMean", huber, [1, 2, 3], 0)
    k1 = np.asarray(head["kernel_1d"], dtype=np.float64)
    kernel = np.outer(k1, k1).astype(np.float32)[None, None]
    r, j = kernel.shape[-1], int(head["stride"])
    up = g.op("ConvTranspose", [huber, g.const(kernel, "gauss_kernel")], "receptive_upsampling", kernel_shape=[r, r],
              strides=[j, j])
    # The crop of the original's transposed convolution: rows and columns [start, start + side); positions
    # outside the convolution's output are zeros.
    length = (int(head["map_side"]) - 1) * j + r
    start, side = int(head["start"]), int(head["side"])
    before, after = max(0, -start), max(0, start + side - length)
    if before or after:
        up = g.op("Pad", [up, g.const([0, 0, before, before, 0, 0, after, after], "pads", np.int64)], "pad")
        start += before
    maps = g.op("Slice", [up, g.const([start, start], "starts", np.int64), g.const([start + side] * 2, "ends", np.int64),
                          g.const([2, 3], "slice_axes", np.int64)], "anomaly_maps_crop")
    return scores, maps


def build(model_path, opset=17):
    """The ONNX ModelProto of the model file (checked with onnx.checker)."""
    onnx, helper, _, TensorProto = _onnx()
    if not isinstance(opset, int) or isinstance(opset, bool) or not MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise InvalidArgumentError(f"opset must be an integer from {MIN_OPSET} to {onnx.defs.onnx_opset_version()} "
                                   f"(this onnx package's newest), got {opset!r}")
    d = describe(model_path)
    weights = _weights(model_path)
    g = _Graph(opset, weights)
    c, h, w = d["in_shape"]
    x = _preprocessing(g, "images", d["preprocessing"], c)
    preprocessed = x
    for layer in d["layers"]:
        x = _layer(g, x, layer)
    head = d["head"]
    outputs = [("scores", ["N"])]
    if head["kind"] == "fcdd":
        scores, maps = _fcdd_head(g, x, head)
        outputs.append(("anomaly_maps", ["N", 1, h, w]))
    elif head["kind"] == "hsc":
        squared = g.reduce("ReduceSum", g.op("Mul", [x, x]), list(range(1, len(d["layers"][-1]["out_shape"]))), 0)
        scores, maps = g.op("Sub", [g.op("Sqrt", [g.op("Add", [squared, g.const(1.0)])]), g.const(1.0)]), None
    elif head["kind"] == "ae":
        error = g.op("Sub", [x, preprocessed])
        squared = g.op("Mul", [error, error], "squared_error")
        scores, maps = g.reduce("ReduceMean", squared, [1, 2, 3], 0), g.reduce("ReduceMean", squared, [1], 1)
        outputs.append(("anomaly_maps", ["N", 1, h, w]))
    else:
        raise InvalidArgumentError(f"unknown head {head['kind']!r} (a newer engine?)")
    g.nodes.append(helper.make_node("Identity", [scores], ["scores"]))
    if maps is not None:
        g.nodes.append(helper.make_node("Identity", [maps], ["anomaly_maps"]))
    graph = helper.make_graph(
        g.nodes, f"fcdd_swift_{d['network']}",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N", c, h, w])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape) for name, shape in outputs],
        g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="fcdd-swift",
                              producer_version=d["engine_version"])
    model.doc_string = (f"FCDD-family model {d['network']} ({d['objective']}): input images N x {c} x {h} x {w} in [0, 1]; "
                        f"outputs {', '.join(n for n, _ in outputs)}. Outside the graph: {d['outside']}")
    metadata = {"network": d["network"], "objective": d["objective"], "in_shape": "x".join(map(str, d["in_shape"])),
                "threshold": "" if d["threshold"] is None else repr(float(d["threshold"])),
                "pixel_threshold": "" if d["pixel_threshold"] is None else repr(float(d["pixel_threshold"])),
                "thresholds": json.dumps(d["thresholds"]),
                "engine_version": d["engine_version"], "outside": d["outside"]}
    if head["kind"] == "fcdd":
        metadata["gauss_std"] = repr(float(head["gauss_std"]))
    if d.get("tiles"):
        # A model fitted on tiles: fcdd_swift.deploy.tiles.score_tiled cuts and stitches around the graph.
        t = d["tiles"]
        metadata.update(tile_size=str(t["size"]), tile_stride=str(t["stride"]), tile_score=t["score"],
                        tile_top_k=str(t["top_k"]))
    onnx.helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    return model


def export_onnx(model_path, path, opset=17, replace=True):
    """Writes the ONNX graph of `model_path` (a model file's path, or its bytes) to `path`
    (fcdd_swift.files.write_file: a fresh temporary name,
    fsync, rename); with ``replace=False`` an existing `path` is a FileExistsError. Returns `path`."""
    model = build(model_path, opset=opset)
    write_file(path, model.SerializeToString(), replace=replace)
    return os.fspath(path)

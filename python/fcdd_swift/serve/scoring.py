"""Images in, decisions out, for the server and the hot folder: each image decoded by the engine (PNG or
JPEG, converted to the model's channels as the datasets are), scored with `FCDD.inspect`'s rules, and, on
request, its heatmap, mask and overlay as PNG."""
import base64

import numpy as np

from ..images import decode_image, encode_png
from ..detector.overlay import overlay

PICTURES = ("heatmap", "mask", "overlay")


def decode(detector, name, data):
    """Image bytes `data` as an (H, W) or (H, W, 3) uint8 image with the detector's channels."""
    return decode_image(data, source=name, channels=detector.data_shape_[0])


def decide(det, images, min_area, pictures=()):
    """One record per image of `images` (decoded arrays): `inspect`'s {"score", "label", "regions"} plus
    "width", "height" and, for each name in `pictures`, its PNG bytes (the mask is None without a pixel
    threshold). Images of one size are scored in one call."""
    records = [None] * len(images)
    groups = {}
    for i, image in enumerate(images):
        groups.setdefault(image.shape, []).append(i)
    want_maps = "heatmap" in pictures or "overlay" in pictures
    for shape, members in groups.items():
        batch = np.stack([images[i] for i in members])
        found, maps, masks = det._decisions(batch, min_area, with_maps=want_maps, with_masks="mask" in pictures,
                                            warn=False)
        for k, i in enumerate(members):
            record = {"width": shape[1], "height": shape[0], **found[k]}
            if "heatmap" in pictures:
                record["heatmap"] = encode_png(overlay(images[i], maps[k], alpha=1.0))
            if "overlay" in pictures:
                record["overlay"] = encode_png(overlay(images[i], maps[k]))
            if "mask" in pictures:
                record["mask"] = None if masks is None else encode_png(masks[k] * np.uint8(255))
            records[i] = record
    return records


def as_json(record):
    """The record with its PNG pictures as base64 text (for JSON)."""
    return {k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v for k, v in record.items()}

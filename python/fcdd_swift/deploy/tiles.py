"""The reference for running an exported model that was fitted on tiles (``tile_size``) with onnxruntime:
the graph scores tiles, and this module does what the engine does around them. Images are cut into tiles
every ``tile_stride`` pixels (the last tile of a row or column flush with the edge; an image smaller than a
tile has its edge pixels repeated), the tiles go through the session in batches, their anomaly maps are
averaged where they overlap, and the image's score is the highest tile score (``tile_score`` "max") or the
mean of the ``tile_top_k`` highest ("top_k_mean"). The tiling is read from the ONNX file's metadata.

    import onnxruntime as ort
    from fcdd_swift.deploy.tiles import score_tiled
    session = ort.InferenceSession("model.onnx")
    scores, maps = score_tiled(session, images)        # uint8 (N, H, W) or (N, H, W, C), any H and W

Plain numpy and onnxruntime: nothing of this package's engine is needed where the model runs.
"""
import numpy as np

__all__ = ["tiling", "tile_starts", "score_tiled"]


def tiling(session):
    """The tiling in the metadata of an onnxruntime session's model: {"size", "stride", "score", "top_k"}, or
    None for a model that scores whole images."""
    meta = session.get_modelmeta().custom_metadata_map
    if not meta.get("tile_size"):
        return None
    return {"size": int(meta["tile_size"]), "stride": int(meta["tile_stride"]), "score": meta["tile_score"],
            "top_k": int(meta["tile_top_k"])}


def tile_starts(length, size, stride):
    """Where the tiles start along an axis of `length` pixels (at least `size`)."""
    if length <= size:
        return [0]
    return list(range(0, length - size, stride)) + [length - size]


def _as_nchw_unit(images):
    x = np.asarray(images)
    if x.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (N, H, W) or (N, H, W, C); got {x.dtype}")
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4:
        x = x.transpose(0, 3, 1, 2)
    else:
        raise ValueError(f"images must be (N, H, W) or (N, H, W, C); got shape {x.shape}")
    return x.astype(np.float32) / 255


def score_tiled(session, images, tiles=None, batch=64):
    """Scores (N,) float32 and anomaly maps (N, H, W) float32 of `images` through `session`, tile by tile.
    `tiles`: the tiling (default: from the model's metadata)."""
    tiles = tiles or tiling(session)
    if tiles is None:
        raise ValueError("the model has no tile_size in its metadata: it scores whole images (feed them directly)")
    size, stride = tiles["size"], tiles["stride"]
    x = _as_nchw_unit(images)
    n, c, h, w = x.shape
    height, width = max(h, size), max(w, size)
    if (height, width) != (h, w):   # smaller than a tile: repeat the edge pixels
        x = np.pad(x, ((0, 0), (0, 0), (0, height - h), (0, width - w)), mode="edge")
    rows, columns = tile_starts(height, size, stride), tile_starts(width, size, stride)
    windows = [(top, left) for top in rows for left in columns]
    coverage = np.zeros(height, np.float32), np.zeros(width, np.float32)
    for axis, starts in zip(coverage, (rows, columns)):
        for start in starts:
            axis[start:start + size] += 1
    scores, maps = np.empty(n, np.float32), np.empty((n, h, w), np.float32)
    for i in range(n):
        tile_scores, stitched = [], np.zeros((height, width), np.float32)
        for first in range(0, len(windows), batch):
            part = windows[first:first + batch]
            inputs = np.stack([x[i, :, top:top + size, left:left + size] for top, left in part])
            out_scores, out_maps = session.run(["scores", "anomaly_maps"], {"images": inputs})
            tile_scores += list(out_scores)
            for (top, left), tile_map in zip(part, out_maps):
                stitched[top:top + size, left:left + size] += tile_map[0]
        stitched /= np.outer(coverage[0], coverage[1])
        maps[i] = stitched[:h, :w]
        ordered = np.sort(np.asarray(tile_scores, np.float32))[::-1]
        scores[i] = ordered[0] if tiles["score"] == "max" else ordered[:max(1, tiles["top_k"])].mean()
    return scores, maps

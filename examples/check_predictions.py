#!/usr/bin/env python3
"""Checks the decisions of `fcdd-swift predict` (predictions.jsonl) against the truth of an MVTec-AD-style folder:
images under a folder named `good` are nominal, the others defective with their masks in
<root>/ground_truth/<defect>/<name>_mask.png. Prints the image-level precision, recall and false-positive rate,
and for the regions: on how many defective images a region overlaps the defect (shares a pixel with its mask), on
how many a region's box has IoU >= 0.3 with the defect's box, and how many nominal images got a region.

    python3 examples/check_predictions.py predictions/predictions.jsonl parts        # a table
    python3 examples/check_predictions.py predictions/predictions.jsonl parts --json # the figures as JSON
"""
import argparse
import json
import os
import sys


def box_iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def truth(path, root):
    """None for a nominal image, else the defect's mask (bool H x W)."""
    import numpy as np
    import fcdd_swift as fs
    relative = os.path.relpath(path, os.path.join(root, "test"))
    defect = relative.split(os.sep)[0]
    if defect == "good":
        return None
    stem = os.path.splitext(os.path.basename(path))[0]
    return np.asarray(fs.read_image(os.path.join(root, "ground_truth", defect, f"{stem}_mask.png"))) > 0


def figures(records, root):
    import numpy as np
    import fcdd_swift as fs
    tp = fp = fn = tn = 0
    overlapping = boxed = defective = nominal_with_region = nominal = 0
    for r in records:
        if r.get("error"):
            continue
        mask = truth(r["path"], root)
        anomalous = mask is not None
        if r["label"] is not None:
            tp += anomalous and r["label"] == 1
            fp += (not anomalous) and r["label"] == 1
            fn += anomalous and r["label"] == 0
            tn += (not anomalous) and r["label"] == 0
        regions = r["regions"] or []
        if not anomalous:
            nominal += 1
            nominal_with_region += bool(regions)
            continue
        defective += 1
        predicted = np.asarray(fs.read_image(r["mask"])) > 0 if r.get("mask") else None
        if predicted is not None:
            overlapping += int((predicted & mask).any())
        ys, xs = np.nonzero(mask)
        box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        boxed += int(max((box_iou(g["box"], box) for g in regions), default=0) >= 0.3)
    return {
        "precision": tp / (tp + fp) if tp + fp else None, "recall": tp / (tp + fn) if tp + fn else None,
        "false_positive_rate": fp / (fp + tn) if fp + tn else None,
        "defective": defective, "region_overlaps_defect": overlapping, "box_iou_0.3": boxed,
        "nominal": nominal, "nominal_with_region": nominal_with_region,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("predictions", help="predictions.jsonl of fcdd-swift predict (run with --masks)")
    p.add_argument("root", help="the MVTec-AD-style folder the images came from (with test/ and ground_truth/)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    with open(args.predictions) as f:
        records = [json.loads(line) for line in f if line.strip()]
    f = figures(records, args.root)
    if args.json:
        print(json.dumps(f))
        return
    def rate(x):
        return "-" if x is None else f"{x:.2f}"
    print(f"images: precision {rate(f['precision'])}, recall {rate(f['recall'])}, false-positive rate "
          f"{rate(f['false_positive_rate'])}")
    print(f"regions: overlap the defect on {f['region_overlaps_defect']}/{f['defective']} defective images, a box with "
          f"IoU >= 0.3 on {f['box_iou_0.3']}/{f['defective']}; nominal images with a region: "
          f"{f['nominal_with_region']}/{f['nominal']}")


if __name__ == "__main__":
    sys.exit(main())

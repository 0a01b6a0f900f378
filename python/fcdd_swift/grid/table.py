"""The table of a grid: mean ± std of image and pixel AUC over repetitions per combination and class, and
per combination the mean over classes; combinations best first (by that mean image AUC). Written as
grid.csv and grid.json in the grid's folder and printed at the end."""
import csv
import io
import json
import math
import os

from ..files import write_file

COLUMNS = ["rank", "combination", "class", "class_name", "runs", "image_auc_mean", "image_auc_std",
           "pixel_auc_mean", "pixel_auc_std"]


def _stat(stat, key):
    return None if not stat else stat.get(key)


def rows(grid_plan, summaries):
    """One row per combination and class, and a class "mean" row per combination; best combination first."""
    blocks = []
    for combo in grid_plan.combinations:
        summary = summaries.get(combo.name) or {}
        block = []
        for c in summary.get("classes", []):
            runs = sum(1 for r in c.get("runs", []) if r.get("auc") is not None or r.get("pixel_auc") is not None)
            block.append(dict(combination=combo.name, **combo.values, **{"class": c["class"]}, class_name=c["class_name"],
                              runs=runs, image_auc_mean=_stat(c.get("auc"), "mean"), image_auc_std=_stat(c.get("auc"), "std"),
                              pixel_auc_mean=_stat(c.get("pixel_auc"), "mean"), pixel_auc_std=_stat(c.get("pixel_auc"), "std")))
        mean = summary.get("mean") or {}
        overall = mean.get("auc")
        block.append(dict(combination=combo.name, **combo.values, **{"class": "mean"}, class_name="",
                          runs=sum(r["runs"] for r in block), image_auc_mean=overall, image_auc_std=None,
                          pixel_auc_mean=mean.get("pixel_auc"), pixel_auc_std=None))
        blocks.append((overall if overall is not None else -math.inf, block))
    blocks.sort(key=lambda b: -b[0])
    out = []
    for rank, (_, block) in enumerate(blocks, 1):
        out += [dict(rank=rank, **row) for row in block]
    return out


def write(directory, grid_plan, table_rows):
    """grid.json ({"varied", "rows"}) and grid.csv, each written to a temporary name and renamed."""
    columns = COLUMNS[:2] + grid_plan.varied + COLUMNS[2:]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in table_rows:
        writer.writerow({k: "" if row.get(k) is None else _csv_value(row.get(k)) for k in columns})
    write_file(os.path.join(directory, "grid.csv"), text.getvalue())
    write_file(os.path.join(directory, "grid.json"),
                      json.dumps({"directory": directory, "varied": grid_plan.varied, "rows": table_rows}, indent=2) + "\n")


def _csv_value(v):
    return json.dumps(v) if isinstance(v, (list, dict)) else v


def _fmt(mean, std, runs):
    if mean is None:
        return "   n/a          "
    spread = std is not None and runs > 1   # one repetition has no spread to report
    return f"{mean:.4f}" + (f" ± {std:.4f}" if spread else "         ")


def format_table(grid_plan, table_rows):
    """The table as text, one line per row; the varied settings' values name the combination."""
    lines = []
    header = f"{'rank':>4}  {'combination':<40} {'class':<18} {'runs':>4}  {'image AUC':<16} {'pixel AUC':<16}"
    lines.append(header)
    for row in table_rows:
        label = ", ".join(f"{k}={row[k]}" for k in grid_plan.varied) or row["combination"] or "(base)"
        cls = "mean over classes" if row["class"] == "mean" else f"{row['class']} {row['class_name']}"
        lines.append(f"{row['rank']:>4}  {label[:40]:<40} {cls[:18]:<18} {row['runs']:>4}  "
                     f"{_fmt(row['image_auc_mean'], row['image_auc_std'], row['runs']):<16} "
                     f"{_fmt(row['pixel_auc_mean'], row['pixel_auc_std'], row['runs']):<16}")
    return "\n".join(lines)

"""The closing summary of an experiment that `train` prints, and `train --ray` and `grid` for each experiment:
image and pixel AUC per class (mean ± std over repetitions) and their mean over classes."""


def print_summary(summary, out):
    classes = summary.get("classes", [])
    if not classes:
        return
    several = any((c.get("auc") or {}).get("n", 1) > 1 for c in classes)
    out.write("\nsummary (mean ± std over repetitions):\n" if several else "\nsummary:\n")
    for c in classes:
        line = f"  class {c['class']} {c['class_name']:<12} image AUC {_fmt(c.get('auc'))}"
        if c.get("pixel_auc") is not None:
            line += f"   pixel AUC {_fmt(c.get('pixel_auc'))}"
        out.write(line + "\n")
    overall = summary.get("mean", {})
    if overall:
        line = f"  mean over classes    image AUC {overall.get('auc', float('nan')):.4f}"
        if overall.get("pixel_auc") is not None:
            line += f"   pixel AUC {overall['pixel_auc']:.4f}"
        out.write(line + "\n")
    out.write(f"results, pictures and snapshots: {summary.get('logdir')}\n")


def _fmt(stat):
    if not stat:
        return "  n/a  "
    if stat.get("n", 2) < 2:   # one repetition has no spread to report
        return f"{stat['mean']:.4f}"
    return f"{stat['mean']:.4f} ± {stat['std']:.4f}"

#!/usr/bin/env python3
"""Writes quickstart.ipynb from the cells below (without outputs), so the notebook is reviewed as code:
edit here, run `python3 examples/make_quickstart.py`, commit both. python/tests/test_quickstart_notebook.py
executes the notebook headless and checks that this file and the notebook agree."""
import os

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    ("md", """# fcdd-swift quickstart

FCDD (Fully Convolutional Data Description) learns what normal images look like and gives every new image
an **anomaly score** and an **explanation heatmap**. This notebook trains a detector on images made up in a
few lines (no download), scores test images, shows heatmaps inline, picks a threshold, and saves the model.

Set-up: `pip install .` in the repository (builds the engine), then `pip install jupyter` to run this."""),
    ("code", """import numpy as np
from IPython.display import Image, display

import fcdd_swift as fs

print(fs.__version__, "threads:", fs.info()["threads"])"""),
    ("md", """## Data

Gray 32x32 textures. Normal images are noise around mid-gray; anomalous ones carry a bright scratch, whose
mask we keep to check the heatmaps. Training uses normal images only."""),
    ("code", """rng = np.random.default_rng(0)

def textures(n):
    return rng.normal(128, 24, (n, 32, 32)).clip(0, 255).astype(np.uint8)

def scratched(x):
    x, masks = x.copy(), np.zeros(x.shape, np.uint8)
    for image, mask in zip(x, masks):
        r, c = rng.integers(2, 26, 2)
        image[r:r + 2, c:c + 6], mask[r:r + 2, c:c + 6] = 255, 1
    return x, masks

X_train = textures(500)
X_anom, M_anom = scratched(textures(100))
X_test = np.concatenate([textures(100), X_anom])
y_test = np.r_[np.zeros(100, int), np.ones(100, int)]
M_test = np.concatenate([np.zeros_like(M_anom), M_anom])
X_train.shape, X_test.shape"""),
    ("md", """## Train

Parameters left out follow the original runner for images of this shape (here the Fashion-MNIST one:
FCDD_CNN28_W, SGD); `help(fs.FCDD)` lists every parameter with its defaults. This is a short run, 20 epochs
where the runner trains 400: batches of 32 give it more steps and no augmentation (`preproc="lcn"`), so
that it converges and gives the same figures on every CPU. Without known anomalies or outlier images FCDD
trains against synthetic anomalies, and says so."""),
    ("code", """det = fs.FCDD(epochs=20, batch_size=32, preproc="lcn", seed=0)
det.fit(X_train)
print(det.supervision_)"""),
    ("md", "## Scores and metrics"),
    ("code", """scores = det.decision_function(X_test)      # higher = more anomalous
print("mean score, normal:", scores[:100].mean().round(3), " anomalous:", scores[100:].mean().round(3))
metrics = det.evaluate(X_test, y_test, gtmaps=M_test)
{k: round(v, 3) for k, v in metrics.items() if k in ("image_auroc", "pixel_auroc", "aupro", "f1_max")}"""),
    ("md", "## Heatmaps, inline\n\nTop row: anomalous test images; bottom row: their heatmaps over the images."),
    ("code", """maps = det.anomaly_map(X_test)              # (200, 32, 32), at the images' resolution
pictures = fs.overlay(X_test[100:108], maps[100:108])
gray = np.repeat(X_test[100:108, :, :, None], 3, axis=3)
grid = np.concatenate([np.concatenate(list(gray), axis=1), np.concatenate(list(pictures), axis=1)], axis=0)
big = grid.repeat(4, axis=0).repeat(4, axis=1)   # 32 px is small on a screen
fs.write_png("overlays.png", big)
display(Image(filename="overlays.png"))"""),
    ("md", """## A threshold

`calibrate_threshold` chooses the threshold from labelled images (here half of the test set; the other
half checks it): the F1-best one, or the one that keeps the false-positive rate under a limit."""),
    ("code", """det.calibrate_threshold(X_test[::2], y_test[::2], method="f1")
predicted = det.predict(X_test[1::2])
print("threshold", round(det.threshold_, 4), " accuracy", (predicted == y_test[1::2]).mean())

det.calibrate_threshold(X_test[::2], y_test[::2], method="max_fpr", max_fpr=0.05)
predicted = det.predict(X_test[1::2])
print("threshold", round(det.threshold_, 4), " false positives", int(((predicted == 1) & (y_test[1::2] == 0)).sum()))"""),
    ("md", "## Save and load\n\nOne file holds the weights, network, preprocessing and threshold."),
    ("code", """det.save("textures.fcdd")
same = fs.FCDD.load("textures.fcdd")
assert np.allclose(same.decision_function(X_test), scores)
print("reloaded:", same.resolved_params_["net"], same.threshold_ == det.threshold_)"""),
    ("md", """## Next

* `print(fs.guide("detector"))`: every parameter, and how to choose the supervision (known anomalies with
  `fit(X, y)`, outlier images with `oe_data=`) — it matters more than any other setting on object-level data.
* `fcdd-swift train --help`: the paper's experiments from the command line."""),
]


def notebook():
    nb = new_notebook()
    nb.cells = [new_markdown_cell(text) if kind == "md" else new_code_cell(text) for kind, text in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "quickstart.ipynb")
    nbformat.write(notebook(), path)
    print("wrote", path)


if __name__ == "__main__":
    main()

"""fcdd_swift.tune on a local Ray (2 CPUs, loopback): a grid search over FCDD parameters reports the
validation AUROC after every epoch, each trial trains with its CPUs as threads, and the best trial's
detector comes back from its checkpoint with the AUROC it reported."""
import re

import numpy as np
import pytest

import fcdd_swift as fs
from detector_data import labelled_set, textures
from ray_support import local_ray  # noqa: F401  (module-scoped fixture)

tune = pytest.importorskip("ray.tune")
from fcdd_swift import tune as fs_tune  # noqa: E402

FIXED = dict(net="FCDD_CNN28", epochs=3, batch_size=16, seed=0)


@pytest.fixture(scope="module")
def data():
    X, _ = textures(48, seed=3)
    X_val, y_val, maps_val = labelled_set(8, seed=5)
    return X, X_val, y_val, maps_val


def test_a_grid_search_reports_auroc_every_epoch_and_returns_the_best_detector(tmp_path, data, local_ray):
    X, X_val, y_val, maps_val = data
    trainable = fs_tune.trainable(X, None, X_val, y_val, gtmaps_val=maps_val, cpus_per_trial=1, **FIXED)
    tuner = tune.Tuner(trainable, param_space={"lr": tune.grid_search([1e-3, 1e-2])},
                       tune_config=tune.TuneConfig(metric="auroc", mode="max"),
                       run_config=tune.RunConfig(storage_path=str(tmp_path), name="search", verbose=0))
    results = tuner.fit()
    assert len(results) == 2 and not results.errors
    for result in results:
        history = result.metrics_dataframe
        assert history["epoch"].tolist() == [1, 2, 3]
        assert history["auroc"].between(0, 1).all() and history["pixel_auroc"].between(0, 1).all()
        assert np.isfinite(history["loss"]).all()
    best = fs_tune.best_detector(results)
    assert best.n_epochs_ == 3 and best.resolved_params_["threads"] == 1
    lr = results.get_best_result().config["lr"]
    assert best.resolved_params_["lr"] == lr
    # The checkpoint is the detector that was evaluated: it reproduces the reported AUROC, and so does a
    # detector fitted here with the same parameters (training is deterministic for a thread count).
    reported = results.get_best_result().metrics["auroc"]
    assert best.evaluate(X_val, y_val)["image_auroc"] == pytest.approx(reported, abs=1e-12)
    here = fs.FCDD(**FIXED, lr=lr, threads=1, verbose=0).fit(X)
    np.testing.assert_array_equal(here.decision_function(X_val), best.decision_function(X_val))


def test_trials_train_with_their_cpus_as_threads(tmp_path, data, local_ray):
    X, X_val, y_val, _ = data
    trainable = fs_tune.trainable(X, None, X_val, y_val, cpus_per_trial=2, **{**FIXED, "epochs": 1})
    results = tune.Tuner(trainable, param_space={"gauss_std": tune.grid_search([8.0])},
                         run_config=tune.RunConfig(storage_path=str(tmp_path), name="threads", verbose=0)).fit()
    assert not results.errors
    assert fs_tune.best_detector(results).resolved_params_["threads"] == 2


@pytest.mark.parametrize("call, message", [
    (lambda X, Xv, yv: fs_tune.trainable(X, None, Xv, None), "needs validation images X_val and their labels"),
    (lambda X, Xv, yv: fs_tune.trainable(X, None, Xv, np.zeros(len(Xv), int)), "nominal (0) and anomalous (1)"),
    (lambda X, Xv, yv: fs_tune.trainable(X, None, Xv, yv, cpus_per_trial=0), "cpus_per_trial must be"),
    (lambda X, Xv, yv: fs_tune.trainable(X, None, Xv, yv, learning_rate=0.1), "learning_rate"),
])
def test_bad_arguments_fail_before_any_trial(data, call, message):
    X, X_val, y_val, _ = data
    with pytest.raises((fs.InvalidArgumentError, TypeError), match=re.escape(message)):
        call(X, X_val, y_val)


@pytest.mark.learned_figures
def test_the_docs_example_runs_as_printed(tmp_path, monkeypatch, local_ray, capsys, record_property):
    import os
    import re as regex
    docs = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "tune.md")
    block = regex.search(r"```python\n(.*?)```", open(docs).read(), regex.S)
    assert block, "docs/tune.md lost its example"
    monkeypatch.chdir(tmp_path)
    code = block.group(1).replace("tune_config=", f"run_config=tune.RunConfig(storage_path={str(tmp_path)!r}, verbose=0),\n    tune_config=")
    scope = {"__name__": "docs"}
    exec(compile(code, "docs/tune.md", "exec"), scope)
    assert len(scope["results"]) == 4 and not scope["results"].errors
    assert scope["det"].n_epochs_ == 10
    record_property("Tune example best AUROC", scope["results"].get_best_result().metrics["auroc"])
    # The made-up anomalies are easy: the best trial finds them.
    assert scope["results"].get_best_result().metrics["auroc"] > 0.9
    assert scope["results"].get_best_result().config["lr"] == 0.01

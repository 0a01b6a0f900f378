"""Per-dataset runner defaults (reference 9.1-9.2): what `fcdd-swift train -d <dataset>` uses for every
option the user does not give. `synthetic` is the embedded default dataset that needs no download."""

GENERAL = dict(
    batch_size=128, acc_batches=1, epochs=200, learning_rate=1e-3, weight_decay=1e-6, optimizer_type="sgd",
    scheduler_type="lambda", lr_sched_param=[0.985], net="FCDD_CNN224_VGG_F", preproc="aug1",
    supervise_mode="noise", noise_mode="imagenet22k", gauss_std=10.0, quantile=0.97, it=5, nominal_label=0,
    resdown=64,
)

PER_DATASET = {
    "synthetic": dict(batch_size=64, epochs=20, learning_rate=1e-2, weight_decay=1e-6, lr_sched_param=[0.98],
                      net="FCDD_CNN32_S", preproc="lcnaug1", supervise_mode="malformed_normal",
                      noise_mode="confetti", gauss_std=1.2, quantile=0.99, it=1),
    "fmnist": dict(batch_size=128, epochs=400, learning_rate=1e-2, lr_sched_param=[0.98], net="FCDD_CNN28_W",
                   preproc="lcnaug1", noise_mode="cifar100", gauss_std=1.2, quantile=0.85),
    "cifar10": dict(batch_size=20, acc_batches=10, epochs=600, optimizer_type="adam", scheduler_type="milestones",
                    lr_sched_param=[0.1, 400, 500], net="FCDD_CNN32_LW3K", preproc="aug1", noise_mode="cifar100",
                    gauss_std=1.2, quantile=0.85),
    "mvtec": dict(batch_size=16, acc_batches=8, epochs=200, weight_decay=1e-4, net="FCDD_CNN224_VGG_F",
                  preproc="lcnaug1", supervise_mode="malformed_normal", noise_mode="confetti", gauss_std=12.0,
                  quantile=0.99),
    "imagenet": dict(batch_size=20, acc_batches=10, epochs=600, optimizer_type="adam", scheduler_type="milestones",
                     lr_sched_param=[0.1, 400, 500], net="FCDD_CNN224_VGG_NOPT", preproc="aug1",
                     noise_mode="imagenet22k", gauss_std=8.0, quantile=0.97),
    "pascalvoc": dict(batch_size=20, acc_batches=10, epochs=600, optimizer_type="adam", scheduler_type="milestones",
                      lr_sched_param=[0.1, 400, 500], net="FCDD_CNN224_VGG_NOPT", preproc="aug1",
                      noise_mode="imagenet", gauss_std=8.0, quantile=0.99, nominal_label=1),
    "custom": dict(batch_size=128, epochs=200, net="FCDD_CNN224_VGG_F", preproc="aug1", noise_mode="imagenet22k",
                   gauss_std=10.0, quantile=0.97),
}

DATASETS = list(PER_DATASET)


def default(dataset, option):
    """The runner default of `option` for `dataset`."""
    return PER_DATASET[dataset].get(option, GENERAL[option])


def scheduler_settings(kind, params):
    """The engine's scheduler object from a schedule name and its parameters (lambda: [GAMMA]; milestones:
    [GAMMA, M1, M2, ...]); ValueError names what is wrong."""
    params = list(params)
    if kind == "lambda":
        if len(params) != 1:
            raise ValueError("the lambda schedule takes one parameter, GAMMA in (0, 1]")
        return {"type": "lambda", "gamma": float(params[0])}
    if kind == "milestones":
        if len(params) < 2:
            raise ValueError("the milestones schedule takes GAMMA M1 [M2 ...]")
        return {"type": "milestones", "gamma": float(params[0]), "milestones": [int(m) for m in params[1:]]}
    raise ValueError(f"unknown schedule {kind!r}; use 'lambda' or 'milestones'")

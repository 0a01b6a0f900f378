// Every setting once: name, where it applies, the command-line flags of `fcdd-swift train` (the original
// runners' options, reference 9.1), type, valid range or choices, and a line of help. The command line,
// `fs.FCDD`'s parameters, the docs' tables and the C ABI's `fcdd_settings_schema` are made from this
// list; the order here is the order of `fs.FCDD`'s parameters and of a run's config.json.

public enum SettingsSchema {
    private static let both: [SettingsContext] = [.experiment, .detector]
    private static let experiment: [SettingsContext] = [.experiment]
    private static let detector: [SettingsContext] = [.detector]
    private static let lrScheduleRule = "with a scheduler other than the default one: lambda "
        + JSONValue.array(Settings().schedulerParameters.map { .number($0) }).serialized() + "; milestones must be given"
    private static let vggRule = "$\(PretrainedVGG.environmentVariable) when set"
    // The datasets' parts of the help, from their definitions (DatasetRegistry.swift's order).
    private static let datasetHelp = "dataset (those on disk are read from datadir). Images reach the network as: "
        + Dataset.allCases.map(\.definition.inputHelp).joined(separator: "; ") + ". Every network runs at the dataset's size"
    private static let classesHelp = "nominal classes to run, [] for all: "
        + Dataset.allCases.map(\.definition.classesHelp).joined(separator: "; ")

    /// The sections of `fcdd-swift train --help`, each with its fields.
    static let sections: [(group: String, fields: [SettingField])] = [
        ("data", [
            .choice("dataset", \.dataset, experiment, flags: ["-d", "--dataset"],
                    help: datasetHelp),
            .text("datadir", \.datadir, experiment, flags: ["--datadir"], nonEmpty: true,
                  help: "root folder of the datasets on disk (layouts in docs/usage.md)"),
            .integers("classes", \.classes, experiment, flags: ["--cls-restrictions"], range: 0...9999,
                      help: classesHelp),
            .integer("it", \.iterations, experiment, flags: ["--it"], range: 1...1000,
                     help: "repetitions per class; repetition i uses seed + i"),
        ]),
        ("model and training", [
            .name("net", \.net, both, flags: ["-n", "--net"], choices: NetworkRegistry.names,
                  rules: [.experiment: "with objective hsc or ae the baseline network that matches the dataset's FCDD network (e.g. CNN32, AE32)",
                          .detector: "FCDD_CNN224_VGG_NOPT instead of _VGG_F when no vgg_weights are given; with objective hsc or ae the matching baseline network (e.g. CNN28_W, AE32_LW3K)"],
                  help: "network (fs.network_names() lists them); the number in a name is the image side it was made for: the FCDD networks are fully convolutional and run at the dataset's size, at a cost that grows with its pixels, while HSC and AE networks need their side"),
            .choice("objective", \.objective, both, flags: ["--objective"],
                    help: "fcdd, or the paper's baselines hsc (hypersphere classifier) and ae (autoencoder)"),
            .integer("epochs", \.epochs, both, flags: ["-e", "--epochs"], range: 0...1_000_000,
                     help: "training epochs (0: only test, e.g. a loaded snapshot)"),
            .integer("batch_size", \.batchSize, both, flags: ["-b", "--batch-size"], range: 1...65536,
                     help: "images per loader batch"),
            .integer("acc_batches", \.accBatches, both, flags: ["--acc-batches"], range: 1...65536,
                     help: "loader batches concatenated into one optimiser step"),
            .number("lr", \.learningRate, both, flags: ["-lr", "--learning-rate", "--learning_rate"], range: .above(0),
                    help: "initial learning rate"),
            .number("weight_decay", \.weightDecay, both, flags: ["-wd", "--weight-decay"], range: .atLeast(0),
                    help: "L2 weight decay, coupled (added to the gradient as in torch.optim)"),
            .choice("optimizer", \.optimizer, both, flags: ["--optimizer-type"],
                    help: "sgd (Nesterov momentum 0.9) or adam"),
            .choice("scheduler", \.scheduler, both, flags: ["--scheduler-type"],
                    help: "learning-rate schedule, stepped after every epoch"),
            .numbers("lr_sched_param", \.schedulerParameters, both, flags: ["--lr-sched-param"],
                     rules: [.experiment: lrScheduleRule, .detector: lrScheduleRule],
                     help: "schedule parameters: lambda [GAMMA] (lr * GAMMA^epoch), milestones [GAMMA, M1, M2, ...] (lr * GAMMA at each milestone epoch)"),
            .choice("supervise_mode", \.superviseMode, both, flags: ["--supervise-mode"],
                    rules: [.detector: "noise when there are outlier images (oe_data or known anomalies) or noise_mode is outlier_exposure, else malformed_normal"],
                    help: "artificial anomalies: noise replaces half the samples by noise, malformed_normal adds noise to them (_gt also marks the changed pixels), other uses other classes, unsupervised none"),
            .choice("noise_mode", \.noiseMode, both, flags: ["--noise-mode"],
                    contextChoices: Dictionary(uniqueKeysWithValues: SettingsContext.allCases.map { ($0, NoiseMode.available(in: $0)) }),
                    rules: [.detector: "outlier_exposure when there are outlier images, else confetti"],
                    help: "the noise (confetti, gaussian, uniform, blob, mixed_blob, solid) or the outlier-exposure source: experiments read cifar100, emnist, imagenet, imagenet22k, mvtec or mvtec_gt from datadir; the detector's outlier_exposure draws from oe_data and the known anomalies"),
            .optionalInteger("oe_limit", \.oeLimit, both, flags: ["--oe-limit"], range: 1...Int(Int32.max),
                             help: "distinct outlier-exposure samples (noise_mode mvtec: per defect type); null: no limit"),
            .flag("offline_supervision", \.offlineSupervision, experiment, flags: ["--offline-supervision"],
                  help: "generate the artificial anomalies once before training instead of per sample"),
            .integer("nominal_label", \.nominalLabel, experiment, flags: ["--nominal-label"], range: 0...1,
                     help: "label of nominal samples"),
            .flag("one_vs_rest", \.oneVsRest, experiment, flags: ["-ovr", "--one-vs-rest"],
                  help: "custom data: one-vs-rest folder layout"),
            .flag("ground_truth_maps", \.groundTruthMaps, experiment, flags: ["-gtms", "--ground-truth-maps"],
                  help: "custom data: ground-truth maps in custom/train_maps and custom/test_maps"),
            .choice("preproc", \.preprocessing, both, flags: ["--preproc"],
                    contextChoices: [.detector: PipelineSpec.supported(.generic)],
                    help: "preprocessing: lcnaug1 (local contrast normalisation, min-max, crop, flip), aug1 (mean/std, colour jitter, crop, flip, noise), lcn, none; each dataset offers those of the original"),
            .number("gauss_std", \.gaussStd, both, flags: ["--gauss-std"], range: .above(0),
                    help: "std of the Gaussian of the receptive-field upsampling (heatmaps, ground-truth loss)"),
            .number("quantile", \.quantile, both, flags: ["--quantile"], range: .between(0, 1, lowerOpen: true),
                    help: "quantile of the heatmap normalisation in pictures and overlays"),
            .flag("bias", \.bias, both, flags: ["--no-bias"], negated: true,
                  help: "biases in convolutions and affine BatchNorm (--no-bias: without)"),
            .number("contamination", \.contamination, detector, flags: [], range: .between(0, 0.5, lowerOpen: true),
                    help: "share of anomalies assumed in the training data; sets threshold_ (PyOD's rule)"),
            .integer("seed", \.seed, both, flags: ["--seed"], range: 0...(1 << 53) - 1,
                     help: "random seed of initialisation, anomalies, augmentation and shuffling (the original never seeds)"),
            .optionalInteger("threads", \.threads, both, flags: ["--threads", "-w", "--workers"],
                             range: EngineRuntime.threadRange,
                             help: "engine worker threads of this run or detector, its own (never shared with others); null: the process default, one per core unless fs.set_num_threads (the original's -w/--workers map here)"),
            .integer("verbose", \.verbose, detector, flags: [], range: 0...10,
                     help: "0 silent, 1 progress bar, 2 also a line per epoch"),
            .optionalPath("vgg_weights", \.vggWeights, both, flags: ["--vgg-weights"],
                          rules: [.experiment: vggRule, .detector: vggRule],
                          help: "torchvision or timm vgg11_bn ImageNet weights (torchvision's .pth download as it is, or safetensors) for the pretrained *_VGG and *_VGG_F networks"),
            .optionalPath("load", \.load, experiment, flags: ["--load"],
                          help: "resume from the snapshot.safetensors of an earlier run"),
        ]),
        ("evaluation and output", [
            .integer("resdown", \.resdown, experiment, flags: ["--resdown"], range: 8...4096,
                     help: "largest tile side of the overview pictures"),
            .flag("blur_heatmaps", \.blurHeatmaps, experiment, flags: ["--blur-heatmaps"],
                  help: "blur the HSC baseline's gradient heatmaps in the pictures"),
            .text("logdir", \.logdir, experiment, flags: ["--logdir"], nonEmpty: true,
                  help: "log root; {t} becomes the start time YYYYmmddHHMMSS"),
            .text("logdir_suffix", \.logdirSuffix, experiment, flags: ["--logdir-suffix"],
                  rules: [.experiment: "_<dataset>_ when logdir holds {t}, else empty"],
                  help: "appended to logdir"),
            .flag("overwrite", \.overwrite, experiment, flags: ["--overwrite"],
                  help: "train into a folder that holds an earlier experiment (its summary.json, or a run's snapshot or result), replacing its files as the new runs write theirs; without it such a folder is an error (continue a stopped experiment with --resume instead)"),
            .text("readme", \.readme, experiment, flags: ["--readme"],
                  help: "free text stored with the configuration"),
            .optionalPath("viz_ids", \.vizIds, experiment, flags: ["--viz-ids"],
                          help: "log root of an earlier experiment: its paper-picture samples are drawn again into normal_<c>/it_<i>/specific_viz_ids/"),
        ]),
    ]

    /// Every field, in order.
    public static let fields: [SettingField] = sections.flatMap { section in
        section.fields.map { var f = $0; f.group = section.group; return f }
    }

    private static let byName = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0) })

    public static func field(_ name: String) -> SettingField? { byName[name] }

    /// The fields a context reads, in order.
    public static func fields(for context: SettingsContext) -> [SettingField] { fields.filter { $0.applies(to: context) } }
}

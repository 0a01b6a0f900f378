// The defaults of the original's runners, per dataset (reference 9.2: the values that differ from the
// general defaults of 9.1, which are Settings' initial values), and the detector's profiles, which pick
// the runner whose data look like the training images. Settings that follow other settings (the network
// for a baseline objective, the detector's supervision with outlier images, ...) are resolved in
// SettingsResolution.swift.

public enum RunnerDefaults {
    /// The runner's settings for `dataset`.
    public static func settings(for dataset: Dataset) -> Settings {
        var s = Settings()
        s.dataset = dataset
        switch dataset {
        case .synthetic:
            // The embedded default (not a runner of the original): MVTec-style anomalies on 32x32
            // textures, trained briefly so that the main job finishes in a few minutes on two cores.
            s.net = "FCDD_CNN32_S"; s.batchSize = 64; s.epochs = 20; s.learningRate = 1e-2
            s.schedulerParameters = [0.98]; s.preprocessing = .lcnaug1
            s.superviseMode = .malformedNormal; s.noiseMode = .confetti
            s.gaussStd = 1.2; s.quantile = 0.99; s.iterations = 1
        case .fmnist:
            s.net = "FCDD_CNN28_W"; s.epochs = 400; s.learningRate = 1e-2; s.schedulerParameters = [0.98]
            s.preprocessing = .lcnaug1; s.noiseMode = .cifar100; s.gaussStd = 1.2; s.quantile = 0.85
        case .cifar10:
            s.net = "FCDD_CNN32_LW3K"; s.batchSize = 20; s.accBatches = 10; s.epochs = 600
            s.optimizer = .adam; s.scheduler = .milestones; s.schedulerParameters = [0.1, 400, 500]
            s.noiseMode = .cifar100; s.gaussStd = 1.2; s.quantile = 0.85
        case .mvtec:
            s.batchSize = 16; s.accBatches = 8; s.weightDecay = 1e-4; s.preprocessing = .lcnaug1
            s.superviseMode = .malformedNormal; s.noiseMode = .confetti; s.gaussStd = 12; s.quantile = 0.99
        case .imagenet:
            s.net = "FCDD_CNN224_VGG_NOPT"; s.batchSize = 20; s.accBatches = 10; s.epochs = 600
            s.optimizer = .adam; s.scheduler = .milestones; s.schedulerParameters = [0.1, 400, 500]
            s.gaussStd = 8
        case .pascalvoc:
            s.net = "FCDD_CNN224_VGG_NOPT"; s.batchSize = 20; s.accBatches = 10; s.epochs = 600
            s.optimizer = .adam; s.scheduler = .milestones; s.schedulerParameters = [0.1, 400, 500]
            s.noiseMode = .imagenet; s.gaussStd = 8; s.quantile = 0.99; s.nominalLabel = 1
        case .custom:
            break
        }
        return s
    }
}

/// Which runner's defaults the detector takes, decided by the shape of the training images.
public enum DetectorProfile: String, CaseIterable {
    /// One channel, longer side <= 32: Fashion-MNIST's runner.
    case smallGray = "small_gray"
    /// Longer side <= 64: CIFAR-10's runner.
    case small
    /// Larger images: MVTec-AD's runner.
    case large

    public init(channels: Int, height: Int, width: Int) {
        let side = max(height, width)
        if channels == 1 && side <= 32 { self = .smallGray } else { self = side <= 64 ? .small : .large }
    }

    /// The runner whose defaults the profile takes.
    public var runner: Dataset {
        switch self { case .smallGray: return .fmnist; case .small: return .cifar10; case .large: return .mvtec }
    }

    /// Which images get the profile.
    public var rule: String {
        switch self {
        case .smallGray: return "1 channel, longer side <= 32"
        case .small: return "longer side <= 64 (1 or 3 channels)"
        case .large: return "larger images"
        }
    }

    /// The runner's settings, with the synthetic anomalies of the MVTec-AD runner: the detector reads no
    /// outlier dataset from disk (with outlier images it switches to outlier exposure).
    public var settings: Settings {
        var s = RunnerDefaults.settings(for: runner)
        s.superviseMode = .malformedNormal
        s.noiseMode = .confetti
        return s
    }
}

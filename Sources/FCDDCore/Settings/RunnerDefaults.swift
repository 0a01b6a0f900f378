// The defaults of the original's runners, per dataset (reference 9.2: the values that differ from the
// general defaults of 9.1, which are Settings' initial values; each dataset's definition applies its
// own), and the detector's profiles, which pick the runner whose data look like the training images.
// Settings that follow other settings (the network for a baseline objective, the detector's supervision
// with outlier images, ...) are resolved in SettingsResolution.swift.

public enum RunnerDefaults {
    /// The runner's settings for `dataset`.
    public static func settings(for dataset: Dataset) -> Settings {
        var s = Settings()
        s.dataset = dataset
        dataset.definition.applyRunnerDefaults(to: &s)
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

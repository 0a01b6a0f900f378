// The datasets of `-d` and what each offers of the original's options (reference 7.1-7.7): its
// preprocessing, its outlier-exposure sources, offline supervision. The settings check a run against
// these before anything is read (SettingsValidation.swift).

/// `-d, --dataset`.
public enum Dataset: String, CaseIterable {
    /// Textured surfaces the engine generates itself (no download); not a dataset of the original.
    case synthetic
    case fmnist, cifar10, mvtec, imagenet, pascalvoc, custom

    /// The item pipelines the dataset builds (which preprocessing names it offers).
    var pipelineKind: DatasetKind {
        switch self {
        case .synthetic: return .generic
        case .fmnist: return .fmnist
        case .cifar10: return .cifar10
        case .mvtec: return .mvtec
        case .imagenet: return .imagenet
        case .pascalvoc: return .pascalvoc
        case .custom: return .custom
        }
    }

    /// The outlier-exposure noise modes the dataset's runner reads from disk (supervise mode `noise`).
    var outlierSources: [NoiseMode] {
        switch self {
        case .synthetic: return []
        case .fmnist, .cifar10: return [.cifar100, .emnist]
        case .mvtec: return [.mvtec, .mvtecGT]
        case .imagenet, .pascalvoc, .custom: return [.imagenet, .imagenet22k]
        }
    }

    /// Whether `--offline-supervision` exists for the dataset (the original offers it for F-MNIST,
    /// CIFAR-10 and MVTec-AD only).
    var offersOfflineSupervision: Bool { [.synthetic, .fmnist, .cifar10, .mvtec].contains(self) }

    /// The supervise modes the dataset's runner accepts.
    var superviseModes: [SuperviseMode] {
        self == .imagenet ? [.unsupervised, .other, .noise] : SuperviseMode.allCases
    }
}

extension NoiseMode {
    /// The noise modes a context can use: experiments read outlier datasets from disk, the detector
    /// draws outliers from the images it is given.
    public static func available(in context: SettingsContext) -> [NoiseMode] {
        switch context {
        case .experiment: return allCases.filter { $0 != .outlierExposure }
        case .detector: return synthetic + [.outlierExposure]
        }
    }
}

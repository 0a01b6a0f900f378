// The online supervisor (online_supervisor.py, reference 6.2): applied to every raw training sample
// before augmentation, it replaces the sample with probability 0.5 by an artificial anomaly, so that
// anomalies then get exactly the augmentation of nominal images.
//  * `noise`: the image becomes the noise (synthetic, clamped to 0...255) or an outlier-exposure image;
//  * `malformed_normal`: the noise is added to the image (MalformedNormal.online);
//  * `malformed_normal_gt`: as malformed_normal, and the GT map marks the changed pixels.
// Replaced samples get the anomalous label and, for datasets with GT maps, an all-anomalous map (or
// the OE sample's own mask for `mvtec_gt`). Maps use 0 = nominal, 255 = anomalous pixel.

/// `--supervise-mode`.
public enum SuperviseMode: String, CaseIterable {
    case unsupervised, other, noise
    case malformedNormal = "malformed_normal"
    case malformedNormalGT = "malformed_normal_gt"

    /// What each mode does with the noise mode's noise or outlier images (the schema's "choice_help").
    public static var choiceHelp: [(SuperviseMode, String)] {
        [(.unsupervised, "no anomalies are made: the training images and labels as given"),
         (.other, "the other classes' images are the anomalies"),
         (.noise, "the noise or an outlier image replaces the image"),
         (.malformedNormal, "the noise is drawn on nominal images"),
         (.malformedNormalGT, "the noise is drawn on nominal images, and the ground-truth map marks the changed pixels")]
    }

    /// Whether the supervisor creates anomalies in this mode (`other` and `unsupervised` do not).
    public var createsAnomalies: Bool { self == .noise || self == .malformedNormal || self == .malformedNormalGT }
}

/// A stream of outlier-exposure images (CIFAR-100, EMNIST, ImageNet, MVTec defects, ...) at the raw size
/// the dataset asks for. Implementations decide how to draw (the original shuffles the pool once per pass).
public protocol OutlierProvider {
    /// The next OE image and, for sources with masks (`mvtec_gt`), its 0/255 ground-truth map.
    func next(_ rng: inout RandomSource) throws -> (image: RawImage, groundTruth: RawImage?)
}

/// A training sample after the supervisor.
public struct SupervisedSample {
    public var image: RawImage
    public var label: Int
    /// One-channel 0/255 map, or nil when the input had none and the mode does not create one.
    public var groundTruth: RawImage?
    /// Whether the sample was replaced by an anomaly.
    public var replaced: Bool
}

/// Replaces raw training samples by artificial anomalies with probability `probability`.
public struct OnlineSupervisor {
    public let mode: SuperviseMode
    public let noise: NoiseMode
    /// Label given to replaced samples (1 unless the nominal label is 1).
    public let anomalousLabel: Int
    /// Replacement probability (0.5 in the original).
    public let probability: Double
    public let outliers: OutlierProvider?

    /// Validates the combination: OE noise modes need a provider, synthetic ones must not have one,
    /// `mvtec_gt` only works with `noise`, and `noise` mode cannot produce change maps.
    public init(mode: SuperviseMode, noise: NoiseMode, anomalousLabel: Int = 1, probability: Double = 0.5,
                outliers: OutlierProvider? = nil) throws {
        guard probability >= 0, probability <= 1 else {
            throw EngineError.invalidArgument("supervisor: replacement probability must be in [0, 1], got \(probability)")
        }
        if mode.createsAnomalies {
            if noise.isOutlierExposure && outliers == nil {
                throw EngineError.invalidArgument("noise mode '\(noise.rawValue)' needs an outlier-exposure source")
            }
            if !noise.isOutlierExposure && outliers != nil {
                throw EngineError.invalidArgument("noise mode '\(noise.rawValue)' is synthetic; no outlier source expected")
            }
            if noise.usesOutlierMasks && mode != .noise {
                throw EngineError.invalidArgument("noise mode '\(noise.rawValue)' only works with supervise mode 'noise'")
            }
        }
        self.mode = mode; self.noise = noise; self.anomalousLabel = anomalousLabel
        self.probability = probability; self.outliers = outliers
    }

    /// Whether the supervisor ever replaces a sample.
    public var isActive: Bool { mode.createsAnomalies }

    /// The sample, replaced by an anomaly with probability `probability` (one coin per call), or
    /// always / never when `replace` is given (ImageNet and custom data draw the coin themselves so as
    /// not to load images that get replaced; they pass a placeholder of the raw shape for `noise`).
    public func callAsFunction(image: RawImage, label: Int, groundTruth: RawImage?, _ rng: inout RandomSource,
                               replace: Bool? = nil) throws -> SupervisedSample {
        let unchanged = SupervisedSample(image: image, label: label, groundTruth: groundTruth, replaced: false)
        guard isActive else { return unchanged }
        let doReplace = replace ?? rng.bernoulli(probability)
        guard doReplace else { return unchanged }

        // The noise: an OE sample or fresh synthetic noise of the image's shape.
        var noiseImage: NoiseImage
        var oeMask: RawImage? = nil
        if let outliers {
            let sample = try outliers.next(&rng)
            noiseImage = NoiseImage(channels: sample.image.channels, height: sample.image.height,
                                    width: sample.image.width, values: sample.image.pixels.map(Float.init))
            oeMask = sample.groundTruth
        } else {
            noiseImage = try SyntheticNoise.generate(noise, channels: image.channels, height: image.height,
                                                     width: image.width, &rng)[0]
        }
        switch mode {
        case .noise:
            let anomaly = noiseImage.clampedImage()
            var gt: RawImage? = nil
            if noise == .mvtecGT && oeMask == nil {
                throw EngineError.invalidArgument("noise mode 'mvtec_gt': the outlier source returned no mask")
            }
            if noise.usesOutlierMasks, let mask = oeMask {
                guard mask.height == anomaly.height, mask.width == anomaly.width else {
                    throw EngineError.shapeMismatch("\(noise.rawValue): mask \(mask.height) x \(mask.width) does not match its image \(anomaly.height) x \(anomaly.width)")
                }
                gt = mask.channels == 1 ? mask : mask.converted(toChannels: 1)
            } else if groundTruth != nil {
                gt = RawImage(channels: 1, height: anomaly.height, width: anomaly.width, value: 255)
            }
            return SupervisedSample(image: anomaly, label: anomalousLabel, groundTruth: gt, replaced: true)
        case .malformedNormal, .malformedNormalGT:
            let anomaly = try MalformedNormal.online(image, noise: noiseImage).image
            var gt: RawImage? = nil
            if mode == .malformedNormalGT {
                gt = MalformedNormal.changedPixels(original: image, anomaly: anomaly)
            } else if groundTruth != nil {
                gt = RawImage(channels: 1, height: image.height, width: image.width, value: 255)
            }
            return SupervisedSample(image: anomaly, label: anomalousLabel, groundTruth: gt, replaced: true)
        case .unsupervised, .other:
            return unchanged
        }
    }
}

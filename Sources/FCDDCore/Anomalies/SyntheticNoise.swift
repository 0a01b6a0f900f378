// The synthetic noise modes of the original (noise_modes.py `generate_noise`, reference 6.4-6.5).
// Noise is signed and unbounded (confetti is <= 0, Gaussian noise has both signs), so it is kept as
// float values; every mode except `gaussian`/`uniform` produces integers.

/// A signed noise image, C x H x W (planar), to be added to or clamped into an 8-bit image.
public struct NoiseImage: Equatable {
    public var channels: Int, height: Int, width: Int
    public var values: [Float]

    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == channels * height * width)
        self.channels = channels; self.height = height; self.width = width; self.values = values
    }

    /// `noise.clamp(0, 255).byte()`: the noise itself as an image (supervise mode `noise`).
    public func clampedImage() -> RawImage {
        var out = RawImage(channels: channels == 3 ? 3 : 1, height: height, width: width, value: 0)
        precondition(channels == 1 || channels == 3)
        for i in values.indices { out.pixels[i] = UInt8(min(max(values[i], 0), 255)) }
        return out
    }
}

/// Names of the noise modes (`--noise-mode`), synthetic and outlier exposure.
public enum NoiseMode: String, CaseIterable {
    case gaussian, uniform, blob
    case mixedBlob = "mixed_blob"
    case solid, confetti
    case cifar100, emnist, imagenet, imagenet22k, mvtec
    case mvtecGT = "mvtec_gt"
    /// The images given to the in-memory detector (`oe_data` and known anomalies), with their masks.
    case outlierExposure = "outlier_exposure"

    /// Whether the outlier source's own masks become the ground-truth maps of replaced samples.
    public var usesOutlierMasks: Bool { self == .mvtecGT || self == .outlierExposure }

    /// Whether the anomalies come from another dataset (outlier exposure) rather than a generator.
    public var isOutlierExposure: Bool { !NoiseMode.synthetic.contains(self) }

    /// Whether the mode works with online supervision only: MVTec-AD's defects are drawn per sample from
    /// the class's test split, as in the original, never generated once beforehand.
    public var isOnlineOnly: Bool { self == .mvtec || self == .mvtecGT }

    /// The modes that generate noise (the rest are outlier exposure).
    public static let synthetic: [NoiseMode] = [.gaussian, .uniform, .blob, .mixedBlob, .solid, .confetti]
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

/// Generators of the synthetic noise modes.
public enum SyntheticNoise {
    /// The coloured part of confetti noise: p 1.8e-5, squares 8...54, colours in [-256, -1], rotation 45.
    public static let confettiColored = ConfettiGenerator(
        probability: 0.000018, minShape: (8, 8), maxShape: (54, 54), fill: 255, colorRange: (-256, 0), rotation: 45)
    /// The grey part of confetti noise: p 1.2e-5, squares 8...54, value -255, rotation 45.
    public static let confettiGray = ConfettiGenerator(
        probability: 0.000012, minShape: (8, 8), maxShape: (54, 54), fill: -255, rotation: 45)

    /// `count` noise images of `channels x height x width` for a synthetic `mode` (one call of the
    /// original's generator with size N x C x H x W, so confetti shape-group colours are shared over
    /// the batch, as in offline generation).
    public static func generate(_ mode: NoiseMode, count: Int = 1, channels: Int, height: Int, width: Int,
                                _ rng: inout RandomSource) throws -> [NoiseImage] {
        guard count >= 1, channels == 1 || channels == 3, height >= 1, width >= 1 else {
            throw EngineError.invalidArgument("noise: size \(count) x \(channels) x \(height) x \(width) is invalid (channels 1 or 3)")
        }
        let per = channels * height * width
        var values = [Float](repeating: 0, count: count * per)
        switch mode {
        case .gaussian:
            for i in values.indices { values[i] = Float(rng.normal()) * 64 }
        case .uniform:
            for i in values.indices { values[i] = Float(rng.nextDouble()) * 255 }
        case .blob:
            let g = ConfettiGenerator(probability: 0.002, minShape: (6, 6), maxShape: (6, 6), fill: 255)
            values = try g.generate(count: count, channels: channels, height: height, width: width, &rng).values.map(Float.init)
        case .mixedBlob:
            let g = ConfettiGenerator(probability: 0.00001, minShape: (34, 34), maxShape: (34, 34), fill: 255)
            var colored = try g.generate(count: count, channels: channels, height: height, width: width, &rng).values
            let plain = try g.generate(count: count, channels: channels, height: height, width: width, &rng).values
            // colorize_noise with equal bounds: every non-zero element gets its own integer in [0, 255].
            for i in colored.indices where colored[i] != 0 { colored[i] = Int32(rng.integer(below: 256)) }
            for i in values.indices { values[i] = Float(colored[i] + plain[i]) }
        case .solid:
            let plane = height * width
            for n in 0..<count {
                for c in 0..<channels {
                    let v = Float(rng.integer(below: 256))
                    for i in 0..<plane { values[n * per + c * plane + i] = v }
                }
            }
        case .confetti:
            values = try confetti(count: count, channels: channels, height: height, width: width, &rng)
        default:
            throw EngineError.invalidArgument("noise mode '\(mode.rawValue)' is outlier exposure, not a generator")
        }
        return (0..<count).map { n in
            NoiseImage(channels: channels, height: height, width: width, values: Array(values[(n * per)..<((n + 1) * per)]))
        }
    }

    /// Confetti noise (reference 6.5): coloured + grey confetti, summed, blurred with kornia's 25x25,
    /// sigma 5 kernel and truncated toward zero.
    ///
    /// One-channel images (which the original rejects for confetti) get RGB confetti converted the way
    /// the datasets convert RGB to gray, PIL's `convert("L")` luma in 16-bit fixed point, applied to the
    /// darkening magnitude: gray = -((-R) * 19595 + (-G) * 38470 + (-B) * 7471 + 0x8000) >> 16. Confetti
    /// is never positive, so this is exactly PIL's rounding of the magnitude, with the sign restored.
    public static func confetti(count: Int, channels: Int, height: Int, width: Int,
                                _ rng: inout RandomSource) throws -> [Float] {
        let a = try confettiColored.generate(count: count, channels: 3, height: height, width: width, &rng).values
        let b = try confettiGray.generate(count: count, channels: 3, height: height, width: width, &rng).values
        var rgb = [Float](repeating: 0, count: a.count)
        for i in rgb.indices { rgb[i] = Float(a[i] + b[i]) }
        let blur = try GaussianBlur(size: 25, sigma: 5)
        blur.apply(&rgb, planes: count * 3, height: height, width: width)
        for i in rgb.indices { rgb[i] = rgb[i].rounded(.towardZero) }
        if channels == 3 { return rgb }
        let plane = height * width
        var gray = [Float](repeating: 0, count: count * plane)
        for n in 0..<count {
            for i in 0..<plane {
                let r = -Int(rgb[(n * 3) * plane + i]), g = -Int(rgb[(n * 3 + 1) * plane + i])
                let bl = -Int(rgb[(n * 3 + 2) * plane + i])
                gray[n * plane + i] = -Float((r * 19595 + g * 38470 + bl * 7471 + 0x8000) >> 16)
            }
        }
        return gray
    }
}

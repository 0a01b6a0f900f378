// Offline supervision (`--offline-supervision`, reference 6.3): anomalies are generated once, as many as
// there are nominal training images, and appended to the training set (1:1), instead of replacing
// samples on the fly. The noise is one batch of the nominal data's shape (so confetti colours are shared
// per shape group across the whole batch, as in the original).

/// Offline anomaly generation.
public enum OfflineSupervision {
    /// One anomaly per nominal image. `noise`: the noise clamped to 0...255; `malformed_normal(_gt)`:
    /// the offline malformed-normal rule (per-pixel sign flip on bright pixels). The GT map (0/255,
    /// "any channel changed") is returned for `malformed_normal_gt` only. All nominal images must share
    /// one shape. OE noise modes draw the batch from `outliers`; `mvtec`/`mvtec_gt` are online-only.
    public static func anomalies(for nominals: [RawImage], mode: SuperviseMode, noise: NoiseMode,
                                 outliers: OutlierProvider? = nil,
                                 _ rng: inout RandomSource) throws -> [(image: RawImage, groundTruth: RawImage?)] {
        guard let first = nominals.first else { return [] }
        guard mode.createsAnomalies else {
            throw EngineError.invalidArgument("offline supervision: supervise mode '\(mode.rawValue)' creates no anomalies")
        }
        guard !noise.isOnlineOnly else {
            throw EngineError.invalidArgument("noise modes 'mvtec' and 'mvtec_gt' are only available with online supervision")
        }
        for (i, img) in nominals.enumerated()
        where img.channels != first.channels || img.height != first.height || img.width != first.width {
            throw EngineError.shapeMismatch("offline supervision: image \(i) is \(img.channels) x \(img.height) x \(img.width), the first \(first.channels) x \(first.height) x \(first.width)")
        }
        let noiseBatch: [NoiseImage]
        if noise.isOutlierExposure {
            guard let outliers else { throw EngineError.invalidArgument("noise mode '\(noise.rawValue)' needs an outlier-exposure source") }
            noiseBatch = try nominals.indices.map { _ in
                let img = try outliers.next(&rng).image
                return NoiseImage(channels: img.channels, height: img.height, width: img.width, values: img.pixels.map(Float.init))
            }
        } else {
            noiseBatch = try SyntheticNoise.generate(noise, count: nominals.count, channels: first.channels,
                                                     height: first.height, width: first.width, &rng)
        }
        return try zip(nominals, noiseBatch).map { nominal, z in
            switch mode {
            case .noise:
                return (z.clampedImage(), nil)
            default:
                let anomaly = try MalformedNormal.offline(nominal, noise: z)
                let gt = mode == .malformedNormalGT ? MalformedNormal.changedPixels(original: nominal, anomaly: anomaly) : nil
                return (anomaly, gt)
            }
        }
    }
}

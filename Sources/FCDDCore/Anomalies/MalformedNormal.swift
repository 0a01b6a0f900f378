// "Malformed normal" anomalies: noise added to a nominal image (reference 6.3 and 6.6 [EXACT]).
//  * Online (online_supervisor.py `__malformed_normal`): the noise sign is flipped for the whole image
//    when adding it changes the image by less than 0.025 grey levels on average (absolute mean signed
//    change) and subtracting it would change more, e.g. dark confetti on a black background.
//  * Offline (offline_supervisor.py `malformed_normal`): the sign is flipped per pixel where the pixel's
//    channel mean exceeds 0.11 * 255.
// Both clamp the sum to 0...255; the `_gt` variants mark pixels where any channel changed.

/// Construction of malformed-normal anomalies.
public enum MalformedNormal {
    /// Online inversion threshold on the mean signed change (0..255 scale).
    public static let invertThreshold: Float = 0.025
    /// Offline per-pixel brightness threshold (channel mean, 0..255 scale).
    public static let brightnessThreshold: Double = 0.11 * 255

    static func checkShapes(_ image: RawImage, _ noise: NoiseImage) throws {
        guard image.channels == noise.channels, image.height == noise.height, image.width == noise.width else {
            throw EngineError.shapeMismatch("malformed normal: noise \(noise.channels) x \(noise.height) x \(noise.width) does not match image \(image.channels) x \(image.height) x \(image.width)")
        }
    }

    /// The online anomaly `clamp(X + Z, 0, 255)`, with `Z := -Z` when
    /// `|mean(clamp(X + Z) - X)| < 0.025` and `|mean(clamp(X - Z) - X)|` is larger.
    /// Returns the anomaly and whether the noise was inverted.
    public static func online(_ image: RawImage, noise: NoiseImage) throws -> (image: RawImage, inverted: Bool) {
        try checkShapes(image, noise)
        var sumAdd = 0.0, sumSub = 0.0
        image.pixels.withUnsafeBufferPointer { x in
            noise.values.withUnsafeBufferPointer { z in
                for i in x.indices {
                    let v = Float(x[i])
                    sumAdd += Double(min(max(v + z[i], 0), 255) - v)
                    sumSub += Double(min(max(v - z[i], 0), 255) - v)
                }
            }
        }
        // torch: sum over the sample as float, divided by numel, absolute value (all in float32).
        let n = Float(image.pixels.count)
        let d = abs(Float(sumAdd) / n), dInv = abs(Float(sumSub) / n)
        let invert = d < invertThreshold && dInv > d
        return (add(image, noise, sign: invert ? -1 : 1), invert)
    }

    /// The offline anomaly: per pixel, the noise sign flips where the channel sum of the nominal pixel
    /// exceeds `0.11 * 255 * C`; then `clamp(X + Z, 0, 255)`.
    public static func offline(_ image: RawImage, noise: NoiseImage) throws -> RawImage {
        try checkShapes(image, noise)
        let plane = image.planeSize, c = image.channels
        let threshold = brightnessThreshold * Double(c)
        var out = image
        for i in 0..<plane {
            var s = 0
            for k in 0..<c { s += Int(image.pixels[k * plane + i]) }
            let sign: Float = Double(s) > threshold ? -1 : 1
            for k in 0..<c {
                // offline_supervisor.py casts the noise to int before adding.
                let z = noise.values[k * plane + i].rounded(.towardZero)
                out.pixels[k * plane + i] = UInt8(min(max(Float(image.pixels[k * plane + i]) + sign * z, 0), 255))
            }
        }
        return out
    }

    /// The ground-truth map of a malformed image: 255 where any channel differs from the original.
    public static func changedPixels(original: RawImage, anomaly: RawImage) -> RawImage {
        precondition(original.channels == anomaly.channels && original.planeSize == anomaly.planeSize)
        let plane = original.planeSize
        var gt = RawImage(channels: 1, height: original.height, width: original.width, value: 0)
        for k in 0..<original.channels {
            for i in 0..<plane where original.pixels[k * plane + i] != anomaly.pixels[k * plane + i] { gt.pixels[i] = 255 }
        }
        return gt
    }

    /// `clamp(X + sign * Z, 0, 255)` as uint8 (float noise truncates toward zero after clamping).
    static func add(_ image: RawImage, _ noise: NoiseImage, sign: Float) -> RawImage {
        var out = image
        out.pixels.withUnsafeMutableBufferPointer { x in
            noise.values.withUnsafeBufferPointer { z in
                for i in x.indices { x[i] = UInt8(min(max(Float(x[i]) + sign * z[i], 0), 255)) }
            }
        }
        return out
    }
}

// torchvision 0.10 `ColorJitter` on PIL images (reference 7.8), reproduced down to PIL's integer
// arithmetic:
//  * factors: brightness/contrast/saturation uniform in [max(0, 1 - v), 1 + v], hue in [-v, v]; the four
//    operations run in the order of `torch.randperm(4)` (0 brightness, 1 contrast, 2 saturation, 3 hue);
//    a jitter value of 0 disables its operation;
//  * brightness, contrast and saturation are `ImageEnhance` blends (libImaging/Blend.c) of a degenerate
//    image with the image: out = uint8(in1 + alpha * (in2 - in1)) in C float, clipped to 0...255 only when
//    alpha lies outside [0, 1]. Degenerates: black (brightness), a constant image of the rounded mean of
//    the 'L' version (contrast, `int(mean + 0.5)`), the 'L' version itself (saturation);
//  * hue: RGB -> PIL HSV (libImaging/Convert.c `rgb2hsv`), H += uint8(hue * 255) with wrap-around
//    (numpy uint8), HSV -> RGB (`hsv2rgb`). Hue and saturation leave 1-channel images unchanged.
#if canImport(Glibc)
import Glibc
#endif

/// Random brightness, contrast, saturation and hue changes of an 8-bit image.
public struct ColorJitter: Equatable {
    public var brightness: Double, contrast: Double, saturation: Double, hue: Double

    /// Jitter strengths as in torchvision: factors from `[max(0, 1 - v), 1 + v]`, hue from `[-hue, hue]`.
    public init(brightness: Double, contrast: Double, saturation: Double, hue: Double) throws {
        guard brightness >= 0, contrast >= 0, saturation >= 0, hue >= 0, hue <= 0.5,
              brightness.isFinite, contrast.isFinite, saturation.isFinite else {
            throw EngineError.invalidArgument("ColorJitter: strengths must be finite and >= 0 and hue <= 0.5")
        }
        self.brightness = brightness; self.contrast = contrast; self.saturation = saturation; self.hue = hue
    }

    /// The same strength for all four operations (e.g. `ColorJitter(0.01, 0.01, 0.01, 0.01)`).
    public init(all v: Double) throws { try self.init(brightness: v, contrast: v, saturation: v, hue: v) }

    /// Draws order and factors and applies them.
    public func apply(_ image: RawImage, _ rng: inout RandomSource) -> RawImage {
        let order = rng.permutation(4)
        // torchvision draws all four factors (as float32) before applying any.
        func factor(_ v: Double) -> Double? {
            v == 0 ? nil : Double(Float(rng.uniform(max(0, 1 - v), 1 + v)))
        }
        let b = factor(brightness), c = factor(contrast), s = factor(saturation)
        let h: Double? = hue == 0 ? nil : Double(Float(rng.uniform(-hue, hue)))
        var out = image
        for op in order {
            switch op {
            case 0: if let b { out = ColorJitter.adjustBrightness(out, factor: b) }
            case 1: if let c { out = ColorJitter.adjustContrast(out, factor: c) }
            case 2: if let s { out = ColorJitter.adjustSaturation(out, factor: s) }
            default: if let h { out = ColorJitter.adjustHue(out, shift: h) }
            }
        }
        return out
    }

    /// `ImageEnhance.Brightness(img).enhance(factor)`: blend with black.
    public static func adjustBrightness(_ image: RawImage, factor: Double) -> RawImage {
        var out = image
        let alpha = Float(factor)
        out.pixels.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = blend(0, p[i], alpha) }
        }
        return out
    }

    /// `ImageEnhance.Contrast(img).enhance(factor)`: blend with the rounded mean grey level.
    public static func adjustContrast(_ image: RawImage, factor: Double) -> RawImage {
        let gray = image.converted(toChannels: 1)
        var total = 0
        for v in gray.pixels { total += Int(v) }
        // ImageStat mean is a double; Image.new("L", size, int(mean + 0.5)).
        let mean = UInt8(Int(Double(total) / Double(gray.pixels.count) + 0.5))
        var out = image
        let alpha = Float(factor)
        out.pixels.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = blend(mean, p[i], alpha) }
        }
        return out
    }

    /// `ImageEnhance.Color(img).enhance(factor)`: blend with the 'L' version (replicated to RGB).
    public static func adjustSaturation(_ image: RawImage, factor: Double) -> RawImage {
        guard image.channels == 3 else { return image }
        let gray = image.converted(toChannels: 1).pixels
        var out = image
        let alpha = Float(factor), plane = image.planeSize
        out.pixels.withUnsafeMutableBufferPointer { p in
            gray.withUnsafeBufferPointer { g in
                for c in 0..<3 {
                    for i in 0..<plane { p[c * plane + i] = blend(g[i], p[c * plane + i], alpha) }
                }
            }
        }
        return out
    }

    /// torchvision `adjust_hue` on PIL: shift H of PIL's uint8 HSV by `uint8(shift * 255)` modulo 256.
    public static func adjustHue(_ image: RawImage, shift: Double) -> RawImage {
        guard image.channels == 3 else { return image }
        // np.uint8(float): C conversion, truncation toward zero, then wrap modulo 256.
        let delta = UInt8(truncatingIfNeeded: Int(shift * 255))
        var out = image
        let plane = image.planeSize
        out.pixels.withUnsafeMutableBufferPointer { p in
            for i in 0..<plane {
                let (h, s, v) = rgbToHSV(p[i], p[plane + i], p[2 * plane + i])
                let (r, g, b) = hsvToRGB(h &+ delta, s, v)
                p[i] = r; p[plane + i] = g; p[2 * plane + i] = b
            }
        }
        return out
    }

    /// Blend.c: `in1 + alpha * (in2 - in1)` in C float; truncation inside [0, 1], clipping outside.
    @inline(__always) static func blend(_ in1: UInt8, _ in2: UInt8, _ alpha: Float) -> UInt8 {
        let t = Float(Int(in1)) + alpha * Float(Int(in2) - Int(in1))
        if alpha >= 0 && alpha <= 1 { return UInt8(t) }
        if t <= 0 { return 0 }
        if t >= 255 { return 255 }
        return UInt8(t)
    }

    /// Convert.c `rgb2hsv_row` (float intermediate values, double constants as in C).
    @inline(__always) static func rgbToHSV(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> (UInt8, UInt8, UInt8) {
        let maxc = max(r, max(g, b)), minc = min(r, min(g, b))
        if maxc == minc { return (0, 0, maxc) }
        let cr = Float(maxc - minc)
        let s = cr / Float(maxc)
        let rc = Float(maxc - r) / cr, gc = Float(maxc - g) / cr, bc = Float(maxc - b) / cr
        var h: Float
        if r == maxc {
            h = bc - gc
        } else if g == maxc {
            h = Float(2.0 + Double(rc) - Double(bc))
        } else {
            h = Float(4.0 + Double(gc) - Double(rc))
        }
        // fmod(v, 1) of a positive v is exactly v - floor(v).
        let wrapped = Double(h) / 6.0 + 1.0
        h = Float(wrapped - wrapped.rounded(.down))
        return (clip8(Int(Double(h) * 255.0)), clip8(Int(Double(s) * 255.0)), maxc)
    }

    /// Convert.c `hsv2rgb`.
    @inline(__always) static func hsvToRGB(_ h: UInt8, _ s: UInt8, _ v: UInt8) -> (UInt8, UInt8, UInt8) {
        if s == 0 { return (v, v, v) }
        let i = Int(floor(Double(h) * 6.0 / 255.0))
        let f = Float(Double(h) * 6.0 / 255.0 - Double(i))
        let fs = Float(Double(s) / 255.0)
        let vd = Double(v)
        let p = clip8(Int((vd * (1.0 - Double(fs))).rounded()))
        let q = clip8(Int((vd * (1.0 - Double(fs) * Double(f))).rounded()))
        let t = clip8(Int((vd * (1.0 - Double(fs) * (1.0 - Double(f)))).rounded()))
        switch i % 6 {
        case 0: return (v, t, p)
        case 1: return (q, v, p)
        case 2: return (p, v, t)
        case 3: return (p, q, v)
        case 4: return (t, p, v)
        default: return (v, p, q)
        }
    }

    @inline(__always) static func clip8(_ v: Int) -> UInt8 { UInt8(max(0, min(255, v))) }
}

// Small whole-image adjustments on 8-bit images that some dataset readers need before the pipeline.

extension RawImage {
    /// The first channel as a one-channel image (the original keeps `gt[:1]` of RGB-loaded maps).
    public var firstChannel: RawImage {
        if channels == 1 { return self }
        var out = RawImage(channels: 1, height: height, width: width, value: 0)
        out.pixels = Array(pixels[0..<planeSize])
        return out
    }

    /// Pascal VOC's quirk (reference 7.6): images that the supervisor did not replace are min-max
    /// stretched per image to 0...255, computed on the float tensor x / 255 as
    /// `((x - min) / (max - min) * 255).byte()` in float32. A constant image (where the original divides
    /// by zero) becomes all zeros.
    public func contrastStretched() -> RawImage {
        guard let lo = pixels.min(), let hi = pixels.max(), hi > lo else {
            return RawImage(channels: channels, height: height, width: width, value: 0)
        }
        let fl = Float(lo) / 255, range = Float(hi) / 255 - fl
        var out = self
        out.pixels.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = UInt8(min(max((Float(p[i]) / 255 - fl) / range * 255, 0), 255)) }
        }
        return out
    }
}

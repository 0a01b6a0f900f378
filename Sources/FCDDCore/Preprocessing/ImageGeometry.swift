// Geometric transforms on 8-bit planar images, with torchvision 0.10's parameter choices
// (`RandomCrop.get_params`, `center_crop`, `hflip`). Random transforms return their parameters so that
// the MVTec / custom-GT pipelines can apply the same choice to the image and its ground-truth map
// (the original's `MultiCompose`, reference 7.4).

/// The height and width of one image or map.
public struct ImageSize: Equatable {
    public var height: Int
    public var width: Int
    public init(height: Int, width: Int) { self.height = height; self.width = width }
    public var pixels: Int { height * width }
}

/// A crop window in pixel coordinates of the (padded) image.
public struct CropWindow: Equatable {
    public var top: Int, left: Int, height: Int, width: Int
    public init(top: Int, left: Int, height: Int, width: Int) {
        self.top = top; self.left = left; self.height = height; self.width = width
    }
}

extension RawImage {
    /// `padding` zero pixels on all four sides (torchvision `pad(img, p, fill=0)`).
    public func zeroPadded(_ padding: Int) -> RawImage {
        precondition(padding >= 0)
        if padding == 0 { return self }
        return zeroPadded(left: padding, top: padding, right: padding, bottom: padding)
    }

    /// Zero padding with individual amounts per side.
    public func zeroPadded(left: Int, top: Int, right: Int, bottom: Int) -> RawImage {
        precondition(left >= 0 && top >= 0 && right >= 0 && bottom >= 0)
        let outH = height + top + bottom, outW = width + left + right
        var out = RawImage(channels: channels, height: outH, width: outW, value: 0)
        let inPlane = planeSize, outPlane = outH * outW, w = width
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    for y in 0..<height {
                        let s = c * inPlane + y * w, d = c * outPlane + (y + top) * outW + left
                        for x in 0..<w { dst[d + x] = src[s + x] }
                    }
                }
            }
        }
        return out
    }

    /// The pixels inside `window`, which must lie inside the image.
    public func cropped(_ window: CropWindow) throws -> RawImage {
        guard window.top >= 0, window.left >= 0, window.height >= 1, window.width >= 1,
              window.top + window.height <= height, window.left + window.width <= width else {
            throw EngineError.invalidArgument("crop \(window) does not fit a \(height) x \(width) image")
        }
        if window.height == height && window.width == width { return self }
        var out = RawImage(channels: channels, height: window.height, width: window.width, value: 0)
        let inPlane = planeSize, outPlane = window.height * window.width, w = width
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    for y in 0..<window.height {
                        let s = c * inPlane + (y + window.top) * w + window.left
                        let d = c * outPlane + y * window.width
                        for x in 0..<window.width { dst[d + x] = src[s + x] }
                    }
                }
            }
        }
        return out
    }

    /// torchvision `RandomCrop.get_params`: offsets uniform in `0...(H - h)` and `0...(W - w)`; no draw
    /// when the sizes already match. Throws when the image is smaller than the crop.
    public func randomCropWindow(height h: Int, width w: Int, _ rng: inout RandomSource) throws -> CropWindow {
        guard h >= 1, w >= 1, h <= height, w <= width else {
            throw EngineError.invalidArgument("random crop \(h) x \(w) is larger than the \(height) x \(width) image")
        }
        if h == height && w == width { return CropWindow(top: 0, left: 0, height: h, width: w) }
        let top = rng.integer(below: height - h + 1)
        let left = rng.integer(below: width - w + 1)
        return CropWindow(top: top, left: left, height: h, width: w)
    }

    /// torchvision `RandomCrop(size, padding)`: zero padding, then a crop at a uniform offset.
    public func randomlyCropped(height h: Int, width w: Int, padding: Int = 0,
                                _ rng: inout RandomSource) throws -> RawImage {
        guard padding >= 0 else { throw EngineError.invalidArgument("random crop: negative padding \(padding)") }
        let padded = zeroPadded(padding)
        return try padded.cropped(padded.randomCropWindow(height: h, width: w, &rng))
    }

    /// torchvision 0.10 `center_crop`: zero-pads when the crop is larger than the image, then takes
    /// the window at `int(round((H - h) / 2))` with Python's round-half-to-even.
    public func centerCropped(height h: Int, width w: Int) throws -> RawImage {
        guard h >= 1, w >= 1 else { throw EngineError.invalidArgument("centre crop \(h) x \(w) must be positive") }
        var image = self
        if w > width || h > height {
            let padL = w > width ? (w - width) / 2 : 0, padT = h > height ? (h - height) / 2 : 0
            let padR = w > width ? (w - width + 1) / 2 : 0, padB = h > height ? (h - height + 1) / 2 : 0
            image = zeroPadded(left: padL, top: padT, right: padR, bottom: padB)
        }
        let top = Int((Double(image.height - h) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(image.width - w) / 2).rounded(.toNearestOrEven))
        return try image.cropped(CropWindow(top: top, left: left, height: h, width: w))
    }

    /// The mirror image (left-right).
    public func horizontallyFlipped() -> RawImage {
        var out = self
        let w = width
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for row in 0..<(channels * height) {
                    let base = row * w
                    for x in 0..<w { dst[base + x] = src[base + w - 1 - x] }
                }
            }
        }
        return out
    }
}

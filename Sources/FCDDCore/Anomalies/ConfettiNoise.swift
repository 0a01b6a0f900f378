// The confetti generator of the original (noise.py `confetti_noise`, reference 6.5 [EXACT]):
// Bernoulli blob centres (redrawn per image until each image has one), square (or rectangular) blobs
// of a random size from a candidate list, one colour per shape group, later groups overwriting earlier
// ones, then an optional rotation of a window around every centre with nearest interpolation
// (scikit-image `rotate(order=0, cval=0, clip=False)`). The result is integer-valued.
// Layout: N x C x H x W, row-major, as Int32.
#if canImport(Glibc)
import Glibc
#endif

/// Parameters of one confetti draw.
public struct ConfettiGenerator: Equatable {
    /// Probability of a blob centre per pixel.
    public var probability: Double
    /// Smallest and largest blob (height, width), inclusive.
    public var minShape: (height: Int, width: Int)
    public var maxShape: (height: Int, width: Int)
    /// Value of uncoloured blobs (written to every channel).
    public var fill: Int32
    /// When set, each shape group gets one random RGB colour with integer components in `lo ..< hi`
    /// (requires 3 channels).
    public var colorRange: (lo: Int32, hi: Int32)?
    /// Largest rotation in degrees (0: none); angles are uniform in `[-rotation, rotation]`.
    public var rotation: Double
    /// Redraw the mask of any image without a centre.
    public var ensureBlob: Bool
    /// Only shapes with height == width.
    public var onlySquares: Bool

    public init(probability: Double, minShape: (height: Int, width: Int), maxShape: (height: Int, width: Int),
                fill: Int32 = 255, colorRange: (lo: Int32, hi: Int32)? = nil, rotation: Double = 0,
                ensureBlob: Bool = true, onlySquares: Bool = true) {
        self.probability = probability; self.minShape = minShape; self.maxShape = maxShape
        self.fill = fill; self.colorRange = colorRange; self.rotation = rotation
        self.ensureBlob = ensureBlob; self.onlySquares = onlySquares
    }

    public static func == (a: ConfettiGenerator, b: ConfettiGenerator) -> Bool {
        a.probability == b.probability && a.minShape == b.minShape && a.maxShape == b.maxShape && a.fill == b.fill
            && a.colorRange?.lo == b.colorRange?.lo && a.colorRange?.hi == b.colorRange?.hi
            && a.rotation == b.rotation && a.ensureBlob == b.ensureBlob && a.onlySquares == b.onlySquares
    }

    /// The candidate shapes in the original's order (height outer, width inner).
    public var shapes: [(height: Int, width: Int)] {
        var out = [(height: Int, width: Int)]()
        for h in minShape.height...maxShape.height {
            for w in minShape.width...maxShape.width where !onlySquares || h == w { out.append((h, w)) }
        }
        return out
    }

    /// One blob centre: image index, row, column, and the index of its shape.
    public struct Blob: Equatable {
        public var image: Int, y: Int, x: Int, shape: Int
    }

    /// Draws `count` images of `channels x height x width`; returns the values and the blobs drawn
    /// (in row-major order over image, row, column).
    public func generate(count: Int, channels: Int, height: Int, width: Int,
                         _ rng: inout RandomSource) throws -> (values: [Int32], blobs: [Blob]) {
        guard count >= 1, channels >= 1, height >= 1, width >= 1 else {
            throw EngineError.invalidArgument("confetti: empty size \(count) x \(channels) x \(height) x \(width)")
        }
        guard probability > 0, probability <= 1 else {
            throw EngineError.invalidArgument("confetti: blob probability must be in (0, 1], got \(probability)")
        }
        guard minShape.height >= 1, minShape.width >= 1, minShape.height <= maxShape.height,
              minShape.width <= maxShape.width else {
            throw EngineError.invalidArgument("confetti: invalid blob shape range")
        }
        if let c = colorRange {
            guard channels == 3 else { throw EngineError.invalidArgument("confetti: colours need 3 channels, got \(channels)") }
            guard c.lo < c.hi else { throw EngineError.invalidArgument("confetti: empty colour range") }
        }
        let candidates = shapes
        guard !candidates.isEmpty else { throw EngineError.invalidArgument("confetti: no square blob shape in range") }
        let plane = height * width

        // Steps 1-2: centres, whole-image redraws until every image has one.
        var blobs = [Blob]()
        for n in 0..<count {
            var centres: [Int]
            repeat {
                centres = ConfettiGenerator.bernoulliPositions(count: plane, probability: probability, &rng)
            } while centres.isEmpty && ensureBlob
            for i in centres { blobs.append(Blob(image: n, y: i / width, x: i % width, shape: 0)) }
        }
        var values = [Int32](repeating: 0, count: count * channels * plane)
        if blobs.isEmpty { return (values, blobs) }

        // Step 5: a shape per centre, floor(U(0, #shapes)).
        for b in blobs.indices { blobs[b].shape = min(Int(rng.nextDouble() * Double(candidates.count)), candidates.count - 1) }

        // Step 6: shape groups in candidate order; a colour per group; later groups overwrite.
        let planesWritten = colorRange == nil ? 1 : channels
        for (s, shape) in candidates.enumerated() {
            let members = blobs.filter { $0.shape == s }
            if members.isEmpty { continue }
            var color = [Int32](repeating: fill, count: planesWritten)
            if let c = colorRange {
                for k in 0..<3 { color[k] = c.lo + Int32(rng.integer(below: Int(c.hi - c.lo))) }
            }
            let (dyLo, dyHi) = ConfettiGenerator.offsets(shape.height)
            let (dxLo, dxHi) = ConfettiGenerator.offsets(shape.width)
            for b in members {
                let y0 = max(b.y + dyLo, 0), y1 = min(b.y + dyHi, height - 1)
                let x0 = max(b.x + dxLo, 0), x1 = min(b.x + dxHi, width - 1)
                for k in 0..<planesWritten {
                    let base = (b.image * channels + k) * plane
                    for y in y0...y1 { for x in x0...x1 { values[base + y * width + x] = color[k] } }
                }
            }
        }
        if colorRange == nil && channels > 1 {
            // Uncoloured blobs were drawn into channel 0, which is replicated to all channels.
            for n in 0..<count {
                let src = n * channels * plane
                for k in 1..<channels { for i in 0..<plane { values[src + k * plane + i] = values[src + i] } }
            }
        }

        // Step 8: rotation of a window around every centre, in centre order, in place.
        if rotation > 0 {
            for b in blobs {
                let angle = rng.uniform(-rotation, rotation)
                let shape = candidates[b.shape]
                rotateWindow(&values, blob: b, shape: shape, angle: angle, channels: channels, height: height, width: width)
            }
        }
        return (values, blobs)
    }

    /// Indices `i < count` with `U_i < p` for independent uniforms, in increasing order, drawn by
    /// geometric skipping (gap ~ floor(log U / log(1 - p))), which has the same distribution as one draw
    /// per pixel but costs one draw per centre instead of one per pixel.
    static func bernoulliPositions(count: Int, probability p: Double, _ rng: inout RandomSource) -> [Int] {
        if p >= 1 { return Array(0..<count) }
        let logQ = log1p(-p)
        var out = [Int]()
        var i = -1
        while true {
            var u = rng.nextDouble()
            while u <= 0 { u = rng.nextDouble() }
            let gap = (log(u) / logQ).rounded(.down)
            guard gap < Double(count - i - 1) else { break }
            i += Int(gap) + 1
            out.append(i)
        }
        return out
    }

    /// Row offsets covered by a blob of extent `e`: `-(e/2) ... e/2` for odd `e`, one less on the
    /// negative side for even `e`.
    static func offsets(_ e: Int) -> (Int, Int) {
        e % 2 != 0 ? (-(e / 2), e / 2) : (-(e / 2) + 1, e / 2)
    }

    /// Rotates the window rows `[max(y - floor(0.75 h), 0), min(y + ceil(0.75 h), H - 1))` (columns
    /// likewise) by `angle` degrees around the blob centre with nearest interpolation and zero fill,
    /// as scikit-image's `rotate` + `warp` map output to input coordinates. The centre is taken as
    /// (column, row) of the blob, fixing the original's swapped argument (reference table 11, Q6); the
    /// exclusive upper bound H - 1 / W - 1 is kept (Q7).
    func rotateWindow(_ values: inout [Int32], blob b: Blob, shape: (height: Int, width: Int), angle: Double,
                      channels: Int, height: Int, width: Int) {
        let r0 = max(b.y - Int(floor(0.75 * Double(shape.height))), 0)
        let r1 = min(b.y + Int(ceil(0.75 * Double(shape.height))), height - 1)
        let c0 = max(b.x - Int(floor(0.75 * Double(shape.width))), 0)
        let c1 = min(b.x + Int(ceil(0.75 * Double(shape.width))), width - 1)
        let wh = r1 - r0, ww = c1 - c0
        guard wh > 0, ww > 0 else { return }
        let theta = angle * Double.pi / 180
        let cosT = cos(theta), sinT = sin(theta)
        let cy = Double(b.y - r0), cx = Double(b.x - c0)
        // Source index per window pixel (or -1 outside), shared by all channels.
        var source = [Int](repeating: -1, count: wh * ww)
        for r in 0..<wh {
            for c in 0..<ww {
                let dx = Double(c) - cx, dy = Double(r) - cy
                let xin = cosT * dx - sinT * dy + cx, yin = sinT * dx + cosT * dy + cy
                let ri = Int(yin.rounded(.toNearestOrAwayFromZero)), ci = Int(xin.rounded(.toNearestOrAwayFromZero))
                if ri >= 0 && ri < wh && ci >= 0 && ci < ww { source[r * ww + c] = ri * ww + ci }
            }
        }
        let plane = height * width
        var window = [Int32](repeating: 0, count: wh * ww)
        for k in 0..<channels {
            let base = (b.image * channels + k) * plane
            for r in 0..<wh { for c in 0..<ww { window[r * ww + c] = values[base + (r0 + r) * width + c0 + c] } }
            for r in 0..<wh {
                for c in 0..<ww {
                    let s = source[r * ww + c]
                    values[base + (r0 + r) * width + c0 + c] = s >= 0 ? window[s] : 0
                }
            }
        }
    }
}

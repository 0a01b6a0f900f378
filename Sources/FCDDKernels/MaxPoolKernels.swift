// The loops of max pooling over one (H, W) plane (MaxPool2d in FCDDCore owns shapes, storage and
// threading): the window maximum with the index it came from, and the gradient routed back to it.

/// Pools plane `src` with geometry `g` into `dst` and the winners' input indices into `arg`.
public func maxPoolPlane(_ src: UnsafePointer<Float>, _ g: WindowGeometry,
                         _ dst: UnsafeMutablePointer<Float>, _ arg: UnsafeMutablePointer<Int32>) {
    if g.kernel == 2 && g.stride == 2 && g.padding == 0 {
        pool2x2(src, w: g.inW, oh: g.outH, ow: g.outW, dst, arg)
    } else {
        poolWindows(src, g, dst, arg)
    }
}

/// The input gradient of one plane (`planeCount` values, zeroed first): each of the `count` output
/// gradients goes to the input its output came from.
public func maxPoolGradientPlane(_ grads: UnsafePointer<Float>, _ args: UnsafePointer<Int32>, count: Int,
                                 _ plane: UnsafeMutablePointer<Float>, planeCount: Int) {
    plane.initialize(repeating: 0, count: planeCount)
    for k in 0..<count { plane[Int(args[k])] += grads[k] }
}

/// The common 2x2, stride 2 window without padding: 8 outputs at a time in vectors, with exactly the
/// general loop's comparisons (a NaN ends the scan of its row). The scalar loop with its branches was
/// a third of FCDD_CNN28's inference. Rows of at least 8 outputs end with a block that overlaps the one
/// before it (writing the same values again); shorter rows go one output at a time.
@inline(__always)
func pool2x2(_ src: UnsafePointer<Float>, w: Int, oh: Int, ow: Int,
             _ dst: UnsafeMutablePointer<Float>, _ arg: UnsafeMutablePointer<Int32>) {
    for r in 0..<oh {
        let top = src + 2 * r * w, out = dst + r * ow, args = arg + r * ow
        let base = Int32(2 * r * w)
        guard ow >= 8 else {
            for q in 0..<ow { pool2x2(top, w: w, base: base, q, out, args) }
            continue
        }
        var q = 0
        while q < ow {
            let start = min(q, ow - 8)
            pool2x2Vector(top + 2 * start, w: w, base: base + Int32(2 * start), out + start, args + start)
            q = start + 8
        }
    }
}

/// Output `q` of one row (`top` is the window's upper input row).
@inline(__always)
private func pool2x2(_ top: UnsafePointer<Float>, w: Int, base: Int32, _ q: Int,
                     _ out: UnsafeMutablePointer<Float>, _ args: UnsafeMutablePointer<Int32>) {
    let bottom = top + w
    let a = top[2 * q], b = top[2 * q + 1], c = bottom[2 * q], d = bottom[2 * q + 1]
    var best = a, at = base + Int32(2 * q)
    if !a.isNaN, b > best || b.isNaN { best = b; at = base + Int32(2 * q + 1) }
    if c > best || c.isNaN { best = c; at = base + Int32(w + 2 * q) }
    if !c.isNaN, d > best || d.isNaN { best = d; at = base + Int32(w + 2 * q + 1) }
    out[q] = best
    args[q] = at
}

/// Eight outputs of one row: the same four steps as above, lane by lane.
@inline(__always)
private func pool2x2Vector(_ top: UnsafePointer<Float>, w: Int, base: Int32,
                           _ out: UnsafeMutablePointer<Float>, _ args: UnsafeMutablePointer<Int32>) {
    let upper = UnsafeRawPointer(top).loadUnaligned(as: SIMD16<Float>.self)
    let lower = UnsafeRawPointer(top + w).loadUnaligned(as: SIMD16<Float>.self)
    let a = upper.evenHalf, b = upper.oddHalf, c = lower.evenHalf, d = lower.oddHalf
    let first = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14) &+ base
    var best = a, at = first
    let takeB = (a .== a) .& ((b .> best) .| (b .!= b))
    best.replace(with: b, where: takeB)
    at.replace(with: first &+ 1, where: takeB)
    let takeC = (c .> best) .| (c .!= c)
    best.replace(with: c, where: takeC)
    at.replace(with: first &+ Int32(w), where: takeC)
    let takeD = (c .== c) .& ((d .> best) .| (d .!= d))
    best.replace(with: d, where: takeD)
    at.replace(with: first &+ Int32(w + 1), where: takeD)
    best.store(to: out)
    UnsafeMutableRawPointer(args).storeBytes(of: at, as: SIMD8<Int32>.self)
}

/// Any window: padding reads as -infinity and never wins.
func poolWindows(_ src: UnsafePointer<Float>, _ g: WindowGeometry,
             _ dst: UnsafeMutablePointer<Float>, _ arg: UnsafeMutablePointer<Int32>) {
let h = g.inH, w = g.inW, oh = g.outH, ow = g.outW, kernel = g.kernel, stride = g.stride, padding = g.padding
    for r in 0..<oh {
        let h0 = r * stride - padding
        for q in 0..<ow {
            let w0 = q * stride - padding
            var best = -Float.infinity, at = -1
            for kh in 0..<kernel {
                let ih = h0 + kh
                if ih < 0 || ih >= h { continue }
                for kw in 0..<kernel {
                    let iw = w0 + kw
                    if iw < 0 || iw >= w { continue }
                    let v = src[ih * w + iw]
                    if v > best || v.isNaN || at < 0 { best = v; at = ih * w + iw }
                    if v.isNaN { break }
                }
            }
            dst[r * ow + q] = best
            arg[r * ow + q] = Int32(at)
        }
    }
}

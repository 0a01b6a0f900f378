// PyTorch's `F.interpolate(x, size, mode="nearest")`, which the original uses to build the MVTec-AD
// 240x240 cache (reference 7.4) and to bring score maps to ground-truth resolution (8.3). It differs
// from PIL's NEAREST (which samples pixel centres, floor((dst + 0.5) * in/out)).

/// Source index per output index, as ATen's `nearest_idx` computes it: identity for equal sizes, a shift
/// for exact doubling, otherwise `min(floorf(dst * scale), in - 1)` with `scale = (float)in / out` in
/// single precision (float rounding decides some borders, so Double would not match).
func torchNearestSourceIndices(input: Int, output: Int) -> [Int] {
    if input == output { return Array(0..<output) }
    if output == 2 * input { return (0..<output).map { $0 >> 1 } }
    let scale = Float(input) / Float(output)
    return (0..<output).map { min(Int((Float($0) * scale).rounded(.down)), input - 1) }
}

extension RawImage {
    /// The image resized to `height` x `width` with PyTorch nearest interpolation (every channel alike).
    public func torchNearestResized(height outH: Int, width outW: Int) -> RawImage {
        precondition(outH >= 1 && outW >= 1)
        if outH == height && outW == width { return self }
        let rows = torchNearestSourceIndices(input: height, output: outH)
        let cols = torchNearestSourceIndices(input: width, output: outW)
        var out = RawImage(channels: channels, height: outH, width: outW, value: 0)
        let inPlane = planeSize, outPlane = outH * outW
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    for y in 0..<outH {
                        let srcRow = c * inPlane + rows[y] * width
                        let dstRow = c * outPlane + y * outW
                        for x in 0..<outW { dst[dstRow + x] = src[srcRow + cols[x]] }
                    }
                }
            }
        }
        return out
    }

    /// The first channel as a one-channel image: the original reads masks with PIL `convert("RGB")` and
    /// keeps channel 0, which for gray masks is the gray value and for colour masks the red one.
    public var firstChannel: RawImage {
        if channels == 1 { return self }
        var out = RawImage(channels: 1, height: height, width: width, value: 0)
        out.pixels = Array(pixels[0..<planeSize])
        return out
    }
}

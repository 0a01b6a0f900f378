// PyTorch's `F.interpolate(x, size, mode='nearest')` on CPU (aten/src/ATen/native/UpSample.h,
// `nearest_idx`): source index = min(floor(dst * scale), in - 1) with scale = in / out computed in
// float32, and the shortcuts "same size -> identity" and "twice the size -> dst >> 1". The float32
// product matters: e.g. 224 -> 900 picks different rows than an exact rational computation would.
// Used for pixel-level scores (8.3) and for downsampling picture tiles to `resdown` (8.4).

enum NearestResize {
    /// For every output position along one axis, the input position it copies.
    static func sourceIndices(input: Int, output: Int) -> [Int] {
        precondition(input >= 1 && output >= 1)
        return torchNearestSourceIndices(input: input, output: output)
    }

    /// Resizes one H x W plane (row-major) to `outHeight` x `outWidth`.
    static func plane(_ values: UnsafeBufferPointer<Float>, height: Int, width: Int,
                      outHeight: Int, outWidth: Int) -> [Float] {
        precondition(values.count == height * width)
        let rows = sourceIndices(input: height, output: outHeight)
        let cols = sourceIndices(input: width, output: outWidth)
        var out = [Float](repeating: 0, count: outHeight * outWidth)
        out.withUnsafeMutableBufferPointer { o in
            for (y, sy) in rows.enumerated() {
                let src = sy * width, dst = y * outWidth
                for (x, sx) in cols.enumerated() { o[dst + x] = values[src + sx] }
            }
        }
        return out
    }

    /// Resizes every plane of an N x C x H x W tensor.
    static func tensor(_ t: Tensor, height outHeight: Int, width outWidth: Int) -> Tensor {
        precondition(t.rank == 4)
        let (n, c, h, w) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        if h == outHeight && w == outWidth { return t }
        var data = [Float]()
        data.reserveCapacity(n * c * outHeight * outWidth)
        t.data.withUnsafeBufferPointer { src in
            for p in 0..<(n * c) {
                let plane = UnsafeBufferPointer(rebasing: src[(p * h * w)..<((p + 1) * h * w)])
                data += NearestResize.plane(plane, height: h, width: w, outHeight: outHeight, outWidth: outWidth)
            }
        }
        return Tensor(shape: [n, c, outHeight, outWidth], data: data)
    }
}

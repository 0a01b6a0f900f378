// Gaussian receptive-field upsampling of FCDD score maps (reference sections 3.3-3.4). The original
// runs a strided transposed convolution with a peak-normalised Gaussian kernel and crops; this is the
// equivalent closed form A' = G * A * G^T with the (W x n) matrix G[y, a] = g[y + pad - int(s) - a*j],
// which is also what makes the exact adjoint (needed by the ground-truth loss) a two-line function.
#if canImport(Glibc)
import Glibc
#endif
import FCDDKernels

public enum ReceptiveUpsampling {
    /// The default std for a kernel of size k when none is given: log10(0.45 k + 1) + 0.25 below 32, else 10.
    public static func defaultStd(kernelSize k: Int) -> Double {
        k < 32 ? log10(0.45 * Double(k) + 1) + 0.25 : 10
    }

    /// scipy's Gaussian window of length m (peak exactly 1 at (m-1)/2).
    static func window(_ m: Int, std: Double) -> [Double] {
        (0..<m).map { i in
            let t = (Double(i) - Double(m - 1) / 2) / std
            return exp(-0.5 * t * t)
        }
    }

    /// The 1-D kernel `g` with `gkern(k, std) = g g^T`: odd k is the window itself; even k takes the
    /// window of length k-1, duplicates its centre and halves everything (two central entries 0.5).
    public static func kernel1D(_ k: Int, std: Double) -> [Double] {
        if k % 2 == 1 { return window(k, std: std) }
        var w = window(k - 1, std: std)
        w.insert(w[(k - 2) / 2], at: (k - 2) / 2)
        return w.map { $0 / 2 }
    }

    /// The (outSide x n) sampling matrix G, row-major.
    static func samplingMatrix(n: Int, j: Int, r: Int, s: Double, outSide: Int, std: Double) -> [Float] {
        let g = kernel1D(r, std: std)
        let shift = (r - 1) / 2 - Int(s)   // pad - s_int; s is truncated towards zero as int() does
        var m = [Float](repeating: 0, count: outSide * n)
        for y in 0..<outSide {
            for a in 0..<n {
                let t = y + shift - a * j
                if t >= 0 && t < r { m[y * n + a] = Float(g[t]) }
            }
        }
        return m
    }

    static func validate(_ maps: Tensor, _ rec: Reception) throws {
        guard maps.rank == 4, maps.shape[1] == 1, maps.shape[2] == maps.shape[3], maps.shape[2] >= 1 else {
            throw EngineError.shapeMismatch("receptive upsampling takes (N, 1, n, n) maps, got \(maps.shape)")
        }
        guard rec.j >= 1, rec.r >= 1, rec.s >= 0 else {
            throw EngineError.invalidArgument("invalid receptive field j=\(rec.j) r=\(rec.r) s=\(rec.s)")
        }
    }

    /// Upsamples (N, 1, n, n) maps to (N, 1, W, W) with `gkern(r, std)` placed every `j` pixels.
    /// `std == nil` uses `defaultStd(kernelSize: r)`.
    public static func upsample(_ maps: Tensor, reception rec: Reception, outSide: Int, std: Double?) throws -> Tensor {
        try validate(maps, rec)
        guard outSide >= 1 else { throw EngineError.invalidArgument("output side must be positive") }
        let sd = std ?? defaultStd(kernelSize: rec.r)
        guard sd > 0, sd.isFinite else { throw EngineError.invalidArgument("gauss std must be a positive number, got \(sd)") }
        let n = maps.shape[2]
        let g = samplingMatrix(n: n, j: rec.j, r: rec.r, s: rec.s, outSide: outSide, std: sd)
        return sandwich(maps, g, rows: outSide, inner: n, transposed: false)
    }

    /// The adjoint of `upsample`: maps a (N, 1, W, W) gradient back onto the (N, 1, n, n) map.
    public static func upsampleAdjoint(_ grad: Tensor, reception rec: Reception, mapSide n: Int, std: Double?) -> Tensor {
        let w = grad.shape[2]
        let sd = std ?? defaultStd(kernelSize: rec.r)
        let g = samplingMatrix(n: n, j: rec.j, r: rec.r, s: rec.s, outSide: w, std: sd)
        return sandwich(grad, g, rows: n, inner: w, transposed: true)
    }

    /// Per item: out = G X G^T (G is rows x inner), or G^T X G when `transposed` (G is inner x rows).
    private static func sandwich(_ x: Tensor, _ g: [Float], rows: Int, inner: Int, transposed: Bool) -> Tensor {
        let batch = x.batch
        var out = Tensor(zeros: [batch, 1, rows, rows])
        var tmp = [Float](repeating: 0, count: rows * inner)
        g.withUnsafeBufferPointer { gp in
        x.data.withUnsafeBufferPointer { xp in
        out.data.withUnsafeMutableBufferPointer { op in
        tmp.withUnsafeMutableBufferPointer { tp in
            let gb = gp.baseAddress!
            for i in 0..<batch {
                let xi = xp.baseAddress! + i * inner * inner, oi = op.baseAddress! + i * rows * rows
                if !transposed {
                    // tmp (rows, inner) = G (rows, inner) * X (inner, inner); out = tmp * G^T
                    sgemm(transA: false, transB: false, m: rows, n: inner, k: inner, a: gb, lda: inner,
                          b: xi, ldb: inner, beta: 0, c: tp.baseAddress!, ldc: inner)
                    sgemm(transA: false, transB: true, m: rows, n: rows, k: inner, a: tp.baseAddress!, lda: inner,
                          b: gb, ldb: inner, beta: 0, c: oi, ldc: rows)
                } else {
                    // G is (inner, rows): tmp (rows, inner) = G^T * X; out = tmp * G
                    sgemm(transA: true, transB: false, m: rows, n: inner, k: inner, a: gb, lda: rows,
                          b: xi, ldb: inner, beta: 0, c: tp.baseAddress!, ldc: inner)
                    sgemm(transA: false, transB: false, m: rows, n: rows, k: inner, a: tp.baseAddress!, lda: inner,
                          b: gb, ldb: rows, beta: 0, c: oi, ldc: rows)
                }
            }
        }}}}
        return out
    }
}

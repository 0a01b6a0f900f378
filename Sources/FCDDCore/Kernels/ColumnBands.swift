// How a stride-1 convolution unfolds an image into columns for its products: once into a zero-padded
// copy, then band after band of output rows (Im2Col.swift `unfoldPadded`), in a worker's scratch memory.
//
// Two shapes matter for speed:
// - Large images with few channels (the first convolution of the 224x224 networks) are cut into bands
//   of about `bandColumns` output columns (EngineRuntime.swift) that stay in the cache between the
//   unfold and the product,
//   instead of streaming a 27 x 50176 column matrix per image through memory twice.
// - Thin columns (C*K*K < 32 rows: 27 for a 3x3 RGB convolution, 25 for a 5x5 gray one) make the
//   weight gradient a product with only 25-27 output columns, which OpenBLAS's kernels run slowly
//   (64 x 27 x 4096: 53-59 GFLOP/s on one core that does 95 on 1024^3). Padded to 32 rows, one of
//   them all ones, the product ran at 65-83 and also yields the bias gradient (dY times the ones row)
//   without another pass over dY. (Built with FMA, the thin layers compute their weight gradient
//   directly instead: ThinConvolutionGradient.swift.)
import FCDDKernels

struct ColumnBands {
    let geometry: WindowGeometry
    /// Rows of the column matrix: C*K*K, or 32 for thin columns (C*K*K values, a row of ones, zeros).
    let rows: Int
    /// Output rows per band (all of them when the image is not cut).
    let bandRows: Int

    /// Rows the thin columns are padded to: a multiple of the 16-float width of OpenBLAS's kernels.
    static let thinRows = 32

    /// The plan for stride-1 convolutions that unfold (not 1x1), else nil.
    init?(_ g: WindowGeometry) {
        guard g.stride == 1, !g.isPointwise else { return nil }
        geometry = g
        rows = g.colRows < Self.thinRows ? Self.thinRows : g.colRows
        let bandColumns = EngineRuntime.configuration.bandColumns
        bandRows = g.colCols >= 2 * bandColumns ? max(1, bandColumns / g.outW) : g.outH
    }

    /// Whether the columns carry the ones row (at index C*K*K) and zero rows after it.
    var isThin: Bool { rows > geometry.colRows }

    /// Scratch floats per worker: the column matrix, slack, and the zero-padded image behind them.
    var scratchCount: Int { rows * geometry.colCols + im2colSlack + paddedImageCount(geometry) }

    /// Pads `x` once into the scratch behind the columns, then unfolds band after band into `col` and
    /// calls `body(output rows, band columns)` for each; the band is a (rows, band columns) matrix at
    /// `col`. With `fillThinRows` thin columns get their ones row and zero rows (the weight gradient
    /// needs them; the forward product reads only the C*K*K rows of values).
    func forEachBand(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, fillThinRows: Bool,
                     _ body: (Range<Int>, Int) -> Void) {
        let g = geometry
        let padded = col + rows * g.colCols + im2colSlack
        padForUnfolding(x, g, padded)
        var first = 0
        while first < g.outH {
            let outputRows = first..<min(g.outH, first + bandRows)
            let band = outputRows.count * g.outW
            unfoldPadded(padded, g, col, outputRows: outputRows)   // may spill slack into the next row
            if fillThinRows && isThin {
                (col + g.colRows * band).initialize(repeating: 1, count: band)
                (col + (g.colRows + 1) * band).initialize(repeating: 0, count: (rows - g.colRows - 1) * band)
            }
            body(outputRows, band)
            first = outputRows.upperBound
        }
    }
}

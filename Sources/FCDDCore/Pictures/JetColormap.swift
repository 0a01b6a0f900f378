// matplotlib's `jet` colormap as the original applies it (`plt.get_cmap('jet')(x)` in
// fcdd.util.logging.colorize): a 256-entry lookup table built from the segment data by
// `matplotlib.colors._create_lookup_table` (linear pieces, gamma 1), indexed with int(x * 256)
// (x == 1 -> 255; x < 0 -> first entry, x > 1 -> last entry, NaN -> transparent black, alpha dropped).

/// The `jet` colormap, matplotlib-exact.
public enum JetColormap {
    /// (x, y0, y1) anchor rows of matplotlib's `_jet_data` per channel.
    private static let segments: [[(Double, Double, Double)]] = [
        [(0, 0, 0), (0.35, 0, 0), (0.66, 1, 1), (0.89, 1, 1), (1, 0.5, 0.5)],                // red
        [(0, 0, 0), (0.125, 0, 0), (0.375, 1, 1), (0.64, 1, 1), (0.91, 0, 0), (1, 0, 0)],    // green
        [(0, 0.5, 0.5), (0.11, 1, 1), (0.34, 1, 1), (0.65, 0, 0), (1, 0, 0)],                // blue
    ]

    /// Number of table entries (matplotlib's default N).
    public static let size = 256

    /// `lut[i]` = (r, g, b) in [0, 1] for table entry i.
    public static let table: [(r: Double, g: Double, b: Double)] = {
        let channels = segments.map { lookupTable(for: $0) }
        return (0..<size).map { (channels[0][$0], channels[1][$0], channels[2][$0]) }
    }()

    /// `_create_lookup_table(N, data)`: sample points linspace(0, 1, N) (numpy computes i * (1 / (N-1))
    /// and sets the last one to 1), each interpolated inside the segment found by searchsorted (left).
    private static func lookupTable(for rows: [(Double, Double, Double)]) -> [Double] {
        let step = 1.0 / Double(size - 1)
        var lut = [rows[0].2]
        for i in 1..<(size - 1) {
            let x = Double(i) * step
            let hi = rows.firstIndex { $0.0 >= x }!  // searchsorted(side='left')
            let lo = hi - 1
            let distance = (x - rows[lo].0) / (rows[hi].0 - rows[lo].0)
            lut.append(min(max(distance * (rows[hi].1 - rows[lo].2) + rows[lo].2, 0), 1))
        }
        lut.append(rows[rows.count - 1].1)
        return lut
    }

    /// The table entry matplotlib picks for a float32 value (`xa *= N` in float32, then int()).
    public static func index(_ value: Float) -> Int? {
        guard !value.isNaN else { return nil }
        let scaled = value * Float(size)
        if scaled >= Float(size) { return size - 1 }
        if scaled < 0 { return 0 }
        return Int(scaled)
    }

    /// RGB in [0, 1] as float32 (the original converts matplotlib's float64 to a float tensor).
    /// NaN gives black, matplotlib's "bad" colour without its alpha.
    public static func color(_ value: Float) -> (r: Float, g: Float, b: Float) {
        guard let i = index(value) else { return (0, 0, 0) }
        let c = table[i]
        return (Float(c.r), Float(c.g), Float(c.b))
    }
}

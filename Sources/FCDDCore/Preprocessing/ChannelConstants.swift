// The per-channel normalisation constants of an item pipeline: mean and std of the nominal training
// images per channel, and the extremes of LCN(l1) used for the min-max step. The original's tables
// (reference Appendix A [EXACT]) are in the definition files of their datasets, as extensions of
// `DatasetConstants`; where the original stores one scalar (F-MNIST everything, CIFAR-10 LCN range) it is
// replicated over the channels, which is what `Normalize` does with it.

/// Per-channel constants of one nominal class.
public struct ChannelConstants: Equatable {
    public var mean: [Double]
    public var std: [Double]
    /// LCN(l1) minimum and maximum per channel (nil where the original has no LCN pipeline).
    public var lcnMin: [Double]?
    public var lcnMax: [Double]?

    public init(mean: [Double], std: [Double], lcnMin: [Double]? = nil, lcnMax: [Double]? = nil) {
        self.mean = mean; self.std = std; self.lcnMin = lcnMin; self.lcnMax = lcnMax
    }

    public var channels: Int { mean.count }
}

/// The constant tables of the original datasets, each declared in its dataset's definition file.
public enum DatasetConstants {
    /// Row `index` of a per-class table; `dataset` names it in the error.
    static func row<T>(_ rows: [T], _ index: Int, _ dataset: String) throws -> T {
        guard rows.indices.contains(index) else {
            throw EngineError.invalidArgument("\(dataset) has classes 0...\(rows.count - 1), got \(index)")
        }
        return rows[index]
    }
}

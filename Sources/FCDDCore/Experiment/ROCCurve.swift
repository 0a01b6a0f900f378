// A ROC result as a run stores it: the curve (scikit-learn's roc_curve with intermediate points dropped),
// its AUC, and the JSON layout of the original's roc.json (`tpr`, `fpr`, `ths`, `auc`).

public struct ROCCurve {
    public var fpr: [Double]
    public var tpr: [Double]
    public var thresholds: [Double]
    public var auc: Double

    /// Label 1 is the positive (anomalous) class; both labels must be present.
    public init(labels: [Int], scores: [Double]) throws {
        self.init(try rocCurve(labels: labels, scores: scores))
    }

    /// Pixel-level ROC (reference 8.3) without widening 50 million pixels to Int and Double.
    public init(pixelLabels: [UInt8], scores: [Float]) throws {
        self.init(try rocCurve(pixelLabels: pixelLabels, scores: scores))
    }

    init(_ points: ROCPoints) {
        fpr = points.fpr; tpr = points.tpr; thresholds = points.thresholds
        auc = areaUnderCurve(points)
    }

    /// roc.json; the leading threshold (above every score) is written as the largest finite double,
    /// since JSON has no infinity.
    public var json: JSONValue {
        .object([
            ("tpr", .array(tpr.map { .number($0) })), ("fpr", .array(fpr.map { .number($0) })),
            ("ths", .array(thresholds.map { .number($0.isFinite ? $0 : .greatestFiniteMagnitude) })),
            ("auc", .number(auc)),
        ])
    }
}

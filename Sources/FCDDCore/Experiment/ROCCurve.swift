// A ROC result as a run stores it: the curve (scikit-learn's roc_curve with intermediate points dropped),
// its AUC, and the JSON layout of the original's roc.json (`tpr`, `fpr`, `ths`, `auc`).

public struct ROCCurve {
    public var fpr: [Double]
    public var tpr: [Double]
    public var thresholds: [Double]
    public var auc: Double

    /// Label 1 is the positive (anomalous) class; both labels must be present.
    public init(labels: [Int], scores: [Double]) throws {
        let curve = try rocCurve(labels: labels, scores: scores)
        fpr = curve.fpr; tpr = curve.tpr; thresholds = curve.thresholds
        auc = try rocAUC(labels: labels, scores: scores)
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

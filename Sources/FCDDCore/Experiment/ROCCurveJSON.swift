// roc.json of a run, in the original's layout (`tpr`, `fpr`, `ths`, `auc`).

extension ROCCurve {
    /// The leading threshold (+infinity) is written as the largest finite double: JSON has no infinity.
    public var json: JSONValue {
        .object([
            ("tpr", .array(tpr.map { .number($0) })), ("fpr", .array(fpr.map { .number($0) })),
            ("ths", .array(thresholds.map { .number($0.isFinite ? $0 : .greatestFiniteMagnitude) })),
            ("auc", .number(auc)),
        ])
    }
}

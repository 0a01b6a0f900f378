// The summary across repetitions and classes (reference 8.8), machine-readable: per class the AUC of
// every repetition with mean and standard deviation, and the mean over classes of the per-class means.

public enum ExperimentSummary {
    /// Mean and (population, numpy-default) standard deviation; null for no values.
    static func stats(_ values: [Double]) -> JSONValue {
        guard let s = try? AUCSummary(aucs: values) else { return .null }
        return .object([("mean", .number(s.mean)), ("std", .number(s.std)), ("n", .number(Double(s.count)))])
    }

    public static func make(_ results: [RunResult], settings: Settings, directory: String) -> JSONValue {
        var classOrder = [Int]()
        for r in results where !classOrder.contains(r.nominalClass) { classOrder.append(r.nominalClass) }
        var classMeans = [Double](), pixelMeans = [Double]()
        let classes: [JSONValue] = classOrder.map { c in
            let runs = results.filter { $0.nominalClass == c }
            let aucs = runs.compactMap { $0.auc }, pixels = runs.compactMap { $0.pixelAUC }
            if !aucs.isEmpty { classMeans.append(aucs.reduce(0, +) / Double(aucs.count)) }
            if !pixels.isEmpty && pixels.count == runs.count { pixelMeans.append(pixels.reduce(0, +) / Double(pixels.count)) }
            return .object([
                ("class", .number(Double(c))), ("class_name", .string(runs[0].className)),
                ("runs", .array(runs.map { r in
                    .object([("it", .number(Double(r.iteration))), ("directory", .string(r.directory)),
                             ("auc", r.auc.map { .number($0) } ?? .null),
                             ("pixel_auc", r.pixelAUC.map { .number($0) } ?? .null)])
                })),
                ("auc", stats(aucs)), ("pixel_auc", stats(pixels)),
            ])
        }
        // Pixel-level summaries only when every class has them (reference 8.8).
        let pixelMean: JSONValue = !pixelMeans.isEmpty && pixelMeans.count == classOrder.count
            ? .number(pixelMeans.reduce(0, +) / Double(pixelMeans.count)) : .null
        return .object([
            ("logdir", .string(directory)), ("dataset", .string(settings.dataset.rawValue)), ("net", .string(settings.net)),
            ("objective", .string(settings.objective.rawValue)),
            ("classes", .array(classes)),
            ("mean", classMeans.isEmpty ? .null : .object([
                ("auc", .number(classMeans.reduce(0, +) / Double(classMeans.count))), ("pixel_auc", pixelMean)])),
        ])
    }

    /// ROC pictures of the summary (reference 8.7-8.8): per class `normal_<c>/roc.png` with every
    /// repetition and the dotted mean, and at the root `roc.png` with the per-class mean curves; the same
    /// for pixel-level curves (`gtmap_roc.png`) when every run has one.
    public static func drawCurves(_ results: [RunResult], logdir: String) throws {
        for (kind, file) in [(false, "roc.png"), (true, "gtmap_roc.png")] {
            func curve(_ r: RunResult) -> ROCCurve? { kind ? r.pixelROC : r.roc }
            var classCurves = [ROCCurve](), classNames = [String]()
            var classes = [Int]()
            for r in results where !classes.contains(r.nominalClass) { classes.append(r.nominalClass) }
            for c in classes {
                let runs = results.filter { $0.nominalClass == c }
                let curves = runs.compactMap(curve)
                guard !curves.isEmpty, curves.count == runs.count else { continue }
                let level = kind ? "pixel-level" : "image-level"
                try StandardPlots.manyROC(curves, labels: runs.map { "it \($0.iteration)" },
                                          title: "\(level) ROC of \(runs[0].className) per repetition, dotted: their mean")
                    .write(path: "\(logdir)/\(ExperimentLayout.classFolder(nominalClass: c))/\(file)")
                classCurves.append(try meanROC(curves))
                classNames.append(runs[0].className)
            }
            if !classCurves.isEmpty && classCurves.count == classes.count {
                try StandardPlots.manyROC(classCurves, labels: classNames,
                                          title: "\(kind ? "pixel-level" : "image-level") ROC per class (mean over repetitions), dotted: their mean")
                    .write(path: "\(logdir)/\(file)")
            }
        }
    }
}

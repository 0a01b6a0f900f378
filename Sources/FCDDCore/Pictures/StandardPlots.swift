// The plots a run writes (reference 8.2, 8.7, 8.8, 5.4) as PNG: `roc_curve.png` / `gtmap_roc_curve.png`
// for one run, `roc.png` / `gtmap_roc.png` with per-seed or per-class curves and a dotted mean, and the
// loss history `err.png`.

public enum StandardPlots {
    /// One ROC curve (TPR over FPR) with the chance diagonal and the legend `auc=0.xxxx`.
    public static func roc(_ curve: ROCCurve, title: String? = nil) -> LinePlot {
        LinePlot(series: [
            PlotSeries(xs: [0, 1], ys: [0, 1], style: .dashed, color: (160, 160, 160)),
            PlotSeries(xs: curve.fpr, ys: curve.tpr, label: "auc=\(LinePlot.format(curve.auc, decimals: 4))",
                       color: LinePlot.colorCycle[0], thickness: 2),
        ], xLabel: "false positive rate", yLabel: "true positive rate", xRange: 0...1, yRange: 0...1, title: title)
    }

    /// Several ROC curves with legends "<label> xx.xx%" (Python's '{:5.2f}%') and, with `withMean`, the
    /// dotted mean curve of `meanROC` labelled "mean xx.xx%" (`plot_many_roc(..., mean=True)`).
    public static func manyROC(_ curves: [ROCCurve], labels: [String], withMean: Bool = true, title: String? = nil) throws -> LinePlot {
        guard !curves.isEmpty, curves.count == labels.count else {
            throw EngineError.shapeMismatch("ROC plot: \(curves.count) curves but \(labels.count) labels")
        }
        var series = [PlotSeries(xs: [0, 1], ys: [0, 1], style: .dashed, color: (160, 160, 160))]
        for (i, c) in curves.enumerated() {
            series.append(PlotSeries(xs: c.fpr, ys: c.tpr, label: "\(labels[i]) \(percent(c.auc))",
                                     color: LinePlot.colorCycle[i % LinePlot.colorCycle.count]))
        }
        if withMean {
            let mean = try meanROC(curves)
            series.append(PlotSeries(xs: mean.fpr, ys: mean.tpr, label: "mean \(percent(mean.auc))", style: .dotted,
                                     color: (0, 0, 0), thickness: 2))
        }
        return LinePlot(series: series, xLabel: "false positive rate", yLabel: "true positive rate",
                        xRange: 0...1, yRange: 0...1, title: title)
    }

    /// The loss history over epochs: `err` and, when given, `err_normal` / `err_anomalous` (5.4).
    /// NaN epochs (no logged step yet) leave gaps.
    public static func lossHistory(err: [Double], errNormal: [Double]? = nil, errAnomalous: [Double]? = nil) -> LinePlot {
        var series = [PlotSeries]()
        for (name, values) in [("loss", Optional(err)), ("loss of nominal samples", errNormal),
                               ("loss of anomalous samples", errAnomalous)] {
            guard let values, !values.isEmpty else { continue }
            // Epochs count from 1, as the progress line and the fit callback count them.
            series.append(PlotSeries(xs: values.indices.map { Double($0 + 1) }, ys: values, label: name,
                                     color: LinePlot.colorCycle[series.count], thickness: 2))
        }
        var plot = LinePlot(series: series, xLabel: "epoch", yLabel: "loss", legendCorner: .upperRight,
                            title: "training loss, mean over each epoch's steps")
        plot.integerXTicks = true
        return plot
    }

    /// "97.12%", right-aligned to 5 characters before the percent sign like '{:5.2f}%'.
    static func percent(_ auc: Double) -> String {
        let number = LinePlot.format(auc * 100, decimals: 2)
        return String(repeating: " ", count: max(0, 5 - number.count)) + number + "%"
    }
}

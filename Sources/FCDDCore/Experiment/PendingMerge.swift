// Placeholders for the ROC metrics, run pictures, and heatmap overlays that are being merged from
// parallel branches; this file is deleted by that merge. (AUC here is the exact Mann-Whitney statistic.)
func rocCurve(labels: [Int], scores: [Double]) throws -> (fpr: [Double], tpr: [Double], thresholds: [Double]) { ([], [], []) }
func rocAUC(labels: [Int], scores: [Double]) throws -> Double {
    var wins = 0.0, pairs = 0.0
    let pos = labels.indices.filter { labels[$0] == 1 }.map { scores[$0] }.sorted()
    let neg = labels.indices.filter { labels[$0] == 0 }.map { scores[$0] }.sorted()
    var j = 0, k = 0
    for p in pos {
        while j < neg.count && neg[j] < p { j += 1 }
        k = j; while k < neg.count && neg[k] == p { k += 1 }
        wins += Double(j) + 0.5 * Double(k - j); pairs += Double(neg.count)
    }
    return wins / pairs
}
enum RunPictures {
    static func lossCurve(_ h: [EpochRecord], path: String) throws {}
    static func rocCurve(_ r: ROCCurve, path: String) throws {}
    static func testPictures(_ o: TestOutputs, test: TestSampleSource, config: ExperimentConfig, directory: RunDirectory) throws {}
}
extension ExperimentSummary { static func drawCurves(_ r: [RunResult], logdir: String) throws {} }
enum HeatmapOverlay { static func write(image: [Float], channels: Int, side: Int, heatmap: [Float], path: String) throws {} }

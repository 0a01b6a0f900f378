// Placeholders for the ROC metrics, run pictures, and heatmap overlays that are being merged from
// parallel branches; this file is deleted by that merge. (AUC here is the exact Mann-Whitney statistic.)
enum RunPictures {
    static func lossCurve(_ h: [EpochRecord], path: String) throws {}
    static func rocCurve(_ r: ROCCurve, path: String) throws {}
    static func testPictures(_ o: TestOutputs, test: TestSampleSource, config: ExperimentConfig, directory: RunDirectory) throws {}
}
extension ExperimentSummary { static func drawCurves(_ r: [RunResult], logdir: String) throws {} }
enum HeatmapOverlay { static func write(image: [Float], channels: Int, side: Int, heatmap: [Float], path: String) throws {} }

import XCTest
@testable import FCDDCore

/// Pixel-level ROC at MVTec scale (set FCDD_PERF=1; meant for release builds):
/// 50 images of 1024 x 1024 from 224 x 224 score maps, about 52 million pixels.
final class PixelPerformanceTests: XCTestCase {
    func testFiftyMillionPixels() throws {
        guard ProcessInfo.processInfo.environment["FCDD_PERF"] == "1" else { return }
        var random = RandomSource(seed: 1)
        let n = 50, side = 224, gtSide = 1024
        let maps = Tensor(shape: [n, 1, side, side], data: (0..<(n * side * side)).map { _ in Float(random.nextDouble()) })
        var gt = [GroundTruthMask]()
        for i in 0..<n {
            var m = [UInt8](repeating: 0, count: gtSide * gtSide)
            if i % 2 == 1 { for y in 300..<400 { for x in 500..<700 { m[y * gtSide + x] = 1 } } }
            gt.append(try GroundTruthMask(height: gtSide, width: gtSide, mask: m))
        }
        let start = clock()
        let ranking = try PixelRanking(scoreMaps: maps, groundTruth: gt)
        let roc = ranking.roc()
        let seconds = Double(clock() - start) / Double(CLOCKS_PER_SEC)
        print("pixel ROC over \(ranking.anomalousPixels + ranking.nominalPixels) pixels: \(seconds) s CPU, auc \(roc.auc), \(roc.fpr.count) points")
        XCTAssertEqual(roc.auc, 0.5, accuracy: 0.01)
    }
}

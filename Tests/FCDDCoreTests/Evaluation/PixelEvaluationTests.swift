import XCTest
@testable import FCDDCore

/// Pixel-level metrics (reference 8.3) and AUPRO against scikit-learn / the MVTec evaluation code. The
/// expected numbers were computed once with numpy 2.4, scikit-learn 1.9 and scipy `ndimage.label` (3 x 3
/// structure) on exactly the maps built below, with the score maps resized by PyTorch's float32 nearest rule.
final class PixelEvaluationTests: XCTestCase {
    /// 4 score maps of 8 x 8 with 1000 levels (many ties): ((a*131 + y*31 + x*17) * 2654435761 mod 1000) / 1000.
    static func scoreMaps() -> Tensor {
        var data = [Float]()
        for a in 0..<4 { for y in 0..<8 { for x in 0..<8 {
            data.append(Float(Double((a * 131 + y * 31 + x * 17) * 2_654_435_761 % 1000) / 1000))
        } } }
        return Tensor(shape: [4, 1, 8, 8], data: data)
    }

    /// GT maps of different sizes: a block plus a diagonal stroke (one region only with 8-connectivity),
    /// two corner blocks, an all-nominal map, and a block touching a diagonal pair.
    static func groundTruth() throws -> [GroundTruthMask] {
        func mask(_ h: Int, _ w: Int, _ ones: [(Int, Int)]) throws -> GroundTruthMask {
            var m = [UInt8](repeating: 0, count: h * w)
            for (y, x) in ones { m[y * w + x] = 1 }
            return try GroundTruthMask(height: h, width: w, mask: m)
        }
        func block(_ ys: Range<Int>, _ xs: Range<Int>) -> [(Int, Int)] { ys.flatMap { y in xs.map { (y, $0) } } }
        return [
            try mask(12, 12, block(2..<5, 3..<7) + (0..<6).map { (6 + $0, $0) }),
            try mask(10, 10, block(0..<2, 0..<2) + block(7..<10, 6..<10)),
            try mask(16, 16, []),
            try mask(8, 8, block(3..<6, 3..<6) + [(1, 1), (2, 2)]),
        ]
    }

    func testPyTorchNearestIndices() {
        XCTAssertEqual(NearestResize.sourceIndices(input: 7, output: 3), [0, 2, 4])
        XCTAssertEqual(NearestResize.sourceIndices(input: 28, output: 64).prefix(10), [0, 0, 0, 1, 1, 2, 2, 3, 3, 3])
        let up = NearestResize.sourceIndices(input: 224, output: 900)
        XCTAssertEqual(Array(up.prefix(12)), [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2])
        XCTAssertEqual([up[100], up[333], up[500], up[899]], [24, 82, 124, 223])
        XCTAssertEqual(NearestResize.sourceIndices(input: 4, output: 8), [0, 0, 1, 1, 2, 2, 3, 3])
    }

    func testPooledPixelROCMatchesScikitLearn() throws {
        let ranking = try PixelRanking(scoreMaps: Self.scoreMaps(), groundTruth: try Self.groundTruth())
        XCTAssertEqual(ranking.anomalousPixels + ranking.nominalPixels, 144 + 100 + 256 + 64)
        let roc = ranking.roc()
        XCTAssertEqual(roc.auc, 0.54091201027617208, accuracy: 1e-12)
        XCTAssertEqual(roc.fpr.count, 220)
        XCTAssertEqual(ranking.averagePrecision(), 0.12454302759449065, accuracy: 1e-12)
        XCTAssertEqual(try pixelROC(scoreMaps: Self.scoreMaps(), groundTruth: try Self.groundTruth()), roc)
    }

    func testAUPROMatchesMVTecEvaluationCode() throws {
        let maps = Self.scoreMaps(), gt = try Self.groundTruth()
        XCTAssertEqual(try auPRO(scoreMaps: maps, groundTruth: gt), 0.1625026760864911, accuracy: 1e-9)
        XCTAssertEqual(try auPRO(scoreMaps: maps, groundTruth: gt, limit: 0.05), 0.045118818240205527, accuracy: 1e-9)
        XCTAssertEqual(try auPRO(scoreMaps: maps, groundTruth: gt, limit: 1), 0.56429614059671862, accuracy: 1e-9)
    }

    func testEightConnectivity() throws {
        let gt = try Self.groundTruth()
        XCTAssertEqual(gt.map { connectedComponents($0).sizes.count }, [2, 2, 0, 1])
        XCTAssertEqual(connectedComponents(gt[0]).sizes, [12, 6])
    }

    func testPerfectPixelScoresGiveFullAUPRO() throws {
        let gt = try GroundTruthMask(height: 4, width: 4, mask: [0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1])
        let scores = Tensor(shape: [1, 1, 4, 4], data: gt.mask.map { Float($0) })
        XCTAssertEqual(try auPRO(scoreMaps: scores, groundTruth: [gt]), 1, accuracy: 1e-12)
        XCTAssertEqual(try pixelROC(scoreMaps: scores, groundTruth: [gt]).auc, 1)
    }

    func testBadInputsThrow() throws {
        let gt = try Self.groundTruth()
        assertThrowsEngineError(try PixelRanking(scoreMaps: Self.scoreMaps(), groundTruth: Array(gt.prefix(2))), containing: "4 score maps but 2")
        assertThrowsEngineError(try PixelRanking(scoreMaps: Tensor(zeros: [4, 2, 8, 8]), groundTruth: gt), containing: "N x 1 x H x W")
        assertThrowsEngineError(try pixelROC(scoreMaps: Tensor(zeros: [1, 1, 2, 2]), groundTruth: [gt[2]]), containing: "only one class")
        var nan = Self.scoreMaps(); nan.data[5] = .nan
        assertThrowsEngineError(try pixelROC(scoreMaps: nan, groundTruth: gt), containing: "finite")
        assertThrowsEngineError(try auPRO(scoreMaps: nan, groundTruth: gt), containing: "finite")
        assertThrowsEngineError(try auPRO(scoreMaps: Tensor(zeros: [1, 1, 8, 8]), groundTruth: [gt[2]]), containing: "no ground-truth map")
        assertThrowsEngineError(try GroundTruthMask(height: 2, width: 2, mask: [0, 1, 2, 0]), containing: "0 or 1")
        assertThrowsEngineError(try GroundTruthMask(height: 2, width: 2, values: [0, 0.5, .nan, 1]), containing: "[0, 1]")
        XCTAssertEqual(try GroundTruthMask(height: 1, width: 3, values: [0, 0.99, 1]).mask, [0, 0, 1])
        let raw = try RawImage(channels: 1, height: 1, width: 3, pixels: [0, 254, 255])
        XCTAssertEqual(try GroundTruthMask(grayImage: raw).mask, [0, 0, 1])
    }

    func testAggregation() throws {
        let summary = try AUCSummary(aucs: [0.9, 0.8, 0.7])
        XCTAssertEqual(summary.mean, 0.8, accuracy: 1e-15)
        XCTAssertEqual(summary.std, (0.02 / 3).squareRoot(), accuracy: 1e-15)
        assertThrowsEngineError(try AUCSummary(aucs: []), containing: "no AUC")
        let a = try ROCCurve.compute(labels: [0, 1, 0, 1, 1, 0], scores: [1, 2, 3, 4, 5, 0])
        let b = try ROCCurve.compute(labels: [0, 1, 0, 1], scores: [1, 2, 3, 4])
        let mean = try meanROC([a, b])
        XCTAssertEqual(mean.auc, (a.auc + b.auc) / 2)
        XCTAssertEqual(mean.fpr.count, mean.tpr.count)
        // From (0, 0) to (1, 1) on an increasing FPR grid, non-decreasing, between the two curves.
        XCTAssertEqual(mean.fpr.first, 0); XCTAssertEqual(mean.tpr.first, 0)
        XCTAssertEqual(mean.fpr.last, 1); XCTAssertEqual(mean.tpr.last, 1)
        XCTAssertEqual(mean.fpr, mean.fpr.sorted()); XCTAssertEqual(mean.tpr, mean.tpr.sorted())
        // Its area is the mean of the areas (both are linear in the curves) up to the grid's interpolation.
        let area = zip(zip(mean.fpr, mean.fpr.dropFirst()), zip(mean.tpr, mean.tpr.dropFirst()))
            .reduce(0.0) { $0 + ($1.0.1 - $1.0.0) * ($1.1.0 + $1.1.1) / 2 }
        XCTAssertEqual(area, mean.auc, accuracy: 1e-12)
        // A curve averaged with itself is itself: the same area, every point of it on the mean.
        let same = try meanROC([a, a])
        XCTAssertEqual(same.auc, a.auc)
        for f in a.fpr {   // at each FPR of the curve, the same span of TPR (a vertical step stays one)
            let mine = zip(a.fpr, a.tpr).filter { $0.0 == f }.map(\.1), its = zip(same.fpr, same.tpr).filter { $0.0 == f }.map(\.1)
            XCTAssertEqual(its.min()!, mine.min()!, accuracy: 1e-12, "fpr \(f)")
            XCTAssertEqual(its.max()!, mine.max()!, accuracy: 1e-12, "fpr \(f)")
        }
    }

    /// Pixel-level curves have millions of points: the mean of such curves takes linear time (reading
    /// every curve at every grid point by search was quadratic and took minutes).
    func testMeanOfLongCurvesIsFast() throws {
        var rng = RandomSource(seed: 9)
        func curve(_ count: Int) -> ROCCurve {
            var fpr = (0..<count).map { _ in rng.nextDouble() }, tpr = (0..<count).map { _ in rng.nextDouble() }
            fpr.sort(); tpr.sort()
            fpr[0] = 0; tpr[0] = 0; fpr[count - 1] = 1; tpr[count - 1] = 1
            return ROCCurve(fpr: fpr, tpr: tpr, thresholds: [Double](repeating: 0, count: count), auc: 0.5)
        }
        let curves = [curve(300_000), curve(300_000), curve(300_000)]
        let start = DispatchTime.now().uptimeNanoseconds
        let mean = try meanROC(curves)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        XCTAssertGreaterThan(mean.fpr.count, 900_000)
        XCTAssertLessThan(seconds, 20, "mean of three 300,000-point curves took \(seconds) s")
    }
}

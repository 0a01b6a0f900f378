import XCTest
@testable import FCDDCore

/// Engine-drawn line plots (ROC, mean ROC, loss history) and the bitmap font.
final class PlotTests: XCTestCase {
    func testNumberFormattingAndTicks() {
        XCTAssertEqual(LinePlot.format(0.91234, decimals: 4), "0.9123")
        XCTAssertEqual(LinePlot.format(-1.5, decimals: 0), "-2")
        XCTAssertEqual(LinePlot.format(0.05, decimals: 2), "0.05")
        XCTAssertEqual(LinePlot.format(-0.001, decimals: 1), "0.0")
        XCTAssertEqual(StandardPlots.percent(0.9712), "97.12%")
        XCTAssertEqual(StandardPlots.percent(0.095), " 9.50%")
        let t = LinePlot.ticks(0...1)
        XCTAssertEqual(t.values.count, 6)
        XCTAssertEqual(t.values.last!, 1, accuracy: 1e-12)
        XCTAssertEqual(t.decimals, 1)
        XCTAssertEqual(LinePlot.ticks(0...37).values, [0, 5, 10, 15, 20, 25, 30, 35])
    }

    func testFontHasTheNeededGlyphs() {
        for c in "0123456789.%=-_ ()abcdefghijklmnopqrstuvwxyzABCZ" {
            let lit = (0..<7).reduce(0) { $0 + BitmapFont.glyph(c)[$1].nonzeroBitCount }
            XCTAssertEqual(lit == 0, c == " ", "glyph '\(c)'")
        }
        XCTAssertEqual(BitmapFont.glyph("\u{e9}"), BitmapFont.glyph("?"))
        XCTAssertEqual(BitmapFont.width(of: "auc", scale: 2), 34)
    }

    func testROCPlotDrawsCurveAndLegend() throws {
        let curve = try ROCCurve.compute(labels: [0, 0, 1, 1, 0, 1], scores: [0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
        let plot = StandardPlots.roc(curve)
        let picture = try plot.render()
        XCTAssertEqual([picture.height, picture.width], [480, 640])
        let box = plot.plotArea
        // The curve starts at (0, 0): the bottom-left corner area holds the curve colour or the frame.
        XCTAssertEqual(picture.pixel(y: box.bottom, x: box.left).0, 0, "frame corner is black")
        // The point (0, 2/3) of the curve lies on the left edge region; the curve colour is tab:blue.
        var blue = 0
        for y in box.top..<box.bottom { for x in box.left..<box.right {
            let p = picture.pixel(y: y, x: x)
            if Picture.byte(p.0) == 0x1f && Picture.byte(p.1) == 0x77 && Picture.byte(p.2) == 0xb4 { blue += 1 }
        } }
        XCTAssertGreaterThan(blue, 500)
        let dir = makeTemporaryDirectory()
        try plot.write(path: "\(dir)/roc_curve.png")
        XCTAssertEqual(try PNGImage.read(path: "\(dir)/roc_curve.png"), try picture.png())
    }

    func testManyROCAndLossPlotsWrite() throws {
        var random = RandomSource(seed: 9)
        var curves = [ROCCurve]()
        for s in 0..<3 {
            let labels = (0..<200).map { _ in random.nextDouble() < 0.5 ? 1 : 0 }
            let scores = labels.map { Double($0) * Double(s + 1) * 0.3 + random.nextDouble() }
            curves.append(try ROCCurve.compute(labels: labels, scores: scores))
        }
        let many = try StandardPlots.manyROC(curves, labels: ["bottle", "cable", "screw"])
        XCTAssertEqual(many.series.last!.label!.prefix(5), "mean ")
        XCTAssertEqual(many.series.last!.style, .dotted)
        let loss = StandardPlots.lossHistory(err: [1.2, 0.8, .nan, 0.5, 0.45], errNormal: [0.5, 0.4, 0.3, 0.2, 0.2],
                                             errAnomalous: [2, 1.5, 1, 0.9, 0.8])
        XCTAssertEqual(loss.series.map(\.label), ["loss", "loss of nominal samples", "loss of anomalous samples"])
        // Epochs count from 1 with whole-number ticks, and the plot says what it shows.
        XCTAssertEqual(loss.series[0].xs, [1, 2, 3, 4, 5])
        XCTAssertTrue(loss.integerXTicks && loss.title != nil)
        XCTAssertEqual(LinePlot.ticks(0.9...3.1, minimumStep: 1).values, [1, 2, 3])
        XCTAssertEqual(LinePlot.ticks(0.9...3.1).values, [1, 1.5, 2, 2.5, 3])
        let dir = ProcessInfo.processInfo.environment["FCDD_KEEP_PICTURES"] ?? makeTemporaryDirectory()
        try many.write(path: "\(dir)/roc.png")
        try loss.write(path: "\(dir)/err.png")
        XCTAssertEqual(try PNGImage.read(path: "\(dir)/err.png").width, 640)
        assertThrowsEngineError(try StandardPlots.manyROC(curves, labels: ["a"]), containing: "3 curves but 1 labels")
        assertThrowsEngineError(try LinePlot(series: [PlotSeries(xs: [1, 2], ys: [1])], xLabel: "", yLabel: "").render(),
                                containing: "2 x values and 1 y values")
    }
}

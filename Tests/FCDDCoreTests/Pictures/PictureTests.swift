import XCTest
@testable import FCDDCore

/// Heatmap pictures (reference 8.4-8.6): colormap, normalisation, layouts, index selection, PNG output.
final class PictureTests: XCTestCase {
    /// Values printed by matplotlib 3.11 `colormaps['jet'](np.float32(v))[:3]`.
    func testJetMatchesMatplotlib() {
        let expected: [(Float, (Double, Double, Double))] = [
            (0.0, (0, 0, 0.5)), (0.1, (0, 0, 0.945632798573975)), (0.25, (0, 0.503921568627451, 1)),
            (0.35, (0, 0.8960784313725491, 0.9709044908285895)), (0.5, (0.4901960784313725, 1, 0.4775458570524984)),
            (0.66, (0.9962049335863377, 0.9302832244008717, 0)), (0.8, (1, 0.40740740740740755, 0)),
            (0.95, (0.7139037433155082, 0, 0)), (1.0, (0.5, 0, 0)),
        ]
        for (v, rgb) in expected {
            let c = JetColormap.table[JetColormap.index(v)!]
            XCTAssertEqual(c.r, rgb.0, accuracy: 1e-15, "r(\(v))")
            XCTAssertEqual(c.g, rgb.1, accuracy: 1e-15, "g(\(v))")
            XCTAssertEqual(c.b, rgb.2, accuracy: 1e-15, "b(\(v))")
        }
        XCTAssertEqual(JetColormap.table[100].r, 0.13598987982289687, accuracy: 1e-15)
        XCTAssertEqual(JetColormap.table[200].g, 0.46550472040668145, accuracy: 1e-15)
        XCTAssertNil(JetColormap.index(.nan))
        XCTAssertEqual(JetColormap.index(-0.2), 0)
        XCTAssertEqual(JetColormap.index(1.5), 255)
    }

    /// Appendix C: local normalisation with q = 0.85 of 0..15 divides by the 13th smallest value (12).
    func testAppendixCQuantileExample() throws {
        let image = Tensor(shape: [1, 1, 4, 4], data: (0..<16).map { Float($0) })
        let out = try QuantileNormalisation.local(image, quantile: 0.85)
        XCTAssertEqual(out.data, (0..<16).map { min(Float($0) / 12, 1) })
        // Global: the reference decides shift and divisor.
        let reference = Tensor(shape: [2, 1, 2, 1], data: [1, 3, 5, 9])  // shifted 0 2 4 8; k = int(0.5*4) = 2 -> 2
        let g = try QuantileNormalisation.global(Tensor(shape: [1, 1, 1, 3], data: [0, 2, 7]), quantile: 0.5, reference: reference)
        XCTAssertEqual(g.data, [0, 0.5, 1])
        assertThrowsEngineError(try QuantileNormalisation.local(image, quantile: 0.01), containing: "outside 1...16")
        // Constant image: 0 / 0 stays NaN like torch (drawn black / written as 0).
        XCTAssertTrue(try QuantileNormalisation.local(Tensor(zeros: [1, 1, 2, 2]), quantile: 1).data.allSatisfy { $0.isNaN })
    }

    func testSelectionAgreesWithSorting() throws {
        var random = RandomSource(seed: 11)
        for n in [1, 2, 3, 10, 101, 1000] {
            let values = (0..<n).map { _ in Float((random.nextDouble() * 20).rounded()) }
            let sorted = values.sorted()
            for k in Set([1, n, (n + 1) / 2, max(1, n / 3)]) {
                XCTAssertEqual(try QuantileNormalisation.kthSmallest(values, k: k), sorted[k - 1], "n \(n) k \(k)")
            }
        }
    }

    func testTileGridLayout() throws {
        // 5 tiles of 2 x 3 in rows of 3: 2 rows; size (2 * (2 + 2) + 2) x (3 * (3 + 2) + 2).
        let tiles = Tensor(shape: [5, 1, 2, 3], data: (0..<5).flatMap { t in [Float](repeating: Float(t + 1) / 10, count: 6) })
        let grid = try TileGrid.make(tiles, perRow: 3)
        XCTAssertEqual([grid.height, grid.width], [10, 17])
        for t in 0..<5 {
            let o = TileGrid.origin(ofTile: t, perRow: 3, tileHeight: 2, tileWidth: 3)
            XCTAssertEqual(grid.pixel(y: o.top + 1, x: o.left + 2).0, Float(t + 1) / 10)
            XCTAssertEqual(grid.pixel(y: o.top - 1, x: o.left).0, 0, "padding above tile \(t)")
        }
        XCTAssertEqual(grid.pixel(y: 7, x: 14).1, 0, "the missing sixth tile stays black")
        // A single tile comes back without padding, as in torchvision.
        let single = try TileGrid.make(Tensor(repeating: 0.5, shape: [1, 1, 4, 4]), perRow: 8)
        XCTAssertEqual([single.height, single.width], [4, 4])
    }

    func testOpenCVRounding() {
        XCTAssertEqual(Picture.byte(0.5), 128)           // 127.5 -> half to even 128
        XCTAssertEqual(Picture.byte(2.5 / 255), 2)       // 2.5 -> 2
        XCTAssertEqual(Picture.byte(1.7), 255)
        XCTAssertEqual(Picture.byte(-1), 0)
        XCTAssertEqual(Picture.byte(.nan), 0)
    }

    /// 6 nominal and 4 anomalous samples with known scores.
    static func sampleData(groundTruth: Bool = true) -> HeatmapPictureData {
        let n = 10, side = 8
        let labels = [0, 1, 0, 0, 1, 0, 1, 0, 0, 1]
        let scores: [Double] = [5, 9, 1, 3, 2, 8, 7, 4, 0, 6]
        var inputs = [Float](), maps = [Float](), gts = [Float]()
        for i in 0..<n {
            for p in 0..<(3 * side * side) { inputs.append(Float((p * 7 + i) % 11)) }
            for p in 0..<(side * side) {
                maps.append(Float(p % side) * Float(scores[i] + 1))
                gts.append(labels[i] == 1 && p % side >= 4 ? 1 : 0)
            }
        }
        let reference = Tensor(shape: [n, 1, 2, 2], data: (0..<(4 * n)).map { Float($0 % 9) })
        return HeatmapPictureData(inputs: Tensor(shape: [n, 3, side, side], data: inputs), labels: labels, imageScores: scores,
                                  heatmaps: HeatmapRows(maps: Tensor(shape: [n, 1, side, side], data: maps), reference: reference),
                                  groundTruth: groundTruth ? Tensor(shape: [n, 1, side, side], data: gts) : nil)
    }

    func testOverviewIndicesAndLayout() throws {
        let data = Self.sampleData()
        // Counts 6 and 4: m = 4, k = 2. First 4 nominal, first 4 anomalous, then per label k lowest | k highest.
        let selection = OverviewPicture.selectIndices(labels: data.labels, imageScores: data.imageScores)!
        XCTAssertEqual(selection.perRow, 4)
        XCTAssertEqual(selection.indices, [0, 2, 3, 5, 1, 4, 6, 9, /* label 0 by score: 8 2 3 7 0 5 */ 8, 2, 0, 5,
                                           /* label 1 by score: 4 9 6 1 */ 4, 9, 6, 1])
        // Odd minimum count is made even; a label with one sample disables the picture.
        XCTAssertEqual(OverviewPicture.selectIndices(labels: [0, 0, 0, 1, 1, 1], imageScores: [1, 2, 3, 4, 5, 6])!.perRow, 2)
        XCTAssertNil(OverviewPicture.selectIndices(labels: [0, 0, 1], imageScores: [1, 2, 3]))

        var random = RandomSource(seed: 1)
        let overview = try OverviewPicture.render(data, settings: HeatmapPictureSettings(quantile: 0.97), random: &random)!
        // 4 groups x (inputs, heatmaps, GT, black) = 16 rows of 4 tiles of 8 x 8.
        XCTAssertEqual([overview.picture.height, overview.picture.width], [16 * 10 + 2, 4 * 10 + 2])
        // Row 2 of group 0 is the GT of sample 0 (nominal): black; group 1's GT of sample 1 is white on the right half.
        let gtOfSample1 = TileGrid.origin(ofTile: 6 * 4 + 0, perRow: 4, tileHeight: 8, tileWidth: 8)
        XCTAssertEqual(overview.picture.pixel(y: gtOfSample1.top, x: gtOfSample1.left + 5).0, 1)
        XCTAssertEqual(overview.picture.pixel(y: gtOfSample1.top, x: gtOfSample1.left + 1).0, 0)
        let blackRow = TileGrid.origin(ofTile: 3 * 4 + 1, perRow: 4, tileHeight: 8, tileWidth: 8)
        XCTAssertEqual(overview.picture.pixel(y: blackRow.top + 3, x: blackRow.left + 3).2, 0)
        // A heatmap tile is jet-coloured: its left column (value 0 after the global shift) is jet(0) = dark blue.
        let heat = TileGrid.origin(ofTile: 1 * 4 + 0, perRow: 4, tileHeight: 8, tileWidth: 8)
        let c = overview.picture.pixel(y: heat.top, x: heat.left)
        XCTAssertEqual([c.0, c.1, c.2], [0, 0, 0.5])
    }

    func testPaperIndicesFollowChunkRule() {
        // 14 samples of label 0 with scores equal to their index: k = 6 chunks of sizes 3 3 2 2 2 2 ->
        // chunk t position int(t / 5 * len): 0, int(0.6)=0, int(0.8)=0, int(1.2)=1, int(1.6)=1, last -> 13.
        let labels = [Int](repeating: 0, count: 14)
        let chosen = PaperPictures.selectIndices(labels: labels, imageScores: (0..<14).map { Double($0) })
        XCTAssertEqual(chosen.count, 1)
        XCTAssertEqual(chosen[0].indices, [0, 3, 6, 9, 11, 13])
        // Fewer samples than 6: one per sample, most normal to most anomalous.
        let small = PaperPictures.selectIndices(labels: [1, 0, 1, 1], imageScores: [0.3, 0.1, 0.9, 0.2])
        XCTAssertEqual(small.map(\.label), [0, 1])
        XCTAssertEqual(small[1].indices, [3, 0, 2])
        XCTAssertEqual(PaperPictures.logLine(label: 1, indices: [3, 0, 2]),
                       "Interpretation visualization paper image heatmaps_paper_lbl1 indices for label 1: [3, 0, 2]")
    }

    func testPaperPicturesAndFiles() throws {
        let data = Self.sampleData()
        let dir = makeTemporaryDirectory()
        var random = RandomSource(seed: 2)
        let pictures = try PaperPictures.write(data, settings: HeatmapPictureSettings(quantile: 0.9), directory: dir, random: &random)
        XCTAssertEqual(pictures.map { $0.fileName() }, ["heatmaps_paper_local_lbl0.png", "heatmaps_paper_global_lbl0.png",
                                                         "heatmaps_paper_local_lbl1.png", "heatmaps_paper_global_lbl1.png"])
        // Label 0: 6 samples, k = 6; rows inputs, heatmaps, GT.
        XCTAssertEqual(pictures[0].indices, [8, 2, 3, 7, 0, 5])
        XCTAssertEqual(pictures[0].rows.shape, [3, 6, 3, 8, 8])
        for p in pictures {
            let png = try PNGImage.read(path: "\(dir)/\(p.fileName())")
            // The file is the captioned picture; the original's grid stays available as `picture`.
            XCTAssertEqual(png, try p.captioned.png())
            XCTAssertEqual([p.picture.height, p.picture.width], [3 * 10 + 2, p.indices.count * 10 + 2])
        }
        var random2 = RandomSource(seed: 2)
        let overview = try XCTUnwrap(try OverviewPicture.write(data, settings: HeatmapPictureSettings(quantile: 0.9), directory: dir, random: &random2))
        XCTAssertEqual(try PNGImage.read(path: "\(dir)/heatmaps_global.png"), try overview.captioned.png())
        XCTAssertEqual(overview.picture.width, 42)
    }

    func testCaptionedPicturesEnlargeTilesAndNameRowsAndScores() throws {
        let data = Self.sampleData()
        var random = RandomSource(seed: 2)
        let settings = HeatmapPictureSettings(quantile: 0.9, minimumTileSide: 64)
        let paper = try PaperPictures.render(data, settings: settings, random: &random)[0]
        // 8-pixel tiles enlarged 16x to 128 (twice the overview's minimum), text at scale 2 (12 + 12 px lines).
        let (tile, line, gap) = (128, (BitmapFont.glyphHeight + 5) * 2, CaptionedGrid.gap)
        let rows = data.rowNames
        XCTAssertEqual(rows, ["input", "heatmap", "ground truth"])
        XCTAssertEqual(paper.captioned.height, 2 * line + rows.count * (tile + gap) + gap)
        let header = 2 * gap + BitmapFont.width(of: "ground truth", scale: 2)
        XCTAssertGreaterThanOrEqual(paper.captioned.width, header + paper.indices.count * (tile + gap) + gap)
        // The first heatmap tile is the original tile repeated 16 x 16 times.
        let origin = (x: header + gap, y: 2 * line + (tile + gap))
        let small = TileGrid.origin(ofTile: paper.indices.count, perRow: paper.indices.count, tileHeight: 8, tileWidth: 8)
        for (dy, dx) in [(0, 0), (37, 90), (127, 127)] {
            let big = paper.captioned.pixel(y: origin.y + dy, x: origin.x + dx)
            let original = paper.picture.pixel(y: small.top + dy / 16, x: small.left + dx / 16)
            XCTAssertEqual([big.0, big.1, big.2], [original.0, original.1, original.2])
        }
        // Title, score captions and row names are drawn (white or gray text on black).
        func inked(_ y: Range<Int>, _ x: Range<Int>) -> Bool {
            y.contains { yy in x.contains { paper.captioned.pixel(y: yy, x: $0).0 > 0.5 } }
        }
        XCTAssertTrue(inked(0..<line, 0..<paper.captioned.width), "title")
        XCTAssertTrue(inked(line..<(2 * line), header..<(header + tile)), "score of the first sample")
        XCTAssertTrue(inked((2 * line)..<(2 * line + tile), 0..<header), "row name")
        XCTAssertEqual(CaptionedGrid.score(0.06712), "0.067")
        XCTAssertEqual(CaptionedGrid.score(-12.3456), "-12.35")
        XCTAssertEqual(CaptionedGrid.score(123456.7), "123457")
        XCTAssertEqual(CaptionedGrid.labelName(1, nominalLabel: 1), "label 1 (nominal)")
        // ds_preview.png: the original's rows (without its black spacer row) under readable names, enlarged.
        let rows2 = try DatasetPreview.previewRows(inputs: data.inputs, labels: data.labels, groundTruth: data.groundTruth,
                                                   nominalLabel: 0, perClass: 20)
        XCTAssertEqual(rows2.headers.map(\.short), ["norm", "anom", "", "gtno", "gtan"])
        XCTAssertEqual(rows2.headers.map(\.long), ["nominal", "anomalous", "", "nominal mask", "anomalous mask"])
        let preview = try DatasetPreview.renderCaptioned(inputs: data.inputs, labels: data.labels, groundTruth: data.groundTruth,
                                                         minimumSide: 64)
        XCTAssertEqual(preview.height, 2 * (BitmapFont.glyphHeight + 5) + 4 * (64 + gap) + gap)
    }

    func testLabelBalancingIsSeededAndBalanced() throws {
        let labels = [0, 0, 0, 0, 0, 1, 1]
        var a = RandomSource(seed: 5), b = RandomSource(seed: 5)
        let kept = try LabelBalancing.keptIndices(labels: labels, random: &a)
        XCTAssertEqual(kept, try LabelBalancing.keptIndices(labels: labels, random: &b))
        XCTAssertEqual(kept.filter { labels[$0] == 0 }.count, 2)
        XCTAssertEqual(kept.suffix(2), [5, 6])
        assertThrowsEngineError(try LabelBalancing.keptIndices(labels: [0, 1, 2], random: &a), containing: "binary labels")
    }

    func testDatasetPreviewLayout() throws {
        let data = Self.sampleData()
        let preview = try DatasetPreview.render(inputs: data.inputs, labels: data.labels, groundTruth: data.groundTruth)
        // Rows: norm, anom, black, gtno, gtan; 4 tiles each (the smallest label count); header column int(8 * 1.8) = 14.
        XCTAssertEqual([preview.height, preview.width], [5 * 10 + 2, 14 + 4 * 10 + 2])
        // Some header text pixels are white inside the front column.
        var white = 0
        for y in 0..<preview.height { for x in 0..<14 where preview.pixel(y: y, x: x).0 == 1 { white += 1 } }
        XCTAssertGreaterThan(white, 10)
        // The constant black separator stays black, the GT row of anomalies is min-max scaled to 0/1.
        XCTAssertEqual(preview.pixel(y: 2 * 10 + 2 + 3, x: 14 + 2 + 3).0, 0)
        XCTAssertEqual(preview.pixel(y: 4 * 10 + 2, x: 14 + 2 + 6).0, 1)
    }

    func testOverlayBlendsInputAndHeatmap() throws {
        let image = Tensor(shape: [1, 2, 2], data: [0, 1, 0, 1])
        let heat = Tensor(shape: [1, 1, 2, 2], data: [0, 0, 0, 1])
        let overlay = try HeatmapOverlay.render(image: image, heatmap: heat, quantile: 1, alpha: 0.5)
        let p = overlay.pixel(y: 0, x: 0)  // image 0, jet(0) = (0, 0, 0.5)
        XCTAssertEqual([p.0, p.1, p.2], [0, 0, 0.25])
        let q = overlay.pixel(y: 1, x: 1)  // image 1, jet(1) = (0.5, 0, 0)
        XCTAssertEqual([q.0, q.1, q.2], [0.75, 0.5, 0.5])
        assertThrowsEngineError(try HeatmapOverlay.render(image: image, heatmap: Tensor(zeros: [1, 1, 3, 3])), containing: "heatmap has 9 values")
    }
}

extension PictureTests {
    /// Writes every picture kind into $FCDD_KEEP_PICTURES (if set) for a visual check.
    func testWriteGalleryWhenRequested() throws {
        guard let dir = ProcessInfo.processInfo.environment["FCDD_KEEP_PICTURES"] else { return }
        let data = Self.sampleData()
        var random = RandomSource(seed: 4)
        try OverviewPicture.write(data, settings: HeatmapPictureSettings(quantile: 0.97), directory: dir, random: &random)
        try PaperPictures.write(data, settings: HeatmapPictureSettings(quantile: 0.97), directory: dir, random: &random)
        try DatasetPreview.render(inputs: NearestResize.tensor(data.inputs, height: 28, width: 28), labels: data.labels,
                                  groundTruth: NearestResize.tensor(data.groundTruth!, height: 28, width: 28)).write(path: "\(dir)/ds_preview.png")
        try HeatmapOverlay.render(image: data.inputs.items(0..<1), heatmap: data.heatmaps!.maps.items(1..<2)).write(path: "\(dir)/overlay.png")
    }
}

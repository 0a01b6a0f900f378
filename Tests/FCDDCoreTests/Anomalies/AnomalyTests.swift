import XCTest
@testable import FCDDCore

/// Artificial anomalies: confetti statistics, noise modes, malformed normal, supervisors.
final class AnomalyTests: XCTestCase {
    // MARK: confetti

    func testConfettiIsNonPositiveWithBlobsOfBothKinds() throws {
        var rng = RandomSource(seed: 42)
        for _ in 0..<5 {
            let z = try SyntheticNoise.generate(.confetti, channels: 3, height: 240, width: 240, &rng)[0]
            XCTAssertTrue(z.values.allSatisfy { $0 <= 0 }, "confetti only darkens")
            XCTAssertTrue(z.values.contains { $0 < 0 }, "at least one blob")
            XCTAssertTrue(z.values.allSatisfy { $0 >= -511 && $0 == $0.rounded(.towardZero) }, "integers in range")
        }
        for _ in 0..<20 {
            let a = try SyntheticNoise.confettiColored.generate(count: 1, channels: 3, height: 240, width: 240, &rng)
            let b = try SyntheticNoise.confettiGray.generate(count: 1, channels: 3, height: 240, width: 240, &rng)
            XCTAssertGreaterThanOrEqual(a.blobs.count, 1)
            XCTAssertGreaterThanOrEqual(b.blobs.count, 1)
            XCTAssertTrue(a.values.allSatisfy { $0 == 0 || (-256 ... -1).contains($0) }, "colours in [-256, -1]")
            XCTAssertTrue(b.values.allSatisfy { $0 == 0 || $0 == -255 })
        }
    }

    func testConfettiBlobCountMatchesConditionedBinomial() throws {
        // E[K | K >= 1] for K ~ Binomial(240^2, p) ~ Poisson(lambda): lambda / (1 - exp(-lambda)).
        var rng = RandomSource(seed: 7)
        for (generator, p) in [(SyntheticNoise.confettiColored, 0.000018), (SyntheticNoise.confettiGray, 0.000012)] {
            let lambda = p * 240 * 240
            let expected = lambda / (1 - exp(-lambda))
            let draws = 300
            var total = 0
            var g = generator
            g.rotation = 0
            for _ in 0..<draws { total += try g.generate(count: 1, channels: 3, height: 240, width: 240, &rng).blobs.count }
            let mean = Double(total) / Double(draws)
            XCTAssertEqual(mean, expected, accuracy: 0.2, "p \(p): mean blob count \(mean), expected \(expected)")
        }
    }

    func testGeometricSkippingIsBernoulli() {
        var rng = RandomSource(seed: 21)
        var total = 0, firstHalf = 0, lastCell = 0
        for _ in 0..<400 {
            let hits = ConfettiGenerator.bernoulliPositions(count: 1000, probability: 0.01, &rng)
            XCTAssertEqual(hits, hits.sorted())
            XCTAssertTrue(hits.allSatisfy { (0..<1000).contains($0) })
            total += hits.count
            firstHalf += hits.filter { $0 < 500 }.count
            lastCell += hits.filter { $0 == 999 }.count
        }
        XCTAssertEqual(Double(total) / 400, 10, accuracy: 0.5)
        XCTAssertEqual(Double(firstHalf) / Double(total), 0.5, accuracy: 0.04)
        XCTAssertLessThan(lastCell, 15)
        XCTAssertEqual(ConfettiGenerator.bernoulliPositions(count: 5, probability: 1, &rng), [0, 1, 2, 3, 4])
    }

    func testBlobExtentsColoursPerShapeGroupAndClipping() throws {
        // Even side 8: rows y-3 ... y+4; one shape, so every blob shares the group colour.
        let g = ConfettiGenerator(probability: 0.02, minShape: (8, 8), maxShape: (8, 8), colorRange: (-256, 0))
        var rng = RandomSource(seed: 1)
        let out = try g.generate(count: 2, channels: 3, height: 40, width: 40, &rng)
        XCTAssertGreaterThan(out.blobs.count, 2)
        let plane = 1600
        let first = out.blobs[0]
        let colour = (0..<3).map { out.values[($0) * plane + first.y * 40 + first.x] }
        for b in out.blobs {
            for k in 0..<3 { XCTAssertEqual(out.values[(b.image * 3 + k) * plane + b.y * 40 + b.x], colour[k]) }
        }
        // Single odd blob of side 5 in a 1-image, value 255, centre forced by p = 1 on a 1x1 image.
        let one = try ConfettiGenerator(probability: 1, minShape: (5, 5), maxShape: (5, 5), fill: 255)
            .generate(count: 1, channels: 1, height: 1, width: 1, &rng)
        XCTAssertEqual(one.values, [255], "blobs are truncated at the border")
        let lone = ConfettiGenerator(probability: 0.002, minShape: (8, 8), maxShape: (8, 8), fill: 7)
        var spots = 0
        while spots < 3 {
            let r = try lone.generate(count: 1, channels: 1, height: 30, width: 30, &rng)
            XCTAssertGreaterThanOrEqual(r.blobs.count, 1, "ensure-blob redraws until a centre exists")
            guard r.blobs.count == 1 else { continue }
            let b = r.blobs[0]
            let covered = r.values.enumerated().filter { $0.element == 7 }.map { $0.offset }
            let rows = Set(covered.map { $0 / 30 }), cols = Set(covered.map { $0 % 30 })
            XCTAssertEqual(rows, Set(max(b.y - 3, 0)...min(b.y + 4, 29)))
            XCTAssertEqual(cols, Set(max(b.x - 3, 0)...min(b.x + 4, 29)))
            spots += 1
        }
        XCTAssertEqual(spots, 3)
    }

    func testRotationOfWindow() throws {
        let g = ConfettiGenerator(probability: 1, minShape: (4, 4), maxShape: (4, 4), fill: 1, rotation: 45)
        // Window of a shape-4 blob at (10, 10) in 30x30: rows 7 ..< 13, cols 7 ..< 13 (floor/ceil of 3).
        var values = [Int32](repeating: 0, count: 900)
        values[10 * 30 + 12] = 5   // two pixels right of the centre
        let blob = ConfettiGenerator.Blob(image: 0, y: 10, x: 10, shape: 0)
        var r0 = values
        g.rotateWindow(&r0, blob: blob, shape: (4, 4), angle: 0, channels: 1, height: 30, width: 30)
        XCTAssertEqual(r0, values, "angle 0 is the identity")
        var r90 = values
        g.rotateWindow(&r90, blob: blob, shape: (4, 4), angle: 90, channels: 1, height: 30, width: 30)
        XCTAssertEqual(r90.filter { $0 == 5 }.count, 1, "nearest rotation preserves values")
        let at = r90.firstIndex(of: 5)!
        XCTAssertTrue([8 * 30 + 10, 12 * 30 + 10].contains(at), "the pixel moved a quarter turn around the centre")
        var outside = values
        outside[0] = 9
        g.rotateWindow(&outside, blob: blob, shape: (4, 4), angle: 30, channels: 1, height: 30, width: 30)
        XCTAssertEqual(outside[0], 9, "pixels outside the window are untouched")
    }

    func testConfettiOnGrayImagesUsesLumaOfMagnitude() throws {
        var a = RandomSource(seed: 9), b = RandomSource(seed: 9)
        let rgb = try SyntheticNoise.confetti(count: 1, channels: 3, height: 64, width: 64, &a)
        let gray = try SyntheticNoise.confetti(count: 1, channels: 1, height: 64, width: 64, &b)
        XCTAssertEqual(gray.count, 64 * 64)
        for i in stride(from: 0, to: 4096, by: 37) {
            let r = -Int(rgb[i]), g = -Int(rgb[4096 + i]), bl = -Int(rgb[8192 + i])
            XCTAssertEqual(gray[i], -Float((r * 19595 + g * 38470 + bl * 7471 + 0x8000) >> 16))
        }
        XCTAssertTrue(gray.allSatisfy { $0 <= 0 })
    }

    // MARK: other noise modes

    func testSyntheticNoiseModes() throws {
        var rng = RandomSource(seed: 4)
        let gauss = try SyntheticNoise.generate(.gaussian, channels: 3, height: 32, width: 32, &rng)[0].values
        let mean = gauss.reduce(0, +) / Float(gauss.count)
        let sd = (gauss.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(gauss.count)).squareRoot()
        XCTAssertEqual(sd, 64, accuracy: 4)
        let uniform = try SyntheticNoise.generate(.uniform, channels: 1, height: 32, width: 32, &rng)[0].values
        XCTAssertTrue(uniform.allSatisfy { $0 >= 0 && $0 < 255 })
        let blob = try SyntheticNoise.generate(.blob, channels: 3, height: 32, width: 32, &rng)[0].values
        XCTAssertTrue(blob.allSatisfy { $0 == 0 || $0 == 255 } && blob.contains(255))
        let solid = try SyntheticNoise.generate(.solid, count: 2, channels: 3, height: 4, width: 4, &rng)
        XCTAssertEqual(solid.count, 2)
        for k in 0..<3 { XCTAssertEqual(Set(solid[0].values[(k * 16)..<(k * 16 + 16)]).count, 1) }
        let mixed = try SyntheticNoise.generate(.mixedBlob, channels: 3, height: 64, width: 64, &rng)[0].values
        XCTAssertTrue(mixed.allSatisfy { $0 >= 0 && $0 <= 510 } && mixed.contains { $0 > 0 })
        XCTAssertThrowsError(try SyntheticNoise.generate(.cifar100, channels: 3, height: 4, width: 4, &rng))
        XCTAssertThrowsError(try SyntheticNoise.generate(.gaussian, channels: 2, height: 4, width: 4, &rng))
    }

    // MARK: malformed normal

    func testOnlineMalformedNormalInversionRule() throws {
        let noise = NoiseImage(channels: 1, height: 2, width: 2, values: [-100, -100, 0, 0])
        // Black image: darkening changes nothing (d = 0), brightening does -> inverted.
        let black = RawImage(channels: 1, height: 2, width: 2, value: 0)
        let r1 = try MalformedNormal.online(black, noise: noise)
        XCTAssertTrue(r1.inverted)
        XCTAssertEqual(r1.image.pixels, [100, 100, 0, 0])
        // Bright image: darkening has an effect -> kept.
        let bright = RawImage(channels: 1, height: 2, width: 2, value: 200)
        let r2 = try MalformedNormal.online(bright, noise: noise)
        XCTAssertFalse(r2.inverted)
        XCTAssertEqual(r2.image.pixels, [100, 100, 200, 200])
        // Zero noise: d = d_inv = 0, so no inversion (needs d_inv > d).
        let zero = NoiseImage(channels: 1, height: 2, width: 2, values: [0, 0, 0, 0])
        XCTAssertFalse(try MalformedNormal.online(black, noise: zero).inverted)
        // A change of 0.05 grey levels on average is above the 0.025 threshold: no inversion even though
        // subtracting would change more.
        var pixels = [UInt8](repeating: 0, count: 400)
        pixels[0] = 20
        let mostlyBlack = try RawImage(channels: 1, height: 20, width: 20, pixels: pixels)
        var z = [Float](repeating: -30, count: 400)
        z[0] = -20
        let r3 = try MalformedNormal.online(mostlyBlack, noise: NoiseImage(channels: 1, height: 20, width: 20, values: z))
        XCTAssertFalse(r3.inverted)
        XCTAssertThrowsError(try MalformedNormal.online(black, noise: NoiseImage(channels: 1, height: 1, width: 4, values: [0, 0, 0, 0])))
    }

    func testOfflineMalformedNormalAndChangeMap() throws {
        // Pixel 0 is bright (sum 3 * 40 = 120 > 0.11 * 255 * 3 = 84.15): noise sign flips there.
        let img = try RawImage(channels: 3, height: 1, width: 2, pixels: [40, 10, 40, 10, 40, 10])
        let noise = NoiseImage(channels: 3, height: 1, width: 2, values: [-5, -5, -5, -5, 0, 0])
        let anomaly = try MalformedNormal.offline(img, noise: noise)
        XCTAssertEqual(anomaly.pixels, [45, 5, 45, 5, 40, 10])
        let gt = MalformedNormal.changedPixels(original: img, anomaly: anomaly)
        XCTAssertEqual(gt.pixels, [255, 255])
        var rng = RandomSource(seed: 3)
        let nominals = [RawImage(channels: 3, height: 40, width: 40, value: 128), RawImage(channels: 3, height: 40, width: 40, value: 10)]
        let out = try OfflineSupervision.anomalies(for: nominals, mode: .malformedNormalGT, noise: .confetti, &rng)
        XCTAssertEqual(out.count, 2)
        XCTAssertNotNil(out[0].groundTruth)
        XCTAssertEqual(out[0].groundTruth, MalformedNormal.changedPixels(original: nominals[0], anomaly: out[0].image))
        XCTAssertThrowsError(try OfflineSupervision.anomalies(for: nominals, mode: .noise, noise: .mvtecGT, &rng))
    }

    // MARK: supervisor

    struct FixedOutliers: OutlierProvider {
        let image: RawImage, mask: RawImage?
        func next(_ rng: inout RandomSource) throws -> (image: RawImage, groundTruth: RawImage?) { (image, mask) }
    }

    func testSupervisorReplacesHalfTheSamples() throws {
        let sup = try OnlineSupervisor(mode: .noise, noise: .gaussian)
        var rng = RandomSource(seed: 8)
        let img = RawImage(channels: 3, height: 4, width: 4, value: 100)
        var replaced = 0
        let n = 4000
        for _ in 0..<n {
            let s = try sup(image: img, label: 0, groundTruth: nil, &rng)
            if s.replaced {
                replaced += 1
                XCTAssertEqual(s.label, 1)
            } else {
                XCTAssertEqual(s.image, img)
                XCTAssertEqual(s.label, 0)
            }
        }
        XCTAssertEqual(Double(replaced) / Double(n), 0.5, accuracy: 0.03)
    }

    func testSupervisorGroundTruthAndModes() throws {
        var rng = RandomSource(seed: 12)
        let img = RawImage(channels: 3, height: 8, width: 8, value: 0)
        let zeros = RawImage(channels: 1, height: 8, width: 8, value: 0)
        // malformed_normal with a GT dataset: all-ones (255) map, anomalous label.
        let mn = try OnlineSupervisor(mode: .malformedNormal, noise: .blob, anomalousLabel: 1)
        let s1 = try mn(image: img, label: 0, groundTruth: zeros, &rng, replace: true)
        XCTAssertEqual(s1.groundTruth?.pixels, [UInt8](repeating: 255, count: 64))
        XCTAssertEqual(s1.label, 1)
        // malformed_normal_gt: map of changed pixels, even without an input map.
        let mngt = try OnlineSupervisor(mode: .malformedNormalGT, noise: .blob)
        let s2 = try mngt(image: img, label: 0, groundTruth: nil, &rng, replace: true)
        XCTAssertEqual(s2.groundTruth, MalformedNormal.changedPixels(original: img, anomaly: s2.image))
        // noise with mvtec_gt: the OE mask.
        var mask = zeros
        mask.pixels[5] = 255
        let oe = FixedOutliers(image: RawImage(channels: 3, height: 8, width: 8, value: 77), mask: mask)
        let gtSup = try OnlineSupervisor(mode: .noise, noise: .mvtecGT, anomalousLabel: 0, outliers: oe)
        let s3 = try gtSup(image: img, label: 1, groundTruth: zeros, &rng, replace: true)
        XCTAssertEqual(s3.groundTruth, mask)
        XCTAssertEqual(s3.image.pixels.first, 77)
        XCTAssertEqual(s3.label, 0)
        // Inactive modes never replace; invalid combinations are rejected.
        let off = try OnlineSupervisor(mode: .unsupervised, noise: .confetti)
        XCTAssertFalse(try off(image: img, label: 0, groundTruth: nil, &rng, replace: true).replaced)
        XCTAssertThrowsError(try OnlineSupervisor(mode: .noise, noise: .cifar100))
        XCTAssertThrowsError(try OnlineSupervisor(mode: .noise, noise: .gaussian, outliers: oe))
        XCTAssertThrowsError(try OnlineSupervisor(mode: .malformedNormal, noise: .mvtecGT, outliers: oe))
        XCTAssertThrowsError(try SuperviseMode("malformed", field: "supervise_mode"))
        let noMask = try OnlineSupervisor(mode: .noise, noise: .mvtecGT, outliers: FixedOutliers(image: img, mask: nil))
        XCTAssertThrowsError(try noMask(image: img, label: 0, groundTruth: zeros, &rng, replace: true))
    }

    func testSameSeedSameAnomalies() throws {
        let sup = try OnlineSupervisor(mode: .malformedNormal, noise: .confetti)
        let img = PreprocessingReference.pattern(channels: 3, height: 120, width: 120)
        var a = RandomSource(seed: 77), b = RandomSource(seed: 77)
        for _ in 0..<4 {
            let x = try sup(image: img, label: 0, groundTruth: nil, &a)
            let y = try sup(image: img, label: 0, groundTruth: nil, &b)
            XCTAssertEqual(x.image, y.image)
            XCTAssertEqual(x.replaced, y.replaced)
        }
    }
}

import XCTest
@testable import FCDDCore

/// Preprocessing primitives against the golden LCN fixture, Appendix C, Pillow and PyTorch values.
final class PreprocessingTests: XCTestCase {
    typealias Ref = PreprocessingReference

    // MARK: LCN

    func testLCNMatchesGoldenFixture() throws {
        let file = try SafeTensorsFile.read(path: fixturePath("preprocess.safetensors"))
        let input = try file.tensor("lcn.in"), expected = try file.tensor("lcn.l1")
        XCTAssertEqual(input.shape, [3, 3, 16, 16])
        var out = [Float]()
        for n in 0..<input.batch {
            var x = input.items(n..<(n + 1)).reshaped([3, 16, 16])
            TensorTransforms.localContrastNormalize(&x, scale: .l1)
            out += x.data
        }
        assertClose(out, expected.data, rtol: 1e-4, atol: 1e-5, "lcn.l1")
    }

    func testLCNAppendixC() {
        var x = Tensor(shape: [3, 2, 2], data: [0, 0.5, 1, 0.25, 0.2, 0.2, 0.4, 0.6, 1, 1, 0, 0])
        TensorTransforms.localContrastNormalize(&x, scale: .l1)
        assertClose(x.data, [-1.317697, 0.217484, 1.752665, -0.550107, -0.703625, -0.703625, -0.089552, 0.524520,
                             1.752665, 1.752665, -1.317697, -1.317697], rtol: 1e-5, atol: 1e-5, "Appendix C")
    }

    func testLCNL2AndConstantInput() {
        // [1, 3]: mean 2, centred [-1, 1], l2 scale sqrt(2) / 2.
        var x = Tensor(shape: [1, 1, 2], data: [1, 3])
        TensorTransforms.localContrastNormalize(&x, scale: .l2)
        assertClose(x.data, [-Float(2).squareRoot(), Float(2).squareRoot()], "l2")
        var c = Tensor(repeating: 0.5, shape: [1, 2, 2])
        TensorTransforms.localContrastNormalize(&c, scale: .l1)
        XCTAssertEqual(c.data, [0, 0, 0, 0], "zero scale: no division")
    }

    // MARK: resizing

    func testBilinearMatchesPillow() throws {
        let img = Ref.pattern(channels: 3, height: 7, width: 9)
        XCTAssertEqual(try img.resized(to: .exact(height: 4, width: 5)).pixels, Ref.bilinearDown4x5)
        XCTAssertEqual(try img.resized(to: .exact(height: 11, width: 13)).pixels, Ref.bilinearUp11x13)
        XCTAssertEqual(try img.resized(to: .exact(height: 7, width: 4)).pixels, Ref.bilinearWidthOnly7x4)
        let gray = Ref.pattern(channels: 1, height: 20, width: 23)
        XCTAssertEqual(try gray.resized(to: .exact(height: 6, width: 7)).pixels, Ref.grayBilinear6x7)
    }

    func testNearestMatchesPillowAndTorch() throws {
        let img = Ref.pattern(channels: 3, height: 7, width: 9)
        XCTAssertEqual(img.resizedNearestPIL(height: 5, width: 4).pixels, Ref.nearestPIL5x4)
        XCTAssertEqual(img.resizedNearestTorch(height: 5, width: 4).pixels, Ref.nearestTorch5x4)
        XCTAssertEqual(img.resizedNearestTorch(height: 11, width: 13).pixels, Ref.nearestTorch11x13)
        let big = Ref.pattern(channels: 1, height: 240, width: 240)
        let r = big.resizedNearestPIL(height: 224, width: 224)
        XCTAssertEqual(r.pixels.reduce(0) { $0 + Int($1) }, Ref.nearestPIL240to224Sum)
        XCTAssertEqual(Array(r.pixels[(100 * 224)..<(101 * 224)]), Ref.nearestPIL240to224Row100)
        // PyTorch index tables, via a one-row image whose values are their column index mod 256 is not
        // enough for wide inputs, so compare the index sums directly.
        for (i, o, sum) in [(1024, 240, Ref.torchIdx1024to240Sum), (700, 240, Ref.torchIdx700to240Sum),
                            (333, 240, Ref.torchIdx333to240Sum), (240, 224, Ref.torchIdx240to224Sum),
                            (900, 240, Ref.torchIdx900to240Sum)] {
            let scale = Float(i) / Float(o)
            let s = (0..<o).reduce(0) { $0 + min(Int(floorf(Float($1) * scale)), i - 1) }
            XCTAssertEqual(s, sum, "\(i) -> \(o)")
        }
        // The engine's table for one of them, through a 1 x 333 image holding index mod 256.
        let row = try RawImage(channels: 1, height: 1, width: 333, pixels: (0..<333).map { UInt8($0 % 256) })
        let picked = row.resizedNearestTorch(height: 1, width: 240).pixels
        let scale = Float(333) / 240
        XCTAssertEqual(picked, (0..<240).map { UInt8(min(Int(floorf(Float($0) * scale)), 332) % 256) })
    }

    func testResizeTargetShorterSide() {
        XCTAssertEqual(ResizeTarget.shorterSide(256).outputSize(height: 300, width: 400).height, 256)
        XCTAssertEqual(ResizeTarget.shorterSide(256).outputSize(height: 300, width: 400).width, 341)
        XCTAssertEqual(ResizeTarget.shorterSide(256).outputSize(height: 500, width: 375).height, 341)
        XCTAssertEqual(ResizeTarget.shorterSide(248).outputSize(height: 248, width: 999).width, 999, "short side already right")
        XCTAssertThrowsError(try Ref.pattern(channels: 1, height: 4, width: 4).resized(to: .exact(height: 0, width: 3)))
    }

    // MARK: geometry

    func testCenterCropUsesPythonRounding() throws {
        // (7 - 4) / 2 = 1.5 rounds to 2 (half to even); (9 - 4) / 2 = 2.5 rounds to 2.
        let img = Ref.pattern(channels: 1, height: 7, width: 9)
        let c = try img.centerCropped(height: 4, width: 4)
        let expected = try img.cropped(CropWindow(top: 2, left: 2, height: 4, width: 4))
        XCTAssertEqual(c, expected)
        // A crop larger than the image pads with zeros first (torchvision 0.10).
        let padded = try Ref.pattern(channels: 1, height: 2, width: 2).centerCropped(height: 4, width: 4)
        XCTAssertEqual(padded.pixels, [0, 0, 0, 0, 0, 0, 17, 0, 0, 31, 48 + 1, 0, 0, 0, 0, 0])
    }

    func testRandomCropWithPaddingAndFlip() throws {
        let img = Ref.pattern(channels: 3, height: 6, width: 6)
        var rng = RandomSource(seed: 3)
        var offsets = Set<Int>()
        for _ in 0..<400 {
            let padded = img.zeroPadded(2)
            let w = try padded.randomCropWindow(height: 6, width: 6, &rng)
            XCTAssertTrue((0...4).contains(w.top) && (0...4).contains(w.left))
            offsets.insert(w.top * 10 + w.left)
        }
        XCTAssertEqual(offsets.count, 25, "every offset in 0...2p is reachable")
        let flipped = img.horizontallyFlipped()
        XCTAssertEqual(flipped.pixels[0], img.pixels[5])
        XCTAssertEqual(flipped.horizontallyFlipped(), img)
        XCTAssertThrowsError(try img.randomlyCropped(height: 7, width: 6, &rng))
    }

    // MARK: colour

    func testColorOperationsMatchPillow() {
        let img = Ref.pattern(channels: 3, height: 7, width: 9)
        XCTAssertEqual(ColorJitter.adjustBrightness(img, factor: 1.3).pixels, Ref.brightness1_3)
        XCTAssertEqual(ColorJitter.adjustBrightness(img, factor: 0.7).pixels, Ref.brightness0_7)
        XCTAssertEqual(ColorJitter.adjustContrast(img, factor: 1.2).pixels, Ref.contrast1_2)
        XCTAssertEqual(ColorJitter.adjustContrast(img, factor: 0.6).pixels, Ref.contrast0_6)
        XCTAssertEqual(ColorJitter.adjustSaturation(img, factor: 1.5).pixels, Ref.saturation1_5)
        XCTAssertEqual(ColorJitter.adjustSaturation(img, factor: 0.4).pixels, Ref.saturation0_4)
        XCTAssertEqual(ColorJitter.adjustHue(img, shift: 0.1).pixels, Ref.hue0_1)
        XCTAssertEqual(ColorJitter.adjustHue(img, shift: -0.2).pixels, Ref.hueMinus0_2)
        var hsv = [UInt8](repeating: 0, count: img.pixels.count)
        let plane = img.planeSize
        for i in 0..<plane {
            let (h, s, v) = ColorJitter.rgbToHSV(img.pixels[i], img.pixels[plane + i], img.pixels[2 * plane + i])
            hsv[i] = h; hsv[plane + i] = s; hsv[2 * plane + i] = v
        }
        XCTAssertEqual(hsv, Ref.hsv)
        let gray = Ref.pattern(channels: 1, height: 20, width: 23)
        XCTAssertEqual(ColorJitter.adjustContrast(gray, factor: 1.2).pixels, Ref.grayContrast1_2)
        XCTAssertEqual(ColorJitter.adjustHue(gray, shift: 0.3), gray, "hue is a no-op on gray")
        XCTAssertEqual(ColorJitter.adjustSaturation(gray, factor: 1.7), gray, "saturation is a no-op on gray")
    }

    func testColorJitterDeterministicAndBounded() throws {
        let img = Ref.pattern(channels: 3, height: 16, width: 16)
        let jitter = try ColorJitter(all: 0.04)
        var a = RandomSource(seed: 11), b = RandomSource(seed: 11)
        XCTAssertEqual(jitter.apply(img, &a), jitter.apply(img, &b))
        var rng = RandomSource(seed: 5)
        let zero = try ColorJitter(all: 0)
        XCTAssertEqual(zero.apply(img, &rng), img, "strength 0 disables every operation")
        XCTAssertThrowsError(try ColorJitter(brightness: -1, contrast: 0, saturation: 0, hue: 0))
        XCTAssertThrowsError(try ColorJitter(all: 0.6), "hue above 0.5")
        // Small jitter changes pixels only a little.
        let out = jitter.apply(img, &rng)
        let worst = zip(out.pixels, img.pixels).map { abs(Int($0) - Int($1)) }.max()!
        XCTAssertLessThan(worst, 40)
    }

    // MARK: tensors and constants

    func testNormalizeMinMaxAndTables() throws {
        let hazelnut = try DatasetConstants.mvtec(5)
        XCTAssertEqual(hazelnut.std[2], 0.04383210837841034)
        XCTAssertEqual(hazelnut.lcnMax?[2], 26.408710479736328)
        XCTAssertEqual(try DatasetConstants.fmnist(9).lcnMax, [11.426650047302246])
        XCTAssertEqual(try DatasetConstants.cifar10(0).lcnMin, [-28.94083453598571, -28.94083453598571, -28.94083453598571])
        XCTAssertEqual(try DatasetConstants.cifar10(9).mean[1], 0.4852965474128723)
        XCTAssertEqual(DatasetConstants.mvtecClasses.count, 15)
        XCTAssertEqual(DatasetConstants.mvtecClasses[14], "zipper")
        XCTAssertThrowsError(try DatasetConstants.mvtec(15))
        var x = Tensor(shape: [2, 1, 2], data: [0.5, 1, 0, 0.25])
        try TensorTransforms.normalize(&x, mean: [0.5, 0.25], std: [0.5, 0.25])
        XCTAssertEqual(x.data, [0, 1, -1, 0])
        var y = Tensor(shape: [1, 1, 3], data: [-2, 0, 2])
        try TensorTransforms.minMaxNormalize(&y, min: [-2], max: [2])
        XCTAssertEqual(y.data, [0, 0.5, 1])
        XCTAssertThrowsError(try TensorTransforms.normalize(&x, mean: [0], std: [1]))
        XCTAssertThrowsError(try TensorTransforms.normalize(&x, mean: [0, 0], std: [1, 0]))
    }

    func testBlackCenterAndInverted() {
        var x = Tensor(repeating: 1, shape: [3, 32, 32])
        TensorTransforms.blackenCenter(&x, percentage: 0.6)
        // oh = ow = int(0.4 * 32 * 0.5) = 6: rows/cols 6..<26 are zero.
        XCTAssertEqual(x.data[(0 * 32 + 6) * 32 + 6], 0)
        XCTAssertEqual(x.data[(2 * 32 + 25) * 32 + 25], 0)
        XCTAssertEqual(x.data[(0 * 32 + 5) * 32 + 10], 1)
        XCTAssertEqual(x.data.filter { $0 == 0 }.count, 3 * 20 * 20)
        var y = Tensor(repeating: 1, shape: [3, 32, 32])
        TensorTransforms.blackenCenter(&y, percentage: 0.6, inverted: true)
        XCTAssertEqual(y.data.filter { $0 == 1 }.count, 3 * 20 * 20)
        XCTAssertEqual(y.data[(1 * 32 + 6) * 32 + 6], 1)
        XCTAssertEqual(y.data[(1 * 32 + 31) * 32 + 6], 0)
    }

    func testScaledNoiseClampsToUnitRange() {
        var rng = RandomSource(seed: 2)
        var noisy = 0
        for _ in 0..<50 {
            var x = TensorTransforms.toTensor(Ref.pattern(channels: 3, height: 8, width: 8))
            let before = x.data
            TensorTransforms.addScaledNoiseAndClamp(&x, &rng)
            XCTAssertTrue(x.data.allSatisfy { $0 >= 0 && $0 <= 1 })
            if x.data != before { noisy += 1 }
        }
        XCTAssertTrue((10...40).contains(noisy), "noise added with probability 1/2, got \(noisy) / 50")
    }

    func testToTensorAndGroundTruth() throws {
        let img = try RawImage(channels: 1, height: 1, width: 3, pixels: [0, 51, 255])
        XCTAssertEqual(TensorTransforms.toTensor(img).shape, [1, 1, 3])
        XCTAssertEqual(TensorTransforms.toTensor(img).data, [0, 0.2, 1])
        let gt = try RawImage(channels: 1, height: 1, width: 3, pixels: [0, 255, 255])
        XCTAssertEqual(TensorTransforms.groundTruthTensor(gt).data, [0, 1, 1])
        let stretched = try RawImage(channels: 1, height: 1, width: 3, pixels: [50, 100, 150]).contrastStretched()
        XCTAssertEqual(stretched.pixels.first, 0)
        XCTAssertEqual(stretched.pixels.last, 255)
        XCTAssertTrue((126...128).contains(stretched.pixels[1]))
    }

    func testChannelStatistics() throws {
        let a = try RawImage(channels: 1, height: 1, width: 2, pixels: [0, 255])
        let b = try RawImage(channels: 1, height: 1, width: 2, pixels: [51, 51])
        let s = try ChannelStatistics.meanAndStd([a, b])
        // Values 0, 1, 0.2, 0.2: mean 0.35, unbiased variance (0.1225 + 0.4225 + 0.0225 * 2) / 3.
        XCTAssertEqual(s.mean[0], 0.35, accuracy: 1e-7)
        XCTAssertEqual(s.std[0], ((0.1225 + 0.4225 + 0.045) / 3).squareRoot(), accuracy: 1e-7)
        let r = try ChannelStatistics.lcnRange([a, b])
        XCTAssertEqual(r.min[0], -1, accuracy: 1e-6)   // [0, 1]: centred [-0.5, 0.5], l1 scale 0.5
        XCTAssertEqual(r.max[0], 1, accuracy: 1e-6)     // [0.2, 0.2] gives zeros
        let resized = try ChannelStatistics.meanAndStd([Ref.pattern(channels: 3, height: 9, width: 9)],
                                                       resize: .exact(height: 4, width: 4))
        XCTAssertEqual(resized.mean.count, 3)
        XCTAssertThrowsError(try ChannelStatistics.meanAndStd([a, Ref.pattern(channels: 3, height: 1, width: 2)]))
    }

    func testKorniaBlurKernelAndReflection() throws {
        let k = try GaussianBlur(size: 25, sigma: 5).kernel
        XCTAssertEqual(k[0], 0.004535, accuracy: 1e-6)
        XCTAssertEqual(k[1], 0.007183, accuracy: 1e-6)
        XCTAssertEqual(k[2], 0.010932, accuracy: 1e-6)
        XCTAssertEqual(k[12], 0.080780, accuracy: 1e-6)
        XCTAssertEqual(k.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertThrowsError(try GaussianBlur(size: 24, sigma: 5))
        // A constant plane stays constant (reflect padding, sum-normalised kernel).
        var flat = [Float](repeating: -255, count: 30 * 30)
        try GaussianBlur(size: 25, sigma: 5).apply(&flat, planes: 1, height: 30, width: 30)
        XCTAssertTrue(flat.allSatisfy { $0 == -255 })
        // Reflect padding: a 3-tap [1/4, 1/2, 1/4]-like kernel on [1, 0, 0] mirrors index -1 to 1.
        let blur = try GaussianBlur(size: 3, sigma: 1)
        var row: [Float] = [1, 0, 0]
        blur.apply(&row, planes: 1, height: 1, width: 3)
        XCTAssertEqual(Double(row[0]), blur.kernel[1], accuracy: 1e-6)
        XCTAssertEqual(Double(row[1]), blur.kernel[0], accuracy: 1e-6)
        XCTAssertEqual(row[2], 0)
    }

    func testSparseBlurEqualsDirectConvolution() throws {
        // Sparse blobs near the borders exercise the skipped rows/columns and the reflection.
        let h = 40, w = 37, blur = try GaussianBlur(size: 25, sigma: 5)
        var plane = [Float](repeating: 0, count: h * w)
        for y in 0..<6 { for x in 30..<37 { plane[y * w + x] = -255 } }
        for y in 20..<24 { for x in 2..<5 { plane[y * w + x] = -100 } }
        var fast = plane
        blur.apply(&fast, planes: 1, height: h, width: w)
        let k = blur.kernel
        for y in 0..<h {
            for x in 0..<w {
                var s = 0.0
                for a in 0..<25 {
                    for b in 0..<25 {
                        s += k[a] * k[b] * Double(plane[GaussianBlur.reflect(y + a - 12, h) * w + GaussianBlur.reflect(x + b - 12, w)])
                    }
                }
                XCTAssertEqual(Double(fast[y * w + x]), s, accuracy: 1e-3, "(\(y), \(x))")
            }
        }
    }
}

import XCTest
@testable import FCDDCore

/// gzip, IDX (MNIST family) and the CIFAR binary release, on files the tests write in the real formats.
final class FormatReaderTests: XCTestCase {
    /// Deterministic bytes with every value and little redundancy.
    func pattern(_ count: Int, seed: Int = 1) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 * 7 + seed * 37 + ($0 >> 8) * 13) & 0xFF) }
    }

    // MARK: gzip

    func testGunzipRoundTripMultiMemberAndPadding() throws {
        let a = pattern(100_000), b = pattern(3_000, seed: 5)
        XCTAssertEqual(try gunzip(gzipBytes(a), source: "a.gz"), a)
        XCTAssertEqual(try gunzip(gzipBytes([]), source: "empty.gz"), [])
        // Python's gzip module reads concatenated members as one stream and ignores zero padding.
        XCTAssertEqual(try gunzip(gzipBytes(a) + gzipBytes(b, level: 1) + [0, 0, 0], source: "ab.gz"), a + b)
        // /bin/gzip stores the original file name (FLG.FNAME) and the torchvision downloads carry it too.
        var named = gzipBytes(b)
        named[3] |= 0x08
        named.insert(contentsOf: Array("train-images-idx3-ubyte".utf8) + [0], at: 10)
        XCTAssertEqual(try gunzip(named, source: "named.gz"), b)
        // A size hint (ISIZE trailer) that lies is caught by zlib's length check.
        var lying = gzipBytes(b)
        lying.replaceSubrange((lying.count - 4)..., with: [0xFF, 0xFF, 0xFF, 0xFF])
        assertReaderError(try gunzip(lying, source: "lying.gz"), contains: ["lying.gz"])
    }

    func testGunzipRejectsBadData() throws {
        let packed = gzipBytes(pattern(50_000))
        assertReaderError(try gunzip(Array("plain text".utf8), source: "t.gz"), contains: ["t.gz", "not a gzip"])
        assertReaderError(try gunzip(Array(packed.prefix(packed.count / 2)), source: "half.gz"), contains: ["half.gz", "truncated"])
        assertReaderError(try gunzip(Array(packed.dropLast(3)), source: "cut.gz"), contains: ["cut.gz", "truncated"])
        assertReaderError(try gunzip(packed + [1, 2, 3], source: "junk.gz"), contains: ["junk.gz", "after the end"])
        assertReaderError(try gunzip(packed, source: "big.gz", limit: 10_000), contains: ["big.gz", "limit of 10000"])
        for position in stride(from: 12, to: packed.count - 8, by: max(1, packed.count / 40)) {
            var corrupt = packed
            corrupt[position] ^= 0x55
            assertReaderError(try gunzip(corrupt, source: "bad.gz"), contains: ["bad.gz"])
        }
    }

    // MARK: IDX

    func testIDXPlainAndGzipped() throws {
        let dir = makeTestDirectory()
        let values = pattern(5 * 3 * 4)
        let plain = try writeFormatTestFile(idxBytes(dimensions: [5, 3, 4], values: values), dir, "images-idx3-ubyte")
        let packed = try writeFormatTestFile(gzipBytes(idxBytes(dimensions: [5, 3, 4], values: values)), dir, "images.gz")
        for path in [plain, packed] {
            let images = try readIDXImages(path: path)
            XCTAssertEqual(images.count, 5); XCTAssertEqual(images.height, 3); XCTAssertEqual(images.width, 4)
            XCTAssertEqual(images.pixels, values)
        }
        let labels = try writeFormatTestFile(gzipBytes(idxBytes(dimensions: [5], values: [0, 1, 2, 3, 9])), dir, "labels.gz")
        XCTAssertEqual(try readIDXLabels(path: labels), [0, 1, 2, 3, 9])
    }

    func testIDXHeaderIsValidatedAgainstTheSize() throws {
        let good = idxBytes(dimensions: [2, 2, 2], values: pattern(8))
        assertReaderError(try parseIDX(good, expectedMagic: idxLabelsMagic, source: "x"), contains: ["x", "magic number is 0x00000803, expected 0x00000801"])
        assertReaderError(try parseIDX(Array(good.dropLast()), expectedMagic: idxImagesMagic, source: "short"),
                          contains: ["short", "2 x 2 x 2 = 8 values", "holds 7 bytes"])
        assertReaderError(try parseIDX(good + [0], expectedMagic: idxImagesMagic, source: "long"), contains: ["holds 9 bytes"])
        assertReaderError(try parseIDX(Array(good.prefix(10)), expectedMagic: idxImagesMagic, source: "hdr"), contains: ["header needs 16 bytes"])
        assertReaderError(try parseIDX([0, 0], expectedMagic: idxImagesMagic, source: "tiny"), contains: ["too short"])
        var floats = good
        floats[2] = 0x0D
        assertReaderError(try parseIDX(floats, expectedMagic: idxImagesMagic, source: "f"), contains: ["type code 0xd"])
        let huge: [UInt8] = [0, 0, 8, 3] + [UInt8](repeating: 0xFF, count: 12) + [1, 2, 3]
        assertReaderError(try parseIDX(huge, expectedMagic: idxImagesMagic, source: "huge"), contains: ["huge"])
        let dir = makeTestDirectory()
        let empty = try writeFormatTestFile(idxBytes(dimensions: [1, 0, 4], values: []), dir, "empty")
        assertReaderError(try readIDXImages(path: empty), contains: ["empty size 0 x 4"])
        let corruptGzip = try writeFormatTestFile(Array(gzipBytes(good).dropLast(6)), dir, "cut.gz")
        assertReaderError(try readIDXImages(path: corruptGzip), contains: ["cut.gz", "truncated"])
    }

    /// A gzipped IDX file inflates only to the size its header declares: a 1 x 2 x 2 header in front of
    /// megabytes of zeros (a few kilobytes packed) is refused without inflating them.
    func testGzippedIDXInflatesOnlyWhatItsHeaderDeclares() throws {
        let dir = makeTestDirectory()
        let header = Array(idxBytes(dimensions: [1, 2, 2], values: [1, 2, 3, 4]))
        let bomb = try writeFormatTestFile(gzipBytes(header + [UInt8](repeating: 0, count: 50_000_000), level: 9), dir, "bomb.gz")
        XCTAssertLessThan(DirectoryListing.fileSize(bomb)!, 100_000)
        assertReaderError(try readIDXImages(path: bomb), contains: ["bomb.gz", "the 20 bytes its IDX header declares"])
        let exact = try writeFormatTestFile(gzipBytes(header), dir, "exact.gz")
        XCTAssertEqual(try readIDXImages(path: exact).pixels, [1, 2, 3, 4])
        let short = try writeFormatTestFile(gzipBytes(Array(header.dropLast())), dir, "short.gz")
        assertReaderError(try readIDXImages(path: short), contains: ["short.gz", "holds 3 bytes"])
        // The header alone says how much: a header declaring 4 GB of images is refused before inflating.
        let huge = try writeFormatTestFile(gzipBytes([0, 0, 8, 3, 0, 1, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF]), dir, "huge.gz")
        assertReaderError(try readIDXImages(path: huge), contains: ["huge.gz", "declares"])
        XCTAssertEqual(try gunzip(gzipBytes(header), source: "p", limit: 4, prefixOnly: true), Array(header.prefix(4)))
        XCTAssertEqual(try gunzip(gzipBytes([7, 8]), source: "p", limit: 4, prefixOnly: true), [7, 8])
    }

    func testIDXImagesOverThePixelLimitAreRefused() throws {
        let dir = makeTestDirectory()
        let path = try writeFormatTestFile(idxBytes(dimensions: [1, 300, 400], values: [UInt8](repeating: 0, count: 120_000)), dir, "big")
        try EngineLimits.with(maxImagePixels: 100_000) {
            assertReaderError(try readIDXImages(path: path), contains: ["big", "300 pixels exceeds the limit of 100000 pixels"])
        }
        XCTAssertEqual(try readIDXImages(path: path).count, 1)
    }

    func testFashionMNISTFromTorchvisionLayout() throws {
        let dir = makeTestDirectory()
        let train = pattern(3 * 28 * 28), test = pattern(2 * 28 * 28, seed: 9)
        try writeFormatTestFile(gzipBytes(idxBytes(dimensions: [3, 28, 28], values: train)), dir, "FashionMNIST/raw/train-images-idx3-ubyte.gz")
        try writeFormatTestFile(idxBytes(dimensions: [3], values: [9, 0, 4]), dir, "FashionMNIST/raw/train-labels-idx1-ubyte")
        // The original's subclass name is accepted as a second location.
        try writeFormatTestFile(idxBytes(dimensions: [2, 28, 28], values: test), dir, "MyFashionMNIST/raw/t10k-images-idx3-ubyte")
        try writeFormatTestFile(gzipBytes(idxBytes(dimensions: [2], values: [1, 2])), dir, "MyFashionMNIST/raw/t10k-labels-idx1-ubyte.gz")
        let trainSet = try IDXImageSource.fashionMNIST(datadir: dir, train: true)
        XCTAssertEqual(trainSet.count, 3)
        XCTAssertEqual((0..<3).map(trainSet.classLabel), [9, 0, 4])
        let second = try trainSet.image(at: 1)
        XCTAssertEqual([second.channels, second.height, second.width], [1, 28, 28])
        XCTAssertEqual(second.pixels, Array(train[784..<1568]))
        let testSet = try IDXImageSource.fashionMNIST(datadir: dir + "/", train: false)
        XCTAssertEqual(testSet.count, 2)
        XCTAssertEqual(try testSet.image(at: 0).pixels, Array(test[0..<784]))
        assertReaderError(try testSet.image(at: 2), contains: ["index 2", "0..<2"])
        assertReaderError(try testSet.image(at: -1), contains: ["index -1"])
    }

    func testFashionMNISTCountMismatchIsAnError() throws {
        let dir = makeTestDirectory()
        try writeFormatTestFile(idxBytes(dimensions: [3, 2, 2], values: pattern(12)), dir, "FashionMNIST/raw/train-images-idx3-ubyte")
        try writeFormatTestFile(idxBytes(dimensions: [2], values: [1, 2]), dir, "FashionMNIST/raw/train-labels-idx1-ubyte")
        assertReaderError(try IDXImageSource.fashionMNIST(datadir: dir, train: true), contains: ["3 images but 2 labels"])
    }

    func testEMNISTLettersAreReturnedUpright() throws {
        let dir = makeTestDirectory()
        // Stored transposed: each stored 3 x 4 block is an upright 4 x 3 image with upright[r][c] = stored[c][r].
        let stored = pattern(2 * 3 * 4)
        try writeFormatTestFile(gzipBytes(idxBytes(dimensions: [2, 3, 4], values: stored)), dir, "emnist/EMNIST/raw/emnist-letters-train-images-idx3-ubyte.gz")
        try writeFormatTestFile(gzipBytes(idxBytes(dimensions: [2], values: [1, 26])), dir, "emnist/EMNIST/raw/emnist-letters-train-labels-idx1-ubyte.gz")
        let letters = try IDXImageSource.emnistLetters(datadir: dir)
        XCTAssertEqual(letters.count, 2)
        XCTAssertEqual([letters.classLabel(at: 0), letters.classLabel(at: 1)], [1, 26])
        let image = try letters.image(at: 1)
        XCTAssertEqual([image.height, image.width], [4, 3])
        for r in 0..<4 {
            for c in 0..<3 { XCTAssertEqual(image.pixels[r * 3 + c], stored[12 + c * 4 + r], "pixel \(r),\(c)") }
        }
    }

    func testMissingDatasetsNameTheExpectedPaths() throws {
        let dir = makeTestDirectory()
        assertReaderError(try IDXImageSource.fashionMNIST(datadir: dir, train: true),
                          contains: ["Fashion-MNIST train", "\(dir)/FashionMNIST/raw/train-images-idx3-ubyte or \(dir)/FashionMNIST/raw/train-images-idx3-ubyte.gz",
                                     "\(dir)/MyFashionMNIST/raw/train-labels-idx1-ubyte", "Expected layout: <datadir>/FashionMNIST/raw/"])
        assertReaderError(try IDXImageSource.emnistLetters(datadir: dir),
                          contains: ["EMNIST letters", "\(dir)/emnist/EMNIST/raw/emnist-letters-train-images-idx3-ubyte"])
        assertReaderError(try CIFARImageSource.cifar10(datadir: dir, train: true),
                          contains: ["CIFAR-10 train", "\(dir)/cifar-10-batches-py/data_batch_1", "\(dir)/cifar-10-batches-bin/data_batch_5.bin"])
        assertReaderError(try CIFARImageSource.cifar100(datadir: dir, train: false),
                          contains: ["CIFAR-100 test", "\(dir)/cifar100/cifar-100-python/test", "\(dir)/cifar100/cifar-100-binary/test.bin"])
        // Only the labels are missing: the message names that file, not the images that were found.
        try writeFormatTestFile(idxBytes(dimensions: [1, 2, 2], values: pattern(4)), dir, "FashionMNIST/raw/t10k-images-idx3-ubyte")
        do {
            _ = try IDXImageSource.fashionMNIST(datadir: dir, train: false)
            XCTFail("expected an error")
        } catch let error as EngineError {
            XCTAssertTrue(error.description.contains("\(dir)/FashionMNIST/raw/t10k-labels-idx1-ubyte"), error.description)
            XCTAssertFalse(error.description.contains("\(dir)/FashionMNIST/raw/t10k-images-idx3-ubyte or"), error.description)
        }
    }

    // MARK: CIFAR binary release

    func cifarRecords(_ labels: [[UInt8]], seed: Int) -> (file: [UInt8], pixels: [UInt8]) {
        var file: [UInt8] = [], pixels: [UInt8] = []
        for (n, label) in labels.enumerated() {
            let image = pattern(3072, seed: seed * 10 + n)
            file += label + image
            pixels += image
        }
        return (file, pixels)
    }

    func testCIFAR10BinaryRelease() throws {
        let dir = makeTestDirectory()
        var expected: [UInt8] = [], labels: [Int] = []
        for batch in 1...5 {
            let records = cifarRecords([[UInt8(batch)], [UInt8(9 - batch)]], seed: batch)
            try writeFormatTestFile(records.file, dir, "cifar-10-batches-bin/data_batch_\(batch).bin")
            expected += records.pixels
            labels += [batch, 9 - batch]
        }
        try writeFormatTestFile(cifarRecords([[3]], seed: 0).file, dir, "cifar-10-batches-bin/test_batch.bin")
        let train = try CIFARImageSource.cifar10(datadir: dir, train: true)
        XCTAssertEqual(train.count, 10)
        XCTAssertEqual((0..<10).map(train.classLabel), labels)
        for n in [0, 7, 9] {
            let image = try train.image(at: n)
            XCTAssertEqual([image.channels, image.height, image.width], [3, 32, 32])
            XCTAssertEqual(image.pixels, Array(expected[(n * 3072)..<((n + 1) * 3072)]))
        }
        let test = try CIFARImageSource.cifar10(datadir: dir, train: false)
        XCTAssertEqual(test.count, 1)
        XCTAssertEqual(test.classLabel(at: 0), 3)
    }

    func testCIFAR100BinaryUsesFineLabels() throws {
        let dir = makeTestDirectory()
        let records = cifarRecords([[19, 99], [0, 5], [7, 0]], seed: 4)  // <coarse><fine>
        try writeFormatTestFile(records.file, dir, "cifar100/cifar-100-binary/train.bin")
        let train = try CIFARImageSource.cifar100(datadir: dir, train: true)
        XCTAssertEqual(train.variant, .cifar100)
        XCTAssertEqual((0..<3).map(train.classLabel), [99, 5, 0])
        XCTAssertEqual(try train.image(at: 2).pixels, Array(records.pixels[6144...]))
    }

    func testCIFARBinaryRejectsCorruptFiles() throws {
        let records = cifarRecords([[1], [2]], seed: 1).file
        assertReaderError(try parseCIFARBinary(Array(records.dropLast(100)), variant: .cifar10, source: "cut.bin"),
                          contains: ["cut.bin", "whole number", "3073"])
        assertReaderError(try parseCIFARBinary([], variant: .cifar10, source: "empty.bin"), contains: ["empty.bin"])
        var badLabel = records
        badLabel[3073] = 10
        assertReaderError(try parseCIFARBinary(badLabel, variant: .cifar10, source: "label.bin"),
                          contains: ["record 1 has label 10", "10 classes"])
        // A CIFAR-10 file read as CIFAR-100 has the wrong record size.
        assertReaderError(try parseCIFARBinary(records, variant: .cifar100, source: "c10.bin"), contains: ["3074"])
    }
}

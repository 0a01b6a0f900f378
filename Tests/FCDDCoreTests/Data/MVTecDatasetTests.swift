import Foundation
import XCTest
@testable import FCDDCore

/// MVTec-AD from a small synthetic tree: traversal order, defect ids, the 240x240 cache (pixels equal to
/// PyTorch-nearest resized originals), its damage and staleness detection, masks and the outlier pool.
final class MVTecDatasetTests: XCTestCase {
    struct TreeImages {
        var test: [String: RawImage] = [:]    // "bottle/test/crack/000.png" -> image
        var masks: [String: RawImage] = [:]   // same key -> mask
        var train: [String: RawImage] = [:]
    }

    /// bottle (class 0, RGB) and capsule (class 2, gray); "crack" occurs in both classes.
    func makeTree(_ data: String) throws -> TreeImages {
        let root = data + "/mvtec"
        var t = TreeImages()
        var seed = 0
        func add(_ cls: String, _ split: String, _ folder: String, _ name: String, channels: Int, h: Int, w: Int) throws {
            seed += 1
            let key = "\(cls)/\(split)/\(folder)/\(name)"
            let image = try writePNG(patternImage(channels: channels, height: h, width: w, seed: seed), "\(root)/\(key)")
            if split == "train" { t.train[key] = image; return }
            t.test[key] = image
            if folder != "good" {
                let mask = rectangleMask(height: h, width: w, rows: 1..<(h / 2), cols: 2..<(w - 1))
                let stem = String(name.dropLast(4))
                try writePNG(mask, "\(root)/\(cls)/ground_truth/\(folder)/\(stem)_mask.png")
                t.masks[key] = mask
            }
        }
        try add("bottle", "test", "scratch", "000.png", channels: 3, h: 17, w: 13)
        try add("bottle", "test", "good", "000.png", channels: 3, h: 9, w: 11)
        try add("bottle", "test", "crack", "001.png", channels: 3, h: 300, w: 480)
        try add("bottle", "test", "crack", "000.png", channels: 3, h: 12, w: 12)
        try add("bottle", "train", "good", "001.png", channels: 3, h: 8, w: 8)
        try add("bottle", "train", "good", "000.png", channels: 3, h: 10, w: 6)
        try add("capsule", "test", "poke", "000.png", channels: 1, h: 20, w: 30)
        try add("capsule", "test", "crack", "000.png", channels: 1, h: 16, w: 16)
        try add("capsule", "test", "good", "000.png", channels: 1, h: 5, w: 7)
        try add("capsule", "train", "good", "000.png", channels: 1, h: 14, w: 9)
        return t
    }

    func testTorchNearestIndices() {
        XCTAssertEqual(torchNearestSourceIndices(input: 5, output: 3), [0, 1, 3])
        XCTAssertEqual(torchNearestSourceIndices(input: 3, output: 6), [0, 0, 1, 1, 2, 2])
        XCTAssertEqual(torchNearestSourceIndices(input: 4, output: 4), [0, 1, 2, 3])
        // Single precision: 1024/240 = 4.2666665 (float), so 239 * scale = 1019.7333 -> 1019.
        XCTAssertEqual(torchNearestSourceIndices(input: 1024, output: 240).last, 1019)
        XCTAssertEqual(torchNearestSourceIndices(input: 900, output: 240)[1], 3)
        // 250/240 rounds down in float, so 120 * scale = 124.99999 -> 124 where exact arithmetic gives 125
        // (checked with numpy float32, which follows ATen's floorf(dst * scale)).
        XCTAssertEqual(torchNearestSourceIndices(input: 250, output: 240)[120], 124)
    }

    func testOrderLabelsDefectIdsAndCachedPixels() throws {
        let data = try makeTemporaryDirectory(self)
        let t = try makeTree(data)
        let ds = try MVTecADDataset(dataDirectory: data)
        XCTAssertEqual(ds.cacheStatus, .built)
        XCTAssertEqual(ds.availableClasses, [0, 2])
        // bottle's test folders sorted: crack, good, scratch; then capsule: crack (shared), good, poke.
        XCTAssertEqual(ds.defectNames, ["good", "crack", "scratch", "poke"])

        let test = try ds.testSplit(classIndex: 0)
        XCTAssertEqual((0..<test.count).map { test.imagePath(at: $0) },
                       ["test/crack/000.png", "test/crack/001.png", "test/good/000.png", "test/scratch/000.png"])
        XCTAssertEqual((0..<test.count).map { test.classLabel(at: $0) }, [1, 1, 0, 2])
        XCTAssertEqual((0..<test.count).map { test.isAnomalous(at: $0) }, [true, true, false, true])
        XCTAssertTrue(test.hasGroundTruth)
        for i in 0..<test.count {
            let key = "bottle/" + test.imagePath(at: i)
            assertSameImage(try test.image(at: i), referenceNearest(t.test[key]!, 240, 240), key)
            let expectedMask = t.masks[key].map { referenceNearest($0, 240, 240) }
                ?? RawImage(channels: 1, height: 240, width: 240, value: 0)
            assertSameImage(try test.groundTruth(at: i), expectedMask, key)
        }
        let capsule = try ds.testSplit(classIndex: 2)
        XCTAssertEqual((0..<capsule.count).map { capsule.classLabel(at: $0) }, [1, 0, 3])
        XCTAssertEqual(capsule.defectName(at: 2), "poke")
        // Gray images become three identical planes.
        let gray = t.test["capsule/test/crack/000.png"]!
        assertSameImage(try capsule.image(at: 0), referenceNearest(gray.converted(toChannels: 3), 240, 240))

        let train = try ds.trainSplit(classIndex: 0, repetitions: 3)
        XCTAssertEqual(train.count, 6)
        XCTAssertEqual(train.imagePath(at: 4), "train/good/000.png")
        assertSameImage(try train.image(at: 5), referenceNearest(t.train["bottle/train/good/001.png"]!, 240, 240))
        XCTAssertEqual(train.classLabel(at: 1), 0)
        assertSameImage(try train.groundTruth(at: 0), RawImage(channels: 1, height: 240, width: 240, value: 0))
        assertEngineError(try train.image(at: 6), isInvalidArgument, contains: "outside 0..<6")

        let original = try ds.originalResolutionMasks(classIndex: 0)
        XCTAssertEqual(original.count, 4)
        assertSameImage(try original.mask(at: 1), t.masks["bottle/test/crack/001.png"])
        assertSameImage(try original.mask(at: 2), RawImage(channels: 1, height: 9, width: 11, value: 0))

        assertEngineError(try ds.testSplit(classIndex: 1), isNotFound, contains: "cable")
        assertEngineError(try ds.testSplit(classIndex: 15), isInvalidArgument, contains: "class index 15")
    }

    func testConcurrentReadsMatchSequentialReads() throws {
        let data = try makeTemporaryDirectory(self)
        _ = try makeTree(data)
        let test = try MVTecADDataset(dataDirectory: data).testSplit(classIndex: 0)
        let expected = try (0..<test.count).map { try test.image(at: $0) }
        let results = UnsafeMutablePointer<Bool>.allocate(capacity: 4)
        defer { results.deallocate() }
        Parallel.forEachChunk(4, maxWorkers: 4) { worker, _ in
            var same = true
            for round in 0..<20 {
                let i = (round + worker) % test.count
                same = same && (try? test.image(at: i)) == expected[i]
            }
            results[worker] = same
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: results, count: 4)), [true, true, true, true])
    }

    func testCacheIsReusedAndDetectsTruncationAndStaleness() throws {
        let data = try makeTemporaryDirectory(self)
        let t = try makeTree(data)
        let first = try MVTecADDataset(dataDirectory: data)
        let path = first.cachePath
        XCTAssertTrue(path.hasSuffix("mvtec/fcdd_mvtec_240x240.cache"))
        XCTAssertEqual(try MVTecADDataset(dataDirectory: data).cacheStatus, .reused)

        // Truncate by one byte: detected by the size check and rebuilt from the tree.
        let size = DirectoryListing.fileSize(path)!
        XCTAssertEqual(truncate(path, off_t(size - 1)), 0)
        let rebuilt = try MVTecADDataset(dataDirectory: data)
        guard case .rebuiltDamaged(let why) = rebuilt.cacheStatus else { return XCTFail("\(rebuilt.cacheStatus)") }
        XCTAssertTrue(why.contains("truncated"), why)
        XCTAssertEqual(DirectoryListing.fileSize(path), size)

        // A new test image changes the fingerprint: rebuilt with it.
        try writePNG(patternImage(channels: 3, height: 6, width: 6, seed: 99), data + "/mvtec/bottle/test/good/001.png")
        let stale = try MVTecADDataset(dataDirectory: data)
        XCTAssertEqual(stale.cacheStatus, .rebuiltStale)
        XCTAssertEqual(try stale.testSplit(classIndex: 0).count, 5)

        // Without the tree the cache alone is enough...
        try FileManager.default.removeItem(atPath: data + "/mvtec/bottle")
        try FileManager.default.removeItem(atPath: data + "/mvtec/capsule")
        let cacheOnly = try MVTecADDataset(dataDirectory: data)
        XCTAssertEqual(cacheOnly.cacheStatus, .reused)
        assertSameImage(try cacheOnly.testSplit(classIndex: 0).image(at: 0),
                       referenceNearest(t.test["bottle/test/crack/000.png"]!, 240, 240))
        // ...but a damaged cache without the tree is reported.
        XCTAssertEqual(truncate(path, 100), 0)
        assertEngineError(try MVTecADDataset(dataDirectory: data), isFormat, contains: "not there to rebuild")
        // A foreign file with the cache's name.
        try writeText("hello, this is not a cache at all", path)
        assertEngineError(try MVTecADDataset(dataDirectory: data), isFormat, contains: "bad magic")
    }

    /// Cache headers as an attacker would write them: paths the test pass cannot derive masks from, and
    /// image sizes whose all-zero masks would need gigabytes (or wrap around). Each is a damaged cache.
    func testCraftedCacheHeadersAreReportedAsDamage() throws {
        let data = try makeTemporaryDirectory(self)
        _ = try makeTree(data)
        let path = try MVTecADDataset(dataDirectory: data).cachePath
        // Without the tree a damaged cache cannot be rebuilt, so it must be reported.
        try FileManager.default.removeItem(atPath: data + "/mvtec/bottle")
        try FileManager.default.removeItem(atPath: data + "/mvtec/capsule")
        let original = try readWholeFile(path)
        let headerLength = MVTecCacheFile.le(original, 16, 8)
        let json = String(decoding: original[24..<(24 + headerLength)], as: UTF8.self)
        XCTAssertTrue(json.contains("\"test/crack/000.png\",1,12,12]"), json)
        let edits: [(String, String, String)] = [
            ("\"test/crack/000.png\"", "\"test_crack_000.png\"", "bad test record"),
            ("\"test/crack/000.png\"", "\"test/../../000.png\"", "bad test record"),
            ("\"test/crack/000.png\"", "\"test/poke/000.png\"", "bad test record"),     // not its defect's folder
            ("\"train/good/000.png\"", "\"train/good\"", "bad train record"),
            ("\"test/crack/000.png\",1,12,12]", "\"test/crack/000.png\",1,4294967296,4294967296]", "exceeds the limit"),
            ("\"test/crack/000.png\",1,12,12]", "\"test/crack/000.png\",1,100000,100000]", "exceeds the limit"),
            ("\"test/crack/000.png\",1,12,12]", "\"test/crack/000.png\",1,0,12]", "empty or negative"),
        ]
        for (find, replacement, expected) in edits {
            let edited = json.replacingOccurrences(of: find, with: replacement)
            XCTAssertNotEqual(edited, json, find)
            var header = Array(edited.trimmingCharacters(in: .whitespaces).utf8)
            XCTAssertLessThanOrEqual(header.count, headerLength)
            header += [UInt8](repeating: 0x20, count: headerLength - header.count)
            try writeFileAtomically(Array(original[0..<24]) + header + Array(original[(24 + headerLength)...]), to: path)
            assertEngineError(try MVTecADDataset(dataDirectory: data), isFormat, contains: expected)
        }
        try writeFileAtomically(original, to: path)
        XCTAssertEqual(try MVTecADDataset(dataDirectory: data).cacheStatus, .reused)
    }

    func testMissingDataAndBrokenTreesGiveClearErrors() throws {
        let data = try makeTemporaryDirectory(self)
        assertEngineError(try MVTecADDataset(dataDirectory: data), isNotFound, contains: "/mvtec/<class>/train/good/*.png")
        try writePNG(patternImage(channels: 3, height: 4, width: 4, seed: 1), data + "/mvtec/bottle/train/good/000.png")
        assertEngineError(try MVTecADDataset(dataDirectory: data), isNotFound, contains: "bottle test folder not found")
        try writePNG(patternImage(channels: 3, height: 4, width: 4, seed: 2), data + "/mvtec/bottle/test/crack/000.png")
        assertEngineError(try MVTecADDataset(dataDirectory: data), isNotFound, contains: "ground_truth/crack/000_mask.png")
        try writeText("not a png", data + "/mvtec/bottle/ground_truth/crack/000_mask.png")
        assertEngineError(try MVTecADDataset(dataDirectory: data), isFormat, contains: "000_mask.png")
        // A failed build leaves no cache and no temporary file behind.
        XCTAssertEqual(try DirectoryListing.files(of: data + "/mvtec"), [])
    }

    func testOutlierPoolLimitsPerDefectType() throws {
        let data = try makeTemporaryDirectory(self)
        _ = try makeTree(data)
        let ds = try MVTecADDataset(dataDirectory: data)
        var rng = RandomSource(seed: 7)
        let all = try ds.outlierSource(classIndex: 0, limitPerDefectType: nil, withGroundTruth: true, using: &rng)
        XCTAssertEqual(all.picks, [0, 1, 3])   // good (index 2) removed
        XCTAssertTrue(all.hasGroundTruth)
        assertSameImage(try all.groundTruth(at: 2), try ds.testSplit(classIndex: 0).groundTruth(at: 3))

        var picked = Set<Int>()
        for seed in 0..<40 {
            var r = RandomSource(seed: UInt64(seed))
            let one = try ds.outlierSource(classIndex: 0, limitPerDefectType: 1, withGroundTruth: false, using: &r)
            // One crack (index 0 or 1) and the only scratch (index 3).
            XCTAssertEqual(one.count, 2)
            XCTAssertTrue([0, 1].contains(one.picks[0]))
            XCTAssertEqual(one.picks[1], 3)
            XCTAssertNil(try one.groundTruth(at: 0))
            picked.insert(one.picks[0])
            var again = RandomSource(seed: UInt64(seed))
            XCTAssertEqual(try ds.outlierSource(classIndex: 0, limitPerDefectType: 1, withGroundTruth: false, using: &again).picks, one.picks)
        }
        XCTAssertEqual(picked, [0, 1], "both cracks should be drawn for some seed")
        assertEngineError(try ds.outlierSource(classIndex: 0, limitPerDefectType: 0, withGroundTruth: false, using: &rng),
                          isInvalidArgument, contains: "at least 1")
    }
}

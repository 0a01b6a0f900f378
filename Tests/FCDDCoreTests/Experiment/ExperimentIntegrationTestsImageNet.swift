// Whole experiments on miniature ImageNet-30 (train/val folders in torchvision's layout, reference 7.5)
// with ImageNet-22k and ImageNet-1k outlier exposure (6.7), and on a miniature Pascal VOC 2007 (7.6) with
// nominal label 1. Images are PNG bytes even where the layout says .JPEG (the reader goes by signature).
import Foundation
import XCTest
@testable import FCDDCore

/// ImageNet-30 below `<datadir>/imagenet`: `train/<wnid>/` with `trainImages` images for the classes in
/// `trainClasses`, `val/<wnid>/` with `valPerClass` images for all 30 wnids (the test split needs them all),
/// plus `extraValWnids` other ImageNet-1k val folders (outlier-exposure material).
func writeMiniImageNet30(_ datadir: String, trainClasses: [Int] = [0], trainImages: Int = 4, valPerClass: Int = 1,
                         extraValWnids: [String] = ["n01440764", "n01443537"]) throws {
    let root = datadir + "/imagenet"
    for c in trainClasses {
        for i in 0..<trainImages {
            try writePNG(patternImage(channels: 3, height: 20, width: 24, seed: 1000 * c + i),
                         "\(root)/train/\(ImageNet30.wnids[c])/\(ImageNet30.wnids[c])_\(i).JPEG")
        }
    }
    for (c, wnid) in ImageNet30.wnids.enumerated() {
        for i in 0..<valPerClass {
            try writePNG(patternImage(channels: 3, height: 16, width: 12, seed: 500 + 7 * c + i),
                         "\(root)/val/\(wnid)/ILSVRC2012_val_\(String(format: "%08d", 100 * c + i)).JPEG")
        }
    }
    for (k, wnid) in extraValWnids.enumerated() {
        for i in 0..<2 {
            try writePNG(patternImage(channels: 3, height: 10, width: 14, seed: 900 + 3 * k + i),
                         "\(root)/val/\(wnid)/ILSVRC2012_val_\(String(format: "%08d", 9000 + 10 * k + i)).JPEG")
        }
    }
}

/// ImageNet-22k below `<datadir>/imagenet22k/fall11_whole_extracted`: three outlier synsets with two
/// images each and one ImageNet-30 synset (acorn), which must be excluded.
func writeMiniImageNet22k(_ datadir: String) throws -> String {
    let root = datadir + "/imagenet22k/fall11_whole_extracted"
    for (k, wnid) in ["n00004475", "n00005787", "n00006024"].enumerated() {
        for i in 0..<2 {
            try writePNG(patternImage(channels: 3, height: 30, width: 18, seed: 40 * k + i), "\(root)/\(wnid)/\(wnid)_\(i).JPEG")
        }
    }
    try writePNG(patternImage(channels: 3, height: 8, width: 8, seed: 77), "\(root)/\(ImageNet30.wnids[0])/\(ImageNet30.wnids[0])_0.JPEG")
    return root
}

/// A little-endian int64 .npy file with one dimension, as numpy.save writes it (format 1.0).
func writeNumpyInt64(_ values: [Int], _ path: String) throws {
    var header = "{'descr': '<i8', 'fortran_order': False, 'shape': (\(values.count),), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes += Array(header.utf8)
    for v in values { for b in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: Int64(v) >> (8 * Int64(b)))) } }
    try makeParents(path)
    try writeFileAtomically(bytes, to: path)
}

final class ExperimentIntegrationTestsImageNet: XCTestCase {
    func imagenetConfig(_ tmp: String, _ extra: [(String, JSONValue)] = []) -> JSONValue {
        tinyConfig("imagenet", datadir: tmp + "/data", logdir: tmp + "/log", net: "FCDD_CNN224",
                   [("classes", .array([.number(0)])), ("preproc", .string("aug1")), ("supervise_mode", .string("noise")),
                    ("noise_mode", .string("imagenet22k")), ("gauss_std", .number(8))] + extra)
    }

    func testImageNet30WithImageNet22kOutlierExposure() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniImageNet30(tmp + "/data")
        let root22k = try writeMiniImageNet22k(tmp + "/data")
        // The release has a few unreadable files: they become black images with a warning, not an error.
        try writeText("broken", root22k + "/n00006024/n00006024_broken.JPEG")
        let json = imagenetConfig(tmp)
        let outcome = try runExperiment(json)
        let r = try XCTUnwrap(outcome.results.first)
        XCTAssertEqual(r.className, "acorn")
        XCTAssertNotNil(r.auc)
        XCTAssertNil(r.pixelAUC, "ImageNet-30 has no ground-truth maps")
        let log = try checkRunFolder(r, config: json, epochs: 1, net: "FCDD_CNN224")
        // Seven outlier files; the acorn synset is excluded from the pool.
        XCTAssertTrue(log.contains("outlier exposure: 7 ImageNet-22k images"), log)
        XCTAssertTrue(log.contains("4 samples"), log)
        // Without the original's order file the sorted order is kept, and the log says so.
        XCTAssertTrue(log.contains(ImageNet30.testOrderFileName), log)
        // The file list is cached next to the synset folders.
        XCTAssertTrue(fileExists(root22k + "/meta.json"))
        try checkSummary(outcome, logdir: tmp + "/log")
        XCTAssertEqual(outcome.summary["mean"]?["pixel_auc"], .null)
    }

    func testImageNet30TestSplitHoldsAllThirtyClasses() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniImageNet30(tmp + "/data", trainClasses: [3], valPerClass: 2)
        _ = try writeMiniImageNet22k(tmp + "/data")
        let config = try experimentSettings(imagenetConfig(tmp))
        let data = try DatasetCatalog.prepare(config, nominalClass: 3, seed: 0) { _ in }
        XCTAssertEqual(data.className, "American alligator")
        XCTAssertEqual(data.testItems!.count, 60, "test = the val images of all 30 classes, not of the extra val folders")
        XCTAssertEqual(data.testItems!.itemShape, [3, 224, 224])
        XCTAssertFalse(data.testItems!.hasGroundTruth)
        let labels = try (0..<data.testItems!.count).map { try data.testItems!.sample(at: $0).label }
        XCTAssertEqual(labels.filter { $0 == 0 }.count, 2, "only the nominal class's val images are nominal")
        XCTAssertEqual(data.train.count, 4)
        // Online supervision: about half the training samples are outlier images with label 1.
        var rng = RandomSource(seed: 5)
        let trainLabels = try (0..<40).map { try data.train.sample(at: $0 % data.train.count, rng: &rng).label }
        XCTAssertEqual(Set(trainLabels), [0, 1])
    }

    func testFixedTestOrderFileIsUsedAndChecked() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniImageNet30(tmp + "/data")
        _ = try writeMiniImageNet22k(tmp + "/data")
        let orderFile = tmp + "/data/imagenet/" + ImageNet30.testOrderFileName
        try writeNumpyInt64(Array((0..<30).reversed()), orderFile)
        let config = try experimentSettings(imagenetConfig(tmp))
        var lines = [String]()
        let data = try DatasetCatalog.prepare(config, nominalClass: 0, seed: 0) { lines.append($0) }
        XCTAssertTrue(lines.contains("ImageNet-30: fixed test order from \(orderFile)"), "\(lines)")
        // Class 0 (acorn, n12267677) is last in sorted-wnid order, so first in the reversed order.
        XCTAssertEqual(try data.testItems!.sample(at: 0).label, 0)
        XCTAssertEqual(try (1..<30).map { try data.testItems!.sample(at: $0).label }, Array(repeating: 1, count: 29))
        // An order file for another test split size is refused with its path.
        try writeNumpyInt64(Array(0..<1500), orderFile)
        assertExperimentFails(imagenetConfig(tmp), isFormat, containing: [orderFile, "not a permutation of 0..<30"])
    }

    func testImageNet30HonoursNominalLabelOne() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniImageNet30(tmp + "/data")
        _ = try writeMiniImageNet22k(tmp + "/data")
        let config = try experimentSettings(imagenetConfig(tmp, [("nominal_label", .number(1))]))
        let data = try DatasetCatalog.prepare(config, nominalClass: 0, seed: 0) { _ in }
        // Labels swap (reference 7.1): the nominal class is label 1 and positive, the other 29 classes 0.
        let labels = try (0..<data.testItems!.count).map { try data.testItems!.sample(at: $0).label }
        XCTAssertEqual(labels.filter { $0 == 1 }.count, 1)
        XCTAssertEqual(labels.count, 30)
        // Training: nominal images 1, outlier images 0 (both labels occur).
        var rng = RandomSource(seed: 2)
        let trainLabels = try (0..<40).map { try data.train.sample(at: $0 % data.train.count, rng: &rng).label }
        XCTAssertEqual(Set(trainLabels), [0, 1])
    }

    func testImageNet30WithImageNet1kOutlierExposure() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniImageNet30(tmp + "/data")
        let json = imagenetConfig(tmp, [("noise_mode", .string("imagenet")), ("oe_limit", .number(5))])
        let outcome = try runExperiment(json)
        let r = try XCTUnwrap(outcome.results.first)
        XCTAssertNotNil(r.auc)
        XCTAssertNil(r.pixelAUC)
        let log = try checkRunFolder(r, config: json, epochs: 1, net: "FCDD_CNN224")
        // The limit draws 5 distinct images from the 34 validation images (no class is excluded for ImageNet-30).
        XCTAssertTrue(log.contains("outlier exposure: 5 ImageNet-1k validation images"), log)
    }

    func testImageNetErrorsNameTheExpectedLayout() throws {
        let tmp = try makeTemporaryDirectory(self)
        // No data at all: the training folder of the nominal class is named.
        assertExperimentFails(imagenetConfig(tmp, [("supervise_mode", .string("unsupervised"))]), isNotFound,
                              containing: [tmp + "/data/imagenet/train/n12267677", "acorn", "<wnid>/*.JPEG"])
        try writeMiniImageNet30(tmp + "/data")
        // No ImageNet-22k tree.
        assertExperimentFails(imagenetConfig(tmp), isNotFound,
                              containing: ["ImageNet-22k not found", tmp + "/data/imagenet22k/fall11_whole_extracted"])
        _ = try writeMiniImageNet22k(tmp + "/data")
        // One of the 30 val folders missing: the test split cannot be built.
        try FileManager.default.removeItem(atPath: tmp + "/data/imagenet/val/" + ImageNet30.wnids[29])
        assertExperimentFails(imagenetConfig(tmp), isNotFound,
                              containing: [tmp + "/data/imagenet/val/n09472597", "volcano", "val/<wnid>/*.JPEG"])
    }

    func testImageNetRejectsMalformedNormalAndOfflineSupervision() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniImageNet30(tmp + "/data")
        _ = try writeMiniImageNet22k(tmp + "/data")
        assertExperimentFails(imagenetConfig(tmp, [("supervise_mode", .string("malformed_normal"))]), isInvalidArgument,
                              containing: ["malformed_normal", "imagenet22k"])
        assertExperimentFails(imagenetConfig(tmp, [("supervise_mode", .string("malformed_normal")), ("noise_mode", .string("confetti"))]),
                              isInvalidArgument, containing: ["'malformed_normal' is not offered for imagenet", "use one of unsupervised, other, noise"])
        assertExperimentFails(imagenetConfig(tmp, [("offline_supervision", .bool(true))]), isInvalidArgument,
                              containing: ["offline_supervision (--offline-supervision) is not offered for imagenet"])
        assertExperimentFails(imagenetConfig(tmp, [("noise_mode", .string("mvtec"))]), isInvalidArgument,
                              containing: ["only works with dataset mvtec, not imagenet"])
        assertExperimentFails(imagenetConfig(tmp, [("preproc", .string("lcnaug1"))]), isInvalidArgument,
                              containing: ["lcnaug1"])
    }
}

/// Pascal VOC 2007 below `<datadir>/pascalvoc/VOCdevkit/VOC2007`: train ids t0-t4 (t0, t2 with a horse),
/// val ids v0-v3 (v1, v3 with a horse); PNG bytes in the `.jpg` files.
func writeMiniPascalVOC(_ datadir: String) throws {
    let root = datadir + "/pascalvoc/VOCdevkit/VOC2007"
    func annotation(_ objects: [String]) -> String {
        "<annotation>\n  <folder>VOC2007</folder>\n" + objects.map { "  <object>\n    <name> \($0) </name>\n    <difficult>0</difficult>\n  </object>\n" }.joined() + "</annotation>\n"
    }
    let train: [(String, [String])] = [("t0", ["horse", "person"]), ("t1", ["dog"]), ("t2", ["horse"]), ("t3", ["car", "person"]), ("t4", ["cat"])]
    let val: [(String, [String])] = [("v0", ["bus"]), ("v1", ["person", "horse"]), ("v2", ["sheep"]), ("v3", ["horse"])]
    for (k, (id, objects)) in (train + val).enumerated() {
        try writePNG(patternImage(channels: 3, height: 30 + k, width: 40, seed: 300 + k), "\(root)/JPEGImages/\(id).jpg")
        try writeText(annotation(objects), "\(root)/Annotations/\(id).xml")
    }
    try writeText(train.map { $0.0 }.joined(separator: "\n") + "\n", "\(root)/ImageSets/Main/train.txt")
    try writeText(val.map { $0.0 }.joined(separator: "\n") + "\n", "\(root)/ImageSets/Main/val.txt")
}

/// ImageNet-1k validation folders for VOC's outlier exposure with a synset-words file: two classes whose
/// names contain a VOC class name as a token (horse cart; dog in dog sled), which are excluded, and two kept
/// classes (tench, goldfish).
func writeImageNet1kForVOC(_ datadir: String, synsetWords: Bool = true) throws {
    let root = datadir + "/imagenet"
    let classes = [("n01440764", "tench, Tinca tinca"), ("n03538406", "horse cart, horse-cart"),
                   ("n03218198", "dogsled, dog sled, dog sleigh"), ("n01443537", "goldfish, Carassius auratus")]
    for (k, (wnid, _)) in classes.enumerated() {
        for i in 0..<2 {
            try writePNG(patternImage(channels: 3, height: 12, width: 12, seed: 60 + 5 * k + i), "\(root)/val/\(wnid)/ILSVRC2012_val_\(k)\(i).JPEG")
        }
    }
    if synsetWords {
        try writeText(classes.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n", root + "/LOC_synset_mapping.txt")
    }
}

final class ExperimentIntegrationTestsPascalVOC: XCTestCase {
    func vocConfig(_ tmp: String, _ extra: [(String, JSONValue)] = []) -> JSONValue {
        tinyConfig("pascalvoc", datadir: tmp + "/data", logdir: tmp + "/log", net: "FCDD_CNN224",
                   [("preproc", .string("aug1")), ("supervise_mode", .string("noise")), ("noise_mode", .string("imagenet")),
                    ("nominal_label", .number(1)), ("gauss_std", .number(8)), ("quantile", .number(0.99))] + extra)
    }

    func testHorsesAreLabelOneAndPositiveWithImageNet1kOutliers() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniPascalVOC(tmp + "/data")
        try writeImageNet1kForVOC(tmp + "/data")
        let json = vocConfig(tmp)
        let config = try experimentSettings(json)
        let data = try DatasetCatalog.prepare(config, nominalClass: 0, seed: 0) { _ in }
        XCTAssertEqual(data.train.count, 2, "training set = the horse images of the train split")
        XCTAssertEqual(data.testItems!.count, 4, "test set = the whole val split")
        // Nominal label 1: horse images (v1, v3) are label 1, the positive class of the ROC.
        XCTAssertEqual(try (0..<4).map { try data.testItems!.sample(at: $0).label }, [0, 1, 0, 1])
        // Training: horses keep label 1, outlier images get label 0.
        var rng = RandomSource(seed: 1)
        let trainLabels = try (0..<30).map { try data.train.sample(at: $0 % 2, rng: &rng).label }
        XCTAssertEqual(Set(trainLabels), [0, 1])

        let outcome = try runExperiment(json)
        let r = try XCTUnwrap(outcome.results.first)
        XCTAssertEqual(r.className, "horse")
        XCTAssertNotNil(r.auc)
        XCTAssertNil(r.pixelAUC)
        let log = try checkRunFolder(r, config: json, epochs: 1, net: "FCDD_CNN224")
        // tench and goldfish remain (horse cart and dog sled are excluded by VOC's class names).
        XCTAssertTrue(log.contains("outlier exposure: 4 ImageNet-1k validation images"), log)
        try checkSummary(outcome, logdir: tmp + "/log")
        let runConfig = try readJSONFile(r.directory + "/config.json")
        XCTAssertEqual(runConfig["nominal_label"]?.intValue, 1)
    }

    func testPascalVOCErrors() throws {
        let tmp = try makeTemporaryDirectory(self)
        assertExperimentFails(vocConfig(tmp), isNotFound,
                              containing: ["Pascal VOC 2007 not found", tmp + "/data/pascalvoc/VOCdevkit/VOC2007/ImageSets/Main/train.txt",
                                           "JPEGImages/<id>.jpg", "Annotations/<id>.xml"])
        try writeMiniPascalVOC(tmp + "/data")
        // Excluding VOC's classes from ImageNet-1k needs the synset names.
        try writeImageNet1kForVOC(tmp + "/data", synsetWords: false)
        assertExperimentFails(vocConfig(tmp), isNotFound,
                              containing: ["synset-words", tmp + "/data/imagenet/LOC_synset_mapping.txt"])
        try writeImageNet1kForVOC(tmp + "/data")
        // A malformed annotation.
        let annotation = tmp + "/data/pascalvoc/VOCdevkit/VOC2007/Annotations/t3.xml"
        try writeText("<annotation><object><name>car</name></annotation>", annotation)
        assertExperimentFails(vocConfig(tmp), isFormat, containing: [annotation])
        try writeText("<annotation><object><name>car</name></object></annotation>", annotation)
        // An id listed in val.txt without its image.
        try FileManager.default.removeItem(atPath: tmp + "/data/pascalvoc/VOCdevkit/VOC2007/JPEGImages/v2.jpg")
        assertExperimentFails(vocConfig(tmp), isNotFound, containing: ["JPEGImages/v2.jpg", "val.txt"])
        // Only class 0 (horse) exists, and offline supervision is not offered.
        assertExperimentFails(vocConfig(tmp, [("classes", .array([.number(1)]))]), isInvalidArgument, containing: ["class 1 does not exist"])
        assertExperimentFails(vocConfig(tmp, [("offline_supervision", .bool(true))]), isInvalidArgument,
                              containing: ["offline_supervision (--offline-supervision) is not offered for pascalvoc"])
    }
}

// Everything an experiment misses is reported in one error before training, each item with the options
// that need no download, and the command that runs with what is there.
import Foundation
import XCTest
@testable import FCDDCore

final class PrerequisitesTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "fcdd-prereq-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    private func message(_ json: JSONValue) -> String? {
        do {
            try Prerequisites.check(try experimentSettings(json))
            return nil
        } catch let error as EngineError {
            guard case .notFound = error else { XCTFail("not .notFound: \(error)"); return nil }
            return error.description
        } catch {
            XCTFail("not an EngineError: \(error)")
            return nil
        }
    }

    private func touch(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: (root + "/" + path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/" + path, contents: Data()), path)
    }

    func testCustomDefaultsReportDataOutliersAndWeightsTogether() throws {
        let json: JSONValue = .object([("dataset", .string("custom")), ("datadir", .string(root)), ("logdir", .string(root + "/log"))])
        let text = try XCTUnwrap(message(json))
        XCTAssertTrue(text.contains("needs 3 things"), text)
        XCTAssertTrue(text.contains("custom dataset not found"), text)
        XCTAssertTrue(text.contains("ImageNet-22k not found"), text)
        XCTAssertTrue(text.contains("FCDD_CNN224_VGG_F starts from ImageNet weights"), text)
        XCTAssertTrue(text.contains("without it: --dataset synthetic"), text)
        XCTAssertTrue(text.contains("without it: --noise-mode confetti"), text)
        XCTAssertTrue(text.contains("without it: --net FCDD_CNN224_VGG_NOPT"), text)
        XCTAssertTrue(text.contains("fcdd-swift train --dataset custom --noise-mode confetti --net FCDD_CNN224_VGG_NOPT"), text)
        // Nothing was created: the check runs before the experiment's folder is made.
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/log"))
    }

    func testTheSuggestedOptionsRunWithTheDataThatIsThere() throws {
        for split in ["train", "test"] {
            try touch("custom/\(split)/screws/normal/a.png")
        }
        var json: JSONValue = .object([("dataset", .string("custom")), ("datadir", .string(root))])
        let text = try XCTUnwrap(message(json))
        XCTAssertTrue(text.contains("needs 2 things"), text)
        XCTAssertTrue(text.contains("This runs with the data that is here and nothing downloaded: fcdd-swift train --dataset custom --noise-mode confetti --net FCDD_CNN224_VGG_NOPT"), text)
        json = .object([("dataset", .string("custom")), ("datadir", .string(root)),
                        ("noise_mode", .string("confetti")), ("net", .string("FCDD_CNN224_VGG_NOPT"))])
        XCTAssertNil(message(json))
    }

    func testArchiveDatasetAndItsOutlierSourceAreLookedUpByNameOnly() throws {
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte"] {
            try touch("FashionMNIST/raw/\(name)")
        }
        let json: JSONValue = .object([("dataset", .string("fmnist")), ("datadir", .string(root))])
        let text = try XCTUnwrap(message(json))
        XCTAssertTrue(text.contains("needs something"), text)
        XCTAssertTrue(text.contains("CIFAR-100 train: dataset files not found"), text)
        XCTAssertFalse(text.contains("Fashion-MNIST"), text)
        XCTAssertTrue(text.contains("fcdd-swift train --dataset fmnist --noise-mode confetti"), text)
        try touch("cifar100/cifar-100-python/train")
        XCTAssertNil(message(json))
    }

    func testAFileNamedBySettingsIsReportedWithTheRest() throws {
        let json: JSONValue = .object([("dataset", .string("mvtec")), ("datadir", .string(root)), ("classes", .array([.number(0)])),
                                       ("it", .number(1)), ("load", .string(root + "/missing.safetensors"))])
        let text = try XCTUnwrap(message(json))
        XCTAssertTrue(text.contains("MVTec-AD not found"), text)
        XCTAssertTrue(text.contains("load (--load): \(root)/missing.safetensors is not a file"), text)
    }

    func testTheSyntheticDefaultNeedsNothing() throws {
        XCTAssertNil(message(.object([("logdir", .string(root + "/log"))])))
    }

    func testANetworkRunAtAnotherSizeThanItWasMadeForIsExplained() throws {
        XCTAssertEqual(NetworkRegistry.designedSide(of: "FCDD_CNN28_W"), 28)
        XCTAssertEqual(NetworkRegistry.designedSide(of: "FCDD_CNN224_VGG_F"), 224)
        XCTAssertEqual(NetworkRegistry.designedSide(of: "AE32_LW3K"), 32)
        XCTAssertNil(NetworkRegistry.designedSide(of: "no such network"))
        let note = try XCTUnwrap(ExperimentRunner.sizeNote(net: "FCDD_CNN28_W", dataset: .custom, inShape: [3, 224, 224]))
        XCTAssertTrue(note.contains("FCDD_CNN28_W was made for 28x28 images; custom images reach it at 224x224"), note)
        XCTAssertTrue(note.contains("about 64x the computation per image of 28x28"), note)
        XCTAssertNil(ExperimentRunner.sizeNote(net: "FCDD_CNN28_W", dataset: .fmnist, inShape: [1, 28, 28]))
        XCTAssertTrue(ExperimentRunner.sizeNote(net: "FCDD_CNN224_W", dataset: .cifar10, inShape: [3, 32, 32])!.contains("about 1/49"))
    }
}

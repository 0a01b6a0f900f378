import XCTest
@testable import FCDDCore

/// torchvision's and timm's vgg11_bn checkpoints for the pretrained VGG networks.
final class PretrainedVGGTests: XCTestCase {
    func testPretrainedVGGNamesMapToTheCheckpoint() {
        XCTAssertEqual(PretrainedVGG.checkpointName("features.0.weight"), "features.0.weight")
        XCTAssertEqual(PretrainedVGG.checkpointName("vgg.classifier.3.bias"), "classifier.3.bias")
        XCTAssertEqual(PretrainedVGG.checkpointName("encoder.vgg.features.4.running_var"), "features.4.running_var")
        XCTAssertNil(PretrainedVGG.checkpointName("defeatures.3.weight"))
        XCTAssertNil(PretrainedVGG.checkpointName("conv_final.weight"))
        XCTAssertTrue(PretrainedVGG.needsWeights("FCDD_CNN224_VGG_F"))
        XCTAssertFalse(PretrainedVGG.needsWeights("FCDD_CNN224_VGG_NOPT"))
    }

    func testPretrainedWeightsAreLoadedAndMissingFileIsExplained() throws {
        let net = try NetworkRegistry.make("FCDD_CNN224_VGG_F", inShape: [3, 224, 224], bias: true, seed: 0)
        var config = try experimentSettings(.object([("dataset", .string("mvtec"))]))
        XCTAssertEqual(config.net, "FCDD_CNN224_VGG_F")
        XCTAssertThrowsError(try NetworkFactory.make(config, inShape: [3, 224, 224], seed: 0)) { e in
            XCTAssertTrue("\(e)".contains("vgg11_bn") && "\(e)".contains("FCDD_CNN224_VGG_NOPT"), "\(e)")
        }
        // A checkpoint with torchvision names (features.* and an ignored classifier), random values.
        var file = SafeTensorsFile()
        var rng = RandomSource(seed: 1)
        var expected = [String: Tensor]()
        for (name, entry) in net.stateEntries where name.hasPrefix("features.") {
            let t = Tensor(shape: entry.tensor.shape, data: (0..<entry.tensor.count).map { _ in Float(rng.nextDouble()) })
            file.add(name, t)
            expected[name] = t
        }
        file.add("features.22.weight", Tensor(zeros: [512, 512, 3, 3]))   // a module the FCDD net cuts off
        file.add("classifier.6.bias", Tensor(zeros: [1000]))
        let path = NSTemporaryDirectory() + "vgg11_bn-test.safetensors"
        defer { unlink(path) }
        try file.write(path: path)
        config.vggWeights = path
        let loaded = try NetworkFactory.make(config, inShape: [3, 224, 224], seed: 0)
        for (name, entry) in loaded.stateEntries {
            if let t = expected[name] { XCTAssertEqual(entry.tensor.data, t.data, name) }
        }
        XCTAssertFalse(expected.isEmpty)
    }
}

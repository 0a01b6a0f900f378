import XCTest
@testable import FCDDCore

final class ExperimentConfigTests: XCTestCase {
    func parse(_ text: String) throws -> ExperimentConfig { try ExperimentConfig(json: try JSONValue.parse(text)) }

    func testParsesEveryKeyAndRoundTrips() throws {
        let c = try parse("""
            {"dataset": "mvtec", "datadir": "/d", "logdir": "/l", "classes": [3, 4], "it": 2, "seed": 9,
             "net": "FCDD_CNN224_VGG_NOPT", "objective": "fcdd", "bias": true, "preproc": "lcnaug1",
             "supervise_mode": "noise", "noise_mode": "mvtec_gt", "oe_limit": 1, "offline_supervision": false,
             "nominal_label": 0, "one_vs_rest": false, "ground_truth_maps": false, "epochs": 5, "batch_size": 16,
             "acc_batches": 8, "optimizer": {"type": "adam", "lr": 0.001, "weight_decay": 0.0001},
             "scheduler": {"type": "milestones", "gamma": 0.1, "milestones": [400, 500]}, "gauss_std": 12,
             "quantile": 0.99, "resdown": 64, "blur_heatmaps": true, "load": null, "vgg_weights": null, "threads": 2}
            """)
        XCTAssertEqual(c.dataset, .mvtec)
        XCTAssertEqual(c.classes, [3, 4])
        XCTAssertEqual(c.superviseMode, .noise)
        XCTAssertEqual(c.oeLimit, 1)
        XCTAssertEqual(c.optimizer.kind, .adam)
        XCTAssertEqual(c.schedule, .milestones(gamma: 0.1, epochs: [400, 500]))
        XCTAssertEqual(c.threads, 2)
        let again = try ExperimentConfig(json: c.json)
        XCTAssertEqual(again.json, c.json)
    }

    func testRejectsUnknownKeysAndBadValues() {
        let cases: [(String, String)] = [
            (#"{"epoch": 3}"#, "unknown experiment option 'epoch'"),
            (#"{"dataset": "mnist"}"#, "unknown dataset 'mnist'"),
            (#"{"net": "NOPE"}"#, "unknown network 'NOPE'"),
            (#"{"objective": "hsc"}"#, "needs a hsc network"),
            (#"{"epochs": -1}"#, "epochs must be >= 0"),
            (#"{"batch_size": 1.5}"#, "'batch_size' must be an integer"),
            (#"{"quantile": 0}"#, "quantile must be in (0, 1]"),
            (#"{"supervise_mode": "semi"}"#, "unknown supervise mode 'semi'"),
            (#"{"scheduler": {"type": "lambda", "gamma": 2}}"#, "gamma must be in (0, 1]"),
            (#"{"optimizer": {"type": "rmsprop", "lr": 1, "weight_decay": 0}}"#, "'type' must be"),
            (#"[1]"#, "must be a JSON object"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try parse(text), text) { e in
                XCTAssertTrue("\(e)".contains(message), "\(text): \(e)")
            }
        }
    }

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
        var config = ExperimentConfig()
        config.net = "FCDD_CNN224_VGG_F"
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

import XCTest
@testable import FCDDCore

/// The one settings model: the runners' defaults per dataset and profile, the defaults that follow other
/// settings, round trips of resolved settings, the nested forms of older files, and error messages that
/// name the field, the value and what is valid.
final class SettingsTests: XCTestCase {
    func experiment(_ given: [(String, JSONValue)] = [], environment: [String: String] = [:]) throws -> ResolvedSettings {
        try Settings.resolve(SettingsRequest(context: .experiment, given: .object(given), environment: environment))
    }

    func detector(_ shape: [Int], outliers: Bool = false, _ given: [(String, JSONValue)] = [],
                  environment: [String: String] = [:]) throws -> ResolvedSettings {
        try Settings.resolve(SettingsRequest(context: .detector, given: .object(given), dataShape: shape,
                                             hasOutliers: outliers, environment: environment))
    }

    func assertRefused(_ context: SettingsContext, _ given: [(String, JSONValue)], _ fragments: [String],
                       shape: [Int] = [1, 28, 28], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Settings.resolve(SettingsRequest(context: context, given: .object(given), dataShape: shape)),
                             file: file, line: line) { error in
            guard case EngineError.invalidArgument(let message) = error else {
                return XCTFail("not an invalid argument: \(error)", file: file, line: line)
            }
            for f in fragments { XCTAssertTrue(message.contains(f), "'\(message)' lacks '\(f)'", file: file, line: line) }
        }
    }

    func testRunnerDefaultsPerDataset() throws {
        // Reference 9.2 (and the README's table).
        let s = { (d: String) in try self.experiment([("dataset", .string(d))]).settings }
        let fmnist = try s("fmnist")
        XCTAssertEqual([fmnist.net, "\(fmnist.epochs)", "\(fmnist.learningRate)", fmnist.noiseMode.rawValue, "\(fmnist.quantile)"],
                       ["FCDD_CNN28_W", "400", "0.01", "cifar100", "0.85"])
        let cifar = try s("cifar10")
        XCTAssertEqual(cifar.optimizer, .adam)
        XCTAssertEqual(try cifar.schedule(), .milestones(gamma: 0.1, epochs: [400, 500]))
        XCTAssertEqual([cifar.batchSize, cifar.accBatches, cifar.epochs], [20, 10, 600])
        let mvtec = try s("mvtec")
        XCTAssertEqual([mvtec.net, mvtec.superviseMode.rawValue, mvtec.noiseMode.rawValue], ["FCDD_CNN224_VGG_F", "malformed_normal", "confetti"])
        XCTAssertEqual([mvtec.weightDecay, mvtec.gaussStd, mvtec.quantile], [1e-4, 12, 0.99])
        XCTAssertEqual(try s("pascalvoc").nominalLabel, 1)
        XCTAssertEqual(try s("pascalvoc").noiseMode, .imagenet)
        XCTAssertEqual(try s("custom").gaussStd, 10)
        let synthetic = try experiment().settings   // no dataset: the embedded synthetic default
        XCTAssertEqual([synthetic.net, "\(synthetic.epochs)", "\(synthetic.iterations)", synthetic.logdirSuffix],
                       ["FCDD_CNN32_S", "20", "1", "_synthetic_"])
        XCTAssertEqual(try synthetic.schedule(), .lambda(gamma: 0.98))
    }

    func testDetectorProfilesFollowTheImagesAndOutliers() throws {
        let gray = try detector([1, 28, 28])
        XCTAssertEqual(gray.profile, .smallGray)
        XCTAssertEqual([gray.settings.net, gray.settings.superviseMode.rawValue, gray.settings.noiseMode.rawValue],
                       ["FCDD_CNN28_W", "malformed_normal", "confetti"])
        let colour = try detector([3, 32, 32], outliers: true)
        XCTAssertEqual(colour.profile, .small)
        XCTAssertEqual([colour.settings.net, colour.settings.superviseMode.rawValue, colour.settings.noiseMode.rawValue],
                       ["FCDD_CNN32_LW3K", "noise", "outlier_exposure"])
        XCTAssertEqual(try detector([1, 40, 40]).profile, .small)
        let large = try detector([3, 300, 400])
        XCTAssertEqual(large.profile, .large)
        XCTAssertEqual(large.settings.net, "FCDD_CNN224_VGG_NOPT", "no ImageNet weights given")
        XCTAssertEqual(try detector([3, 300, 400], [("vgg_weights", .string("w.safetensors"))]).settings.net, "FCDD_CNN224_VGG_F")
        XCTAssertEqual(try detector([3, 300, 400], environment: ["FCDD_VGG11_BN_WEIGHTS": "env.safetensors"]).settings.vggWeights,
                       "env.safetensors")
        // Giving noise_mode outlier_exposure alone also switches the supervise mode to noise.
        XCTAssertEqual(try detector([1, 28, 28], outliers: true, [("noise_mode", .string("outlier_exposure"))]).settings.superviseMode, .noise)
    }

    func testBaselineObjectivesGetTheMatchingNetwork() throws {
        XCTAssertEqual(try detector([1, 28, 28], [("objective", .string("hsc"))]).settings.net, "CNN28_W")
        XCTAssertEqual(try detector([3, 32, 32], [("objective", .string("ae"))]).settings.net, "AE32_LW3K")
        XCTAssertEqual(try detector([3, 224, 224], [("objective", .string("ae"))]).settings.net, "AE224_VGG_NOPT")
        XCTAssertEqual(try experiment([("objective", .string("hsc"))]).settings.net, "CNN32", "FCDD_CNN32_S's baseline")
        XCTAssertEqual(try experiment([("objective", .string("ae"))]).settings.net, "AE32")
        XCTAssertEqual(NetworkRegistry.baseline(of: "FCDD_CNN224_VGG_F", for: .hsc), "CNN224_VGG_F")
        XCTAssertNil(NetworkRegistry.baseline(of: "FCDD_CNN224_W", for: .hsc))
    }

    func testScheduleParametersFollowTheScheduler() throws {
        let lambda = try detector([3, 32, 32], [("scheduler", .string("lambda"))]).settings
        XCTAssertEqual(lambda.schedulerParameters, [0.985], "another schedule than the profile's: the general lambda default")
        XCTAssertEqual(try detector([1, 28, 28], [("scheduler", .string("lambda"))]).settings.schedulerParameters, [0.98],
                       "the profile's own schedule keeps its parameters")
        assertRefused(.detector, [("scheduler", .string("milestones"))], ["lr_sched_param", "must be given with the milestones schedule"])
        assertRefused(.experiment, [("scheduler", .string("milestones")), ("lr_sched_param", .array([.number(0.1)]))],
                      ["lr_sched_param (--lr-sched-param) of the milestones schedule must be [GAMMA, M1, M2, ...]", "got [0.1]"])
        assertRefused(.experiment, [("lr_sched_param", .array([.number(2)]))], ["lr_sched_param (--lr-sched-param) [2]", "gamma must be in (0, 1]"])
    }

    func testResolvedSettingsResolveToThemselves() throws {
        let requests: [SettingsRequest] = [
            SettingsRequest(context: .experiment),
            SettingsRequest(context: .experiment, given: .object([("dataset", .string("mvtec")), ("logdir", .string("out/x")), ("objective", .string("hsc"))])),
            SettingsRequest(context: .experiment, given: .object([("dataset", .string("cifar10")), ("scheduler", .string("lambda")), ("oe_limit", .number(8))])),
            SettingsRequest(context: .detector, dataShape: [3, 32, 32], hasOutliers: true),
            SettingsRequest(context: .detector, given: .object([("epochs", .number(3)), ("threads", .number(2))]), dataShape: [1, 500, 300]),
        ]
        for request in requests {
            let once = try Settings.resolve(request)
            var again = request
            again.given = once.json
            again.hasOutliers = false   // the resolved settings carry the supervision already
            XCTAssertEqual(try Settings.resolve(again).json, once.json, "\(request.given.serialized())")
            XCTAssertEqual(once.json.objectValue?.map(\.0), SettingsSchema.fields(for: request.context).map(\.name))
        }
    }

    func testOlderNestedOptimizerAndSchedulerAreReadAsTheFlatSettings() throws {
        let s = try experiment([("optimizer", .object([("type", .string("adam")), ("lr", .number(0.5)), ("weight_decay", .number(0))])),
                                ("scheduler", .object([("type", .string("milestones")), ("gamma", .number(0.1)),
                                                       ("milestones", .array([.number(3), .number(4)]))]))]).settings
        XCTAssertEqual([s.optimizer.rawValue, "\(s.learningRate)", "\(s.weightDecay)"], ["adam", "0.5", "0.0"])
        XCTAssertEqual(try s.schedule(), .milestones(gamma: 0.1, epochs: [3, 4]))
        assertRefused(.experiment, [("optimizer", .object([("type", .string("sgd")), ("lr", .number(1)), ("weight_decay", .number(0)),
                                                            ("momentum", .number(0.5))]))], ["momentum is fixed at 0.9"])
        assertRefused(.experiment, [("optimizer", .object([("type", .string("sgd")), ("lr", .number(1)), ("weight_decay", .number(0))])),
                                    ("lr", .number(2))], ["setting 'lr' is given twice"])
        // A run's config.json carries the record of its run, which is not a setting.
        XCTAssertEqual(try experiment([("run", .object([("seed", .number(3))]))]).settings.seed, 0)
    }

    func testErrorsNameTheFieldTheValueAndWhatIsValid() {
        let cases: [(SettingsContext, [(String, JSONValue)], [String])] = [
            (.experiment, [("epoch", .number(3))], ["unknown setting 'epoch'", "did you mean 'epochs'?"]),
            (.experiment, [("dataset", .string("mnist"))], ["dataset (--dataset) must be one of synthetic, fmnist", "got 'mnist'"]),
            (.experiment, [("net", .string("NOPE"))], ["net (--net) must be one of", "FCDD_CNN28", "got 'NOPE'"]),
            (.experiment, [("objective", .string("hsc")), ("net", .string("FCDD_CNN32_S"))],
             ["objective (--objective) 'hsc' needs a hsc network (e.g. CNN32)", "net (--net) FCDD_CNN32_S is built for 'fcdd'"]),
            (.experiment, [("epochs", .number(-1))], ["epochs (--epochs) must be in [0, 1000000]; got -1"]),
            (.experiment, [("batch_size", .number(1.5))], ["batch_size (--batch-size) must be an integer; got 1.5"]),
            (.experiment, [("quantile", .number(0))], ["quantile (--quantile) must be in (0, 1]; got 0"]),
            (.experiment, [("lr", .number(0))], ["lr (--learning-rate) must be > 0; got 0"]),
            (.experiment, [("supervise_mode", .string("semi"))], ["supervise_mode (--supervise-mode) must be one of unsupervised, other, noise"]),
            (.experiment, [("threads", .number(0))], ["threads (--threads) must be in [1, 1024]; got 0"]),
            (.experiment, [("classes", .array([.number(1), .number(1)]))], ["must not repeat a class"]),
            (.experiment, [("noise_mode", .string("outlier_exposure"))], ["uses the images given to fs.FCDD.fit"]),
            (.experiment, [("dataset", .string("fmnist")), ("noise_mode", .string("imagenet"))],
             ["noise_mode (--noise-mode) 'imagenet': fmnist offers no outlier exposure from it (its sources: cifar100, emnist)"]),
            (.experiment, [("dataset", .string("cifar10")), ("preproc", .string("lcnaug1"))],
             ["preproc (--preproc) 'lcnaug1' is not offered for cifar10; use one of aug1"]),
            (.experiment, [("dataset", .string("mvtec")), ("nominal_label", .number(1))], ["nominal_label (--nominal-label) 1 is refused for mvtec"]),
            (.experiment, [("dataset", .string("imagenet")), ("offline_supervision", .bool(true))], ["offline_supervision (--offline-supervision) is not offered for imagenet"]),
            (.experiment, [("contamination", .number(0.2))], ["setting 'contamination' is used by the detector (fs.FCDD) only"]),
            (.detector, [("dataset", .string("mvtec"))], ["setting 'dataset' is used by experiments (fcdd-swift train) only"]),
            (.detector, [("noise_mode", .string("cifar100"))], ["noise_mode 'cifar100' reads an outlier dataset from disk", "oe_data"]),
            (.detector, [("supervise_mode", .string("malformed_normal")), ("noise_mode", .string("outlier_exposure"))],
             ["supervise_mode 'malformed_normal' adds synthetic noise", "not 'outlier_exposure'"]),
            (.detector, [("contamination", .number(0.6))], ["contamination must be in (0, 0.5]; got 0.6"]),
            (.detector, [("preproc", .string("aug1_blackcenter"))], ["preproc 'aug1_blackcenter'", "the detector offers lcnaug1, aug1, lcn, none"]),
            (.detector, [("bias", .number(1))], ["bias must be true or false; got 1"]),
        ]
        for (context, given, fragments) in cases { assertRefused(context, given, fragments) }
        XCTAssertThrowsError(try Settings.resolve(SettingsRequest(context: .detector))) { e in
            XCTAssertTrue("\(e)".contains("data_shape must be [C, H, W]"), "\(e)")
        }
    }

    func testTheSchemaListsEveryFieldWithItsDefaultsAndEveryPropertyHasAField() throws {
        let schema = SettingsSchema.json
        let fields = try XCTUnwrap(schema["fields"]?.objectValue)
        XCTAssertEqual(fields.map(\.0), SettingsSchema.fields.map(\.name))
        XCTAssertEqual(Mirror(reflecting: Settings()).children.count, fields.count, "a property of Settings without a schema field")
        for (name, field) in fields {
            for key in ["type", "group", "contexts", "option", "flags", "nullable", "range", "choices", "default", "help"] {
                XCTAssertNotNil(field[key], "\(name) lacks \(key)")
            }
            let contexts = field["contexts"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let defaults = field["default"]?.objectValue?.map(\.0) ?? []
            var expected = [String]()
            if contexts.contains("experiment") { expected += Dataset.choiceNames }
            if contexts.contains("detector") { expected += DetectorProfile.allCases.map(\.rawValue) }
            XCTAssertEqual(defaults, expected, name)
            XCTAssertFalse(field["help"]?.stringValue?.isEmpty ?? true, name)
        }
        XCTAssertEqual(fields.first { $0.0 == "epochs" }?.1["default"]?["fmnist"], .number(400))
        XCTAssertEqual(fields.first { $0.0 == "net" }?.1["default"]?["large"], .string("FCDD_CNN224_VGG_NOPT"))
        XCTAssertEqual(fields.first { $0.0 == "noise_mode" }?.1["context_choices"]?["detector"],
                       .array(["gaussian", "uniform", "blob", "mixed_blob", "solid", "confetti", "outlier_exposure"].map { .string($0) }))
        XCTAssertEqual(fields.first { $0.0 == "quantile" }?.1["range"]?["text"], .string("(0, 1]"))
    }

    func testExperimentDirectoryAndRunSeeds() throws {
        let s = try experiment([("logdir", .string("out/fcdd_{t}")), ("seed", .number(7))]).settings
        XCTAssertEqual(s.experimentDirectory(startTime: "20261204170000"), "out/fcdd_20261204170000_synthetic_")
        XCTAssertEqual(s.runSeed(iteration: 2), 9)
        let fixed = try experiment([("logdir", .string("out/x")), ("logdir_suffix", .string("_s"))]).settings
        XCTAssertEqual(fixed.experimentDirectory(startTime: "t"), "out/x_s")
    }
}

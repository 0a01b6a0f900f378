// Helpers of the experiment integration tests: running a whole experiment from the JSON the command
// line builds, and reading back what it wrote (run folder files, snapshot metadata, log lines).
import Foundation
import XCTest
@testable import FCDDCore

/// The outcome of one `ExperimentRunner.run()`: the summary, the runner (for its results) and every
/// logged line.
struct ExperimentOutcome {
    var summary: JSONValue
    var runner: ExperimentRunner
    var logLines: [String]

    var results: [RunResult] { runner.results }
}

/// Tiny settings shared by all integration tests: one epoch, small batches, one repetition, 2 threads.
func tinyConfig(_ dataset: String, datadir: String, logdir: String, net: String, _ extra: [(String, JSONValue)] = []) -> JSONValue {
    var fields: [(String, JSONValue)] = [
        ("dataset", .string(dataset)), ("datadir", .string(datadir)), ("logdir", .string(logdir)),
        ("net", .string(net)), ("epochs", .number(1)), ("batch_size", .number(4)), ("it", .number(1)),
        ("threads", .number(2)), ("seed", .number(3)),
    ]
    for (k, v) in extra {
        if let i = fields.firstIndex(where: { $0.0 == k }) { fields[i].1 = v } else { fields.append((k, v)) }
    }
    return .object(fields)
}

/// Resolves experiment settings from the given values as the C ABI does (without the environment).
func experimentSettings(_ json: JSONValue) throws -> Settings {
    try Settings.resolve(SettingsRequest(context: .experiment, given: json)).settings
}

/// Resolves `json` as the C ABI does and runs the experiment.
func runExperiment(_ json: JSONValue) throws -> ExperimentOutcome {
    let config = try experimentSettings(json)
    var lines = [String]()
    let runner = try ExperimentRunner(settings: config) { event in
        if case .log(let line) = event { lines.append(line) }
        return true
    }
    let summary = try runner.run()
    return ExperimentOutcome(summary: summary, runner: runner, logLines: lines)
}

/// Asserts that running `json` fails with an EngineError of the expected kind whose message contains
/// every fragment.
func assertExperimentFails(_ json: JSONValue, _ kind: (EngineError) -> Bool, containing fragments: [String],
                           file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try runExperiment(json)
        XCTFail("the experiment ran; expected an error containing \(fragments)", file: file, line: line)
    } catch let error as EngineError {
        XCTAssertTrue(kind(error), "unexpected error kind: \(error)", file: file, line: line)
        for f in fragments {
            XCTAssertTrue(error.description.contains(f), "'\(error.description)' does not contain '\(f)'", file: file, line: line)
        }
    } catch {
        XCTFail("not an EngineError: \(error)", file: file, line: line)
    }
}

func isState(_ e: EngineError) -> Bool { if case .state = e { return true }; return false }

func readJSONFile(_ path: String) throws -> JSONValue { try JSONValue.parse(try readWholeFile(path)) }

func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

func readTextFile(_ path: String) throws -> String { String(decoding: try readWholeFile(path), as: UTF8.self) }

/// Checks what every completed run folder holds and returns its log text: config.json with the run's
/// class, log.txt, history.json with one entry per epoch, the snapshot with its metadata, roc.json when
/// the run has an AUC.
@discardableResult
func checkRunFolder(_ result: RunResult, config: JSONValue, epochs: Int, net: String,
                    file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let dir = result.directory
    XCTAssertTrue(dir.hasSuffix("normal_\(result.nominalClass)/it_\(result.iteration)"), dir, file: file, line: line)

    let runConfig = try readJSONFile(dir + "/config.json")
    XCTAssertEqual(runConfig["run"]?["nominal_class"]?.intValue, result.nominalClass, file: file, line: line)
    XCTAssertEqual(runConfig["run"]?["class_name"]?.stringValue, result.className, file: file, line: line)
    XCTAssertEqual(runConfig["net"]?.stringValue, net, file: file, line: line)
    XCTAssertEqual(runConfig["dataset"]?.stringValue, config["dataset"]?.stringValue, file: file, line: line)
    XCTAssertNotNil(runConfig["run"]?["engine_version"]?.stringValue, file: file, line: line)
    // The run's config.json is a complete settings file: resolving it again gives the same settings.
    XCTAssertEqual(try experimentSettings(runConfig).json(.experiment), try experimentSettings(config).json(.experiment), file: file, line: line)

    let history = try readJSONFile(dir + "/history.json")
    for key in ["loss", "loss_std", "lr", "seconds", "data_seconds", "images"] {
        XCTAssertEqual(history[key]?.arrayValue?.count, epochs, "history.json \(key)", file: file, line: line)
    }
    for loss in history["loss"]?.arrayValue ?? [] {
        XCTAssertTrue(loss.doubleValue.map { $0.isFinite && $0 >= 0 } ?? false, "loss \(loss)", file: file, line: line)
    }

    let (info, weights) = try Snapshot.read(path: dir + "/snapshot.safetensors")
    XCTAssertEqual(info.network, net, file: file, line: line)
    XCTAssertEqual(info.completedEpochs, epochs, file: file, line: line)
    XCTAssertEqual(info.extra["dataset"]?.stringValue, config["dataset"]?.stringValue, file: file, line: line)
    XCTAssertEqual(info.extra["nominal_class"]?.intValue, result.nominalClass, file: file, line: line)
    XCTAssertEqual(info.extra["class_name"]?.stringValue, result.className, file: file, line: line)
    XCTAssertNotEqual(info.preprocessing, .null, "the snapshot must describe the test preprocessing", file: file, line: line)
    XCTAssertFalse(weights.entries.isEmpty, file: file, line: line)

    let log = try readTextFile(dir + "/log.txt")
    XCTAssertTrue(log.contains("##### NET RECEPTION"), file: file, line: line)
    if let auc = result.auc {
        XCTAssertTrue((0...1).contains(auc), "AUC \(auc)", file: file, line: line)
        let roc = try readJSONFile(dir + "/roc.json")
        XCTAssertEqual(roc["auc"]?.doubleValue, auc, file: file, line: line)
        XCTAssertTrue(log.contains("##### ROC TEST SCORE \(auc) #####"), file: file, line: line)
        let points = roc["fpr"]?.arrayValue?.count ?? 0
        XCTAssertTrue(points >= 2 && roc["tpr"]?.arrayValue?.count == points && roc["ths"]?.arrayValue?.count == points,
                      "roc.json curve", file: file, line: line)
        for picture in ["roc_curve.png", "err.png", "ds_preview.png", "heatmaps_paper_local_lbl0.png",
                        "heatmaps_paper_global_lbl1.png"] {
            XCTAssertNoThrow(try PNGImage.read(path: dir + "/" + picture), picture, file: file, line: line)
        }
    } else {
        XCTAssertFalse(fileExists(dir + "/roc.json"), file: file, line: line)
    }
    if let pixel = result.pixelAUC {
        XCTAssertTrue((0...1).contains(pixel), "pixel AUC \(pixel)", file: file, line: line)
        XCTAssertTrue(log.contains("##### GTMAP ROC TEST SCORE \(pixel) #####"), file: file, line: line)
        XCTAssertNoThrow(try PNGImage.read(path: dir + "/gtmap_roc_curve.png"), file: file, line: line)
    } else {
        XCTAssertFalse(log.contains("GTMAP ROC TEST SCORE"), file: file, line: line)
    }
    return log
}

/// Checks summary.json (on disk and returned) against the runs.
func checkSummary(_ outcome: ExperimentOutcome, logdir: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let onDisk = try readJSONFile(logdir + "/summary.json")
    XCTAssertEqual(onDisk, outcome.summary, file: file, line: line)
    let classes = outcome.summary["classes"]?.arrayValue ?? []
    let classOrder = outcome.results.reduce(into: [Int]()) { if !$0.contains($1.nominalClass) { $0.append($1.nominalClass) } }
    XCTAssertEqual(classes.compactMap { $0["class"]?.intValue }, classOrder, file: file, line: line)
    var means = [Double]()
    for entry in classes {
        let c = entry["class"]?.intValue ?? -1
        let runs = outcome.results.filter { $0.nominalClass == c }
        XCTAssertEqual(entry["class_name"]?.stringValue, runs.first?.className, file: file, line: line)
        XCTAssertEqual(entry["runs"]?.arrayValue?.compactMap { $0["auc"]?.doubleValue }, runs.compactMap { $0.auc }, file: file, line: line)
        let aucs = runs.compactMap { $0.auc }
        if !aucs.isEmpty {
            let mean = aucs.reduce(0, +) / Double(aucs.count)
            XCTAssertEqual(entry["auc"]?["mean"]?.doubleValue ?? -1, mean, accuracy: 1e-12, file: file, line: line)
            XCTAssertEqual(entry["auc"]?["n"]?.intValue, aucs.count, file: file, line: line)
            means.append(mean)
        }
        let pixels = runs.compactMap { $0.pixelAUC }
        XCTAssertEqual(entry["pixel_auc"] == .null, pixels.isEmpty, file: file, line: line)
    }
    if means.isEmpty {
        XCTAssertEqual(outcome.summary["mean"], .null, file: file, line: line)
    } else {
        XCTAssertEqual(outcome.summary["mean"]?["auc"]?.doubleValue ?? -1, means.reduce(0, +) / Double(means.count),
                       accuracy: 1e-12, file: file, line: line)
    }
}

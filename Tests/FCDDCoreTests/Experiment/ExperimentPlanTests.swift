import Foundation
import XCTest
@testable import FCDDCore

/// The plan of experiments and grids: folders, seeds, states of earlier starts, the grid's checks, and
/// the resume folder, all made in the engine.
final class ExperimentPlanTests: XCTestCase {
    private func request(_ settings: [(String, JSONValue)], grid: JSONValue? = nil, resume: JSONValue = .bool(false),
                         maxRuns: Int? = nil) throws -> PlanRequest {
        var fields: [(String, JSONValue)] = [("settings", .object(settings)), ("resume", resume)]
        if let grid = grid { fields.append(("grid", grid)) }
        if let n = maxRuns { fields.append(("max_runs", .number(Double(n)))) }
        return try PlanRequest(json: .object(fields))
    }

    private func small(_ logdir: String) -> [(String, JSONValue)] {
        [("dataset", .string("synthetic")), ("classes", .array([.number(0), .number(2)])), ("it", .number(2)),
         ("logdir", .string(logdir))]
    }

    func testAGridIsTheProductOfItsListsTimesClassesAndRepetitions() throws {
        let root = try makeTemporaryDirectory(self)
        let grid: JSONValue = .object([("lr", .array([.number(0.01), .number(1e-05)])), ("gauss_std", .array([.number(8), .number(12.5)]))])
        let plan = try ExperimentPlan.make(try request(small(root + "/g"), grid: grid))
        XCTAssertEqual(plan.directory, root + "/g")
        XCTAssertEqual(plan.varied, ["lr", "gauss_std"])
        XCTAssertEqual(plan.combinations.map(\.name), ["00_lr=0.01_gauss_std=8", "01_lr=0.01_gauss_std=12.5",
                                                       "02_lr=1e-05_gauss_std=8", "03_lr=1e-05_gauss_std=12.5"])
        XCTAssertEqual(plan.runs.count, 4 * 2 * 2)
        let last = try XCTUnwrap(plan.runs.last)
        XCTAssertEqual(last.key, "03_lr=1e-05_gauss_std=12.5/normal_2/it_1")
        XCTAssertEqual(last.directory, root + "/g/03_lr=1e-05_gauss_std=12.5/normal_2/it_1")
        XCTAssertEqual(plan.combinations[3].settings.settings.learningRate, 1e-05)
        XCTAssertEqual(last.seed, plan.combinations[3].settings.settings.runSeed(iteration: 1))
        XCTAssertTrue(plan.runs.allSatisfy { $0.state == .new })
    }

    func testStatesComeFromTheRunFoldersFiles() throws {
        let root = try makeTemporaryDirectory(self)
        let first = try ExperimentPlan.make(try request(small(root + "/e")))
        XCTAssertEqual(first.runs.map(\.key), ["normal_0/it_0", "normal_0/it_1", "normal_2/it_0", "normal_2/it_1"])
        try createDirectories(first.runs[0].directory)
        try createDirectories(first.runs[1].directory)
        try writeFileAtomically(Array("{}".utf8), to: first.runs[0].directory + "/result.json")
        try writeFileAtomically([0], to: first.runs[1].directory + "/snapshot.safetensors")
        let again = try ExperimentPlan.make(try request(small(root + "/e"), resume: .bool(true)))
        XCTAssertEqual(again.runs.map(\.state), [.finished, .partial, .new, .new])
    }

    func testResumeRefusesOtherSettingsButNotOtherExecutionSettings() throws {
        let root = try makeTemporaryDirectory(self)
        let plan = try ExperimentPlan.make(try request(small(root + "/e")))
        let run = plan.runs[0]
        try createDirectories(run.directory)
        try writeJSONFile(plan.combinations[0].settings.json, to: run.directory + "/config.json")
        let sameButThreads = small(root + "/e") + [("threads", .number(1)), ("overwrite", .bool(true))]
        XCTAssertNoThrow(try ExperimentPlan.make(try request(sameButThreads, resume: .string(root + "/e"))))
        XCTAssertThrowsError(try ExperimentPlan.make(try request(small(root + "/e") + [("lr", .number(0.5))], resume: .bool(true)))) {
            XCTAssertTrue("\($0)".contains("was run with lr=0.01, this command has lr=0.5"), "\($0)")
        }
    }

    func testOnlyContentSettingsAreVaried() throws {
        for name in ["logdir", "threads", "classes", "it", "load", "overwrite", "logdir_suffix"] {
            XCTAssertThrowsError(try GridSpec(json: .object([(name, .array([.null]))]))) {
                XCTAssertTrue("\($0)".contains("cannot be varied"), "\(name): \($0)")
            }
        }
        XCTAssertThrowsError(try GridSpec(json: .object([("lrr", .array([.number(1)]))]))) {
            XCTAssertTrue("\($0)".contains("'lrr' is not an experiment setting; did you mean 'lr'?"), "\($0)")
        }
        XCTAssertThrowsError(try GridSpec(json: .object([("lr", .array([]))])))
        XCTAssertThrowsError(try GridSpec(json: .array([])))
    }

    func testAHugeGridIsCountedBeforeAnythingIsMade() throws {
        let root = try makeTemporaryDirectory(self)
        let hundred = JSONValue.array((0..<100).map { .number(Double($0)) })
        let names = ["lr", "gauss_std", "weight_decay", "epochs", "batch_size", "acc_batches"]
        let started = Date()
        XCTAssertThrowsError(try ExperimentPlan.make(try request(small(root + "/g"), grid: .object(names.map { ($0, hundred) })))) {
            XCTAssertTrue("\($0)".contains("the grid has 1e+12 combinations x 1 runs each = 1e+12 runs, more than the limit of 10000"), "\($0)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        XCTAssertThrowsError(try ExperimentPlan.make(try request(small(root + "/g"), maxRuns: 3))) {
            XCTAssertTrue("\($0)".contains("1 combinations x 4 runs each = 4 runs, more than the limit of 3"), "\($0)")
        }
        XCTAssertFalse(pathExists(root + "/g"))
    }

    func testCountsAndFolderValuesAreWrittenAsUsersTypeThem() {
        XCTAssertEqual(ExperimentPlan.countText(36), "36")
        XCTAssertEqual(ExperimentPlan.countText(1e12), "1e+12")
        XCTAssertEqual(ExperimentPlan.countText(2.5e15), "2.5e+15")
        XCTAssertEqual(ExperimentPlan.countText(9.999e6), "1e+07")
        XCTAssertEqual(GridSpec.folderValue(.number(8)), "8")
        XCTAssertEqual(GridSpec.folderValue(.number(0.001)), "0.001")
        XCTAssertEqual(GridSpec.folderValue(.array([.bool(true), .null, .string("ü/x y")])), "true-none--x-y")
        XCTAssertEqual(GridSpec.folderValue(.string("..")), "..")
        let long = GridSpec.folderName(index: 123, values: [("readme", .string(String(repeating: "a", count: 300)))])
        XCTAssertEqual(long.count, 200)
        XCTAssertTrue(long.hasPrefix("123_readme=aaa"))
    }

    func testResumeFindsTheNewestTimestampedFolder() throws {
        let root = try makeTemporaryDirectory(self)
        for name in ["g_20200101000000_synthetic_", "g_20991231000000_synthetic_", "other_20990101000000_synthetic_"] {
            try createDirectories(root + "/" + name)
        }
        XCTAssertEqual(try ResumeFolder.find(given: nil, pattern: root + "/g_{t}_synthetic_"), root + "/g_20991231000000_synthetic_")
        XCTAssertThrowsError(try ResumeFolder.find(given: nil, pattern: root + "/h_{t}")) {
            XCTAssertTrue("\($0)".contains("no earlier run matches \(root)/h_*"), "\($0)")
        }
        XCTAssertThrowsError(try ResumeFolder.find(given: root + "/missing", pattern: ""))
        XCTAssertTrue(ResumeFolder.matchesTimestamped("a_1_b_2", "a_{t}_b_{t}"))
        XCTAssertFalse(ResumeFolder.matchesTimestamped(".hidden", "{t}"))
        XCTAssertFalse(ResumeFolder.matchesTimestamped("ab", "a{t}bc"))
    }
}

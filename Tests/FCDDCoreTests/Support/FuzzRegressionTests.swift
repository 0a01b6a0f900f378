import XCTest
import FuzzReaders
@testable import FCDDCore

/// Every reader on the fuzz seeds (Fuzz/Corpus) and on every input that ever crashed a fuzz harness
/// (Fixtures/fuzz-regressions/<harness>/): none may trap. The engine's own attacks are here too, written
/// by the tests that found them, so that they stay fixed.
final class FuzzRegressionTests: XCTestCase {
    func files(in folder: String) -> [String] {
        ((try? DirectoryListing.files(of: folder)) ?? []).map { DirectoryListing.join(folder, $0) }
    }

    func testEveryReaderSurvivesItsSeedsAndRegressions() throws {
        let repository = fixturePath("").components(separatedBy: "/Tests/FCDDCoreTests/Fixtures")[0]
        var fed = 0
        for harness in FuzzReaders.names {
            let inputs = files(in: "\(repository)/Fuzz/Corpus/\(harness)") + files(in: fixturePath("fuzz-regressions/\(harness)"))
            XCTAssertFalse(inputs.isEmpty, "no seeds for \(harness)")
            for path in inputs {
                let bytes = try readWholeFile(path)
                FuzzReaders.feed(harness, bytes)
                // Cut and flipped versions of every seed reach the error paths.
                FuzzReaders.feed(harness, Array(bytes.prefix(bytes.count / 2)))
                FuzzReaders.feed(harness, bytes.enumerated().map { $0.offset % 7 == 3 ? $0.element ^ 0xA5 : $0.element })
                fed += 3
            }
        }
        XCTAssertGreaterThan(fed, 3 * FuzzReaders.names.count)
    }

    /// Package.swift and scripts/fuzz.sh build one harness per folder of Fuzz/Harnesses; each must be a
    /// reader that FuzzReaders knows, and every reader must have its harness.
    func testEveryHarnessFolderIsAKnownReader() throws {
        let repository = fixturePath("").components(separatedBy: "/Tests/FCDDCoreTests/Fixtures")[0]
        let folders = try FileManager.default.contentsOfDirectory(atPath: "\(repository)/Fuzz/Harnesses")
        XCTAssertEqual(Set(folders), Set(FuzzReaders.names))
    }
}

import XCTest
@testable import FCDDCore

/// The float64 values of a safetensors entry, bit-exact (`SafeTensorEntry.floats()` rounds to Float).
func doubles(_ file: SafeTensorsFile, _ name: String, file testFile: StaticString = #filePath, line: UInt = #line) -> [Double] {
    guard let entry = file[name], entry.dtype == .f64 else {
        XCTFail("missing float64 entry \(name)", file: testFile, line: line)
        return []
    }
    return entry.bytes.withUnsafeBytes { raw in
        (0..<(entry.bytes.count / 8)).map {
            Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))
        }
    }
}

/// A fresh temporary directory for files a test writes.
func makeTemporaryDirectory(_ prefix: String = "fcdd-eval") -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { buffer -> String in
        guard let made = mkdtemp(buffer.baseAddress!) else { fatalError("mkdtemp failed") }
        return String(cString: made)
    }
}

/// Asserts that evaluating `body` throws an `EngineError` whose message contains `fragment`.
func assertThrowsEngineError<T>(_ body: @autoclosure () throws -> T, containing fragment: String,
                                file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error containing '\(fragment)'", file: file, line: line)
    } catch let error as EngineError {
        XCTAssertTrue(error.description.contains(fragment), "message '\(error)' lacks '\(fragment)'", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}

// Writers for the dataset formats, used by the format reader tests to produce real files: gzip through
// zlib's deflate, JPEG through TurboJPEG, IDX and CIFAR binary records byte by byte.
import XCTest
import CZlib
import CTurboJPEG
@testable import FCDDCore

/// `mkdir -p`.
func makeFormatTestDirectories(_ path: String) {
    var prefix = ""
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        prefix += "/" + part
        mkdir(prefix, 0o755)
    }
}

/// Writes `bytes` to `dir/relative`, creating the folders on the way; returns the path.
@discardableResult
func writeFormatTestFile(_ bytes: [UInt8], _ dir: String, _ relative: String) throws -> String {
    let path = dir + "/" + relative
    makeFormatTestDirectories(String(path[..<path.lastIndex(of: "/")!]))
    try writeFileAtomically(bytes, to: path)
    return path
}

/// A gzip member of `data` (deflate with windowBits 15 + 16 selects the gzip wrapper).
func gzipBytes(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
    var stream = z_stream()
    precondition(deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                               zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    defer { deflateEnd(&stream) }
    var input = data
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(data.count))) + 32)
    let produced = input.withUnsafeMutableBufferPointer { inp in
        out.withUnsafeMutableBufferPointer { outp -> Int in
            stream.next_in = inp.baseAddress
            stream.avail_in = UInt32(inp.count)
            stream.next_out = outp.baseAddress
            stream.avail_out = UInt32(outp.count)
            precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
            return outp.count - Int(stream.avail_out)
        }
    }
    return Array(out[0..<produced])
}

/// An unsigned-byte IDX file: magic 0x0000_08<rank>, big-endian sizes, values.
func idxBytes(dimensions: [Int], values: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
    for d in dimensions { out += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    return out + values
}

/// Encodes interleaved pixels with TurboJPEG (`format` TJPF_GRAY, TJPF_RGB or TJPF_CMYK).
func encodeJPEG(_ pixels: [UInt8], width: Int, height: Int, format: TJPF, subsampling: TJSAMP,
                quality: Int32 = 95) -> [UInt8] {
    let handle = tjInitCompress()!
    defer { tjDestroy(handle) }
    var buffer: UnsafeMutablePointer<UInt8>? = nil
    var size: UInt = 0
    let status = pixels.withUnsafeBufferPointer {
        tjCompress2(handle, $0.baseAddress, Int32(width), 0, Int32(height), Int32(format.rawValue), &buffer, &size,
                    Int32(subsampling.rawValue), quality, 0)
    }
    precondition(status == 0, String(cString: tjGetErrorStr2(handle)))
    defer { tjFree(buffer) }
    return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
}

/// Asserts that `body` throws an EngineError whose message contains every one of `parts`.
func assertReaderError<T>(_ body: @autoclosure () throws -> T, contains parts: [String],
                          file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error containing \(parts)", file: file, line: line)
    } catch let error as EngineError {
        for part in parts where !error.description.contains(part) {
            XCTFail("error \"\(error.description)\" does not contain \"\(part)\"", file: file, line: line)
        }
    } catch {
        XCTFail("unexpected error type: \(error)", file: file, line: line)
    }
}

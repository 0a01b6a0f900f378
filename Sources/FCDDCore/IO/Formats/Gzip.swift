// gzip decompression through zlib's inflate, for the `.gz` files of the MNIST family (torchvision keeps
// both the `.gz` download and the extracted file; either may be present). Follows Python's `gzip` module:
// several concatenated members are one stream, zero padding after the last member is ignored, anything
// else after it is an error.
import CZlib

/// The largest decompressed size `gunzip` produces unless told otherwise (2 GiB): far above any dataset
/// file it is used for, low enough that a corrupt size field cannot exhaust memory.
public let defaultGunzipLimit = 1 << 31

/// Whether `bytes` start with the gzip magic number (RFC 1952: 0x1f 0x8b).
public func isGzip(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
}

/// Decompresses a gzip stream (one or more members). `source` names the data in error messages.
/// Throws `EngineError.format` for data that is not gzip, corrupt, truncated, or larger than `limit` bytes
/// (`limitReason` says where the limit comes from). With `prefixOnly` the first `limit` bytes are returned
/// instead (fewer if the data is shorter), for reading a header before deciding how much to inflate.
public func gunzip(_ bytes: [UInt8], source: String, limit: Int = defaultGunzipLimit,
                   limitReason: String? = nil, prefixOnly: Bool = false) throws -> [UInt8] {
    guard isGzip(bytes) else { throw EngineError.format("\(source): not a gzip file (bad magic number)") }
    // The last 4 bytes (ISIZE) hold the size modulo 2^32 of the last member: a good first guess.
    let hint = bytes.count >= 18 ? bytes[(bytes.count - 4)...].reversed().reduce(0) { $0 << 8 | Int($1) } : 0
    // Deflate expands at most ~1032x, so a larger claim is corrupt and must not drive the allocation.
    // One byte of room past the limit: zlib may fill the output exactly and only see the end of the stream
    // on the next call, and a stream that does produce that byte is over the limit.
    let capacity = prefixOnly ? limit : limit + 1
    let guess = prefixOnly ? limit : min(max(hint, 4 * bytes.count, 1024), 1032 * bytes.count, capacity)
    try CheckedAllocation.reserve(bytes: guess, what: "\(source): inflating")
    var output = [UInt8](repeating: 0, count: guess)
    var produced = 0
    var stream = z_stream()
    // 15 + 32: largest window, zlib detects the gzip header itself.
    guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw EngineError.format("\(source): zlib cannot initialise inflate")
    }
    defer { inflateEnd(&stream) }
    var consumed = 0
    try bytes.withUnsafeBufferPointer { input in
        memberLoop: while true {
            // One member: feed input in chunks (avail_in is 32-bit), grow the output as needed.
            var status = Z_OK
            while status != Z_STREAM_END {
                if produced == output.count {
                    if prefixOnly && produced == limit { return }
                    guard output.count < capacity else {
                        throw EngineError.format("\(source): decompressed data exceeds \(limitReason ?? "the limit of \(limit) bytes")")
                    }
                    let growth = max(1, min(output.count, capacity - output.count))
                    // Growing copies the output into a new buffer: both must fit, or it is an error, not an abort.
                    try CheckedAllocation.reserve(bytes: output.count + growth, what: "\(source): inflating past \(output.count) bytes")
                    output.append(contentsOf: repeatElement(0, count: growth))
                }
                let inChunk = min(input.count - consumed, Int(UInt32.max))
                let outChunk = min(output.count - produced, Int(UInt32.max))
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                stream.avail_in = UInt32(inChunk)
                status = output.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = UInt32(outChunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                consumed += inChunk - Int(stream.avail_in)
                produced += outChunk - Int(stream.avail_out)
                switch status {
                case Z_OK, Z_STREAM_END:
                    continue
                case Z_BUF_ERROR where stream.avail_out == 0:
                    continue  // output full: grown at the top of the loop
                case Z_BUF_ERROR:
                    throw EngineError.format("\(source): gzip data is truncated (after \(bytes.count) bytes)")
                default:
                    let why = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw EngineError.format("\(source): corrupt gzip data (\(why))")
                }
            }
            let rest = input[consumed...]
            if rest.allSatisfy({ $0 == 0 }) { break memberLoop }
            guard rest.count >= 2, rest[consumed] == 0x1F, rest[consumed + 1] == 0x8B else {
                throw EngineError.format("\(source): unexpected data after the end of the gzip stream")
            }
            guard inflateReset(&stream) == Z_OK else { throw EngineError.format("\(source): zlib cannot reset inflate") }
        }
    }
    guard produced <= limit else {
        throw EngineError.format("\(source): decompressed data exceeds \(limitReason ?? "the limit of \(limit) bytes")")
    }
    output.removeSubrange(produced...)
    return output
}

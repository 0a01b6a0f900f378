// Whole-file reads and atomic writes: a file is written under a temporary name in the same directory,
// synced and renamed over the target, so a crash never leaves a truncated file behind.
#if canImport(Glibc)
import Glibc
#endif

private func reason() -> String { String(cString: strerror(errno)) }

/// Reads a whole file.
public func readWholeFile(_ path: String) throws -> [UInt8] {
    guard let f = fopen(path, "rb") else { throw EngineError.io("\(path): cannot open (\(reason()))") }
    defer { fclose(f) }
    var st = stat()
    guard fstat(fileno(f), &st) == 0 else { throw EngineError.io("\(path): cannot stat (\(reason()))") }
    guard (st.st_mode & S_IFMT) == S_IFREG else { throw EngineError.io("\(path): not a regular file") }
    let size = Int(st.st_size)
    try CheckedAllocation.reserve(bytes: size, what: "reading \(path)")
    var bytes = [UInt8](repeating: 0, count: size)
    let got = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, size, f) }
    guard got == size else { throw EngineError.io("\(path): read \(got) of \(size) bytes (\(reason()))") }
    return bytes
}

/// Writes `bytes` to `path` atomically (temporary file + fsync + rename + fsync of the folder): a crash
/// or kill at any moment leaves either the previous file or the new one, whole.
public func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
    let tmp = "\(path).tmp-\(getpid())"
    guard let f = fopen(tmp, "wb") else { throw EngineError.io("\(path): cannot write (\(reason()))") }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, f) }
    let flushed = fflush(f) == 0 && fsync(fileno(f)) == 0
    let why = reason()
    fclose(f)
    guard written == bytes.count, flushed else {
        unlink(tmp)
        throw EngineError.io("\(path): write failed (\(why))")
    }
    guard rename(tmp, path) == 0 else {
        let why = reason()
        unlink(tmp)
        throw EngineError.io("\(path): cannot rename the temporary file into place (\(why))")
    }
    syncFolder(of: path)
}

/// Makes a rename in `path`'s folder durable (best effort: some file systems refuse to sync folders).
func syncFolder(of path: String) {
    let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
    let fd = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
}

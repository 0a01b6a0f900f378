// Whole-file reads (writes: AtomicFile.swift).
#if canImport(Glibc)
import Glibc
#endif

private func reason() -> String { String(cString: strerror(errno)) }

/// Reads a whole file. Only a regular file is read: the file is opened without blocking and checked
/// before any byte is read, so a FIFO or a device under an image's name is an error instead of a read that
/// waits for ever (opening a FIFO for reading blocks until someone writes to it).
public func readWholeFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { throw EngineError.io("\(path): cannot open (\(reason()))") }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw EngineError.io("\(path): cannot stat (\(reason()))") }
    guard (st.st_mode & S_IFMT) == S_IFREG else {
        throw EngineError.io("\(path): not a regular file (\(describeKind(st.st_mode))); only regular files are read")
    }
    let size = Int(st.st_size)
    try CheckedAllocation.reserve(bytes: size, what: "reading \(path)")
    var bytes = [UInt8](repeating: 0, count: size)
    var got = 0
    while got < size {
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, size - got) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else {
            throw EngineError.io("\(path): read \(got) of \(size) bytes (\(n < 0 ? reason() : "the file shrank while it was read"))")
        }
        got += n
    }
    return bytes
}

/// "a FIFO", "a directory", ... for messages about what a path is instead of a regular file.
func describeKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFDIR: return "a directory"
    case S_IFIFO: return "a FIFO"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFSOCK: return "a socket"
    case S_IFLNK: return "a symbolic link"
    default: return "not a regular file"
    }
}

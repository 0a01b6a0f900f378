// Creating output folders (mkdir -p) with errors that say which part of the path failed and why, and
// absolute paths by name.
#if canImport(Glibc)
import Glibc
#endif

/// Creates `path` and missing parents; succeeds when it already is a directory.
public func createDirectories(_ path: String) throws {
    guard !path.isEmpty else { throw EngineError.invalidArgument("empty directory path") }
    var prefix = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        prefix += part
        var st = stat()
        if stat(prefix, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw EngineError.io("\(prefix) exists and is not a directory") }
        } else if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
            throw EngineError.io("cannot create directory \(prefix) (\(String(cString: strerror(errno))))")
        }
        prefix += "/"
    }
    guard access(path, W_OK) == 0 else {
        throw EngineError.io("directory \(path) is not writable (\(String(cString: strerror(errno))))")
    }
}

/// Whether something exists at `path`.
public func pathExists(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0
}

/// Appends text to a file (created if missing); used for log files, which are written line by line so
/// that an interrupted run keeps everything logged so far. A symbolic link at `path` is not followed (a
/// link planted in a run folder must not make the log land in another file).
public func appendToFile(_ text: String, path: String) throws {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
        let why = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
        throw EngineError.io("\(path): cannot open for appending (\(why))")
    }
    defer { close(fd) }
    try writeAll(fd, Array(text.utf8), at: nil, path: path)
}

/// The components of `path` made absolute (against the working folder) with `.` and `..` resolved by
/// name, as Python's os.path.abspath does (links are not followed).
public func absolutePathComponents(_ path: String) -> [String] {
    var full = path
    if !path.hasPrefix("/") {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        if getcwd(&buffer, buffer.count) != nil { full = String(cString: buffer) + "/" + path }
    }
    var parts = [String]()
    for part in full.split(separator: "/") {
        if part == "." { continue }
        if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
        parts.append(String(part))
    }
    return parts
}

/// `path` made absolute with `.` and `..` resolved by name.
public func absolutePath(_ path: String) -> String { "/" + absolutePathComponents(path).joined(separator: "/") }

// Creating output folders (mkdir -p) with errors that say which part of the path failed and why.
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
/// that an interrupted run keeps everything logged so far.
public func appendToFile(_ text: String, path: String) throws {
    guard let f = fopen(path, "ab") else { throw EngineError.io("\(path): cannot open for appending (\(String(cString: strerror(errno))))") }
    defer { fclose(f) }
    let bytes = Array(text.utf8)
    guard fwrite(bytes, 1, bytes.count, f) == bytes.count else { throw EngineError.io("\(path): write failed") }
}

// Every file the library writes (models, snapshots, safetensors, exports, pictures, JSON, CSV, the MVTec-AD
// cache; Python's writers call it through `fcdd_write_file`) goes through AtomicFileWriter:
//  * the bytes go to a fresh temporary name in the target's folder, created with O_CREAT|O_EXCL|O_NOFOLLOW
//    and a random part, so a link planted at a predictable name is never followed and two writers never
//    share a temporary file;
//  * the file is synced, then renamed over the target (or, when replacing is not allowed, linked to it,
//    which fails if the target exists: no check-then-write race), and the folder is synced;
//  * a crash or kill at any moment leaves the old file or the new one, whole, plus at most a temporary
//    file, which the next write into that folder removes once its process is gone.
#if canImport(Glibc)
import Glibc
#endif

private func reason() -> String { String(cString: strerror(errno)) }

/// A file being written under a temporary name until `commit`; without a commit the temporary file is
/// removed when the writer goes away.
public final class AtomicFileWriter {
    public let path: String
    let temporaryPath: String
    private(set) var fd: Int32
    private var committed = false

    /// Temporary names are `.<name>.fcdd-tmp-<host>-<pid>-<random>`: hidden, and telling which process of
    /// which machine made them (a shared folder may be written from several machines).
    static let marker = ".fcdd-tmp-"

    /// Creates the temporary file next to `path`. `path`'s folder must exist.
    public init(path: String) throws {
        guard !path.isEmpty, !path.hasSuffix("/") else { throw EngineError.invalidArgument("'\(path)' is not a file path") }
        self.path = path
        let (folder, name) = splitPath(path)
        removeAbandonedTemporaryFiles(in: folder)
        var created: (String, Int32)?
        for _ in 0..<8 {   // a clash of 64 random bits is not expected; a few tries cover a planted name
            let candidate = DirectoryListing.join(folder, ".\(name)\(AtomicFileWriter.marker)\(hostTag())-\(getpid())-\(randomTag())")
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 { created = (candidate, fd); break }
            guard errno == EEXIST else { throw EngineError.io("\(path): cannot create a file in \(folder) (\(reason()))") }
        }
        guard let (temporary, fd) = created else { throw EngineError.io("\(path): cannot create a temporary file in \(folder)") }
        self.temporaryPath = temporary
        self.fd = fd
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(temporaryPath) }
    }

    /// Writes `bytes` at byte `offset` (a whole file at 0; parts produced out of order at theirs).
    public func write(_ bytes: [UInt8], at offset: Int) throws {
        try writeAll(fd, bytes, at: offset, path: path)
    }

    /// Sets the file's size (a file whose parts are written at fixed offsets).
    public func resize(to size: Int) throws {
        guard ftruncate(fd, off_t(size)) == 0 else { throw EngineError.io("\(path): cannot size the file (\(reason()))") }
    }

    /// Syncs the file and puts it at `path`. With `replacing` false an existing `path` is an error
    /// (`.exists`) and stays as it was.
    public func commit(replacing: Bool = true) throws {
        guard fsync(fd) == 0 else { throw EngineError.io("\(path): cannot sync (\(reason()))") }
        guard close(fd) == 0 else { fd = -1; throw EngineError.io("\(path): write failed (\(reason()))") }
        fd = -1
        if replacing {
            guard rename(temporaryPath, path) == 0 else {
                throw EngineError.io("\(path): cannot move the new file into place (\(reason()))")
            }
        } else {
            // link(2) refuses an existing target atomically; the temporary name is then removed.
            guard link(temporaryPath, path) == 0 else {
                if errno == EEXIST { throw EngineError.exists("\(path) already exists; it was left as it was") }
                throw EngineError.io("\(path): cannot put the new file in place (\(reason()))")
            }
            unlink(temporaryPath)
        }
        committed = true
        syncFolder(of: path)
    }
}

/// Writes `bytes` to `path` through an AtomicFileWriter. `replacing` false: an existing file is an error.
public func writeFileAtomically(_ bytes: [UInt8], to path: String, replacing: Bool = true) throws {
    let writer = try AtomicFileWriter(path: path)
    try writer.write(bytes, at: 0)
    try writer.commit(replacing: replacing)
}

/// Writes all of `bytes` to `fd`: at `offset`, or with nil where the descriptor stands (an O_APPEND log).
func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int?, path: String) throws {
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { buffer in
            offset.map { pwrite(fd, buffer.baseAddress! + done, bytes.count - done, off_t($0 + done)) }
                ?? Glibc.write(fd, buffer.baseAddress! + done, bytes.count - done)
        }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { throw EngineError.io("\(path): write failed (\(reason()))") }
        done += n
    }
}

/// Makes a rename in `path`'s folder durable (best effort: some file systems refuse to sync folders).
func syncFolder(of path: String) {
    let fd = open(splitPath(path).folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
}

/// Removes the temporary files in `folder` that processes of this machine left when they were killed
/// during a write (their process no longer exists). Best effort: a folder that cannot be read is left.
func removeAbandonedTemporaryFiles(in folder: String) {
    guard let dir = opendir(folder) else { return }
    defer { closedir(dir) }
    let prefix = "\(AtomicFileWriter.marker)\(hostTag())-"
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: &entry.pointee.d_name) {
            String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
        }
        guard name.hasPrefix("."), let rest = text(after: prefix, in: name)?.split(separator: "-") else { continue }
        guard rest.count == 2, let pid = Int32(rest[0]), pid > 0, pid != getpid() else { continue }
        if kill(pid, 0) != 0 && errno == ESRCH { unlink(DirectoryListing.join(folder, name)) }
    }
}

/// What follows the first `needle` in `text`, nil without one.
private func text(after needle: String, in text: String) -> Substring? {
    let n = Array(needle.utf8), t = Array(text.utf8)
    guard n.count <= t.count else { return nil }
    for start in 0...(t.count - n.count) where t[start..<(start + n.count)].elementsEqual(n) {
        return Substring(String(decoding: t[(start + n.count)...], as: UTF8.self))
    }
    return nil
}

func splitPath(_ path: String) -> (folder: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let folder = String(path[..<slash])
    return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
}

/// This machine's name, with '-' and '/' replaced (they separate the parts of a temporary name).
private func hostTag() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "host" }
    let name = String(cString: buffer).map { $0 == "-" || $0 == "/" ? "_" : $0 }
    return name.isEmpty ? "host" : String(name.prefix(64))
}

private func randomTag() -> String {
    var generator = SystemRandomNumberGenerator()
    return String(generator.next() as UInt64, radix: 16)
}

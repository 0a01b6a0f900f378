// Directory walking for the folder datasets, with Glibc only (the engine links no Foundation).
// Listings are sorted by the bytes of the UTF-8 names, which is Python's `sorted()` order for str, so
// traversals visit files in the order of the original's `sorted(os.listdir(...))` / `sorted(os.walk(...))`.
// Hidden entries (names starting with ".", e.g. .DS_Store) are skipped: the original would try to read
// them as images and fail.
#if canImport(Glibc)
import Glibc
#endif

/// What a path points to (symbolic links are followed, like Python's `os.path.isdir`).
public enum FileKind: Equatable {
    case missing, directory, regularFile, other
}

/// Sorted, error-checked directory listings.
public enum DirectoryListing {
    /// `a/b` without doubling the separator.
    public static func join(_ base: String, _ name: String) -> String {
        if base.isEmpty { return name }
        if name.isEmpty { return base }
        return base.hasSuffix("/") ? base + name : base + "/" + name
    }

    /// Python's `str` ordering: code point order, which equals the byte order of UTF-8.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    public static func kind(of path: String) -> FileKind {
        var st = stat()
        guard stat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regularFile
        default: return .other
        }
    }

    /// Size in bytes of a regular file, nil if it is missing or not a regular file.
    public static func fileSize(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    /// Names in a directory (no "." / "..", no hidden entries), sorted. Throws `.notFound` when the
    /// directory does not exist, `.io` when it is a file or cannot be read; `what` names it in messages.
    public static func entries(of path: String, what: String = "folder") throws -> [String] {
        switch kind(of: path) {
        case .missing: throw EngineError.notFound("\(what) not found: \(path) does not exist")
        case .directory: break
        default: throw EngineError.io("\(what): \(path) is not a directory")
        }
        guard let dir = opendir(path) else {
            throw EngineError.io("\(what): cannot read \(path) (\(String(cString: strerror(errno))))")
        }
        defer { closedir(dir) }
        var names = [String]()
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        return names.sorted(by: precedes)
    }

    /// Sorted names of the sub-directories of `path`.
    public static func subdirectories(of path: String, what: String = "folder") throws -> [String] {
        try entries(of: path, what: what).filter { kind(of: join(path, $0)) == .directory }
    }

    /// Sorted names of the regular files directly in `path`.
    public static func files(of path: String, what: String = "folder") throws -> [String] {
        try entries(of: path, what: what).filter { kind(of: join(path, $0)) == .regularFile }
    }

    /// All regular files below `root` (any depth, symbolic links followed, loops visited once), as paths
    /// relative to `root`, in the order of the original's `for dir, _, files in sorted(os.walk(root))`:
    /// directories by their path, files by name inside each.
    public static func filesRecursively(under root: String, what: String = "folder") throws -> [String] {
        var directories = [(relative: String, files: [String])]()
        var visited = Set<[UInt64]>()
        func walk(_ relative: String) throws {
            let full = join(root, relative)
            var st = stat()
            if stat(full, &st) == 0 {
                guard visited.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted else { return }
            }
            var files = [String]()
            for name in try entries(of: full, what: what) {
                let child = join(relative, name)
                switch kind(of: join(root, child)) {
                case .directory: try walk(child)
                case .regularFile: files.append(name)
                default: continue
                }
            }
            directories.append((relative, files))
        }
        try walk("")
        directories.sort { precedes($0.relative, $1.relative) }
        return directories.flatMap { dir in dir.files.map { join(dir.relative, $0) } }
    }

    /// Image files (see `isImageFileName`) below `root`, relative to it, in walk order. Files in image
    /// formats the engine cannot decode (BMP, TIFF, ...) are an error rather than silently left out, so a
    /// dataset never loses images unnoticed; other files (text, archives) are ignored.
    public static func imageFiles(under root: String, recursive: Bool, what: String = "folder") throws -> [String] {
        let all = recursive ? try filesRecursively(under: root, what: what) : try files(of: root, what: what)
        if let unsupported = all.first(where: isUnsupportedImageFileName) {
            throw EngineError.format("\(what): \(join(root, unsupported)) is in an image format the engine does not read; convert it to PNG or JPEG")
        }
        return all.filter(isImageFileName)
    }

    /// Image extensions that torchvision's ImageFolder accepts but this engine does not decode.
    public static func isUnsupportedImageFileName(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: ".") else { return false }
        let ext = name[name.index(after: dot)...].lowercased()
        return ["bmp", "ppm", "pgm", "tif", "tiff", "webp", "gif"].contains(ext)
    }
}

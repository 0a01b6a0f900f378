// Locating dataset files under a data directory. Each reader lists the places where the original
// (through torchvision) keeps its raw files, in search order; when none holds them the error names every
// path that was tried and the layout expected, so that users can put their existing downloads in place.
#if canImport(Glibc)
import Glibc
#endif

/// File search for the dataset readers (a namespace, so the helpers do not clash with others).
enum DatasetFileSearch {
    /// One place a dataset release may be: a folder and, per needed file, the names it may have there
    /// (e.g. the extracted file and its `.gz`).
    struct Location {
        var folder: String
        var files: [[String]]
    }

    /// Whether `path` is an existing regular file (following symbolic links).
    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// `a/b/c` without doubling a separator that a part already ends with.
    static func join(_ parts: String...) -> String {
        var out = ""
        for part in parts where !part.isEmpty {
            if out.isEmpty || out.hasSuffix("/") { out += part } else { out += "/" + part }
        }
        return out
    }

    /// The first of `names` inside `folder` that exists as a file, or `nil`.
    private static func firstExisting(in folder: String, names: [String]) -> String? {
        names.map { join(folder, $0) }.first(where: isRegularFile)
    }

    /// Every file of a dataset from the first location that holds all of them (files of one release are
    /// not mixed from different folders). Throws `.notFound` naming the dataset, each missing file at
    /// each location, and the expected layout.
    static func locate(dataset: String, locations: [Location], layout: String) throws -> [String] {
        for location in locations {
            let found = location.files.map { firstExisting(in: location.folder, names: $0) }
            if found.allSatisfy({ $0 != nil }) { return found.map { $0! } }
        }
        var missing: [String] = []
        for location in locations {
            for names in location.files where firstExisting(in: location.folder, names: names) == nil {
                missing.append("  " + names.map { join(location.folder, $0) }.joined(separator: " or "))
            }
        }
        throw EngineError.notFound("""
            \(dataset): dataset files not found. Missing:
            \(missing.joined(separator: "\n"))
            Expected layout: \(layout)
            """)
    }
}

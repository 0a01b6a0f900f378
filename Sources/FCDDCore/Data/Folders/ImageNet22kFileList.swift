// The file list of ImageNet-22k (about 14 million files) takes long to walk, so like the original it is
// cached in `<root>/meta.json` after the first walk. This engine writes
// {"format": "fcdd-swift-imagenet22k", "version": 1, "files": [paths relative to root]} atomically; a
// meta.json written by the original (a list of [absolute path, class index] pairs) is read as well.

enum ImageNet22kFileList {
    static let format = "fcdd-swift-imagenet22k"

    static func layoutDescription(_ root: String) -> String {
        "ImageNet-22k is expected as \(root)/<wnid>/<images> (the fall 2011 release, extracted)"
    }

    /// Throws `.notFound` with the layout when `root` is not a folder (a quick check before training).
    static func checkRootExists(_ root: String) throws {
        guard DirectoryListing.kind(of: root) == .directory else {
            throw EngineError.notFound("ImageNet-22k not found: \(root) does not exist. \(layoutDescription(root))")
        }
    }

    /// The image files below `root` in walk order (synset folders sorted, then `sorted(os.walk)` order
    /// inside each), from `meta.json` when present, else walked and cached.
    static func load(root: String) throws -> [String] {
        let meta = DirectoryListing.join(root, "meta.json")
        let layout = layoutDescription(root)
        try checkRootExists(root)
        if DirectoryListing.kind(of: meta) == .regularFile {
            return try parse(try readWholeFile(meta), path: meta)
        }
        var files = [String]()
        for wnid in try DirectoryListing.subdirectories(of: root, what: "ImageNet-22k folder") {
            let folder = DirectoryListing.join(root, wnid)
            // Other formats are skipped rather than refused: an outlier pool can do without them.
            files += try DirectoryListing.filesRecursively(under: folder, what: "ImageNet-22k folder")
                .filter(isImageFileName).map { DirectoryListing.join(wnid, $0) }
        }
        guard !files.isEmpty else { throw EngineError.notFound("ImageNet-22k: no images below \(root). \(layout)") }
        var text = "{\"format\":\"\(format)\",\"version\":1,\"files\":["
        for (i, f) in files.enumerated() {
            if i > 0 { text += "," }
            text += JSONValue.string(f).serialized()
        }
        text += "]}"
        try writeFileAtomically(Array(text.utf8), to: meta)
        return files
    }

    static func parse(_ bytes: [UInt8], path: String) throws -> [String] {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw EngineError.format("\(path): \(error); delete it to rebuild the file list") }
        func bad() -> EngineError { .format("\(path): not an ImageNet-22k file list; delete it to rebuild it") }
        if let items = value.arrayValue {
            // The original's meta.json: [[path, class index], ...].
            return try items.map { item in
                guard let pair = item.arrayValue, pair.count == 2, let p = pair[0].stringValue else { throw bad() }
                return p
            }
        }
        guard value["format"]?.stringValue == format, value["version"]?.intValue == 1,
              let items = value["files"]?.arrayValue else { throw bad() }
        return try items.map { item in
            guard let p = item.stringValue else { throw bad() }
            return p
        }
    }
}

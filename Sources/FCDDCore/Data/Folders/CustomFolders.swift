// Custom image folders (reference 7.7): `<datadir>/custom/{train,test}/<class>/...` with two layouts,
// one-vs-rest (any images below a class folder) or per class `normal|nominal/` and `anomalous/` folders,
// and optional ground-truth maps in `custom/{train,test}_maps/` mirroring the image tree with identical
// file names. Images may have any size; resizing belongs to preprocessing.
//
// Deliberate differences from the original, each fixing an error-prone corner:
// * train and test class folders are compared as sorted lists (quirk Q12);
// * an image's label comes from the label folder directly below its class folder, also for images in
//   deeper sub-folders (the original used the immediate parent folder, labelling normal/x/y.png anomalous);
// * a class folder with only `nominal/` (no `normal/`) is accepted, as `nominal` is a synonym everywhere else;
// * stray files where only folders belong, and empty class folders, are errors instead of being skipped;
// * in the one-vs-rest layout a class folder with an `anomalous` sub-folder is an error (the tree is in
//   the other layout; the original would have labelled those anomalies nominal).

/// The two layouts of custom datasets.
public enum CustomFolderLayout: Equatable {
    /// `custom/{train,test}/<class>/<images, any depth>`; the nominal class against all others.
    case oneVsRest
    /// `custom/{train,test}/<class>/{normal|nominal, anomalous}/<images, any depth>`.
    case normalAnomalous
}

/// A custom dataset; listings are made once at construction, images are read on access.
public struct CustomFolderDataset {
    /// One image: full path, class index, whether its label folder says anomalous, optional map path.
    struct Entry {
        var path: String
        var classIndex: Int
        var inAnomalousFolder: Bool
        var mapPath: String?
    }

    /// `<dataDirectory>/custom`.
    public let root: String
    public let layout: CustomFolderLayout
    /// Whether ground-truth maps are used (missing maps become constant maps).
    public let usesGroundTruthMaps: Bool
    /// Class names: the sorted folder names of `custom/test`.
    public let classNames: [String]
    let train: [Entry]
    let test: [Entry]

    static let labelFolders = ["normal", "nominal", "anomalous"]

    /// The expected layout, for error messages.
    static func layoutDescription(root: String, _ layout: CustomFolderLayout) -> String {
        switch layout {
        case .oneVsRest:
            return "the one-vs-rest layout is \(root)/train/<class>/<images> and \(root)/test/<class>/<images> with the same class folders in both"
        case .normalAnomalous:
            return "the normal/anomalous layout is \(root)/train/<class>/normal/<images> (or nominal/) and \(root)/train/<class>/anomalous/<images>, the same for test/, with the same class folders in both"
        }
    }

    /// Lists and checks the whole tree. Throws `.notFound` for missing folders or images and `.format`
    /// for a tree that does not follow `layout`; every message names the expected layout.
    public init(dataDirectory: String, layout: CustomFolderLayout, groundTruthMaps: Bool) throws {
        let root = DirectoryListing.join(dataDirectory, "custom")
        self.root = root; self.layout = layout; self.usesGroundTruthMaps = groundTruthMaps
        let expected = CustomFolderDataset.layoutDescription(root: root, layout)
        for split in ["train", "test"] where DirectoryListing.kind(of: DirectoryListing.join(root, split)) != .directory {
            throw EngineError.notFound("custom dataset not found: \(DirectoryListing.join(root, split)) does not exist; \(expected)")
        }
        let testClasses = try CustomFolderDataset.classFolders(DirectoryListing.join(root, "test"), layout, expected)
        let trainClasses = try CustomFolderDataset.classFolders(DirectoryListing.join(root, "train"), layout, expected)
        guard trainClasses == testClasses else {
            throw EngineError.format("custom dataset: the class folders differ between train (\(trainClasses.joined(separator: ", "))) and test (\(testClasses.joined(separator: ", "))); \(expected)")
        }
        classNames = testClasses
        train = try CustomFolderDataset.entries(root: root, split: "train", classes: testClasses, layout, groundTruthMaps, expected)
        test = try CustomFolderDataset.entries(root: root, split: "test", classes: testClasses, layout, groundTruthMaps, expected)
    }

    /// Sorted class folders of a split folder, checked for the layout's naming rules.
    static func classFolders(_ splitDir: String, _ layout: CustomFolderLayout, _ expected: String) throws -> [String] {
        let entries = try DirectoryListing.entries(of: splitDir, what: "custom dataset folder")
        if let stray = entries.first(where: { DirectoryListing.kind(of: DirectoryListing.join(splitDir, $0)) != .directory }) {
            throw EngineError.format("custom dataset: \(DirectoryListing.join(splitDir, stray)) is not a folder; images belong inside class folders; \(expected)")
        }
        guard !entries.isEmpty else { throw EngineError.notFound("custom dataset: \(splitDir) has no class folders; \(expected)") }
        if let misnamed = entries.first(where: { labelFolders.contains($0.lowercased()) }) {
            let hint = layout == .oneVsRest
                ? "class folders must be named after their classes (like dog, hazelnut); for per-class normal/anomalous folders use the normal/anomalous layout instead of one-vs-rest"
                : "class folders must be named after their classes, with the normal and anomalous folders inside them"
            throw EngineError.format("custom dataset: found a class folder named '\(misnamed)' in \(splitDir); \(hint); \(expected)")
        }
        return entries
    }

    /// All images of a split, per class in walk order, with labels and map paths.
    static func entries(root: String, split: String, classes: [String], _ layout: CustomFolderLayout,
                        _ maps: Bool, _ expected: String) throws -> [Entry] {
        let splitDir = DirectoryListing.join(root, split)
        let mapsDir = DirectoryListing.join(root, "\(split)_maps")
        var result = [Entry]()
        for (classIndex, cls) in classes.enumerated() {
            let classDir = DirectoryListing.join(splitDir, cls)
            var relative = [String]()   // relative to classDir
            switch layout {
            case .oneVsRest:
                // A normal/anomalous tree read one-vs-rest would silently train on its anomalous folders as
                // nominal images and test them as nominal: refuse it and name the other layout.
                if let label = try DirectoryListing.entries(of: classDir, what: "custom dataset class folder").first(where: {
                    $0.lowercased() == "anomalous" && DirectoryListing.kind(of: DirectoryListing.join(classDir, $0)) == .directory
                }) {
                    throw EngineError.format("custom dataset: \(DirectoryListing.join(classDir, label)) looks like the normal/anomalous layout, but the dataset is read one-vs-rest, where every image below a class folder is of that class; drop --one-vs-rest, or rename the folder; \(expected)")
                }
                relative = try DirectoryListing.imageFiles(under: classDir, recursive: true, what: "custom dataset class folder")
            case .normalAnomalous:
                let inside = try DirectoryListing.entries(of: classDir, what: "custom dataset class folder")
                for name in inside {
                    guard DirectoryListing.kind(of: DirectoryListing.join(classDir, name)) == .directory,
                          labelFolders.contains(name.lowercased()) else {
                        throw EngineError.format("custom dataset: unexpected '\(name)' in \(classDir); a class folder may only contain the folders normal (or nominal) and anomalous; \(expected)")
                    }
                }
                guard inside.contains(where: { $0.lowercased() != "anomalous" }) else {
                    throw EngineError.format("custom dataset: \(classDir) has no 'normal' folder for its normal images; \(expected)")
                }
                for name in inside {
                    let files = try DirectoryListing.imageFiles(under: DirectoryListing.join(classDir, name), recursive: true,
                                                                what: "custom dataset label folder")
                    relative += files.map { DirectoryListing.join(name, $0) }
                }
            }
            guard !relative.isEmpty else { throw EngineError.notFound("custom dataset: no images in \(classDir); \(expected)") }
            for r in relative {
                let labelFolder = r.split(separator: "/").first.map { String($0).lowercased() } ?? ""
                let mapPath = DirectoryListing.join(DirectoryListing.join(mapsDir, cls), r)
                result.append(Entry(path: DirectoryListing.join(classDir, r), classIndex: classIndex,
                                    inAnomalousFolder: layout == .normalAnomalous && labelFolder == "anomalous",
                                    mapPath: maps && DirectoryListing.kind(of: mapPath) == .regularFile ? mapPath : nil))
            }
        }
        if maps && DirectoryListing.kind(of: mapsDir) == .directory {
            // Every map needs its image (a misplaced map would otherwise be ignored silently).
            let images = Set(result.map { $0.path })
            for map in try DirectoryListing.imageFiles(under: mapsDir, recursive: true, what: "custom dataset map folder") {
                let image = DirectoryListing.join(splitDir, map)
                guard images.contains(image) else {
                    throw EngineError.format("custom dataset: the ground-truth map \(DirectoryListing.join(mapsDir, map)) has no image at \(image); maps mirror the image tree with identical file names")
                }
            }
        }
        return result
    }
}

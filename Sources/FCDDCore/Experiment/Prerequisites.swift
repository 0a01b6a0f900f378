// What an experiment needs on disk before it can train: the dataset's files, the outlier images its
// noise mode draws from, ImageNet weights for the pretrained VGG networks, and the files its settings
// name. All of them are looked up before the first run (whether they exist, not what they hold), and
// everything missing is reported in one error, each item with the options that need no download: a
// new user should learn in one attempt what to fetch, or how to run without it.

/// One thing an experiment needs that is not where it is looked for.
struct MissingPrerequisite {
    /// The reader's own message: what was looked for, where, and the layout it expects.
    var problem: String
    /// The options that make the experiment run without it, e.g. `--noise-mode confetti`.
    var options: [String]
    /// What those options mean, for the reader of the message.
    var meaning: String
}

enum Prerequisites {
    /// Everything the experiment of `settings` needs and does not find. Errors other than a missing
    /// file or folder (a damaged tree, a wrong layout) are thrown: they are not fixed by a download.
    static func missing(_ settings: Settings) throws -> [MissingPrerequisite] {
        var missing = [MissingPrerequisite]()
        func look(options: [String], meaning: String, _ probe: () throws -> Void) throws {
            do { try probe() } catch EngineError.notFound(let problem) {
                missing.append(MissingPrerequisite(problem: problem, options: options, meaning: meaning))
            }
        }
        let datadir = settings.datadir
        let synthetic = "the embedded synthetic dataset needs no download (fcdd-swift train with no options)"
        try look(options: ["--dataset synthetic"], meaning: synthetic) { try settings.dataset.definition.checkFiles(settings) }

        let noise = settings.noiseMode
        if settings.drawsOutlierImages {
            try look(options: ["--noise-mode confetti"], meaning: "synthetic confetti anomalies instead of \(noise.rawValue) outlier images, no download") {
                try checkOutlierFiles(noise, datadir: datadir)
            }
        }
        if PretrainedVGG.needsWeights(settings.net) {
            let scratch = settings.net.replacingVGGSuffix()
            try look(options: ["--net \(scratch)"], meaning: "the same network started from random weights, no download") {
                guard let path = settings.vggWeights else {
                    throw EngineError.notFound("\(settings.net) starts from ImageNet weights, and none were given: \(PretrainedVGG.howToGetWeights)")
                }
                guard DirectoryListing.kind(of: path) == .regularFile else {
                    throw EngineError.notFound("\(settings.net) starts from ImageNet weights, but --vgg-weights \(path) is not a file: \(PretrainedVGG.howToGetWeights)")
                }
            }
        }
        // Checked here rather than when the settings are resolved, so that a configuration can be printed
        // or resolved on another machine.
        for (name, path, folder) in [("load", settings.load, false), ("vgg_weights", settings.vggWeights, false),
                                     ("viz_ids", settings.vizIds, true)] {
            guard let path, DirectoryListing.kind(of: path) != (folder ? .directory : .regularFile),
                  !(name == "vgg_weights" && PretrainedVGG.needsWeights(settings.net)) else { continue }
            let label = SettingsSchema.field(name)!.label(.experiment)
            missing.append(MissingPrerequisite(problem: "\(label): \(path) is not \(folder ? "a folder" : "a file")",
                                               options: [], meaning: ""))
        }
        return missing
    }

    /// Throws one `.notFound` listing everything missing, each with its alternative, and the options that
    /// run this experiment's dataset with nothing downloaded.
    static func check(_ settings: Settings) throws {
        let missing = try missing(settings)
        guard !missing.isEmpty else { return }
        guard missing.count > 1 || !missing[0].options.isEmpty else { throw EngineError.notFound(missing[0].problem) }
        var lines = [missing.count == 1 ? "this experiment needs something that is not here:"
                                        : "this experiment needs \(missing.count) things that are not here:"]
        for (i, m) in missing.enumerated() {
            lines.append("\(i + 1). " + m.problem.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n   "))
            if !m.options.isEmpty { lines.append("   without it: \(m.options.joined(separator: " ")): \(m.meaning)") }
        }
        let datasetMissing = missing.contains { $0.options == ["--dataset synthetic"] }
        let rest = missing.filter { $0.options != ["--dataset synthetic"] }.flatMap(\.options)
        if !rest.isEmpty {
            let command = "fcdd-swift train --dataset \(settings.dataset.rawValue) " + rest.joined(separator: " ")
            lines.append(datasetMissing ? "Once the dataset is in place, this runs with nothing else downloaded: \(command)"
                                        : "This runs with the data that is here and nothing downloaded: \(command)")
        }
        throw EngineError.notFound(lines.joined(separator: "\n"))
    }

    /// Whether the outlier images of `noise` are where their reader looks.
    private static func checkOutlierFiles(_ noise: NoiseMode, datadir: String) throws {
        switch noise {
        case .cifar100: _ = try CIFARImageSource.cifar100Files(datadir: datadir, train: true)
        case .emnist: _ = try IDXImageSource.emnistLettersFiles(datadir: datadir)
        case .imagenet22k: try ImageNet22kFileList.checkRootExists(ImageNetOutliers.imageNet22kRoot(dataDirectory: datadir))
        case .imagenet: _ = try ImageNetOutliers.imageNet1kValidationFolder(dataDirectory: datadir)
        default: return   // a dataset's own noise modes (its defects) read its files, checked with them
        }
    }
}

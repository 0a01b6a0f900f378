// The data an item pipeline is made for, as its spec (and the spec's JSON in every snapshot and model
// file) names it: a registered dataset and whether its items carry ground-truth maps.

/// A registered dataset with or without ground-truth maps on its items.
public struct PipelineDataset: Equatable {
    public let dataset: Dataset
    /// Whether the items carry maps: always for a dataset that always has them (MVTec-AD), never for one
    /// that has none, as requested where they are optional (custom folders, in-memory images).
    public let groundTruthMaps: Bool

    init(_ dataset: Dataset, groundTruthMaps requested: Bool = false) {
        self.dataset = dataset
        switch dataset.definition.groundTruthMaps {
        case .never: groundTruthMaps = false
        case .optional: groundTruthMaps = requested
        case .always: groundTruthMaps = true
        }
    }

    /// The name in the spec's JSON: the dataset's, with "_gtm" where maps are optional and present
    /// ("custom_gtm", "generic_gtm"), the names snapshots and model files have always been written with.
    public var name: String {
        dataset.definition.groundTruthMaps == .optional && groundTruthMaps ? dataset.rawValue + "_gtm" : dataset.rawValue
    }

    /// The pipeline dataset a spec's JSON names; nil for a name no dataset's pipeline has.
    init?(name: String) {
        let candidates = DatasetRegistry.datasets.filter { $0.definition.hasOwnItemPipeline }
            .flatMap { [PipelineDataset($0), PipelineDataset($0, groundTruthMaps: true)] }
        guard let found = candidates.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    var definition: DatasetDefinition { dataset.definition }
}

extension PipelineDataset: CustomStringConvertible {
    public var description: String { name }
}

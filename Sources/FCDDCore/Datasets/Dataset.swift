// `-d, --dataset` as a value: a registered dataset definition (DatasetRegistry.swift), named and compared by
// its name. The datasets have static members declared in their own files (`Dataset.mvtec`, ...), so that
// code reads as it would with an enum, while what a dataset is lives in one place, its definition.

/// A dataset of the engine (`-d, --dataset`, or the in-memory images of `fs.FCDD.fit`).
public struct Dataset {
    /// What the engine knows about it.
    let definition: DatasetDefinition

    init(_ definition: DatasetDefinition) { self.definition = definition }
}

extension Dataset: RawRepresentable, CaseIterable, Hashable {
    public var rawValue: String { definition.name }

    /// The dataset `-d` offers under `rawValue`; nil for other names, the in-memory images included.
    public init?(rawValue: String) {
        guard let dataset = Dataset.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = dataset
    }

    /// The datasets `-d` offers, in the registry's order.
    public static var allCases: [Dataset] { DatasetRegistry.datasets.filter { $0.definition.offeredByDatasetOption } }

    public static func == (a: Dataset, b: Dataset) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

extension Dataset: CustomStringConvertible {
    public var description: String { rawValue }
}

// The network of a run: built by name for the dataset's input shape, seeded, and for the pretrained
// VGG variants filled with the ImageNet weights (which must be given; the engine never downloads).

public enum NetworkFactory {
    public static func make(_ settings: Settings, inShape: [Int], seed: UInt64) throws -> Network {
        try make(settings.net, inShape: inShape, bias: settings.bias, seed: seed, vggWeights: settings.vggWeights)
    }

    public static func make(_ name: String, inShape: [Int], bias: Bool, seed: UInt64, vggWeights: String?) throws -> Network {
        let net = try NetworkRegistry.make(name, inShape: inShape, bias: bias, seed: seed)
        if PretrainedVGG.needsWeights(name) {
            guard let path = vggWeights else {
                throw EngineError.notFound("\(name) starts from ImageNet weights: \(PretrainedVGG.howToGetWeights). \(name.replacingVGGSuffix()) trains from scratch without them.")
            }
            try PretrainedVGG.load(into: net, path: path)
        }
        return net
    }
}

extension String {
    /// FCDD_CNN224_VGG_F -> FCDD_CNN224_VGG_NOPT (the randomly initialised variant).
    func replacingVGGSuffix() -> String {
        var s = self
        if s.hasSuffix("_F") { s.removeLast(2) }
        return s + "_NOPT"
    }
}

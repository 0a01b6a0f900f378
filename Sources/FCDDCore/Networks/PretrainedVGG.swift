// ImageNet weights of torchvision's vgg11_bn for the `*_VGG` and `*_VGG_F` networks (reference 2.4, 2.6):
// every `features.*` tensor (and, for the HSC nets, the truncated classifier) comes from the checkpoint;
// everything else (conv_final, AE decoders) keeps its initialisation. The checkpoint is a safetensors
// file or a PyTorch checkpoint (torchvision's own download, TorchCheckpoint.swift), told apart by
// content, with torchvision names (`features.0.weight`, `classifier.0.weight`) or timm names
// (`features.*`, `pre_logits.fc1.weight` as a 4096x512x7x7 conv, `pre_logits.fc2.weight`).

public enum PretrainedVGG {
    /// Whether `name` starts from ImageNet weights (the `_NOPT` variants are randomly initialised).
    public static func needsWeights(_ name: String) -> Bool {
        name.contains("VGG") && !name.contains("NOPT")
    }

    /// The environment variable naming the weights file when `vgg_weights` is not given.
    public static let environmentVariable = "FCDD_VGG11_BN_WEIGHTS"

    public static let howToGetWeights = """
        pass torchvision's ImageNet vgg11_bn checkpoint as it is downloaded, vgg11_bn-6002323d.pth \
        (torchvision.models.vgg11_bn(weights='IMAGENET1K_V1') saves it in ~/.cache/torch/hub/checkpoints/; \
        or fetch https://download.pytorch.org/models/vgg11_bn-6002323d.pth), or the same weights as safetensors \
        (timm's vgg11_bn weights work too): --vgg-weights vgg11_bn-6002323d.pth (vgg_weights=) or set \(environmentVariable)
        """

    /// The checkpoint name for one of the network's state entries, or nil when the entry is not part of
    /// the pretrained VGG (the segment `features`/`classifier` must be the first one or follow `vgg`).
    static func checkpointName(_ name: String) -> String? {
        let parts = name.split(separator: ".").map(String.init)
        guard let i = parts.firstIndex(where: { $0 == "features" || $0 == "classifier" }),
              i == 0 || parts[i - 1] == "vgg" else { return nil }
        return parts[i...].joined(separator: ".")
    }

    /// Copies the ImageNet weights from `path` into `network`.
    public static func load(into network: Network, path: String) throws {
        guard pathExists(path) else {
            throw EngineError.notFound("\(network.name) needs ImageNet vgg11_bn weights, but \(path) does not exist: \(howToGetWeights)")
        }
        let file = try readWeightsFile(path: path)
        var tensors = [String: Tensor]()
        for (name, entry) in network.stateEntries {
            guard let source = checkpointName(name) else { continue }
            let timm: String? = {
                switch source {
                case "classifier.0.weight": return "pre_logits.fc1.weight"
                case "classifier.0.bias": return "pre_logits.fc1.bias"
                case "classifier.3.weight": return "pre_logits.fc2.weight"
                case "classifier.3.bias": return "pre_logits.fc2.bias"
                default: return nil
                }
            }()
            let key = file[source] != nil ? source : (timm.flatMap { file[$0] != nil ? $0 : nil })
            guard let found = key else {
                if source.hasSuffix("num_batches_tracked") { continue }   // older checkpoints lack it
                throw EngineError.notFound("\(path) has no tensor '\(source)'; is it torchvision's or timm's vgg11_bn? (\(howToGetWeights))")
            }
            let t = try file.tensor(found)
            guard t.count == entry.tensor.count else {
                throw EngineError.shapeMismatch("\(path): '\(found)' has shape \(t.shape), \(network.name) needs \(entry.tensor.shape) for '\(name)'")
            }
            tensors[name] = t.reshaped(entry.tensor.shape)
        }
        guard !tensors.isEmpty else { throw EngineError.invalidArgument("\(network.name) has no VGG layers to load") }
        for (name, t) in tensors { try network.setState(name, t.data) }
    }
}

// Every network of the original by its class name (reference section 2.8).

public enum NetworkRegistry {
    struct Entry {
        /// The objective the network is built for (FCDD, or the HSC and AE baselines).
        let objective: Objective
        /// HSC: the FCDD net that sizes blur kernels; AE: its encoder's (section 4.7).
        let correspondingFCDD: String?
        /// Required input channels (VGG nets are hard-wired to RGB), if any.
        let channels: Int?
        /// Required input side length for nets with dense layers of fixed size, if any.
        let side: Int?
        let build: (NetworkBuilder) -> Void
    }

    static let entries: [String: Entry] = [
        "FCDD_CNN28": Entry(objective: .fcdd, correspondingFCDD: nil, channels: nil, side: nil) { FCDDNetworks.cnn28($0, width: 8) },
        "FCDD_CNN28_W": Entry(objective: .fcdd, correspondingFCDD: nil, channels: nil, side: nil) { FCDDNetworks.cnn28($0, width: 128) },
        "FCDD_CNN32": Entry(objective: .fcdd, correspondingFCDD: nil, channels: nil, side: nil) { FCDDNetworks.cnn32($0) },
        "FCDD_CNN32_S": Entry(objective: .fcdd, correspondingFCDD: nil, channels: nil, side: nil) { FCDDNetworks.cnn32S($0) },
        "FCDD_CNN32_LW3K": Entry(objective: .fcdd, correspondingFCDD: nil, channels: nil, side: nil) { FCDDNetworks.cnn32LW3K($0) },
        "FCDD_CNN224": Entry(objective: .fcdd, correspondingFCDD: nil, channels: nil, side: nil) { FCDDNetworks.cnn224($0, widths: [8, 32, 64, 128, 128]) },
        "FCDD_CNN224_W": Entry(objective: .fcdd, correspondingFCDD: nil, channels: nil, side: nil) { FCDDNetworks.cnn224($0, widths: [32, 128, 256, 256, 128]) },
        "FCDD_CNN224_VGG": Entry(objective: .fcdd, correspondingFCDD: nil, channels: 3, side: nil) { FCDDNetworks.vgg($0, frozen: false) },
        "FCDD_CNN224_VGG_F": Entry(objective: .fcdd, correspondingFCDD: nil, channels: 3, side: nil) { FCDDNetworks.vgg($0, frozen: true) },
        "FCDD_CNN224_VGG_NOPT": Entry(objective: .fcdd, correspondingFCDD: nil, channels: 3, side: nil) { FCDDNetworks.vgg($0, frozen: false) },

        "CNN28": Entry(objective: .hsc, correspondingFCDD: "FCDD_CNN28", channels: nil, side: 28) { HSCNetworks.cnn28($0, widths: [8, 4]) },
        "CNN28_W": Entry(objective: .hsc, correspondingFCDD: "FCDD_CNN28_W", channels: nil, side: 28) { HSCNetworks.cnn28($0, widths: [128, 64]) },
        "CNN32": Entry(objective: .hsc, correspondingFCDD: "FCDD_CNN32_S", channels: nil, side: 32) { HSCNetworks.cnn32($0) },
        "CNN32_LW3K": Entry(objective: .hsc, correspondingFCDD: "FCDD_CNN32_LW3K", channels: nil, side: 32) { HSCNetworks.cnn32LW3K($0) },
        "CNN224": Entry(objective: .hsc, correspondingFCDD: "FCDD_CNN224", channels: nil, side: 224) { HSCNetworks.cnn224($0) },
        "CNN224_VGG": Entry(objective: .hsc, correspondingFCDD: "FCDD_CNN224_VGG", channels: 3, side: nil) { HSCNetworks.vgg($0, frozen: false, full: false) },
        "CNN224_VGG_F": Entry(objective: .hsc, correspondingFCDD: "FCDD_CNN224_VGG", channels: 3, side: nil) { HSCNetworks.vgg($0, frozen: true, full: false) },
        "CNN224_VGG_NOPT": Entry(objective: .hsc, correspondingFCDD: "FCDD_CNN224_VGG_NOPT", channels: 3, side: nil) { HSCNetworks.vgg($0, frozen: false, full: false) },
        "CNN224_VGG_NOPT_1000": Entry(objective: .hsc, correspondingFCDD: "FCDD_CNN224_VGG_NOPT", channels: 3, side: nil) { HSCNetworks.vgg($0, frozen: false, full: true) },

        "AE28": Entry(objective: .ae, correspondingFCDD: "FCDD_CNN28", channels: 1, side: 28) { AutoencoderNetworks.ae28($0, wide: false) },
        "AE28_W": Entry(objective: .ae, correspondingFCDD: "FCDD_CNN28_W", channels: 1, side: 28) { AutoencoderNetworks.ae28($0, wide: true) },
        "AE32": Entry(objective: .ae, correspondingFCDD: "FCDD_CNN32_S", channels: 3, side: 32) { AutoencoderNetworks.ae32($0, lw3k: false) },
        "AE32_LW3K": Entry(objective: .ae, correspondingFCDD: "FCDD_CNN32_LW3K", channels: 3, side: 32) { AutoencoderNetworks.ae32($0, lw3k: true) },
        "AE224": Entry(objective: .ae, correspondingFCDD: "FCDD_CNN224", channels: nil, side: 224) { AutoencoderNetworks.ae224($0) },
        "AE224_VGG": Entry(objective: .ae, correspondingFCDD: "FCDD_CNN224_VGG", channels: 3, side: 224) { AutoencoderNetworks.ae224VGG($0, frozen: false) },
        "AE224_VGG_F": Entry(objective: .ae, correspondingFCDD: "FCDD_CNN224_VGG", channels: 3, side: 224) { AutoencoderNetworks.ae224VGG($0, frozen: true) },
        "AE224_VGG_NOPT": Entry(objective: .ae, correspondingFCDD: "FCDD_CNN224_VGG_NOPT", channels: 3, side: 224) { AutoencoderNetworks.ae224VGG($0, frozen: false) },
    ]

    /// All network names, sorted.
    public static var names: [String] { entries.keys.sorted() }

    /// The objective a registered network is built for, nil for unknown names.
    public static func objective(of name: String) -> Objective? { entries[name]?.objective }

    /// The baseline network for `objective` (hsc, ae) that matches the FCDD network `name` (reference
    /// 9.4): FCDD_CNN28_W -> CNN28_W / AE28_W, where such a name exists; otherwise the baseline whose
    /// heatmap blur is sized by `name` (FCDD_CNN32_S -> CNN32 / AE32). Nil when there is none.
    public static func baseline(of name: String, for objective: Objective) -> String? {
        guard objective != .fcdd, entries[name]?.objective == .fcdd, name.hasPrefix("FCDD_CNN") else { return nil }
        let named = objective == .hsc ? String(name.dropFirst("FCDD_".count)) : "AE" + name.dropFirst("FCDD_CNN".count)
        if entries[named]?.objective == objective { return named }
        return names.first { entries[$0]?.objective == objective && entries[$0]?.correspondingFCDD == name }
    }

    /// Whether the network exists only with bias (the VGG networks; the original asserts it).
    public static func requiresBias(_ name: String) -> Bool { name.contains("VGG") }

    /// The input channels and side a registered network insists on (nil where any value works).
    public static func requirements(of name: String) -> (channels: Int?, side: Int?)? {
        entries[name].map { ($0.channels, $0.side) }
    }

    /// The image side a network was made for, from its name (CNN28 -> 28, FCDD_CNN224_VGG_F -> 224).
    /// Fully convolutional networks run at any side, at a cost that grows with the pixels.
    public static func designedSide(of name: String) -> Int? {
        guard entries[name] != nil else { return nil }
        // The first run of digits in the name: CNN28_W, FCDD_CNN224_VGG_F, AE32_LW3K.
        let digits = name.drop { !$0.isNumber }.prefix { $0.isNumber }
        return Int(digits)
    }

    /// Builds a network by name for inputs of shape (C, H, W), initialised from `seed`.
    public static func make(_ name: String, inShape: [Int], bias: Bool = true, seed: UInt64 = 0) throws -> Network {
        guard let entry = entries[name] else {
            throw EngineError.invalidArgument("unknown network '\(name)'; known networks: \(names.joined(separator: ", "))")
        }
        guard inShape.count == 3, inShape.allSatisfy({ $0 >= 1 && $0 <= 1 << 16 }) else {
            throw EngineError.invalidArgument("in_shape must be (C, H, W) with positive sizes, got \(inShape)")
        }
        do { try EngineLimits.checkImage(width: inShape[2], height: inShape[1], source: "\(name) in_shape \(inShape)") } catch {
            throw EngineError.invalidArgument("\(error)")
        }
        guard inShape[1] == inShape[2] else {
            throw EngineError.invalidArgument("\(name) needs square inputs (H == W), got \(inShape[1])x\(inShape[2])")
        }
        if let c = entry.channels, inShape[0] != c {
            throw EngineError.invalidArgument("\(name) needs \(c)-channel inputs, got \(inShape[0])")
        }
        if let s = entry.side, inShape[1] != s {
            throw EngineError.invalidArgument("\(name) has dense layers sized for \(s)x\(s) inputs, got \(inShape[1])x\(inShape[2])")
        }
        if requiresBias(name) && !bias {
            throw EngineError.invalidArgument("\(name) is only defined with bias (the original asserts it)")
        }
        let builder = NetworkBuilder(inShape: inShape, bias: bias, seed: seed)
        entry.build(builder)
        let net = try builder.build(name, entry.objective, correspondingFCDD: entry.correspondingFCDD)
        if entry.objective == .ae, net.outItemShape != inShape {
            throw EngineError.invalidArgument("\(name) reconstructs \(net.outItemShape), which does not match the input \(inShape)")
        }
        return net
    }
}

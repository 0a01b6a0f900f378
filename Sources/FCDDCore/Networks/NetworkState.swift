// Moving a network's state dict in and out: as safetensors files under PyTorch names, so that weights
// travel between this engine and PyTorch in both directions.

extension Network {
    /// The state dict as a safetensors file: float32 tensors, `num_batches_tracked` as int64 like PyTorch.
    public func stateFile() -> SafeTensorsFile {
        var file = SafeTensorsFile()
        for (name, entry) in stateEntries {
            if case .buffer(let b) = entry, b.isInteger {
                var bytes = [UInt8]()
                for v in b.value.data {
                    withUnsafeBytes(of: Int64(v).littleEndian) { bytes.append(contentsOf: $0) }
                }
                file.add(SafeTensorEntry(name: name, dtype: .i64, shape: b.value.shape, bytes: bytes))
            } else {
                file.add(name, entry.tensor)
            }
        }
        file.metadata = [("format", "pt"), ("network", self.name),
                         ("in_shape", "[\(inShape.map(String.init).joined(separator: ", "))]")]
        return file
    }

    public func save(path: String) throws { try stateFile().write(path: path) }

    /// Loads a full state dict. Unknown names and missing names are errors that list them; a missing
    /// `num_batches_tracked` is allowed (PyTorch allows it too). Nothing changes unless all entries fit.
    public func loadState(_ tensors: [String: Tensor], source: String) throws {
        let own = stateEntries
        let ownNames = Set(own.map { $0.name })
        let unknown = tensors.keys.filter { !ownNames.contains($0) }.sorted()
        let missing = own.map { $0.name }.filter { tensors[$0] == nil && !$0.hasSuffix("num_batches_tracked") }
        if !unknown.isEmpty || !missing.isEmpty {
            var parts = [String]()
            if !unknown.isEmpty { parts.append("unknown keys: \(unknown.joined(separator: ", "))") }
            if !missing.isEmpty { parts.append("missing keys: \(missing.joined(separator: ", "))") }
            throw EngineError.notFound("\(source) does not match \(name): \(parts.joined(separator: "; "))")
        }
        for (name, entry) in own {
            guard let t = tensors[name] else { continue }
            let want = entry.tensor.shape
            guard t.shape == want || (t.count == 1 && want.isEmpty) else {
                throw EngineError.shapeMismatch("\(source): '\(name)' has shape \(t.shape), \(self.name) needs \(want)")
            }
            try Network.checkStateValues(name, t.data, source: source)
        }
        for (name, _) in own {
            if let t = tensors[name] { try setState(name, t.data) }
        }
    }

    public func load(path: String) throws {
        let file = try SafeTensorsFile.read(path: path)
        var tensors = [String: Tensor]()
        for e in file.entries { tensors[e.name] = try file.tensor(e.name) }
        try loadState(tensors, source: path)
    }
}

// From a pickled PyTorch state dict (PickleTorch.swift) and the bytes of its storages to named tensors.
// A tensor is a strided view of a storage (PyTorch's `as_strided` semantics): element i of the view is
// storage[offset + sum(index_d * stride_d)]. Views are checked against their storage before anything is
// copied; C-contiguous views (the common case) are one copy, others are gathered element by element.

struct TorchStateDict {
    /// The tensors in the order of the state dict.
    let tensors: [(name: String, tensor: TorchTensorReference)]
    /// Every storage the tensors use, by key.
    let storages: [String: TorchStorageReference]
    /// How many bytes of tensors a checkpoint may yield per byte of storage: tied weights name one storage
    /// twice, or a few times; more is a file built to make a small read expand.
    static let maxCopiesOfStorage = 4

    /// Checks the shape of `root` and that every tensor lies within its storage. `legacy` tells the
    /// format, whose persistent ids have a sixth item.
    init(_ root: PickleValue, source: String, legacy: Bool) throws {
        func bad(_ message: String) -> EngineError { .format("\(source): \(message)") }
        guard case .dict(let dict) = root else {
            throw bad("holds a value of type \(root.typeName), not a state dict (a dict of tensors, as model.state_dict() returns)")
        }
        var tensors = [(name: String, tensor: TorchTensorReference)]()
        var storages = [String: TorchStorageReference]()
        for i in stride(from: 0, to: dict.items.count - 1, by: 2) {
            guard let name = dict.items[i].string else { throw bad("a state dict key of type \(dict.items[i].typeName) is not a string") }
            guard name != "__metadata__" else { throw bad("a tensor named '__metadata__' cannot be stored") }
            guard case .torchTensor(let tensor) = dict.items[i + 1] else {
                throw bad("'\(name)' holds a value of type \(dict.items[i + 1].typeName), not a tensor: only state dicts (names to tensors) are read, as torch.save(model.state_dict(), path) writes")
            }
            let storage = tensor.storage
            guard storage.isLegacy == legacy else {
                throw bad("'\(name)': persistent id of the \(storage.isLegacy ? "legacy" : "zip") format in a \(legacy ? "legacy" : "zip") checkpoint")
            }
            if let known = storages[storage.key], known.type != storage.type || known.count != storage.count {
                throw bad("storage '\(storage.key)' is named as \(known.type.rawValue) of \(known.count) elements and as \(storage.type.rawValue) of \(storage.count)")
            }
            storages[storage.key] = storage
            try TorchStateDict.checkBounds(tensor, name: name, source: source)
            tensors.append((name, tensor))
        }
        self.tensors = tensors
        self.storages = storages
    }

    /// The elements a storage reference can see: a legacy view's window, else the whole storage.
    private static func window(_ storage: TorchStorageReference) -> (offset: Int, count: Int) {
        storage.view ?? (0, storage.count)
    }

    /// The largest element index of the view must lie within the storage (window), computed with
    /// overflow checks. A view with more elements than its storage (an expanded or overlapping one,
    /// never what a state dict holds) is refused, so a small file cannot ask for a huge copy.
    private static func checkBounds(_ t: TorchTensorReference, name: String, source: String) throws {
        let available = window(t.storage).count
        let bad = EngineError.format("\(source): '\(name)': size \(t.shape), stride \(t.strides) at offset \(t.offset) reaches beyond its storage '\(t.storage.key)' of \(available) elements")
        guard let count = checkedProduct(t.shape) else { throw bad }
        guard t.shape.allSatisfy({ $0 <= EngineLimits.maxDimension }) else {
            throw EngineError.format("\(source): '\(name)': size \(t.shape) has a dimension above \(EngineLimits.maxDimension), the largest a size may have")
        }
        guard count > 0 else { return }
        var last = t.offset
        for (size, stride) in zip(t.shape, t.strides) {
            guard case let (step, false) = (size - 1).multipliedReportingOverflow(by: stride),
                  case let (sum, false) = last.addingReportingOverflow(step) else { throw bad }
            last = sum
        }
        guard last < available else { throw bad }
        guard count <= available else {
            throw EngineError.format("\(source): '\(name)': \(count) elements viewing a storage of \(available) (an expanded or overlapping tensor) are not supported; save tensor.contiguous()")
        }
    }

    /// The tensors as file entries (little-endian bytes, as stored). `storageBytes` gives the bytes of a
    /// whole storage; it is called once per storage and its answer's size is checked here.
    func tensorFile(source: String, storageBytes: (TorchStorageReference) throws -> ArraySlice<UInt8>) throws -> SafeTensorsFile {
        // Storages first: their sizes are checked against the file, and every tensor fits its storage,
        // so the total below is bounded by the number of tensors times the file's size.
        var data = [String: ArraySlice<UInt8>]()
        for (key, storage) in storages {
            let bytes = try storageBytes(storage)
            let itemSize = storage.type.dtype.byteSize
            guard storage.count.multipliedReportingOverflow(by: itemSize) == (bytes.count, false) else {
                throw EngineError.format("\(source): storage '\(key)' has \(bytes.count) bytes, not the \(storage.count) x \(itemSize) its tensors say")
            }
            data[key] = bytes
        }
        var total = 0
        for (name, t) in tensors {
            let bytes = try CheckedAllocation.bytes(t.shape, elementSize: t.storage.type.dtype.byteSize, what: "'\(name)'")
            guard case let (sum, false) = total.addingReportingOverflow(bytes) else {
                throw EngineError.outOfMemory("\(source): the tensors together cannot be addressed")
            }
            total = sum
        }
        // Names may share a storage (tied weights), and each name gets its own copy: without a bound, a small
        // file of many names for one large storage would ask for gigabytes.
        let stored = data.values.reduce(0) { $0 + $1.count }
        guard total <= TorchStateDict.maxCopiesOfStorage * max(stored, 1) else {
            throw EngineError.format("\(source): its \(tensors.count) tensors hold \(total) bytes, more than \(TorchStateDict.maxCopiesOfStorage) times the \(stored) bytes of the storages they view (many names for one storage); at most \(TorchStateDict.maxCopiesOfStorage) copies are read")
        }
        try CheckedAllocation.reserve(bytes: total, what: "the tensors of \(source)")
        var file = SafeTensorsFile()
        for (name, t) in tensors {
            file.add(SafeTensorEntry(name: name, dtype: t.storage.type.dtype, shape: t.shape,
                                     bytes: TorchStateDict.gather(t, from: data[t.storage.key]!)))
        }
        return file
    }

    /// The elements of a view in C order; bounds were checked in `init`.
    private static func gather(_ t: TorchTensorReference, from storage: ArraySlice<UInt8>) -> [UInt8] {
        let count = checkedProduct(t.shape)!
        guard count > 0 else { return [] }
        let itemSize = t.storage.type.dtype.byteSize
        let base = storage.startIndex + (window(t.storage).offset + t.offset) * itemSize
        var contiguous = true, expected = 1
        for (size, stride) in zip(t.shape, t.strides).reversed() where size != 1 {
            contiguous = contiguous && stride == expected
            expected *= size
        }
        if contiguous { return Array(storage[base..<(base + count * itemSize)]) }
        // A dimension of size 1 never moves along its stride, whatever the stride (the bounds check counts
        // size - 1 steps of it, i.e. none), so its stride is taken as 0: a huge one cannot overflow the
        // odometer below. Every other stride times its size is then below twice the storage.
        let strides = zip(t.shape, t.strides).map { size, stride in size == 1 ? 0 : stride }
        var out = [UInt8]()
        out.reserveCapacity(count * itemSize)
        var index = [Int](repeating: 0, count: t.shape.count), element = 0
        for _ in 0..<count {
            let at = base + element * itemSize
            out.append(contentsOf: storage[at..<(at + itemSize)])
            // Odometer over the index, last dimension fastest.
            for d in stride(from: t.shape.count - 1, through: 0, by: -1) {
                index[d] += 1
                element += strides[d]
                if index[d] < t.shape[d] { break }
                element -= strides[d] * t.shape[d]
                index[d] = 0
            }
        }
        return out
    }
}

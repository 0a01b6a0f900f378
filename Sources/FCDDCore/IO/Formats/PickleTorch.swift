// What the callables of a PyTorch state-dict pickle mean, done as data transformations (the
// `.torchStateDict` vocabulary of the strict pickle reader). `torch.save(model.state_dict())` pickles
// (torch/serialization.py, torch/_tensor.py, torch/_utils.py):
//  * the state dict as `collections.OrderedDict()`, SETITEMS, then BUILD with `{'_metadata': ...}`
//    (Python 2 wrote `OrderedDict([[key, value], ...])` instead);
//  * every tensor as `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride,
//    requires_grad, backward_hooks[, metadata])`; PyTorch before 0.4 wrote
//    `_rebuild_tensor(storage, storage_offset, size, stride)`;
//  * every storage as a persistent id (BINPERSID): ('storage', torch.FloatStorage, key, location, numel)
//    in the zip format, with a sixth item view_metadata, None or (view_key, offset, view_size), in the
//    legacy format. The storage's bytes live outside the pickle (TorchCheckpoint.swift).
// Offsets, sizes and strides count elements, not bytes. Nothing is allocated here from those numbers.

/// The storage classes a state dict of real-valued tensors uses, and the dtype of their elements.
enum TorchStorageType: String, CaseIterable {
    case float = "FloatStorage", half = "HalfStorage", double = "DoubleStorage", long = "LongStorage"
    case int = "IntStorage", byte = "ByteStorage", bool = "BoolStorage", bfloat16 = "BFloat16Storage"

    var dtype: DType {
        switch self {
        case .float: return .f32
        case .half: return .f16
        case .double: return .f64
        case .long: return .i64
        case .int: return .i32
        case .byte: return .u8
        case .bool: return .bool
        case .bfloat16: return .bf16
        }
    }
}

/// A storage named by a persistent id: its element type, its key (the record `data/<key>` of the zip
/// format; an entry of the legacy format's storage list) and its size in elements. A legacy view names
/// the elements `view` of it.
struct TorchStorageReference {
    let type: TorchStorageType
    let key: String
    let count: Int
    /// Whether the id had the legacy format's sixth item.
    let isLegacy: Bool
    let view: (offset: Int, count: Int)?
}

/// A tensor: `shape` and `strides` (in elements) of a view of `storage` starting at element `offset`.
struct TorchTensorReference {
    let storage: TorchStorageReference
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}

extension PickleCallable {
    /// The globals of `.torchStateDict`.
    init?(torchModule module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensor(version: 2)
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor(version: 1)
        case ("torch", _):
            guard let type = TorchStorageType(rawValue: name) else { return nil }
            self = .torchStorageType(type)
        default: return nil
        }
    }
}

enum PickleTorch {
    /// The most dimensions a tensor may have (PyTorch allows 64; state dicts use at most 5).
    static let maxRank = 64

    static func call(_ callable: PickleCallable, _ args: [PickleValue]) throws -> PickleValue {
        switch callable {
        case .orderedDict:
            return .dict(try orderedDict(args))
        case .rebuildTensor(let version):
            return .torchTensor(try rebuildTensor(args, version: version))
        case .torchStorageType(let type):
            throw EngineError.format("torch.\(type.rawValue) may only name the type of a persistent id, not be called")
        default:
            throw EngineError.format("\(callable.qualifiedName) is not a PyTorch callable")
        }
    }

    /// BUILD on an OrderedDict sets its attributes (a state dict's `_metadata`: per-module versions),
    /// which say nothing about the tensors and are dropped.
    static func build(_ target: PickleValue, state: PickleValue) throws {
        guard case .dict(let dict) = target, dict.isOrderedDict else {
            throw EngineError.format("BUILD on \(target.typeName) is not allowed")
        }
        guard case .dict = state else {
            throw EngineError.format("collections.OrderedDict's attributes must be a dict, got \(state.typeName)")
        }
    }

    /// The storage a persistent id names: ('storage', type, key, location, numel[, view_metadata]).
    static func persistentLoad(_ pid: PickleValue) throws -> PickleValue {
        guard case .tuple(let tuple) = pid, tuple.items.count == 5 || tuple.items.count == 6,
              tuple.items[0].string == "storage" else {
            throw EngineError.format("a persistent id must be ('storage', type, key, location, numel[, view]), got \(describe(pid))")
        }
        let items = tuple.items
        guard case .callable(.torchStorageType(let type)) = items[1] else {
            throw EngineError.format("persistent id storage type must be one of torch.\(TorchStorageType.allCases.map(\.rawValue).joined(separator: ", ")), got \(items[1].typeName)")
        }
        guard let key = items[2].string, !key.isEmpty, items[3].string != nil,
              case .int(let count) = items[4], count >= 0 else {
            throw EngineError.format("persistent id must hold (key str, location str, numel int >= 0), got \(describe(pid))")
        }
        var view: (offset: Int, count: Int)?
        if items.count == 6, case .tuple(let v) = items[5] {
            guard v.items.count == 3, v.items[0].string != nil, case .int(let offset) = v.items[1],
                  case .int(let size) = v.items[2], offset >= 0, size >= 0,
                  case let (end, false) = offset.addingReportingOverflow(size), end <= count else {
                throw EngineError.format("storage '\(key)': view \(describe(items[5])) is not (key, offset, size) within its \(count) elements")
            }
            view = (offset, size)
        } else if items.count == 6, case .none = items[5] {
            view = nil
        } else if items.count == 6 {
            throw EngineError.format("storage '\(key)': view metadata must be None or a tuple, got \(items[5].typeName)")
        }
        return .torchStorage(TorchStorageReference(type: type, key: key, count: count, isLegacy: items.count == 6, view: view))
    }

    /// `OrderedDict()` or Python 2's `OrderedDict([[key, value], ...])`.
    private static func orderedDict(_ args: [PickleValue]) throws -> PickleContainer {
        let dict = try PickleContainer()
        dict.isOrderedDict = true
        guard !args.isEmpty else { return dict }
        guard args.count == 1, let pairs = args[0].sequence else {
            throw EngineError.format("collections.OrderedDict expects () or (list of pairs,), got \(describe(args))")
        }
        for pair in pairs {
            guard let kv = pair.sequence, kv.count == 2 else {
                throw EngineError.format("collections.OrderedDict items must be (key, value) pairs, got \(pair.typeName)")
            }
            try dict.append(contentsOf: kv)
        }
        return dict
    }

    private static func rebuildTensor(_ args: [PickleValue], version: Int) throws -> TorchTensorReference {
        let counts = version == 2 ? [6, 7] : [4]
        guard counts.contains(args.count), case .torchStorage(let storage) = args[0], case .int(let offset) = args[1],
              let shape = integers(args[2]), let strides = integers(args[3]) else {
            let form = version == 2 ? "(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])"
                                    : "(storage, offset, size, stride)"
            throw EngineError.format("_rebuild_tensor expects \(form), got \(describe(args))")
        }
        guard offset >= 0, shape.count == strides.count, shape.count <= maxRank,
              shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
            throw EngineError.format("tensor of size \(shape), stride \(strides) at offset \(offset) is invalid")
        }
        if version == 2 {
            // requires_grad is irrelevant to the values; hooks would be callables, which are refused anyway.
            guard args[4].integer != nil, case .dict(let hooks) = args[5], hooks.items.isEmpty else {
                throw EngineError.format("_rebuild_tensor_v2 expects requires_grad (bool) and empty backward_hooks, got \(describe(args))")
            }
            if args.count == 7 {
                switch args[6] {
                case .dict, .none: break
                default: throw EngineError.format("_rebuild_tensor_v2 metadata must be a dict, got \(args[6].typeName)")
                }
            }
        }
        return TorchTensorReference(storage: storage, offset: offset, shape: shape, strides: strides)
    }

    /// The items of a tuple or list of ints, nil for anything else.
    private static func integers(_ value: PickleValue) -> [Int]? {
        guard let items = value.sequence else { return nil }
        var out = [Int]()
        for item in items {
            guard case .int(let v) = item else { return nil }
            out.append(v)
        }
        return out
    }

    private static func describe(_ value: PickleValue) -> String { describe(value.sequence ?? [value]) }

    private static func describe(_ values: [PickleValue]) -> String {
        "(" + values.map(\.typeName).joined(separator: ", ") + ")"
    }
}

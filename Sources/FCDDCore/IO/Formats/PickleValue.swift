// The values a strict pickle reader may produce: Python's plain containers and scalars, plus the two numpy
// objects (ndarray, dtype) that CIFAR's python release stores and the storages and tensors of a PyTorch
// state dict (PickleTorch.swift). Nothing here can call code: numpy and torch objects are records filled
// in by the reader, and only a closed set of callables (`PickleCallable`), chosen by the caller's
// `PickleVocabulary`, is known.

/// Which globals a pickle may name; everything else is a format error.
enum PickleVocabulary {
    /// Plain data only: no global at all (the small header pickles of PyTorch's legacy format).
    case plainData
    /// Plain data and uint8 numpy arrays (CIFAR's python release).
    case numpyArrays
    /// Plain data and PyTorch state dicts: `collections.OrderedDict`, tensors rebuilt from storages that
    /// persistent ids name (what `torch.save(model.state_dict())` writes).
    case torchStateDict
}

/// A value decoded from a pickle stream.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    /// Python 2 `str`, Python 3 `bytes` / `bytearray`.
    case bytes([UInt8])
    /// Python `unicode` (2) / `str` (3), as UTF-8.
    case text([UInt8])
    case tuple(PickleContainer)
    case list(PickleContainer)
    /// Keys and values alternate in `items`.
    case dict(PickleContainer)
    case callable(PickleCallable)
    case array(PickleArray)
    case dtype(PickleDType)
    /// A storage named by a persistent id (BINPERSID), only with `.torchStateDict`.
    case torchStorage(TorchStorageReference)
    /// `torch._utils._rebuild_tensor_v2(...)` or `_rebuild_tensor(...)`: a view of a storage.
    case torchTensor(TorchTensorReference)

    /// A short name for error messages.
    var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .bytes: return "bytes"
        case .text: return "str"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .callable(let c): return c.qualifiedName
        case .array: return "numpy.ndarray"
        case .dtype: return "numpy.dtype"
        case .torchStorage: return "torch storage"
        case .torchTensor: return "torch.Tensor"
        }
    }

    /// Nesting depth (1 for scalars), kept bounded so that destroying a value cannot overflow the stack.
    var depth: Int {
        switch self {
        case .tuple(let c), .list(let c), .dict(let c): return c.depth
        default: return 1
        }
    }

    /// The string for `.text` and `.bytes` (Python 2 keys are byte strings), else nil.
    var string: String? {
        switch self {
        case .text(let utf8): return String(decoding: utf8, as: UTF8.self)
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }

    var integer: Int? {
        switch self {
        case .int(let v): return v
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// Tuple or list items.
    var sequence: [PickleValue]? {
        switch self {
        case .tuple(let c), .list(let c): return c.items
        default: return nil
        }
    }
}

/// Items of a tuple, list or dict. Containers are shared through the memo, so they are reference types.
/// A container may receive items only while it is not inside another one (pickle fills containers before
/// using them), which keeps `depth` exact and rules out cycles.
final class PickleContainer {
    private(set) var items: [PickleValue]
    private(set) var depth: Int
    private(set) var isNested = false
    /// Set for the result of `collections.OrderedDict()`: only such a dict takes BUILD (its attributes,
    /// a state dict's `_metadata`, which a plain dict cannot have).
    var isOrderedDict = false

    /// The deepest nesting accepted; the CIFAR dicts need 3.
    static let maxDepth = 32

    init(_ items: [PickleValue] = []) throws {
        self.items = []
        self.depth = 1
        try append(contentsOf: items)
    }

    func append(contentsOf values: [PickleValue]) throws {
        guard !isNested else { throw EngineError.format("a container is modified after being stored in another one") }
        for value in values {
            switch value {
            case .tuple(let c), .list(let c), .dict(let c):
                guard c !== self else { throw EngineError.format("a container contains itself") }
                c.isNested = true
            default: break
            }
            depth = max(depth, value.depth + 1)
            guard depth <= PickleContainer.maxDepth else {
                throw EngineError.format("containers nested deeper than \(PickleContainer.maxDepth) levels")
            }
        }
        items.append(contentsOf: values)
    }

    /// Dict lookup by string key (Python 2 byte-string or unicode key).
    func value(forKey key: String) -> PickleValue? {
        stride(from: 0, to: items.count - 1, by: 2).first { items[$0].string == key }.map { items[$0 + 1] }
    }

    var keys: [String] { stride(from: 0, to: items.count - 1, by: 2).compactMap { items[$0].string } }
}

/// The only callables a stream may name. Anything else is rejected when the GLOBAL opcode is read.
enum PickleCallable: Equatable {
    // numpy (`.numpyArrays`)
    /// `numpy.core.multiarray._reconstruct(ndarray, shape, typecode)`: an empty array, filled by BUILD.
    case reconstructArray
    /// `numpy.ndarray`, only as the first argument of `_reconstruct`.
    case ndarrayType
    /// `numpy.dtype(name, align, copy)`, completed by BUILD.
    case dtype
    /// `_codecs.encode(text, "latin1")`: how Python 3 writes `bytes` at protocol 2.
    case latin1Encode
    /// `numpy.core.numeric._frombuffer(buffer, dtype, shape, order)`: numpy's protocol-5 array form.
    case arrayFromBuffer
    // PyTorch (`.torchStateDict`, PickleTorch.swift)
    /// `collections.OrderedDict`: the type of every state dict and of its `_metadata`.
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2` (PyTorch >= 0.4) or `_rebuild_tensor` (older legacy files).
    case rebuildTensor(version: Int)
    /// `torch.FloatStorage` etc.: only as the storage type inside a persistent id.
    case torchStorageType(TorchStorageType)

    /// Looks up a GLOBAL in `vocabulary`.
    init?(module: String, name: String, vocabulary: PickleVocabulary) {
        switch vocabulary {
        case .plainData: return nil
        case .numpyArrays: self.init(numpyModule: module, name: name)
        case .torchStateDict: self.init(torchModule: module, name: name)
        }
    }

    /// numpy 2 spells `numpy.core` as `numpy._core`.
    private init?(numpyModule module: String, name: String) {
        switch (module, name) {
        case ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"): self = .reconstructArray
        case ("numpy", "ndarray"): self = .ndarrayType
        case ("numpy", "dtype"): self = .dtype
        case ("_codecs", "encode"): self = .latin1Encode
        case ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"): self = .arrayFromBuffer
        default: return nil
        }
    }

    var qualifiedName: String {
        switch self {
        case .reconstructArray: return "numpy.core.multiarray._reconstruct"
        case .ndarrayType: return "numpy.ndarray"
        case .dtype: return "numpy.dtype"
        case .latin1Encode: return "_codecs.encode"
        case .arrayFromBuffer: return "numpy.core.numeric._frombuffer"
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensor(let version): return version == 2 ? "torch._utils._rebuild_tensor_v2" : "torch._utils._rebuild_tensor"
        case .torchStorageType(let type): return "torch.\(type.rawValue)"
        }
    }
}

/// A numpy dtype; only its type string (`u1` for uint8) matters here.
final class PickleDType {
    let name: String
    var isBuilt = false
    init(name: String) { self.name = name }
}

/// A numpy ndarray: shape, dtype and raw C-order bytes once BUILD (or `_frombuffer`) has filled it.
final class PickleArray {
    var shape: [Int] = []
    var typeName = ""
    var data: [UInt8] = []
    var isFilled = false
}

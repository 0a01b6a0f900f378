// What the known callables of a pickle stream mean, done as data transformations. numpy pickles an
// ndarray as `_reconstruct(ndarray, (0,), b'b')` followed by BUILD with the state
// `(version, shape, dtype, is_fortran, raw_bytes)` (numpy's `array_reduce` / `array_setstate`), or at
// protocol 5 as `_frombuffer(buffer, dtype, shape, order)`; a dtype as `dtype('u1', False, True)` + BUILD.
// Python 3 writes `bytes` at protocol 2 as `_codecs.encode(latin-1 text, 'latin1')`. Only uint8 arrays
// are accepted: that is all the CIFAR files hold.

enum PickleNumpy {
    static func call(_ callable: PickleCallable, _ args: [PickleValue]) throws -> PickleValue {
        switch callable {
        case .reconstructArray:
            guard args.count == 3, case .callable(.ndarrayType) = args[0] else {
                throw EngineError.format("_reconstruct expects (numpy.ndarray, shape, typecode), got \(describe(args))")
            }
            return .array(PickleArray())
        case .dtype:
            guard let name = args.first?.string else { throw EngineError.format("numpy.dtype expects a type name, got \(describe(args))") }
            return .dtype(PickleDType(name: name))
        case .latin1Encode:
            guard args.count == 2, case .text(let utf8) = args[0],
                  let encoding = args[1].string?.lowercased(), ["latin1", "latin-1", "iso-8859-1"].contains(encoding) else {
                throw EngineError.format("_codecs.encode is accepted only as (text, 'latin1'), got \(describe(args))")
            }
            return .bytes(try latin1Bytes(utf8))
        case .arrayFromBuffer:
            guard args.count == 4, case .bytes(let buffer) = args[0], case .dtype(let dtype) = args[1],
                  let shapeItems = args[2].sequence, let order = args[3].string else {
                throw EngineError.format("_frombuffer expects (buffer, dtype, shape, order), got \(describe(args))")
            }
            let array = PickleArray()
            try fill(array, shape: shapeItems, dtype: dtype, fortranOrder: order == "F", data: buffer)
            return .array(array)
        case .ndarrayType:
            throw EngineError.format("numpy.ndarray may only be passed to _reconstruct, not called")
        case .orderedDict, .rebuildTensor, .torchStorageType:
            throw EngineError.format("\(callable.qualifiedName) is not a numpy callable")
        }
    }

    static func build(_ target: PickleValue, state: PickleValue) throws {
        switch target {
        case .array(let array):
            guard !array.isFilled else { throw EngineError.format("BUILD on an ndarray that is already filled") }
            // numpy's array_setstate: (version, shape, dtype, is_fortran, data); the version is optional.
            guard var fields = state.sequence, case .tuple = state, fields.count == 4 || fields.count == 5 else {
                throw EngineError.format("ndarray state must be a tuple (version, shape, dtype, is_fortran, data), got \(state.typeName)")
            }
            if fields.count == 5 { fields.removeFirst() }
            guard let shape = fields[0].sequence, case .dtype(let dtype) = fields[1], let fortran = fields[2].integer else {
                throw EngineError.format("ndarray state has wrong field types: \(describe(fields))")
            }
            let data: [UInt8]
            switch fields[3] {
            case .bytes(let b): data = b
            case .text(let utf8): data = try latin1Bytes(utf8)
            default: throw EngineError.format("ndarray data must be a byte string, got \(fields[3].typeName) (object arrays are not supported)")
            }
            try fill(array, shape: shape, dtype: dtype, fortranOrder: fortran != 0, data: data)
        case .dtype(let dtype):
            guard !dtype.isBuilt, case .tuple = state else { throw EngineError.format("invalid BUILD on numpy.dtype") }
            dtype.isBuilt = true
        default:
            throw EngineError.format("BUILD on \(target.typeName) is not allowed")
        }
    }

    private static func fill(_ array: PickleArray, shape items: [PickleValue], dtype: PickleDType,
                             fortranOrder: Bool, data: [UInt8]) throws {
        guard dtype.name == "u1" || dtype.name == "uint8" else {
            throw EngineError.format("ndarray of dtype '\(dtype.name)': only uint8 arrays are supported")
        }
        let shape = try items.map { item -> Int in
            guard let size = item.integer, size >= 0 else { throw EngineError.format("ndarray shape \(describe(items)) is invalid") }
            return size
        }
        guard let total = checkedProduct(shape) else { throw EngineError.format("ndarray shape is too large") }
        guard !fortranOrder || shape.filter({ $0 > 1 }).count <= 1 else {
            throw EngineError.format("Fortran-order ndarrays are not supported")
        }
        guard data.count == total else {
            throw EngineError.format("ndarray of shape \(shape) needs \(total) bytes, the stream holds \(data.count)")
        }
        array.shape = shape
        array.typeName = dtype.name
        array.data = data
        array.isFilled = true
    }

    /// Code points U+0000...U+00FF of UTF-8 text as bytes (Python's `str.encode('latin1')`).
    static func latin1Bytes(_ utf8: [UInt8]) throws -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            let lead = utf8[i]
            if lead < 0x80 {
                out.append(lead); i += 1
            } else if (lead == 0xC2 || lead == 0xC3), i + 1 < utf8.count, utf8[i + 1] & 0xC0 == 0x80 {
                out.append((lead & 0x03) << 6 | (utf8[i + 1] & 0x3F)); i += 2
            } else {
                throw EngineError.format("text at byte \(i) is not latin-1 encodable")
            }
        }
        return out
    }

    private static func describe(_ values: [PickleValue]) -> String {
        "(" + values.map(\.typeName).joined(separator: ", ") + ")"
    }
}

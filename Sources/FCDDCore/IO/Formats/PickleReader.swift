// A strict reader for Python pickles of plain data (the pickle virtual machine of CPython's
// Lib/pickle.py, binary opcodes of protocols 2-5). It exists to read CIFAR's python release, written by
// Python 2 cPickle (protocol 2) with numpy arrays, the same dicts re-pickled by Python 3, and PyTorch
// state dicts. It never runs code: GLOBAL / STACK_GLOBAL accept only the names of the caller's
// `PickleVocabulary`, REDUCE only calls those with the argument types numpy or PyTorch themselves write,
// BINPERSID only names torch storages, and every other opcode (text protocol 0/1 forms, INST, OBJ,
// NEWOBJ, PERSID, EXT*) is a format error. All lengths are checked against the remaining input first.

/// Decodes one pickle. `source` names the data in error messages.
func readPickle(_ bytes: [UInt8], source: String, vocabulary: PickleVocabulary = .numpyArrays) throws -> PickleValue {
    try readPickle(bytes, from: 0, source: source, vocabulary: vocabulary).value
}

/// Decodes the pickle that starts at byte `start` of `bytes` and returns it with the offset just after
/// its STOP opcode, for files that hold several pickles one after another.
func readPickle(_ bytes: [UInt8], from start: Int, source: String,
                vocabulary: PickleVocabulary) throws -> (value: PickleValue, end: Int) {
    var machine = PickleMachine(bytes: bytes, source: source, vocabulary: vocabulary, at: start)
    let value = try machine.run()
    return (value, machine.at)
}

extension PickleVocabulary {
    /// What the vocabulary reads, for error messages.
    var summary: String {
        switch self {
        case .plainData: return "plain data"
        case .numpyArrays: return "numpy array reconstruction"
        case .torchStateDict: return "a PyTorch state dict of tensors"
        }
    }
}

private struct PickleMachine {
    let bytes: [UInt8]
    let source: String
    let vocabulary: PickleVocabulary
    var at: Int
    var stack: [PickleValue] = []
    var marks: [Int] = []
    var memo: [Int: PickleValue] = [:]

    init(bytes: [UInt8], source: String, vocabulary: PickleVocabulary, at: Int) {
        self.bytes = bytes; self.source = source; self.vocabulary = vocabulary
        self.at = min(max(at, 0), bytes.count)
    }

    func fail(_ message: String) -> EngineError { .format("\(source): pickle: \(message)") }

    mutating func run() throws -> PickleValue {
        while true {
            let offset = at
            let op = try byte()
            do {
                if op == 0x2E { // STOP
                    guard let result = stack.popLast(), marks.isEmpty else { throw fail("STOP with an empty stack or an open MARK") }
                    return result
                }
                try execute(op)
            } catch EngineError.format(let message) where !message.hasPrefix(source) {
                throw fail("\(message) (opcode 0x\(String(op, radix: 16)) at byte \(offset))")
            }
        }
    }

    // MARK: input

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - at else {
            throw fail("truncated: needs \(count) bytes at offset \(at), \(bytes.count - at) remain")
        }
        defer { at += count }
        return bytes[at..<(at + count)]
    }

    mutating func byte() throws -> UInt8 { try take(1).first! }

    /// Little-endian unsigned integer of `count` bytes (count <= 8).
    mutating func unsigned(_ count: Int) throws -> UInt64 {
        try take(count).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A length field that must fit the rest of the input.
    mutating func length(_ count: Int) throws -> Int {
        let value = try unsigned(count)
        guard value <= UInt64(bytes.count - at) else {
            throw fail("length \(value) at offset \(at - count) exceeds the \(bytes.count - at) remaining bytes (truncated file?)")
        }
        return Int(value)
    }

    mutating func line() throws -> String {
        guard let end = bytes[at...].firstIndex(of: 0x0A) else { throw fail("truncated: unterminated line at offset \(at)") }
        defer { at = end + 1 }
        return String(decoding: bytes[at..<end], as: UTF8.self)
    }

    // MARK: stack

    mutating func pop() throws -> PickleValue {
        guard let top = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw fail("stack underflow") }
        return top
    }

    /// The items above the most recent MARK, which is removed.
    mutating func popMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail("no MARK on the stack") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    mutating func push(_ value: PickleValue) { stack.append(value) }

    mutating func tuple(_ items: [PickleValue]) throws -> PickleValue { .tuple(try PickleContainer(items)) }

    // MARK: opcodes

    mutating func execute(_ op: UInt8) throws {
        switch op {
        case 0x80: // PROTO
            let version = try byte()
            guard (2...5).contains(version) else { throw fail("protocol \(version) is not supported (2-5 are)") }
        case 0x95: _ = try unsigned(8) // FRAME: a length hint only
        case 0x28: marks.append(stack.count) // MARK
        case 0x30: _ = try pop() // POP
        case 0x4E: push(.none)
        case 0x88: push(.bool(true))
        case 0x89: push(.bool(false))
        case 0x4B: push(.int(Int(try unsigned(1)))) // BININT1
        case 0x4D: push(.int(Int(try unsigned(2)))) // BININT2
        case 0x4A: push(.int(Int(Int32(truncatingIfNeeded: try unsigned(4))))) // BININT
        case 0x8A: // LONG1: little-endian two's complement of n <= 8 bytes
            let n = Int(try byte())
            guard n <= 8 else { throw fail("integer of \(n) bytes is too large") }
            let raw = try unsigned(n)
            let shift = UInt64(64 - 8 * n)
            push(.int(n == 0 ? 0 : Int(Int64(bitPattern: raw << shift) >> Int64(shift))))
        case 0x47: push(.float(Double(bitPattern: try take(8).reduce(0) { $0 << 8 | UInt64($1) }))) // BINFLOAT
        case 0x55: push(.bytes(Array(try take(try length(1))))) // SHORT_BINSTRING
        case 0x54: // BINSTRING: signed 32-bit length
            let count = Int(Int32(truncatingIfNeeded: try unsigned(4)))
            push(.bytes(Array(try take(count))))
        case 0x43: push(.bytes(Array(try take(try length(1))))) // SHORT_BINBYTES
        case 0x42: push(.bytes(Array(try take(try length(4))))) // BINBYTES
        case 0x8E, 0x96: push(.bytes(Array(try take(try length(8))))) // BINBYTES8, BYTEARRAY8
        case 0x8C: push(.text(Array(try take(try length(1))))) // SHORT_BINUNICODE
        case 0x58: push(.text(Array(try take(try length(4))))) // BINUNICODE
        case 0x8D: push(.text(Array(try take(try length(8))))) // BINUNICODE8
        case 0x29: push(try tuple([])) // EMPTY_TUPLE
        case 0x85, 0x86, 0x87: // TUPLE1..3
            let n = Int(op - 0x84)
            guard stack.count - n >= (marks.last ?? 0) else { throw fail("stack underflow") }
            let items = Array(stack.suffix(n))
            stack.removeLast(n)
            push(try tuple(items))
        case 0x74: push(try tuple(try popMark())) // TUPLE
        case 0x5D: push(.list(try PickleContainer())) // EMPTY_LIST
        case 0x7D: push(.dict(try PickleContainer())) // EMPTY_DICT
        case 0x61: try extend(with: [try pop()], list: true) // APPEND
        case 0x65: try extend(with: try popMark(), list: true) // APPENDS
        case 0x73: let v = try pop(); let k = try pop(); try extend(with: [k, v], list: false) // SETITEM
        case 0x75: // SETITEMS
            let items = try popMark()
            guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of items") }
            try extend(with: items, list: false)
        case 0x71: try memoize(Int(try unsigned(1))) // BINPUT
        case 0x72: try memoize(Int(try unsigned(4))) // LONG_BINPUT
        case 0x94: try memoize(memo.count) // MEMOIZE
        case 0x68, 0x6A: // BINGET, LONG_BINGET
            let key = Int(try unsigned(op == 0x68 ? 1 : 4))
            guard let value = memo[key] else { throw fail("memo entry \(key) is not defined") }
            push(value)
        case 0x63: try pushGlobal(module: try line(), name: try line()) // GLOBAL
        case 0x93: // STACK_GLOBAL
            let name = try pop(), module = try pop()
            guard case .text(let n) = name, case .text(let m) = module else { throw fail("STACK_GLOBAL needs two strings") }
            try pushGlobal(module: String(decoding: m, as: UTF8.self), name: String(decoding: n, as: UTF8.self))
        case 0x52: // REDUCE
            let args = try pop(), function = try pop()
            guard case .callable(let callable) = function, let argList = args.sequence, case .tuple = args else {
                throw fail("REDUCE of \(function.typeName) with \(args.typeName): only the callables of \(vocabulary.summary) are accepted")
            }
            push(vocabulary == .torchStateDict ? try PickleTorch.call(callable, argList) : try PickleNumpy.call(callable, argList))
        case 0x62: // BUILD
            let state = try pop()
            guard let target = stack.last else { throw fail("stack underflow") }
            if vocabulary == .torchStateDict {
                try PickleTorch.build(target, state: state)
            } else {
                try PickleNumpy.build(target, state: state)
            }
        case 0x51 where vocabulary == .torchStateDict: // BINPERSID
            push(try PickleTorch.persistentLoad(try pop()))
        default:
            throw fail("opcode 0x\(String(op, radix: 16)) is not allowed (only \(vocabulary.summary) is read)")
        }
    }

    mutating func extend(with items: [PickleValue], list: Bool) throws {
        guard let target = stack.last else { throw fail("stack underflow") }
        switch (target, list) {
        case (.list(let c), true), (.dict(let c), false): try c.append(contentsOf: items)
        default: throw fail("cannot add items to \(target.typeName)")
        }
    }

    mutating func memoize(_ key: Int) throws {
        guard let top = stack.last else { throw fail("memo store with an empty stack") }
        memo[key] = top
    }

    mutating func pushGlobal(module: String, name: String) throws {
        guard let callable = PickleCallable(module: module, name: name, vocabulary: vocabulary) else {
            throw fail("global '\(module).\(name)' is not allowed (only \(vocabulary.summary) is)")
        }
        push(.callable(callable))
    }
}

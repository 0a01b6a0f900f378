// Dense float32 tensors in row-major order. Inside the engine every image tensor is NCHW
// (batch N, channels C, height H, width W); feature vectors are (N, F).

/// A shape plus a flat, row-major `Float` buffer. Value semantics (copy on write) come from `Array`.
public struct Tensor: Equatable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "Tensor: \(data.count) values do not fill \(shape)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    public init(repeating value: Float, shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// Size of the leading (batch) dimension.
    public var batch: Int { shape.first ?? 0 }

    /// Number of values per batch item.
    public var itemCount: Int { shape.count <= 1 ? 1 : shape.dropFirst().reduce(1, *) }

    /// The same values under another shape of equal size.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    public mutating func fill(_ value: Float) {
        data.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = value }
        }
    }

    /// Batch items `range` as a new tensor.
    public func items(_ range: Range<Int>) -> Tensor {
        let per = itemCount
        var s = shape
        s[0] = range.count
        return Tensor(shape: s, data: Array(data[(range.lowerBound * per)..<(range.upperBound * per)]))
    }

    /// Concatenates tensors of equal item shape along the batch dimension.
    public static func concatenate(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty)
        var s = parts[0].shape
        s[0] = parts.reduce(0) { $0 + $1.batch }
        var d = [Float]()
        d.reserveCapacity(s.reduce(1, *))
        for p in parts { d.append(contentsOf: p.data) }
        return Tensor(shape: s, data: d)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { "Tensor\(shape)" }
}

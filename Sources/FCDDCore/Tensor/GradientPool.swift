// Input gradients larger than `ReusableArray.keepLimit` are not kept per layer (that would hold every
// layer's gradient at once and raise the peak). Backward only ever needs two of them at a time, the
// incoming one and the one being written, so a network owns one pool: the layers take their large
// input gradients from it, and the network hands each gradient back once the next layer has consumed it
// (`Network.backwardStep`). After the first step, every large gradient is written into an array that
// was used before, without page faults or calls to the allocator, and the pool holds at most two arrays
// between steps, which is no more than backward needed at its widest point.
//
// Arrays change size from layer to layer. A spare keeps its capacity when it shrinks, so it is chosen
// by best fit: the smallest spare that holds the request; only when none does is one replaced by a
// larger array (in the first steps). Growing within the capacity writes zeros over the new part, the
// one price of Array's exact count (a memory pass, far cheaper than fresh pages).

/// The spare large gradient arrays of one network.
final class GradientPool {
    /// Spares kept between layers and steps; backward holds two gradients at a time (dy and dx).
    static let spareLimit = 2

    /// Gradients of more than this many bytes come from the pool; smaller ones stay with their layer.
    var threshold = ReusableArray<Float>.keepLimit

    private var spares: [[Float]] = []

    /// Spare arrays right now, and arrays allocated so far (for tests and diagnostics).
    var spareCount: Int { spares.count }
    private(set) var allocations = 0

    /// Whether a gradient of `count` values is taken from the pool.
    func serves(_ count: Int) -> Bool { count * MemoryLayout<Float>.stride > threshold }

    /// An array of `count` values; the contents are unspecified (the caller writes every one).
    func take(_ count: Int) -> [Float] {
        let fitting = spares.indices.lazy.filter { self.spares[$0].capacity >= count }
        if let best = fitting.min(by: { spares[$0].capacity < spares[$1].capacity }) {
            var array = removeSpare(at: best)
            if array.count > count {
                array.removeLast(array.count - count)   // keeps the capacity: the array is unique
            } else if array.count < count {
                array.append(contentsOf: repeatElement(0, count: count - array.count))
            }
            return array
        }
        // Nothing fits: free the largest spare before allocating, so the two never coexist.
        if let largest = spares.indices.max(by: { spares[$0].capacity < spares[$1].capacity }) {
            _ = removeSpare(at: largest)
        }
        allocations += 1
        return [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Takes the storage of `tensor` (left empty) as a spare when it is large and nobody else holds it.
    func recycle(_ tensor: inout Tensor) {
        var array: [Float] = []
        swap(&array, &tensor.data)
        tensor.shape = [0]
        guard serves(array.count), isUniquelyReferenced(&array) else { return }
        spares.append(array)
        if spares.count > Self.spareLimit,
           let smallest = spares.indices.min(by: { spares[$0].capacity < spares[$1].capacity }) {
            _ = removeSpare(at: smallest)
        }
    }

    /// Moves a spare out without copying it (the pool's reference is gone, so the array stays unique).
    private func removeSpare(at index: Int) -> [Float] {
        spares.swapAt(index, spares.count - 1)
        return spares.removeLast()
    }
}

/// Where a layer writes its input gradient: its own reusable array when the gradient is small, the
/// network's pool when it is large (and the layer belongs to a network).
struct GradientStorage {
    private var own = ReusableArray<Float>()
    var pool: GradientPool?

    /// A gradient tensor of `shape` whose values `fill(pointer, count)` writes, every one of them.
    @inline(__always)
    mutating func tensor(_ shape: [Int], _ fill: (UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        let count = shape.reduce(1, *)
        guard let pool, pool.serves(count) else {
            return own.tensor(shape, fill)
        }
        var array = pool.take(count)
        array.withUnsafeMutableBufferPointer { fill($0.baseAddress!, count) }
        return Tensor(shape: shape, data: array)
    }
}

/// A layer that writes its input gradient through a `GradientStorage` (its network connects the pool).
protocol PooledInputGradient: AnyObject {
    var gradientStorage: GradientStorage { get set }
}

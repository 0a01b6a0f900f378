// Storage that a layer reuses from one call to the next. A training step of a small network allocates
// and frees dozens of multi-megabyte tensors; glibc hands such blocks back to the kernel when they are
// freed, so every step paid for fresh zeroed pages (page faults were ~15% of an FCDD_CNN28 step).
// Instead, a layer keeps a reference to the array behind each output it hands out and, on the next
// call, writes into it again if nobody else holds it any more (the consumer has dropped its cache).
// Value semantics are untouched: while anybody still holds the old output, a fresh array is used.
//
// Only arrays of at most `keepLimit` bytes are kept. For small tensors the page faults cost as much as
// the arithmetic; large ones (a VGG on 224x224 images) carry so much arithmetic per byte that fresh
// pages hardly matter there, while keeping every layer's output and gradient would raise the peak
// memory (gradients of all layers would exist at once instead of two at a time; large input gradients
// are shared through the network's GradientPool instead). The exception are
// forward outputs that the next layer caches as its input (`keepLarge`, planned per network in
// `Network.planOutputReuse`): they live until the end of the step anyway, and reusing them saved 10-25%
// of a VGG or LW3K step (fresh pages for 200 MB activations). What is kept stays reserved between calls.

/// One reusable array, for one output of a layer (or one scratch buffer of a worker).
struct ReusableArray<Element> {
    /// Largest array, in bytes, that is kept for the next call.
    static var keepLimit: Int { 16 << 20 }

    private var array: [Element] = []

    /// An array of `count` elements whose contents are unspecified until `fill` writes them; `fill`
    /// must write every element. The result shares storage with this object.
    /// `keepLarge` keeps the array whatever its size: for forward outputs that stay alive (as the next
    /// layer's cached input) until the end of the step anyway, so keeping them does not raise the peak.
    @inline(__always)
    mutating func take(_ count: Int, keepLarge: Bool = false, _ fill: (UnsafeMutablePointer<Element>) -> Void) -> [Element] {
        prepare(count)
        array.withUnsafeMutableBufferPointer { p in if count > 0 { fill(p.baseAddress!) } }
        if keepLarge || count * MemoryLayout<Element>.stride <= Self.keepLimit { return array }
        defer { array = [] }
        return array
    }

    /// Scratch memory of `count` elements for use inside `body` only (not handed out).
    @inline(__always)
    mutating func withScratch<R>(_ count: Int, _ body: (UnsafeMutablePointer<Element>) -> R) -> R {
        if array.count < count || !isUniquelyReferenced(&array) { allocate(count) }
        defer { if count * MemoryLayout<Element>.stride > Self.keepLimit { array = [] } }
        return array.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    private mutating func prepare(_ count: Int) {
        if array.count != count || !isUniquelyReferenced(&array) { allocate(count) }
    }

    private mutating func allocate(_ count: Int) {
        array = []  // free the old block before taking a new one
        array = [Element](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}

extension ReusableArray where Element == Float {
    /// A tensor of `shape` whose values `fill(pointer, count)` writes, every one of them.
    @inline(__always)
    mutating func tensor(_ shape: [Int], keepLarge: Bool = false, _ fill: (UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, data: take(count, keepLarge: keepLarge) { fill($0, count) })
    }
}

/// Whether the storage of `array` has no other owner. `Array` is a single reference to its storage
/// object (a layout fixed by Swift's stable ABI), so the reference can be checked like any class
/// instance. The empty array's shared storage never counts as unique.
@inline(__always)
func isUniquelyReferenced<Element>(_ array: inout [Element]) -> Bool {
    withUnsafeMutablePointer(to: &array) { p in
        p.withMemoryRebound(to: AnyObject.self, capacity: 1) { isKnownUniquelyReferenced(&$0.pointee) }
    }
}

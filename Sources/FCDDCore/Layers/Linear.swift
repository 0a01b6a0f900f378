// Fully connected layer (PyTorch nn.Linear): y (N, OUT) = x (N, IN) * W^T + b, W stored (OUT, IN).
import FCDDKernels

public final class Linear: Layer {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Parameter          // (OUT, IN)
    public let bias: Parameter?           // (OUT)
    private var input: Tensor?

    /// PyTorch default initialisation: U(-1/sqrt(IN), 1/sqrt(IN)) for weight and bias.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RandomSource) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
        let bound = 1.0 / Double(inFeatures).squareRoot()
        weight = Parameter("weight", Initializer.uniform([outFeatures, inFeatures], bound: bound, rng: &rng))
        self.bias = bias ? Parameter("bias", Initializer.uniform([outFeatures], bound: bound, rng: &rng)) : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 2, input[1] == inFeatures else {
            throw EngineError.shapeMismatch("Linear(\(inFeatures)->\(outFeatures)) expects (N, \(inFeatures)), got \(input)")
        }
        return [input[0], outFeatures]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x.batch
        var y = Tensor(zeros: [n, outFeatures])
        if let b = bias {
            for i in 0..<n { for o in 0..<outFeatures { y.data[i * outFeatures + o] = b.value.data[o] } }
        }
        x.data.withUnsafeBufferPointer { xp in
        weight.value.data.withUnsafeBufferPointer { wp in
        y.data.withUnsafeMutableBufferPointer { yp in
            sgemm(transA: false, transB: true, m: n, n: outFeatures, k: inFeatures,
                  a: xp.baseAddress!, lda: inFeatures, b: wp.baseAddress!, ldb: inFeatures,
                  beta: bias == nil ? 0 : 1, c: yp.baseAddress!, ldc: outFeatures)
        }}}
        input = x
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        guard let x = input else { preconditionFailure("Linear.backward without forward") }
        let n = x.batch
        if let b = bias, b.trainable {
            for o in 0..<outFeatures {
                var s: Float = 0
                for i in 0..<n { s += dy.data[i * outFeatures + o] }
                b.grad.data[o] += s
            }
        }
        if weight.trainable {
            dy.data.withUnsafeBufferPointer { dp in
            x.data.withUnsafeBufferPointer { xp in
            weight.grad.data.withUnsafeMutableBufferPointer { gp in
                // dW (OUT, IN) += dy^T (OUT, N) * x (N, IN)
                sgemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: n,
                      a: dp.baseAddress!, lda: outFeatures, b: xp.baseAddress!, ldb: inFeatures,
                      beta: 1, c: gp.baseAddress!, ldc: inFeatures)
            }}}
        }
        var dx = Tensor(zeros: needInputGrad ? x.shape : [0])
        if needInputGrad {
            dy.data.withUnsafeBufferPointer { dp in
            weight.value.data.withUnsafeBufferPointer { wp in
            dx.data.withUnsafeMutableBufferPointer { xp in
                sgemm(transA: false, transB: false, m: n, n: inFeatures, k: outFeatures,
                      a: dp.baseAddress!, lda: outFeatures, b: wp.baseAddress!, ldb: inFeatures,
                      beta: 0, c: xp.baseAddress!, ldc: inFeatures)
            }}}
        }
        return dx
    }

    public func clearCache() { input = nil }
}

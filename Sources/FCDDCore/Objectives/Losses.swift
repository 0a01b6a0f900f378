// The objectives of the original (reference sections 4.1-4.4) with their gradients w.r.t. the network
// output. Label 0 is pulled to the centre and label 1 pushed away, whatever the nominal label is.
// The anomalous term -log(1 - exp(-m) + 1e-31) is evaluated in float32 like the original, so that it
// saturates at 71.38 exactly where PyTorch's does.
#if canImport(Glibc)
import Glibc
#endif

/// `--objective`: FCDD, or the baselines of the paper, hypersphere classification (HSC) and the
/// autoencoder (AE). Each network family is built for one of them (`Network.objective`).
public enum Objective: String, CaseIterable {
    case fcdd, hsc, ae
}

/// A scalar loss (batch mean) and its gradient w.r.t. the network output.
public struct LossAndGradient {
    public var loss: Double
    public var dOutput: Tensor
}

public enum Losses {
    /// Pseudo-Huber `sqrt(x^2 + 1) - 1`.
    @inline(__always) static func pseudoHuber(_ x: Float) -> Float { (x * x + 1).squareRoot() - 1 }
    /// Its derivative `x / sqrt(x^2 + 1)`.
    @inline(__always) static func pseudoHuberGrad(_ x: Float) -> Float { x / (x * x + 1).squareRoot() }

    /// The pushing-away term for a per-sample mean `m` and its derivative d/dm.
    @inline(__always) static func anomalousTerm(_ m: Float) -> (value: Float, slope: Float) {
        let e = expf(-m)
        let inner = (1 - e) + Float(1e-31)
        return (-logf(inner), -e / inner)
    }

    /// Pseudo-Huber map of an output batch (the FCDD anomaly-score tensor).
    public static func pseudoHuberMap(_ out: Tensor) -> Tensor {
        var l = out
        for i in 0..<l.count { l.data[i] = pseudoHuber(l.data[i]) }
        return l
    }

    /// Whether a label batch has more than one distinct value (the original's switch to the
    /// semi-supervised loss; an all-anomalous batch therefore counts as nominal).
    static func hasBothLabels(_ labels: [Float]) -> Bool {
        guard let first = labels.first else { return false }
        return labels.contains { $0 != first }
    }

    /// FCDD loss without ground-truth maps (section 4.1). Outside training, or with one label value,
    /// it is the mean of the pseudo-Huber map.
    public static func fcdd(output a: Tensor, labels: [Float], training: Bool) -> LossAndGradient {
        let n = a.batch, per = a.itemCount
        var d = Tensor(zeros: a.shape)
        if training && hasBothLabels(labels) {
            var total = 0.0
            for i in 0..<n {
                var s = 0.0
                for k in 0..<per { s += Double(pseudoHuber(a.data[i * per + k])) }
                let m = Float(s / Double(per))
                var slope: Float = 1
                if labels[i] == 1 {
                    let t = anomalousTerm(m)
                    total += Double(t.value)
                    slope = t.slope
                } else {
                    total += Double(m)
                }
                let scale = slope / Float(per * n)
                for k in 0..<per { d.data[i * per + k] = scale * pseudoHuberGrad(a.data[i * per + k]) }
            }
            return LossAndGradient(loss: total / Double(n), dOutput: d)
        }
        var s = 0.0
        let scale = 1 / Float(a.count)
        for i in 0..<a.count {
            s += Double(pseudoHuber(a.data[i]))
            d.data[i] = scale * pseudoHuberGrad(a.data[i])
        }
        return LossAndGradient(loss: s / Double(a.count), dOutput: d)
    }

    /// FCDD loss with ground-truth maps (section 4.2), training mode: computed on the Gaussian-upsampled
    /// pseudo-Huber map; both terms average over all H*W pixels.
    public static func fcddGroundTruth(output a: Tensor, gtmaps: Tensor, reception: Reception,
                                       std: Double?) throws -> LossAndGradient {
        let n = a.batch, side = gtmaps.shape[2], hw = side * side
        let l = pseudoHuberMap(a)
        let up = try ReceptiveUpsampling.upsample(l, reception: reception, outSide: side, std: std)
        var dUp = Tensor(zeros: up.shape)
        var total = 0.0
        for i in 0..<n {
            var norm = 0.0, anom = 0.0, hasAnomaly = false
            for k in 0..<hw {
                let g = gtmaps.data[i * hw + k], v = Double(up.data[i * hw + k])
                norm += v * Double(1 - g)
                anom += v * Double(g)
                if g == 1 { hasAnomaly = true }
            }
            total += norm / Double(hw)
            var slope: Float = 0
            if hasAnomaly {
                let t = anomalousTerm(Float(anom / Double(hw)))
                total += Double(t.value)
                slope = t.slope
            }
            for k in 0..<hw {
                let g = gtmaps.data[i * hw + k]
                dUp.data[i * hw + k] = ((1 - g) + slope * g) / Float(hw * n)
            }
        }
        var d = ReceptiveUpsampling.upsampleAdjoint(dUp, reception: reception, mapSide: a.shape[2], std: std)
        for i in 0..<d.count { d.data[i] *= pseudoHuberGrad(a.data[i]) }
        return LossAndGradient(loss: total / Double(n), dOutput: d)
    }

    /// Per-sample HSC distance `sqrt(||z||^2 + 1) - 1` (section 4.3).
    public static func hscDistances(_ z: Tensor) -> [Float] {
        let per = z.itemCount
        return (0..<z.batch).map { i in
            var s: Float = 0
            for k in 0..<per { let v = z.data[i * per + k]; s += v * v }
            return (s + 1).squareRoot() - 1
        }
    }

    /// HSC loss: in training mode label 1 uses the pushing-away term (no check for label diversity).
    public static func hsc(output z: Tensor, labels: [Float], training: Bool) -> LossAndGradient {
        let n = z.batch, per = z.itemCount
        let dist = hscDistances(z)
        var d = Tensor(zeros: z.shape)
        var total = 0.0
        for i in 0..<n {
            var slope: Float = 1
            if training && labels[i] == 1 {
                let t = anomalousTerm(dist[i])
                total += Double(t.value)
                slope = t.slope
            } else {
                total += Double(dist[i])
            }
            // d dist / d z = z / sqrt(||z||^2 + 1) = z / (dist + 1)
            let scale = slope / (Float(n) * (dist[i] + 1))
            for k in 0..<per { d.data[i * per + k] = scale * z.data[i * per + k] }
        }
        return LossAndGradient(loss: total / Double(n), dOutput: d)
    }

    /// Reconstruction loss: mean squared error over all elements.
    public static func ae(output xHat: Tensor, input x: Tensor) -> LossAndGradient {
        var d = Tensor(zeros: xHat.shape)
        var s = 0.0
        let scale = 2 / Float(x.count)
        for i in 0..<x.count {
            let e = xHat.data[i] - x.data[i]
            s += Double(e * e)
            d.data[i] = scale * e
        }
        return LossAndGradient(loss: s / Double(x.count), dOutput: d)
    }
}

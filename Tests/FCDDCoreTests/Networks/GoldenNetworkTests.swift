import XCTest
@testable import FCDDCore

/// Reproduces every tensor of the golden network fixtures (computed with PyTorch running the original
/// code): training forward, BatchNorm statistics, losses, gradients, eval outputs, scores, heatmaps and
/// three SGD and Adam steps.
final class GoldenNetworkTests: XCTestCase {
    struct Golden {
        let file: SafeTensorsFile
        let net: Network
        let objective: Objective
        let gaussStd: Double

        init(_ fixture: String) throws {
            file = try SafeTensorsFile.read(path: fixturePath(fixture))
            let meta = Dictionary(uniqueKeysWithValues: file.metadata.map { ($0.0, $0.1) })
            let shape = try JSONValue.parse(meta["in_shape"]!).arrayValue!.map { $0.intValue! }
            net = try NetworkRegistry.make(meta["network"]!, inShape: shape, bias: true, seed: 0)
            objective = Objective(rawValue: meta["objective"]!)!
            gaussStd = Double(meta["gauss_std"]!)!
        }

        func t(_ name: String) throws -> Tensor { try file.tensor(name) }
        func has(_ name: String) -> Bool { file[name] != nil }

        /// Loads every state entry stored under `prefix` (e.g. "init.").
        func load(_ prefix: String) throws {
            for (name, _) in net.stateEntries where has(prefix + name) {
                try net.setState(name, try t(prefix + name).data)
            }
        }

        var labels: [Float] { (try? t("labels").data) ?? [] }

        /// Biases of convolutions that feed straight into BatchNorm, and those BatchNorms. BatchNorm
        /// subtracts the batch mean, so such a bias has an exact gradient of zero: PyTorch's and our
        /// values are both float32 rounding noise (~1e-7) and cannot agree relative to each other.
        /// Adam then turns that noise into steps of about +-lr, so after Adam steps these biases, and
        /// the running means of the BatchNorm behind them, differ by up to a few lr.
        var shadowedBiases: (biases: Set<String>, runningMeans: Set<String>) {
            let path = { (layer: Layer) in net.modules.first { $0.layer === layer }?.path ?? "" }
            var biases = Set<String>(), means = Set<String>()
            for (a, b) in zip(net.layers, net.layers.dropFirst()) {
                let hasBias = (a as? Conv2d)?.bias != nil || (a as? ConvTranspose2d)?.bias != nil
                if hasBias, b is BatchNorm {
                    biases.insert(path(a) + ".bias")
                    means.insert(path(b) + ".running_mean")
                }
            }
            return (biases, means)
        }
    }

    /// Gradients that are zero in exact arithmetic must be float32 noise on both sides.
    func assertNumericallyZero(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let worst = (a + b).map { abs($0) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-5, "\(what) should be zero up to rounding", file: file, line: line)
    }

    func check(_ fixture: String) throws {
        let g = try Golden(fixture)
        let net = g.net
        // Every parameter of the original appears in the fixture under the same name.
        for (name, entry) in net.stateEntries where !name.hasSuffix("num_batches_tracked") {
            XCTAssertTrue(g.has("init." + name), "\(fixture): fixture lacks init.\(name)")
            if let e = g.file["init." + name] { XCTAssertEqual(e.shape, entry.tensor.shape, name) }
        }
        let x = try g.t("x")

        // One training forward: output and running statistics.
        try g.load("init.")
        net.train()
        assertClose(try net.forward(x).data, try g.t("train.out").data, "\(fixture) train.out")
        for (name, entry) in net.stateEntries where g.has("after." + name) {
            assertClose(entry.tensor.data, try g.t("after." + name).data, "\(fixture) after.\(name)")
        }

        // Eval mode with the statistics of that forward.
        net.eval()
        assertClose(try net.forward(x).data, try g.t("eval.out").data, rtol: 1e-4, atol: 1e-5, "\(fixture) eval.out")
        if g.has("eval.score") {
            assertClose(try net.scores(x), try g.t("eval.score").data, "\(fixture) eval.score")
            assertClose(try net.heatmaps(x, gaussStd: g.gaussStd).data, try g.t("eval.heatmap").data,
                        "\(fixture) eval.heatmap")
        }

        // Losses and gradients, each from the initial state.
        try g.load("init.")
        let zeros = [Float](repeating: 0, count: x.batch)
        let unsup = try net.lossAndGradient(x, labels: zeros, objective: g.objective, gaussStd: g.gaussStd)
        assertClose([Float(unsup)], try g.t("loss.unsup").data, "\(fixture) loss.unsup")
        try g.load("init.")
        let semi = try net.lossAndGradient(x, labels: g.labels, objective: g.objective, gaussStd: g.gaussStd)
        assertClose([Float(semi)], try g.t("loss.semi").data, "\(fixture) loss.semi")
        let shadowed = g.shadowedBiases
        for (name, p) in net.namedParameters where g.has("grad.semi." + name) {
            if shadowed.biases.contains(name) {
                assertNumericallyZero(p.grad.data, try g.t("grad.semi." + name).data, "\(fixture) grad.semi.\(name)")
                continue
            }
            assertCloseRelativeToMax(p.grad.data, try g.t("grad.semi." + name).data, "\(fixture) grad.semi.\(name)")
        }
        if g.has("gtmaps") {
            try g.load("init.")
            let gt = try net.lossAndGradient(x, labels: g.labels, gtmaps: try g.t("gtmaps"),
                                             objective: g.objective, gaussStd: g.gaussStd)
            assertClose([Float(gt)], try g.t("loss.gt").data, "\(fixture) loss.gt")
            for (name, p) in net.namedParameters where g.has("grad.gt." + name) {
                if shadowed.biases.contains(name) {
                    assertNumericallyZero(p.grad.data, try g.t("grad.gt." + name).data, "\(fixture) grad.gt.\(name)")
                    continue
                }
                assertCloseRelativeToMax(p.grad.data, try g.t("grad.gt." + name).data, "\(fixture) grad.gt.\(name)")
            }
        }

        // Three optimiser steps on the same batch.
        for kind in ["sgd", "adam"] where g.has(kind + ".losses") {
            try g.load("init.")
            let opt: Optimizer = kind == "sgd"
                ? try SGD(net, lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4)
                : try Adam(net, lr: 1e-3, weightDecay: 1e-4)
            var losses = [Float]()
            for _ in 0..<3 {
                losses.append(Float(try net.lossAndGradient(x, labels: g.labels, objective: g.objective, gaussStd: g.gaussStd)))
                opt.step()
            }
            assertClose(losses, try g.t(kind + ".losses").data, rtol: 1e-4, "\(fixture) \(kind).losses")
            for (name, entry) in net.stateEntries where g.has(kind + "." + name) {
                let expected = try g.t(kind + "." + name).data
                if kind == "adam" && shadowed.biases.contains(name) {
                    // Each Adam step moves a parameter by at most about lr (1e-3).
                    let start = try g.t("init." + name).data
                    for i in 0..<expected.count {
                        XCTAssertLessThanOrEqual(abs(entry.tensor.data[i] - start[i]), 3.1e-3, "\(fixture) adam.\(name)")
                    }
                    continue
                }
                if kind == "adam" && shadowed.runningMeans.contains(name) {
                    let (worst, _) = maxDifference(entry.tensor.data, expected)
                    XCTAssertLessThanOrEqual(worst, 1e-3, "\(fixture) adam.\(name)")
                    continue
                }
                assertCloseRelativeToMax(entry.tensor.data, expected, "\(fixture) \(kind).\(name)")
            }
        }
    }

    func testFCDD_CNN28() throws { try check("net_fcdd_cnn28.safetensors") }
    func testFCDD_CNN32_S() throws { try check("net_fcdd_cnn32_s.safetensors") }
    func testCNN28_HSC() throws { try check("net_cnn28.safetensors") }
    func testAE28() throws { try check("net_ae28.safetensors") }
}

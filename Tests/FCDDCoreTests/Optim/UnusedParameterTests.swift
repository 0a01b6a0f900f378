import XCTest
@testable import FCDDCore

/// PyTorch's optimisers skip a parameter without a gradient entirely, weight decay included. FCDD_CNN32 and
/// FCDD_CNN32_LW3K construct a BatchNorm (`bn2d3`) that their forward pass never calls: its parameters must
/// stay exactly as initialised under SGD and Adam, while every parameter the forward pass uses moves.
final class UnusedParameterTests: XCTestCase {
    func testParametersOutsideTheForwardPassAreNeverUpdated() throws {
        for optimizer in ["sgd", "adam"] {
            let net = try NetworkRegistry.make("FCDD_CNN32_LW3K", inShape: [3, 32, 32], seed: 1)
            XCTAssertEqual(Set(net.namedParameters.map(\.name)).subtracting(net.optimizedParameters.map(\.name)),
                           ["bn2d3.weight", "bn2d3.bias"])
            let before = Dictionary(uniqueKeysWithValues: net.namedParameters.map { ($0.name, $0.parameter.value.data) })
            let opt: Optimizer = optimizer == "sgd"
                ? try SGD(net, lr: 0.01, momentum: 0.9, weightDecay: 0.1) : try Adam(net, lr: 0.01, weightDecay: 0.1)
            var rng = RandomSource(seed: 3)
            let x = Tensor(shape: [4, 3, 32, 32], data: (0..<(4 * 3 * 32 * 32)).map { _ in Float(rng.nextDouble()) })
            for _ in 0..<3 {
                net.zeroGrad()
                _ = try net.lossAndGradient(x, labels: [0, 1, 0, 1], gtmaps: nil, objective: nil, gaussStd: nil)
                opt.step()
            }
            for (name, p) in net.namedParameters {
                if name.hasPrefix("bn2d3.") {
                    XCTAssertEqual(p.value.data, before[name], "\(optimizer) changed the unused \(name)")
                } else {
                    XCTAssertNotEqual(p.value.data, before[name], "\(optimizer) left \(name) unchanged")
                }
            }
            XCTAssertFalse(opt.stateTensors.contains { $0.name.hasPrefix("bn2d3.") })
        }
    }
}

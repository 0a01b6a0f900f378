import XCTest
@testable import FCDDCore

/// The pool of large input gradients: spares are reused whatever the size asked for, arrays somebody
/// else still holds are never reused, and a network whose every gradient goes through the pool trains
/// bit for bit like one without, and stops allocating after its first steps.
final class GradientPoolTests: XCTestCase {
    func makePool() -> GradientPool {
        let pool = GradientPool()
        pool.threshold = 0   // every size goes through the pool
        return pool
    }

    func baseAddress(_ t: Tensor) -> UnsafeRawPointer {
        t.data.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) }
    }

    func testASpareIsReusedForSmallerAndAgainForLargerGradients() {
        let pool = makePool()
        var first = Tensor(shape: [1000], data: pool.take(1000))
        let address = baseAddress(first)
        pool.recycle(&first)
        XCTAssertEqual(first.count, 0)
        XCTAssertEqual(pool.spareCount, 1)

        var smaller = Tensor(shape: [600], data: pool.take(600))
        XCTAssertEqual(baseAddress(smaller), address)
        pool.recycle(&smaller)
        var again = Tensor(shape: [1000], data: pool.take(1000))
        XCTAssertEqual(baseAddress(again), address, "the spare kept its capacity when it shrank")
        XCTAssertEqual(again.count, 1000)
        XCTAssertEqual(pool.allocations, 1)

        pool.recycle(&again)
        let larger = pool.take(5000)
        XCTAssertEqual(larger.count, 5000)
        XCTAssertEqual(pool.allocations, 2)
        XCTAssertEqual(pool.spareCount, 0, "the too small spare is freed, not kept beside the new array")
    }

    func testAGradientSomebodyStillHoldsIsNeverReused() {
        let pool = makePool()
        var gradient = Tensor(shape: [4], data: pool.take(4))
        for i in 0..<4 { gradient.data[i] = Float(i) }
        let held = gradient
        pool.recycle(&gradient)
        XCTAssertEqual(pool.spareCount, 0)
        var next = Tensor(shape: [4], data: pool.take(4))
        for i in 0..<4 { next.data[i] = -1 }
        XCTAssertEqual(held.data, [0, 1, 2, 3])
        XCTAssertEqual(pool.allocations, 2)
    }

    func testBestFitAndAtMostTwoSpares() {
        let pool = makePool()
        var tensors = [100, 300, 200].map { Tensor(shape: [$0], data: pool.take($0)) }
        let addresses = tensors.map(baseAddress)
        for i in tensors.indices { pool.recycle(&tensors[i]) }
        XCTAssertEqual(pool.spareCount, 2, "the smallest spare is dropped")
        let fit = Tensor(shape: [150], data: pool.take(150))
        XCTAssertEqual(baseAddress(fit), addresses[2], "the smallest spare that holds the request")
        let rest = Tensor(shape: [250], data: pool.take(250))
        XCTAssertEqual(baseAddress(rest), addresses[1])
        XCTAssertEqual(pool.allocations, 3)
    }

    func testNetworkTrainsTheSameWithEveryGradientPooledAndStopsAllocating() throws {
        let plain = try NetworkRegistry.make("FCDD_CNN28", inShape: [1, 28, 28], bias: true, seed: 3)
        let pooled = try NetworkRegistry.make("FCDD_CNN28", inShape: [1, 28, 28], bias: true, seed: 3)
        pooled.gradientPool.threshold = 0
        var rng = RandomSource(seed: 5)
        var x = Tensor(zeros: [6, 1, 28, 28])
        for i in 0..<x.count { x.data[i] = Float(rng.uniform(-1, 1)) }
        let labels: [Float] = [0, 1, 0, 1, 0, 0]
        let optimizers = try [plain, pooled].map { try SGD($0, lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4) }
        var allocationsPerStep = [Int]()
        for _ in 0..<4 {
            let losses = try [plain, pooled].map { try $0.lossAndGradient(x, labels: labels) }
            XCTAssertEqual(losses[0], losses[1])
            let grads = [plain, pooled].map { $0.namedParameters.map { $0.parameter.grad.data } }
            XCTAssertEqual(grads[0], grads[1])
            optimizers.forEach { $0.step() }
            allocationsPerStep.append(pooled.gradientPool.allocations)
        }
        XCTAssertGreaterThan(allocationsPerStep[0], 0)
        XCTAssertEqual(allocationsPerStep[2], allocationsPerStep[1], "no new arrays once the spares fit")
        XCTAssertEqual(allocationsPerStep[3], allocationsPerStep[1])
        XCTAssertLessThanOrEqual(pooled.gradientPool.spareCount, GradientPool.spareLimit)
        XCTAssertEqual(plain.gradientPool.allocations, 0, "small gradients stay with their layers")
    }
}

import XCTest
@testable import FCDDCore

/// Synthetic textures with a deliberately simple artificial anomaly (a random bright or dark square),
/// converted with ToTensor only: enough to test the loop itself, independent of the preprocessing code.
private struct SquareAnomalySamples: TrainingSampleSource {
    let textures: SyntheticTextureSource
    var count: Int { textures.count }
    var itemShape: [Int] { [3, SyntheticTextureSource.side, SyntheticTextureSource.side] }
    var hasGroundTruth: Bool { false }

    func sample(at index: Int, rng: inout RandomSource) throws -> TrainingSample {
        var image = try textures.image(at: index)
        var label: Float = 0
        if rng.nextDouble() < 0.5 {
            label = 1
            let side = 4 + Int(rng.next() % 8), n = image.width
            let y0 = Int(rng.next() % UInt64(n - side)), x0 = Int(rng.next() % UInt64(n - side))
            let value: UInt8 = rng.nextDouble() < 0.5 ? 0 : 255
            for c in 0..<3 { for y in y0..<(y0 + side) { for x in x0..<(x0 + side) { image.pixels[c * n * n + y * n + x] = value } } }
        }
        return TrainingSample(image: image.toTensor().data, label: label)
    }
}

/// Mann-Whitney AUC with ties counted 1/2 (the metric itself is tested elsewhere).
private func rankAUC(_ labels: [Int], _ scores: [Float]) -> Double {
    var wins = 0.0, pairs = 0.0
    for i in labels.indices where labels[i] == 1 {
        for j in labels.indices where labels[j] == 0 {
            pairs += 1
            wins += scores[i] > scores[j] ? 1 : (scores[i] == scores[j] ? 0.5 : 0)
        }
    }
    return wins / pairs
}

final class TrainerTests: XCTestCase {
    let shape = [3, SyntheticTextureSource.side, SyntheticTextureSource.side]

    func makeTrainer(epochs: Int, seed: UInt64 = 3, acc: Int = 1, optimizer kind: OptimizerKind = .sgd)
        throws -> (Trainer, OptimizerSettings) {
        let net = try NetworkRegistry.make("FCDD_CNN28", inShape: shape, bias: true, seed: seed)
        var settings = OptimizerSettings(kind: kind, learningRate: kind == .sgd ? 0.01 : 1e-3, weightDecay: 1e-6)
        settings.momentum = 0.9
        let opt = try settings.make(for: net)
        let sched = try Scheduler(opt, schedule: .lambda(gamma: 0.98))
        let samples = SquareAnomalySamples(textures: try SyntheticTextureSource(texture: .tiles, train: true, seed: 1, trainCount: 256))
        let trainer = try Trainer(network: net, optimizer: opt, scheduler: sched, samples: samples,
                                  options: TrainingOptions(epochs: epochs, batchSize: 32, accBatches: acc, objective: .fcdd, seed: seed))
        return (trainer, settings)
    }

    func testTrainingLearnsToSeparateHeldOutAnomalies() throws {
        let (trainer, _) = try makeTrainer(epochs: 6)
        var steps = 0
        XCTAssertEqual(try trainer.run { _ in steps += 1; return true }, .finished)
        XCTAssertEqual(steps, 6 * 8)
        XCTAssertEqual(trainer.history.count, 6)
        XCTAssertLessThan(trainer.history.last!.loss, trainer.history.first!.loss)
        // Held-out surfaces (other seed) with and without squares, drawn like the training anomalies.
        let held = SquareAnomalySamples(textures: try SyntheticTextureSource(texture: .tiles, train: true, seed: 77, trainCount: 120))
        var rng = RandomSource(seed: 5)
        let samples = try (0..<held.count).map { try held.sample(at: $0, rng: &rng) }
        let x = Tensor(shape: [samples.count] + shape, data: samples.flatMap { $0.image })
        let scores = try trainer.network.scores(x)
        let auc = rankAUC(samples.map { Int($0.label) }, scores)
        print("learned figure: Swift trainer held-out image AUROC \(auc)")   // scripts/learned_figures.py reads it
        XCTAssertGreaterThan(auc, 0.75, "image AUC on held-out anomalies after 6 epochs (0.81 measured; chance is 0.5)")
    }

    func testSameSeedSameWeights() throws {
        let (a, _) = try makeTrainer(epochs: 1)
        let (b, _) = try makeTrainer(epochs: 1)
        _ = try a.run(); _ = try b.run()
        XCTAssertEqual(a.network.stateFile().serialize(), b.network.stateFile().serialize())
        let (c, _) = try makeTrainer(epochs: 1, seed: 4)
        _ = try c.run()
        XCTAssertNotEqual(a.network.stateFile().serialize(), c.network.stateFile().serialize())
    }

    func testAccumulatedBatchesTakeFewerSteps() throws {
        let (trainer, _) = try makeTrainer(epochs: 1, acc: 3)
        var sizes = [Int]()
        _ = try trainer.run { p in sizes.append(p.step); return true }
        XCTAssertEqual(trainer.stepsPerEpoch, 3)   // 8 batches -> 3 + 3 + 2
        XCTAssertEqual(sizes, [1, 2, 3])
        XCTAssertEqual(trainer.history[0].images, 256)
    }

    func testStopThenResumeEqualsUninterruptedRun() throws {
        for kind in [OptimizerKind.sgd, .adam] {
            let (straight, _) = try makeTrainer(epochs: 2, optimizer: kind)
            _ = try straight.run()

            // A stop request during epoch 1 returns at once; that partial epoch is not counted.
            let (stopped, _) = try makeTrainer(epochs: 2, optimizer: kind)
            XCTAssertEqual(try stopped.run { p in p.epoch == 0 }, .stopped)
            XCTAssertEqual(stopped.completedEpochs, 1)

            // Snapshot after epoch 0, resume into a differently initialised network: same result.
            let (boundary, settings) = try makeTrainer(epochs: 1, optimizer: kind)
            _ = try boundary.run()
            let path = NSTemporaryDirectory() + "fcdd-resume-\(kind.rawValue).safetensors"
            defer { unlink(path) }
            let info = SnapshotInfo(network: "FCDD_CNN28", inShape: shape, bias: true, objective: .fcdd, gaussStd: nil,
                                    completedEpochs: boundary.completedEpochs, totalEpochs: 2, optimizer: settings,
                                    schedule: .lambda(gamma: 0.98))
            try Snapshot.write(path: path, info: info, network: boundary.network, optimizer: boundary.optimizer)

            let (loaded, file) = try Snapshot.read(path: path)
            XCTAssertEqual(loaded.completedEpochs, 1)
            XCTAssertEqual(loaded.optimizer, settings)
            let net = try NetworkRegistry.make("FCDD_CNN28", inShape: shape, bias: true, seed: 99)
            let opt = try loaded.optimizer.make(for: net)
            try Snapshot.restore(file, info: loaded, into: net, optimizer: opt, source: path)
            let sched = try Scheduler(opt, schedule: loaded.schedule)
            sched.setEpoch(loaded.completedEpochs)
            let samples = SquareAnomalySamples(textures: try SyntheticTextureSource(texture: .tiles, train: true, seed: 1, trainCount: 256))
            let resumed = try Trainer(network: net, optimizer: opt, scheduler: sched, samples: samples,
                                      options: TrainingOptions(epochs: 2, batchSize: 32, objective: .fcdd, seed: 3),
                                      completedEpochs: loaded.completedEpochs)
            _ = try resumed.run()
            XCTAssertEqual(resumed.network.stateFile().serialize(), straight.network.stateFile().serialize(),
                           "resuming from a snapshot must continue the run exactly (\(kind))")
        }
    }

    func testSnapshotFromAnotherNetworkIsRejected() throws {
        let (trainer, settings) = try makeTrainer(epochs: 0)
        let path = NSTemporaryDirectory() + "fcdd-other-net.safetensors"
        defer { unlink(path) }
        let info = SnapshotInfo(network: "FCDD_CNN28", inShape: shape, bias: true, objective: .fcdd, gaussStd: nil,
                                completedEpochs: 0, totalEpochs: 0, optimizer: settings, schedule: .lambda(gamma: 1))
        try Snapshot.write(path: path, info: info, network: trainer.network, optimizer: trainer.optimizer)
        let (loaded, file) = try Snapshot.read(path: path)
        let other = try NetworkRegistry.make("FCDD_CNN28_W", inShape: shape, bias: true, seed: 0)
        XCTAssertThrowsError(try Snapshot.restore(file, info: loaded, into: other, optimizer: nil, source: path)) { e in
            XCTAssertTrue("\(e)".contains("FCDD_CNN28"), "\(e)")
        }
        // A plain weights file (no metadata) is not a snapshot.
        try trainer.network.save(path: path)
        XCTAssertThrowsError(try Snapshot.read(path: path)) { e in XCTAssertTrue("\(e)".contains("is not an fcdd-swift model file: a safetensors file without fcdd-swift metadata"), "\(e)") }
    }
}

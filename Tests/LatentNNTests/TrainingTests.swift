import LatentCore
import LatentIO
@testable import LatentNN
import Testing

/// Short runs on real digits: the loss must fall, and a seed must give the same weights twice.
@Suite(.serialized) struct TrainingTests {
    static func options(epochs: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batchSize = 32
        o.threads = 1
        o.seed = 5
        return o
    }

    @Test func vaeLossFallsAndHeldOutImproves() throws {
        let data = try trainingSubset(256)
        let heldOut = try trainingSubset(300)  // overlapping is fine: this checks the loop, not generalisation
        let model = try Autoencoder(config: .mlpVAE(latentDim: 4, hidden: [64]), seed: 1)
        let before = Evaluator.evaluate(model, on: heldOut, nearestNeighbors: false)
        let reports = try Trainer.train(model, data: data, heldOut: heldOut, options: Self.options(epochs: 4))
        #expect(reports.count == 4)
        let firstLoss = reports[0].terms[0].value, lastLoss = reports[3].terms[0].value
        #expect(lastLoss < firstLoss * 0.9, "loss \(firstLoss) → \(lastLoss)")
        #expect(reports[3].heldOut["neg_elbo"]! < before["neg_elbo"]!)
        #expect(reports[3].heldOut["mse_at_mu"]! < before["mse_at_mu"]!)
    }

    /// The conv VAE on colour emoji (3×32×32): the decoder returns the input's shape, a Bernoulli per
    /// pixel and channel, and a few epochs on 64 emoji lower the loss and the held-out error.
    @Test func convVAELearnsColourImages() throws {
        let all = try ShippedDataset.emoji.read(.train, in: shippedDataDirectory)
        let n = 64, per = all.pixelsPerImage
        let data = LabeledImages(images: Tensor(shape: [n, 3, 32, 32], data: Array(all.images.data[0..<(n * per)])),
                                 labels: Array(all.labels.prefix(n)), classNames: all.classNames)
        let config = ModelConfig.convVAE(latentDim: 8, channels: (8, 16), inputShape: [3, 32, 32], classNames: all.classNames)
        #expect(try config.encoderOutputShape() == [16 * 8 * 8])
        let model = try Autoencoder(config: config, seed: 2)
        guard case .vae(let vae) = model else { Issue.record("not a VAE"); return }
        #expect(vae.decode(Tensor(zeros: [2, 8])).shape == [2, 3, 32, 32])
        let before = Evaluator.evaluate(model, on: data, nearestNeighbors: false)
        var options = Self.options(epochs: 8)
        options.batchSize = 16
        let reports = try Trainer.train(model, data: data, heldOut: data, options: options)
        #expect(reports[7].terms[0].value < reports[0].terms[0].value * 0.92, "\(reports.map { $0.terms[0].value })")
        #expect(reports[7].heldOut["mse_at_mu"]! < before["mse_at_mu"]! * 0.8)
    }

    @Test func trainingIsDeterministicForASeed() throws {
        let data = try trainingSubset(64)
        func run() throws -> [Float] {
            let model = try Autoencoder(config: .mlpVAE(latentDim: 2, hidden: [16], conditional: true), seed: 3)
            try Trainer.train(model, data: data, heldOut: data, options: Self.options(epochs: 2))
            return model.namedParameters.flatMap(\.parameter.value.data)
        }
        #expect(try run() == run())
    }

    @Test func vqvaeLearnsAndUsesSeveralCodes() throws {
        let data = try trainingSubset(256)
        let model = try Autoencoder(config: .convVQVAE(codebookSize: 8, codeDim: 4, channels: (8, 16)), seed: 2)
        var options = Self.options(epochs: 8)
        options.learningRate = 2e-3
        let reports = try Trainer.train(model, data: data, heldOut: data, options: options)
        let first = reports[0].heldOut, last = reports.last!.heldOut
        #expect(last["mse"]! < first["mse"]! * 0.8, "mse \(first["mse"]!) → \(last["mse"]!)")
        #expect(last["codes_used"]! >= 4)
    }

    /// One VQ-VAE step against PyTorch's (`scripts/make_vq_step_fixture.py`: the reference trainer's model
    /// and loss, a residual block, from the same weights and images): the same codes, loss terms and
    /// gradient for every tensor — the straight-through estimator, the codebook and commitment terms and
    /// each layer's backward pass.
    @Test func vqStepGradientsMatchPyTorch() throws {
        let fixture = try SafetensorsFile.read(fixturesDirectory + "/pytorch-vq-step.safetensors")
        let config = ModelConfig.convVQVAE(codebookSize: 8, codeDim: 4, channels: (4, 8), residualBlocks: 1,
                                           residualChannels: 4, inputShape: [3, 8, 8])
        guard case .vqvae(let m) = try Autoencoder(config: config, seed: 0) else { Issue.record("not a VQ-VAE"); return }
        for (name, p) in m.namedParameters { p.value = try fixture.tensor("param." + name) }
        let x = try fixture.tensor("input")
        #expect(m.quantize(m.encoder.forward(x, training: false)).map(Float.init) == (try fixture.tensor("codes")).data)

        var options = TrainingOptions()
        options.threads = 1
        var step = VQStep(model: m, options: options)
        var rng = SeededRNG(seed: 0, stream: 1)
        let terms = Dictionary(uniqueKeysWithValues: step.run(x, labels: [0, 0, 0, 0], rng: &rng).map { ($0.name, $0.value) })
        let expected = try fixture.tensor("terms").data
        #expect(abs(terms["mse"]! - Double(expected[0])) < 1e-6 * Double(expected[0]))
        #expect(abs(terms["commit"]! - Double(expected[1])) < 1e-5 * Double(expected[1]))
        #expect(m.namedParameters.count == 23)
        for (name, p) in m.namedParameters {
            let want = try fixture.tensor("grad." + name).data
            let scale = want.map(abs).max()!
            #expect(scale > 0, "\(name): PyTorch's gradient is zero; the check would be empty")
            #expect(maxAbsDifference(p.grad.data, want[...]) <= 1e-4 * scale, "\(name)")
        }
    }

    /// EMA codebook updates: after one batch every code is γ·(its old value, as the running sum) plus
    /// (1 − γ)·(the sum of its vectors), over its Laplace-smoothed running count; no gradient reaches it.
    @Test func emaCodebookFollowsTheRunningAverages() throws {
        let data = try trainingSubset(32)
        guard case .vqvae(let m) = try Autoencoder(config: .convVQVAE(codebookSize: 8, codeDim: 4, channels: (8, 16)), seed: 3) else {
            Issue.record("not a VQ-VAE"); return
        }
        let x = Tensor(shape: [8] + m.config.inputShape, data: Array(data.images.data[0..<(8 * 784)]))
        let ze = m.encoder.forward(x, training: false)
        let vectors = m.gridVectors(ze), codes = m.quantize(ze)
        let e0 = m.codebook.value.data, k = 8, d = 4, decay: Float = 0.5
        var options = Self.options(epochs: 1)
        options.codebookDecay = decay
        var step = VQStep(model: m, options: options)
        var rng = SeededRNG(seed: 1)
        _ = step.run(x, labels: [], rng: &rng)
        var n = [Float](repeating: 0, count: k), dw = [Float](repeating: 0, count: k * d)
        for (r, c) in codes.enumerated() { n[c] += 1; for j in 0..<d { dw[c * d + j] += vectors.data[r * d + j] } }
        let counts = n.map { (1 - decay) * $0 }, total = counts.reduce(0, +)
        let smoothed = counts.map { ($0 + 1e-5) / (total + Float(k) * 1e-5) * total }
        var worst: Float = 0
        for c in 0..<k where n[c] > 0 {
            for j in 0..<d {
                let expected = (decay * e0[c * d + j] + (1 - decay) * dw[c * d + j]) / smoothed[c]
                worst = max(worst, abs(m.codebook.value.data[c * d + j] - expected) / max(1, abs(expected)))
            }
        }
        #expect(worst < 1e-4)
        #expect(m.codebook.grad.data.allSatisfy { $0 == 0 })
    }

    @Test func vqvaeWithEMACodebookLearns() throws {
        let data = try trainingSubset(256)
        let model = try Autoencoder(config: .convVQVAE(codebookSize: 8, codeDim: 4, channels: (8, 16)), seed: 2)
        var options = Self.options(epochs: 8)
        options.learningRate = 2e-3
        options.codebookDecay = 0.9
        let reports = try Trainer.train(model, data: data, heldOut: data, options: options)
        let first = reports[0].heldOut, last = reports.last!.heldOut
        #expect(last["mse"]! < first["mse"]! * 0.8, "mse \(first["mse"]!) → \(last["mse"]!)")
        #expect(last["codes_used"]! >= 4)
    }

    @Test func stopRequestEndsTrainingBetweenBatches() throws {
        let data = try trainingSubset(64)
        let model = try Autoencoder(config: .mlpVAE(latentDim: 2, hidden: [8]), seed: 1)
        var batches = 0
        let reports = try Trainer.train(model, data: data, heldOut: data, options: Self.options(epochs: 5),
                                        observer: TrainingObserver(batch: { _ in batches += 1 }, shouldStop: { batches >= 3 }))
        #expect(batches == 3)
        #expect(reports.count == 1)  // epoch 1 (2 batches) finished; epoch 2 was cut after one batch
    }
}

import Foundation
import LatentCore
import LatentIO

/// The training loops: seeded shuffling, mini-batches, Adam, one held-out evaluation per epoch.
public enum Trainer {
    /// Trains `model` in place. Returns the reports of the epochs that completed; stops between batches
    /// when `observer.shouldStop()` says so (the partial epoch is then discarded by the caller, which
    /// keeps the checkpoint written at the last epoch end).
    @discardableResult
    public static func train(_ model: Autoencoder, data: LabeledImages, heldOut: LabeledImages,
                             options: TrainingOptions, observer: TrainingObserver = TrainingObserver()) throws -> [EpochReport] {
        ComputeThreads.set(options.threads)
        ComputeThreads.flushSubnormalsOnThisThread()
        HeapReuse.keepLargeBlocksInTheHeap()
        var rng = SeededRNG(seed: options.seed, stream: 1)  // stream 0 initialised the weights
        let adam = Adam(model.namedParameters.map(\.parameter), learningRate: options.learningRate,
                        weightDecay: options.weightDecay)
        var step: any TrainingStep
        switch model {
        case .vae(let m): step = VAEStep(model: m, options: options)
        case .vqvae(let m): step = VQStep(model: m, options: options)
        }
        var order = Array(0..<data.count)
        var reports: [EpochReport] = []
        let start = Date()
        for epoch in 1...max(1, options.epochs) {
            rng.shuffle(&order)
            let epochStart = Date()
            let batches = stride(from: 0, to: order.count, by: options.batchSize).map {
                order[$0..<min(order.count, $0 + options.batchSize)]
            }
            var sums: [Double] = []
            var seen = 0
            for (b, indices) in batches.enumerated() {
                if observer.shouldStop() { return reports }
                let x = gatherBatch(data.images, indices)
                let labels = indices.map { data.labels[$0] }
                let terms = step.run(x, labels: labels, rng: &rng)
                adam.update()
                if sums.isEmpty { sums = [Double](repeating: 0, count: terms.count) }
                for (i, t) in terms.enumerated() { sums[i] += t.value * Double(indices.count) }
                seen += indices.count
                let elapsed = Date().timeIntervalSince(epochStart)
                observer.batch(BatchProgress(
                    epoch: epoch, epochs: options.epochs, batch: b + 1, batches: batches.count,
                    terms: zip(terms, sums).map { ($0.name, $1 / Double(seen)) },
                    imagesPerSecond: Double(seen) / max(elapsed, 1e-9), elapsed: Date().timeIntervalSince(start)))
            }
            let seconds = Date().timeIntervalSince(epochStart)
            let restarted = step.endEpoch(epoch: epoch, adam: adam, rng: &rng)
            let report = EpochReport(
                epoch: epoch, epochs: options.epochs,
                terms: zip(step.termNames, sums).map { ($0, $1 / Double(max(seen, 1))) },
                imagesPerSecond: Double(seen) / max(seconds, 1e-9), seconds: seconds,
                heldOut: Evaluator.evaluate(model, on: heldOut, seed: options.seed, nearestNeighbors: false),
                restartedCodes: restarted)
            reports.append(report)
            try observer.epoch(report)
        }
        return reports
    }
}

/// One model kind's forward, loss and backward on a batch; gradients are left in the parameters.
protocol TrainingStep {
    var termNames: [String] { get }
    /// Loss terms per image (VAE) or per element (VQ-VAE) for this batch.
    mutating func run(_ x: Tensor, labels: [Int], rng: inout SeededRNG) -> [(name: String, value: Double)]
    /// End-of-epoch housekeeping; returns how many codes were restarted.
    mutating func endEpoch(epoch: Int, adam: Adam, rng: inout SeededRNG) -> Int
}

extension TrainingStep {
    mutating func endEpoch(epoch: Int, adam: Adam, rng: inout SeededRNG) -> Int { 0 }
}

/// VAE loss per image: BCE summed over pixels + kld_weight · KL, averaged over the batch.
struct VAEStep: TrainingStep {
    let model: VAEModel
    let options: TrainingOptions
    let termNames = ["loss", "bce", "kl"]

    mutating func run(_ x: Tensor, labels: [Int], rng: inout SeededRNG) -> [(name: String, value: Double)] {
        let n = x.shape[0], zDim = model.latentDim
        let conditioning = model.isConditional ? labels : nil
        let h = model.encoder.forward(model.encoderInput(x, labels: conditioning), training: true)
        let mu = model.fcMu.forward(h, training: true)
        let logvar = model.fcLogvar.forward(h, training: true)
        // Reparameterisation: z = μ + σ ε.
        var eps = Tensor(zeros: mu.shape), sigma = Tensor(zeros: mu.shape), z = mu
        for i in 0..<mu.count {
            eps.data[i] = rng.nextNormal()
            sigma.data[i] = expf(0.5 * logvar.data[i])
            z.data[i] += sigma.data[i] * eps.data[i]
        }
        guard let body = model.decoder.countBeforeFinalSigmoid else {
            preconditionFailure("training a VAE needs a decoder that ends in sigmoid")
        }
        let logits = model.decoder.forward(model.decoderInput(z, labels: conditioning), training: true, through: body)
        let scale = 1 / Float(n)
        let (bce, dLogits) = Losses.bceWithLogits(logits, x.data[...], scale: scale)
        let (kl, dMuKL, dLogvarKL) = Losses.gaussianKL(mu: mu, logvar: logvar, scale: options.kldWeight * scale)
        let dInput = model.decoder.backward(dLogits, through: body)
        let width = dInput.shape[1]  // z (+ one-hot for a CVAE)
        var dMu = dMuKL, dLogvar = dLogvarKL
        for i in 0..<n {
            for j in 0..<zDim {
                let dz = dInput.data[i * width + j]
                dMu.data[i * zDim + j] += dz
                dLogvar.data[i * zDim + j] += dz * eps.data[i * zDim + j] * 0.5 * sigma.data[i * zDim + j]
            }
        }
        var dh = model.fcMu.backward(dMu)
        let dhLogvar = model.fcLogvar.backward(dLogvar)
        for i in dh.data.indices { dh.data[i] += dhLogvar.data[i] }
        model.encoder.backwardToParameters(dh)
        let perImage = 1 / Double(n)
        return [("loss", (bce + Double(options.kldWeight) * kl) * perImage), ("bce", bce * perImage), ("kl", kl * perImage)]
    }
}

/// VQ-VAE loss: MSE(x̂, x) + ‖sg(z_e) − e‖² + β‖z_e − sg(e)‖² (means over elements), with the
/// straight-through estimator copying ∂L/∂z_q to z_e (van den Oord et al., 2017).
struct VQStep: TrainingStep {
    let model: VQVAEModel
    let options: TrainingOptions
    let termNames = ["loss", "mse", "codebook", "commit"]
    private var usage: [Int]
    private var recentVectors = Tensor(zeros: [0, 0])
    /// With EMA codebook updates: each code's smoothed count and sum of vectors (K, and K×D).
    private var emaCount: [Float] = [], emaSum: [Float] = []

    init(model: VQVAEModel, options: TrainingOptions) {
        self.model = model
        self.options = options
        usage = [Int](repeating: 0, count: model.codebookSize)
        if options.codebookDecay != nil {
            emaCount = [Float](repeating: 0, count: model.codebookSize)
            emaSum = model.codebook.value.data
        }
    }

    mutating func run(_ x: Tensor, labels: [Int], rng: inout SeededRNG) -> [(name: String, value: Double)] {
        let ze = model.encoder.forward(x, training: true)
        let vectors = model.gridVectors(ze)
        let codes = model.quantize(ze)
        for c in codes { usage[c] += 1 }
        recentVectors = vectors
        let zq = model.embed(codes)
        let recon = model.decoder.forward(zq, training: true)
        let (mse, dRecon) = Losses.mse(recon, x.data[...])
        let dzq = model.decoder.backward(dRecon)
        // Codebook and commitment terms share the squared distance ‖z_e − e‖² (mean over elements).
        let count = Float(ze.count), d = model.codeDim, p = model.positions
        var sq = 0.0
        var dze = dzq
        let beta = options.beta, trainsCodebook = options.codebookDecay == nil
        let book = model.codebook.value
        ze.data.withUnsafeBufferPointer { z in
            book.data.withUnsafeBufferPointer { e in
                dze.data.withUnsafeMutableBufferPointer { dz in
                    model.codebook.grad.data.withUnsafeMutableBufferPointer { de in
                        for (r, code) in codes.enumerated() {
                            let b = r / p, pos = r % p
                            for j in 0..<d {
                                let zi = (b * d + j) * p + pos
                                let diff = z[zi] - e[code * d + j]
                                sq += Double(diff * diff)
                                dz[zi] += 2 * beta * diff / count                         // commitment → encoder
                                if trainsCodebook { de[code * d + j] -= 2 * diff / count }  // codebook → codes
                            }
                        }
                    }
                }
            }
        }
        model.encoder.backwardToParameters(dze)
        if let decay = options.codebookDecay { updateCodebookByAverages(codes: codes, vectors: vectors, decay: decay) }
        let distortion = sq / Double(count)
        return [("loss", mse + distortion * Double(1 + options.beta)), ("mse", mse),
                ("codebook", distortion), ("commit", distortion)]
    }

    /// N_k ← γN_k + (1−γ)n_k, Laplace-smoothed (ε = 1e-5) so no count is zero; m_k ← γm_k + (1−γ)Σ z; e_k = m_k / N_k
    /// (the EMA quantiser of the common PyTorch VQ-VAE implementations, step for step).
    private mutating func updateCodebookByAverages(codes: [Int], vectors: Tensor, decay: Float) {
        let k = model.codebookSize, d = model.codeDim, eps: Float = 1e-5
        var n = [Float](repeating: 0, count: k), dw = [Float](repeating: 0, count: k * d)
        for (r, code) in codes.enumerated() {
            n[code] += 1
            for j in 0..<d { dw[code * d + j] += vectors.data[r * d + j] }
        }
        var total: Float = 0
        for c in 0..<k { emaCount[c] = emaCount[c] * decay + (1 - decay) * n[c]; total += emaCount[c] }
        for c in 0..<k { emaCount[c] = (emaCount[c] + eps) / (total + Float(k) * eps) * total }
        for i in 0..<(k * d) { emaSum[i] = emaSum[i] * decay + (1 - decay) * dw[i] }
        for c in 0..<k { for j in 0..<d { model.codebook.value.data[c * d + j] = emaSum[c * d + j] / emaCount[c] } }
    }

    /// Codes no vector chose during the epoch are moved onto random encoder outputs of the last batch
    /// (with a little noise), so that every code gets used; skipped in the last 5 epochs so restarted
    /// codes have time to settle.
    mutating func endEpoch(epoch: Int, adam: Adam, rng: inout SeededRNG) -> Int {
        defer { usage = [Int](repeating: 0, count: model.codebookSize) }
        guard options.restartDeadCodes, epoch <= options.epochs - 5, recentVectors.shape[0] > 0 else { return 0 }
        let dead = usage.indices.filter { usage[$0] == 0 }
        let d = model.codeDim
        for code in dead {
            let row = rng.nextInt(below: recentVectors.shape[0])
            for j in 0..<d {
                model.codebook.value.data[code * d + j] = recentVectors.data[row * d + j] + 0.01 * rng.nextNormal()
            }
        }
        adam.resetMoments(of: model.codebook, rows: dead, rowSize: d)
        if options.codebookDecay != nil {
            // A restarted code starts its averages as one vector at its new place.
            for code in dead {
                emaCount[code] = 1
                for j in 0..<d { emaSum[code * d + j] = model.codebook.value.data[code * d + j] }
            }
        }
        return dead.count
    }
}

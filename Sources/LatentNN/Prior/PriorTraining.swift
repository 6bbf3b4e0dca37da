import Foundation
import LatentCore

/// Training a `GridPrior` on a dataset's code grids (MaskGIT's objective) and scoring it.
public enum PriorTrainer {
    public struct Options: Sendable {
        public var epochs = 60
        public var batchSize = 64
        public var learningRate: Float = 1e-3
        public var weightDecay: Float = 0
        public var seed: UInt64 = 0
        public var threads = ComputeThreads.available
        /// Held-out grids scored after each epoch (all of them at the end).
        public var heldOutPerEpoch = 64
        public init() {}
    }

    public struct EpochReport: Sendable {
        public let epoch: Int, epochs: Int
        /// Mean cross-entropy of the masked cells, nats per cell.
        public let trainLoss: Double
        /// Held-out negative log-likelihood, bits per grid (on `Options.heldOutPerEpoch` grids).
        public let heldOutBits: Double
        public let gridsPerSecond: Double, seconds: Double
    }

    /// Trains `prior` in place on `grids`; `epoch` sees each epoch's report (it may throw to stop).
    public static func train(_ prior: GridPrior, grids: [[Int]], heldOut: [[Int]], options: Options,
                             epoch: (EpochReport) throws -> Void = { _ in }, shouldStop: () -> Bool = { false }) rethrows {
        ComputeThreads.set(options.threads)
        ComputeThreads.flushSubnormalsOnThisThread()
        HeapReuse.keepLargeBlocksInTheHeap()
        var rng = SeededRNG(seed: options.seed, stream: 7)
        let adam = Adam(prior.namedParameters.map(\.parameter), learningRate: options.learningRate, weightDecay: options.weightDecay)
        var order = Array(grids.indices)
        let probe = Array(heldOut.prefix(options.heldOutPerEpoch))
        for e in 1...max(1, options.epochs) {
            rng.shuffle(&order)
            let start = Date()
            var total = 0.0, batches = 0
            for b in stride(from: 0, to: order.count, by: options.batchSize) {
                if shouldStop() { return }
                let batch = order[b..<min(order.count, b + options.batchSize)].map { grids[$0] }
                total += step(prior, batch, rng: &rng)
                adam.update()
                batches += 1
            }
            let seconds = Date().timeIntervalSince(start)
            let bits = probe.isEmpty ? .nan : prior.negLogLikelihood(probe).reduce(0, +) / Double(probe.count)
            try epoch(EpochReport(epoch: e, epochs: options.epochs, trainLoss: total / Double(max(1, batches)), heldOutBits: bits,
                                  gridsPerSecond: Double(grids.count) / max(seconds, 1e-9), seconds: seconds))
        }
    }

    /// One batch of MaskGIT's objective: each grid gets a mask ratio r = cos(π/2 · u), u ~ U(0, 1), and
    /// ⌈r · cells⌉ random cells masked (at least one); the loss is the mean cross-entropy of the masked
    /// cells' true codes. Leaves the gradients in the parameters; returns the loss (nats per cell).
    static func step(_ prior: GridPrior, _ grids: [[Int]], rng: inout SeededRNG) -> Double {
        let cells = prior.cells, k = prior.codebookSize
        var inputs = grids
        var masked: [[Int]] = []
        for n in inputs.indices {
            let ratio = cos(Double.pi / 2 * Double(rng.nextFloat()))
            let m = max(1, min(cells, Int((ratio * Double(cells)).rounded(.up))))
            var positions = Array(0..<cells)
            rng.shuffle(&positions)
            masked.append(Array(positions.prefix(m)))
            for p in positions.prefix(m) { inputs[n][p] = prior.maskToken }
        }
        let logits = prior.network.forward(prior.input(inputs), training: true)
        var grad = Tensor(zeros: logits.shape)
        let count = masked.reduce(0) { $0 + $1.count }
        let scale = 1 / Float(count)
        var loss = 0.0
        for n in grids.indices {
            let lp = prior.logSoftmaxPerCell(logits, grid: n)
            let base = n * k * cells
            for p in masked[n] {
                loss -= Double(lp[p * k + grids[n][p]])
                for c in 0..<k { grad.data[base + c * cells + p] = expf(lp[p * k + c]) * scale }
                grad.data[base + grids[n][p] * cells + p] -= scale
            }
        }
        prior.network.backwardToParameters(grad)
        return loss / Double(count)
    }

    /// Held-out negative log-likelihood of simple priors, bits per grid: each position's code
    /// frequencies in `grids` (add-one smoothed), and uniform codes (cells · log₂ K).
    public static func baselines(grids: [[Int]], heldOut: [[Int]], codebookSize k: Int) -> (positional: Double, uniform: Double) {
        let cells = grids.first?.count ?? heldOut.first?.count ?? 0
        var counts = [[Double]](repeating: [Double](repeating: 1, count: k), count: cells)
        for g in grids { for (p, c) in g.enumerated() where c < k { counts[p][c] += 1 } }
        let totals = counts.map { $0.reduce(0, +) }
        var bits = 0.0
        for g in heldOut { for (p, c) in g.enumerated() where c < k { bits -= log2(counts[p][c] / totals[p]) } }
        return (heldOut.isEmpty ? .nan : bits / Double(heldOut.count), Double(cells) * log2(Double(k)))
    }
}

import LatentCore

/// Hyper-parameters of `latent train`. Training is deterministic for a given seed and thread count.
public struct TrainingOptions: Sendable {
    public var epochs = 50
    public var batchSize = 128
    public var learningRate: Float = 1e-3
    /// AdamW's decoupled weight decay (0 = plain Adam).
    public var weightDecay: Float = 0
    /// Weight of the KL term of the VAE loss (1 = the ELBO).
    public var kldWeight: Float = 1
    /// VQ-VAE commitment weight β.
    public var beta: Float = 0.25
    /// VQ-VAE: replace codes unused during an epoch by encoder outputs (not in the last epochs).
    public var restartDeadCodes = true
    /// VQ-VAE: update the codebook by exponential moving averages of the vectors each code gets (this
    /// decay, e.g. 0.99; van den Oord et al. 2017, appendix A.1) instead of by its loss term; nil: the loss term.
    public var codebookDecay: Float?
    public var seed: UInt64 = 0
    public var threads = ComputeThreads.available

    public init() {}
}

/// Where training stands after a batch, for the progress bar.
public struct BatchProgress: Sendable {
    public let epoch: Int, epochs: Int
    public let batch: Int, batches: Int
    /// Running means over the epoch so far, per image: e.g. ["loss": 120.3, "bce": 100.1, "kl": 20.2].
    public let terms: [(name: String, value: Double)]
    public let imagesPerSecond: Double
    /// Seconds since training started.
    public let elapsed: Double
}

/// One epoch's summary: training means, speed, and the held-out evaluation.
public struct EpochReport: Sendable {
    public let epoch: Int, epochs: Int
    public let terms: [(name: String, value: Double)]
    public let imagesPerSecond: Double
    public let seconds: Double
    public let heldOut: Evaluation
    /// VQ-VAE: codes restarted at the end of this epoch.
    public let restartedCodes: Int
}

/// Callbacks from the training loop. `shouldStop` is polled between batches (Ctrl-C).
public struct TrainingObserver {
    public var batch: (BatchProgress) -> Void = { _ in }
    public var epoch: (EpochReport) throws -> Void = { _ in }
    public var shouldStop: () -> Bool = { false }

    public init(batch: @escaping (BatchProgress) -> Void = { _ in },
                epoch: @escaping (EpochReport) throws -> Void = { _ in },
                shouldStop: @escaping () -> Bool = { false }) {
        self.batch = batch
        self.epoch = epoch
        self.shouldStop = shouldStop
    }
}

/// Gathers rows `indices` of images (N, C, H, W) into a batch.
func gatherBatch(_ images: Tensor, _ indices: ArraySlice<Int>) -> Tensor {
    let per = images.count / images.shape[0]
    var out = Tensor.uninitialized(shape: [indices.count] + Array(images.shape.dropFirst()))
    out.data.withUnsafeMutableBufferPointer { dst in
        images.data.withUnsafeBufferPointer { src in
            for (b, i) in indices.enumerated() {
                (dst.baseAddress! + b * per).update(from: src.baseAddress! + i * per, count: per)
            }
        }
    }
    return out
}

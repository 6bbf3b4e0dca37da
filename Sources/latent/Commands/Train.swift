import ArgumentParser
import Foundation
import LatentCore
import LatentIO
import LatentNN

/// `latent train vae|cvae|vqvae`: trains a model on the shipped data and writes one .safetensors file.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a VAE, conditional VAE or VQ-VAE on a shipped dataset (--data \(ShippedDataset.all.map(\.name).joined(separator: ", "))) or your own images and save it as .safetensors.",
        discussion: "Ctrl-C stops after the current batch and keeps the checkpoint written at the last epoch end.")

    @Argument(help: "vae, cvae, vqvae, or prior (a prior over the code grids of the VQ-VAE --model names).")
    var kind: String
    @Option(help: "train prior: the VQ-VAE whose code grids the prior learns (it is stored in this file unless -o names another; for a manifest .json, beside it as prior.safetensors, named in its \"prior\" key).")
    var model: String?

    @Option(help: "Latent dimension (VAE, CVAE).") var latentDim = 10
    @Option(help: "VAE architecture: mlp (784-512-256) or conv (two strided convolutions each way; sides divisible by 4).")
    var arch = "mlp"
    @Option(help: "Codebook size K (VQ-VAE).") var codebookSize = 32
    @Option(help: "Code dimension D (VQ-VAE).") var codeDim = 16
    @Option(help: "Residual blocks after the strided convolutions of encoder and decoder (VQ-VAE).") var residualBlocks = 0
    @Option(help: "Epochs.") var epochs = 50
    @Option(help: "Batch size.") var batchSize = 128
    @Option(name: [.customLong("lr"), .long], help: "Adam learning rate.") var learningRate: Float = 1e-3
    @Option(help: "AdamW weight decay (0: Adam).") var weightDecay: Float = 0
    @Option(help: "Weight of the KL term (VAE, CVAE).") var kldWeight: Float = 1
    @Option(help: "Commitment weight β (VQ-VAE).") var beta: Float = 0.25
    @Flag(help: "Do not restart unused codes (VQ-VAE).") var noRestartDeadCodes = false
    @Option(help: ArgumentHelp("Codebook by exponential moving averages with this decay, e.g. 0.99, instead of its loss term (VQ-VAE).", valueName: "decay"))
    var codebookEma: Float?
    @Option(help: "Random seed (weights, shuffling, sampling).") var seed: UInt64 = 0
    @Option(help: "Threads (default: all cores).") var threads = ComputeThreads.available
    @Option(name: .customLong("init"), help: "Start from this model file's weights (same architecture and data shape) instead of random ones: to train on, or to start from another tool's initialisation.")
    var initFrom: String?
    @OptionGroup var data: DataOptions
    @Option(name: [.short, .customLong("output")], help: "Output file (train prior --model MANIFEST.json: a file name in the manifest's folder).") var output: String?

    func validate() throws {
        guard (ModelKind(rawValue: kind) != nil && kind != "ae") || kind == "prior" else { throw ValidationError("kind must be vae, cvae, vqvae or prior, not '\(kind)'") }
        guard arch == "mlp" || (arch == "conv" && kind == "vae") else { throw ValidationError("--arch must be mlp, or conv for a vae") }
        guard latentDim >= 1 && latentDim <= 4096 else { throw ValidationError("--latent-dim must be 1…4096") }
        guard codebookSize >= 2 && codebookSize <= 65536, codeDim >= 1 && codeDim <= 4096 else {
            throw ValidationError("--codebook-size must be 2…65536 and --code-dim 1…4096")
        }
        guard residualBlocks >= 0 && residualBlocks <= 16 else { throw ValidationError("--residual-blocks must be 0…16") }
        guard residualBlocks == 0 || kind == "vqvae" else { throw ValidationError("--residual-blocks is for a vqvae") }
        if let codebookEma {
            guard kind == "vqvae" else { throw ValidationError("--codebook-ema is for a vqvae") }
            guard codebookEma > 0, codebookEma < 1 else { throw ValidationError("--codebook-ema must be between 0 and 1 (e.g. 0.99)") }
        }
        guard epochs >= 1, batchSize >= 1, threads >= 1 else { throw ValidationError("--epochs, --batch-size and --threads must be positive") }
        guard learningRate > 0, learningRate.isFinite, kldWeight >= 0, beta >= 0, weightDecay >= 0 else {
            throw ValidationError("--lr must be positive; --kld-weight, --beta and --weight-decay non-negative")
        }
    }

    func run() throws {
        if kind == "prior" { return try trainPrior() }
        let kind = ModelKind(rawValue: kind)!
        let train = try data.trainSet(), heldOut = try data.heldOutSet()
        let shape = Array(train.images.shape.dropFirst())
        var config: ModelConfig
        switch kind {
        case .vae where arch == "conv":
            guard shape[1] % 4 == 0, shape[2] % 4 == 0 else { throw ValidationError("--arch conv needs image sides divisible by 4, not \(shape)") }
            config = .convVAE(latentDim: latentDim, inputShape: shape, classNames: train.classNames)
        case .vae: config = .mlpVAE(latentDim: latentDim, inputShape: shape, classNames: train.classNames)
        case .cvae: config = .mlpVAE(latentDim: latentDim, inputShape: shape, classNames: train.classNames, conditional: true)
        case .ae: throw ValidationError("kind must be vae, cvae, vqvae or prior, not 'ae'")  // refused in validate()
        case .vqvae:
            config = .convVQVAE(codebookSize: codebookSize, codeDim: codeDim, residualBlocks: residualBlocks, inputShape: shape,
                                classNames: train.classNames)
        }
        if let dataset = data.dataset {
            config.dataset = "\(dataset.title) (Weights/data): \(train.count) train, \(heldOut.count) held-out"
            config.data = dataset.name
        } else {
            config.dataset = "\(data.path ?? "?"): \(train.count) train, \(heldOut.count) held-out"
        }
        let model = try initFrom.map { try Self.startingWeights(from: $0, for: config) } ?? Autoencoder(config: config, seed: seed)
        let path = output ?? "\(kind.rawValue)\(kind == .vqvae ? "-k\(codebookSize)" : "-z\(latentDim)").safetensors"

        var options = TrainingOptions()
        options.epochs = epochs
        options.batchSize = batchSize
        options.learningRate = learningRate
        options.weightDecay = weightDecay
        options.kldWeight = kldWeight
        options.beta = beta
        options.restartDeadCodes = !noRestartDeadCodes
        options.codebookDecay = codebookEma
        options.seed = seed
        options.threads = threads

        let command = (["latent"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        print("training \(kind.rawValue): \(model.parameterCount.formatted()) parameters, \(train.count) images, "
              + "\(epochs) epochs of batch \(batchSize), \(threads) thread\(threads == 1 ? "" : "s") → \(path)")
        StopSignal.install()
        let bar = ProgressLine()
        let start = Date()
        var lastSaved = 0
        let reports = try Trainer.train(model, data: train, heldOut: heldOut, options: options, observer: TrainingObserver(
            batch: { bar.update($0) },
            epoch: { report in
                bar.clear()
                print(Self.epochLine(report))
                fflush(nil)  // one line per epoch, even into a pipe or a log file
                var c = config
                c.training = Self.trainingJSON(command: command, options: options, epochs: report.epoch,
                                               seconds: Date().timeIntervalSince(start), imagesPerSecond: report.imagesPerSecond)
                c.metrics = report.heldOut.json
                try model.save(to: path, config: c)  // the checkpoint: always a whole, loadable file
                lastSaved = report.epoch
            },
            shouldStop: { StopSignal.requested }))
        bar.clear()
        if StopSignal.requested {
            print(lastSaved > 0 ? "stopped: \(path) holds the model after epoch \(lastSaved)"
                                : "stopped before the first epoch ended: nothing written")
            throw ExitCode(130)
        }
        // Final evaluation with every metric (including 10-NN accuracy), stored in the file.
        let evaluation = Evaluator.evaluate(model, on: heldOut, seed: seed)
        config.training = Self.trainingJSON(command: command, options: options, epochs: epochs,
                                            seconds: Date().timeIntervalSince(start),
                                            imagesPerSecond: reports.map(\.imagesPerSecond).reduce(0, +) / Double(max(1, reports.count)))
        config.metrics = evaluation.json
        try model.save(to: path, config: config)
        print("held-out: " + evaluation.metrics.map { "\($0.name) \(Evaluation.format($0.value))" }.joined(separator: "  "))
        print("wrote \(path) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }

    /// A model file's weights under `config` (whose dataset and class names describe this run).
    static func startingWeights(from path: String, for config: ModelConfig) throws -> Autoencoder {
        let start = try Autoencoder.load(path)
        guard let model = try Autoencoder(config: config, weightsOf: start) else {
            throw ValidationError("--init \(path): a \(start.config.kind.rawValue) whose tensors differ from the \(config.kind.rawValue) this command trains")
        }
        return model
    }

    static func epochLine(_ r: EpochReport) -> String {
        let width = String(r.epochs).count
        var line = "epoch " + String(repeating: " ", count: width - String(r.epoch).count) + "\(r.epoch)/\(r.epochs)  "
        line += r.terms.map { "\($0.name) \(Evaluation.format($0.value))" }.joined(separator: " ")
        line += "  │ held-out " + r.heldOut.metrics.map { "\($0.name) \(Evaluation.format($0.value))" }.joined(separator: " ")
        line += String(format: "  │ %.0f img/s %.1f s", r.imagesPerSecond, r.seconds)
        if r.restartedCodes > 0 { line += "  restarted \(r.restartedCodes) codes" }
        return line
    }

    static func trainingJSON(command: String, options: TrainingOptions, epochs: Int, seconds: Double,
                             imagesPerSecond: Double) -> JSONValue {
        .object([
            ("command", .string(command)),
            ("epochs", .int(epochs)), ("batch_size", .int(options.batchSize)),
            ("learning_rate", .number("\(options.learningRate)")), ("seed", .number("\(options.seed)")),
            ("threads", .int(options.threads)),
            ("seconds", .number(String(format: "%.1f", seconds))),
            ("images_per_second", .number(String(format: "%.0f", imagesPerSecond))),
        ])
    }
}

/// A one-line progress bar on stderr, redrawn in place when stderr is a terminal (silent otherwise,
/// so logs and CI output keep only the per-epoch lines).
final class ProgressLine {
    private let enabled = isatty(STDERR_FILENO) != 0
    private var lastDraw = Date.distantPast

    func update(_ p: BatchProgress) {
        guard enabled, p.batch == p.batches || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        let width = 20
        let filled = width * p.batch / max(p.batches, 1)
        let done = Double((p.epoch - 1) * p.batches + p.batch), total = Double(p.epochs * p.batches)
        let eta = p.elapsed / max(done, 1) * (total - done)
        var line = "epoch \(p.epoch)/\(p.epochs) [" + String(repeating: "█", count: filled)
            + String(repeating: "·", count: width - filled) + "] \(p.batch)/\(p.batches)  "
        line += p.terms.map { "\($0.name) \(Evaluation.format($0.value))" }.joined(separator: " ")
        line += String(format: "  %.0f img/s  ETA %d:%02d", p.imagesPerSecond, Int(eta) / 60, Int(eta) % 60)
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    func clear() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

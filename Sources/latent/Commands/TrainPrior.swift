import ArgumentParser
import Foundation
import LatentCore
import LatentIO
import LatentNN

/// `latent train prior --model VQ.safetensors`: learns a prior over the VQ-VAE's code grids (MaskGIT)
/// from the grids of its training images and stores it in the model file. `--model model.json` (an
/// imported VQ-VAE) stores it beside the manifest and names it there.
extension Train {
    func trainPrior() throws {
        guard let modelPath = model else { throw ValidationError("train prior needs --model, the VQ-VAE whose grids it learns") }
        if ModelManifest.isManifest(modelPath) { return try trainImportedPrior(modelPath) }
        let loaded = try Autoencoder.load(modelPath)
        guard case .vqvae(let vq) = loaded else { throw ValidationError("\(modelPath) is a \(loaded.config.kind.rawValue); a prior is learned over a VQ-VAE's code grids") }
        let (train, heldOut) = try priorData(for: vq)
        let trainGrids = Self.grids(vq, train), heldOutGrids = Self.grids(vq, heldOut)
        let path = output ?? modelPath
        let ops = GridPrior.architecture(codebookSize: vq.codebookSize, height: vq.gridHeight, width: vq.gridWidth)
        var rng = SeededRNG(seed: seed)
        let prior = GridPrior(ops: ops, codebookSize: vq.codebookSize, height: vq.gridHeight, width: vq.gridWidth, rng: &rng)
        let (description, start) = try fit(prior, ops: ops, codebookSize: vq.codebookSize, shape: "\(vq.gridHeight)×\(vq.gridWidth)",
                                           train: trainGrids, heldOut: heldOutGrids, target: path)
        vq.setPrior(prior, description)
        try loaded.save(to: path)
        print("wrote \(path) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }

    /// The prior of an imported VQ-VAE: trained on `--data` or the manifest's `data` (every tenth image
    /// held out), written as `-o` (a file name in the manifest's folder; default: the file the manifest
    /// already names, else prior.safetensors), and named in the manifest.
    private func trainImportedPrior(_ manifestPath: String) throws {
        // The old prior is not read: a stale or damaged one is what this run replaces.
        let vq = try ImportedAutoencoder.load(manifestPath, loadingPrior: false)
        guard vq.kind == .vqvae, let codebook = vq.codebook else {
            throw ValidationError("\(manifestPath) is a \(vq.kind.rawValue); a prior is learned over a VQ-VAE's code grids")
        }
        let tokens = vq.grid.height * vq.grid.width * codebook.levels
        guard tokens <= Self.maxPriorTokens else {
            throw ValidationError("\(manifestPath): \(vq.grid.height)×\(vq.grid.width)×\(codebook.levels) = \(tokens) codes per image; the prior takes at most \(Self.maxPriorTokens)")
        }
        let values = (codebook.size + 1 + tokens) * tokens
        guard values <= Self.maxPriorInputValues else {
            throw ValidationError("\(manifestPath): a prior over grids of \(tokens) codes, each one of \(codebook.size.formatted()), takes \(values.formatted()) input values per grid; at most \(Self.maxPriorInputValues.formatted()) (a batch of 64 holds 64 of them)")
        }
        let fileName = output ?? ((try? ModelManifest.load(manifestPath))?.prior).map { ($0 as NSString).lastPathComponent } ?? "prior.safetensors"
        // Refused before any training: the prior must sit in the manifest's folder, as every file it names.
        _ = try ModelManifest.inside(folder: (manifestPath as NSString).deletingLastPathComponent, fileName, key: "prior",
                                     manifest: (manifestPath as NSString).lastPathComponent)
        let set = try data.images(for: vq)
        let grids = try vq.codeGrids(set.images)
        // Every tenth grid held out (none below ten images): the held-out NLL says whether it generalises.
        let heldOutIndices = grids.count >= 10 ? Set(stride(from: 9, to: grids.count, by: 10)) : []
        let trainGrids = grids.indices.filter { !heldOutIndices.contains($0) }.map { grids[$0] }
        let heldOutGrids = heldOutIndices.sorted().map { grids[$0] }
        let (prior, ops) = try vq.newPrior(seed: seed)
        let shape = "\(vq.grid.height)×\(vq.grid.width)" + (codebook.levels > 1 ? "×\(codebook.levels) levels" : "")
        let (description, start) = try fit(prior, ops: ops, codebookSize: codebook.size, shape: shape,
                                           train: trainGrids, heldOut: heldOutGrids, target: fileName)
        try vq.savePrior(prior, description, as: fileName)
        let folder = (manifestPath as NSString).deletingLastPathComponent
        print("wrote \(folder.isEmpty ? fileName : (folder as NSString).appendingPathComponent(fileName)) and its name in \(manifestPath) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    }

    /// Trains `prior` on the grids, printing each epoch against the per-position and uniform baselines,
    /// and returns what the prior file records of the run (command, seconds, held-out bits per grid) and
    /// when training started. Ctrl-C stops it with nothing written (exit 130). One run for native and
    /// imported VQ-VAEs; an imported model's data may be too small to hold grids out.
    private func fit(_ prior: GridPrior, ops: [OpSpec], codebookSize k: Int, shape: String, train: [[Int]], heldOut: [[Int]],
                     target: String) throws -> (PriorConfig, start: Date) {
        let baselines = PriorTrainer.baselines(grids: train, heldOut: heldOut, codebookSize: k)
        let options = trainerOptions
        let parameters = prior.namedParameters.reduce(0) { $0 + $1.parameter.value.count }
        print("training a prior over \(shape) grids of \(k) codes: \(parameters.formatted()) parameters, "
              + "\(train.count) training grids, \(heldOut.count) held out, \(epochs) epochs, \(threads) thread\(threads == 1 ? "" : "s") → \(target)")
        if !heldOut.isEmpty {
            print(String(format: "baselines on the %d held-out grids: per-position code frequencies %.1f bits/grid, uniform %.1f",
                         heldOut.count, baselines.positional, baselines.uniform))
        }
        StopSignal.install()
        let start = Date()
        PriorTrainer.train(prior, grids: train, heldOut: heldOut, options: options, epoch: { r in
            let width = String(r.epochs).count
            let held = heldOut.isEmpty ? "" : String(format: "  │ held-out %.2f bits/grid (first %d)", r.heldOutBits, min(heldOut.count, options.heldOutPerEpoch))
            print(String(format: "epoch %\(width)d/%d  loss %.4f nats/masked code", r.epoch, r.epochs, r.trainLoss)
                  + held + String(format: "  │ %.0f grids/s %.1f s", r.gridsPerSecond, r.seconds))
            fflush(nil)
        }, shouldStop: { StopSignal.requested })
        if StopSignal.requested {
            print("stopped: nothing written")
            throw ExitCode(130)
        }
        let command = (["latent"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        var metrics: [(key: String, value: JSONValue)] = [("uniform_bits_per_grid", .number(String(format: "%.3f", baselines.uniform)))]
        if !heldOut.isEmpty {
            let bits = prior.negLogLikelihood(heldOut).reduce(0, +) / Double(heldOut.count)
            metrics = [("nll_bits_per_grid", .number(String(format: "%.3f", bits))),
                       ("positional_bits_per_grid", .number(String(format: "%.3f", baselines.positional)))] + metrics
                + [("heldout_grids", .int(heldOut.count))]
            print(String(format: "held-out NLL %.2f bits/grid (per-position frequencies %.2f, uniform %.2f)", bits, baselines.positional, baselines.uniform))
        }
        let description = PriorConfig(
            ops: ops,
            training: .object([("command", .string(command)), ("epochs", .int(epochs)), ("seed", .number("\(seed)")),
                               ("threads", .int(threads)), ("grids", .int(train.count)),
                               ("seconds", .number(String(format: "%.1f", Date().timeIntervalSince(start))))]),
            metrics: .object(metrics))
        return (description, start)
    }

    /// Codes per image a prior is trained over: its input holds a one-hot position per code, so its
    /// size grows with the square of this.
    static let maxPriorTokens = 1024
    /// One grid's input, (K + 1 + tokens) · tokens one-hot values: 16 MB, so a batch of 64 stays near 1 GB.
    static let maxPriorInputValues = 1 << 22

    /// The training and held-out images: `--data`, else the model's own dataset.
    /// The trainer's options from the command line (the same for native and imported models).
    private var trainerOptions: PriorTrainer.Options {
        var options = PriorTrainer.Options()
        options.epochs = epochs
        options.seed = seed
        options.threads = threads
        options.learningRate = learningRate
        options.weightDecay = weightDecay
        return options
    }

    private func priorData(for vq: VQVAEModel) throws -> (LabeledImages, LabeledImages) {
        if data.path != nil { return (try data.trainSet(), try data.heldOutSet()) }
        guard let dataset = ShippedDataset.named(vq.config.datasetName) else {
            throw ValidationError("the model names no shipped dataset; pass --data (a folder in the shipped layout)")
        }
        return (try ShippedData.read(dataset, .train), try ShippedData.read(dataset, .heldout))
    }

    /// Every image's code grid (raster order), encoded in batches of 100.
    static func grids(_ vq: VQVAEModel, _ set: LabeledImages) -> [[Int]] {
        let cells = vq.positions, per = set.pixelsPerImage
        var out: [[Int]] = []
        for start in stride(from: 0, to: set.count, by: 100) {
            let n = min(100, set.count - start)
            let x = Tensor(shape: [n] + Array(set.images.shape.dropFirst()), data: Array(set.images.data[(start * per)..<((start + n) * per)]))
            let codes = vq.encode(x)
            for i in 0..<n { out.append(Array(codes[(i * cells)..<((i + 1) * cells)])) }
        }
        return out
    }
}

import ArgumentParser
import Foundation
import LatentCore
import LatentIO
import LatentNN

/// `latent eval`: held-out metrics of a model beside PCA with as many components.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Held-out metrics of a model (trained here or a manifest), next to PCA with as many components as the latent has dimensions.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions
    @Option(help: "Seed of the z samples in the ELBO estimate.") var seed: UInt64 = 0

    func run() throws {
        ComputeThreads.useAll()
        ComputeThreads.flushSubnormalsOnThisThread()
        let path = try model.resolvedPath()
        let m = try loadLatentModel(path)
        // A shipped dataset comes with a training split for the PCA baseline; other data is evaluated
        // as given, and PCA is fitted on those same images (an optimistic baseline, said so).
        let source = data.path ?? defaultDataSource(for: m)?.source ?? ShippedDataset.mnist.name
        let shipped = ShippedDataset.referenced(by: source)
        let ownData = shipped == nil
        let heldOut = try data.images(for: m)
        let train = try shipped.map { try ShippedData.read($0, .train).mapped(to: m.pixelRange) } ?? heldOut
        let start = Date()
        let result = try Evaluator.evaluate(m, on: heldOut, seed: seed)
        let seconds = Date().timeIntervalSince(start)
        let components = m.kind == .vqvae ? m.codeGrid.height * m.codeGrid.width : m.latentDim
        let note = m.kind == .vqvae ? "one component per code position" : "as many components as latent dimensions"
        print("\(path) on \(heldOut.count) \(ownData ? "" : "held-out ")images (\(String(format: "%.2f", seconds)) s)")
        for (name, value) in result.metrics {
            print("  " + name.padding(toLength: 16, withPad: " ", startingAt: 0) + Evaluation.format(value))
        }
        if let prior = m.gridPrior, let vq = m as? VQVAEModel {
            let heldOutGrids = Train.grids(vq, heldOut), trainGrids = Train.grids(vq, train)
            let bits = prior.negLogLikelihood(heldOutGrids).reduce(0, +) / Double(max(1, heldOutGrids.count))
            let baselines = PriorTrainer.baselines(grids: trainGrids, heldOut: heldOutGrids, codebookSize: vq.codebookSize)
            print("prior over the \(vq.gridHeight)×\(vq.gridWidth) code grids, held-out negative log-likelihood in bits per grid:")
            print("  " + "learned".padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%.2f", bits))
            print("  " + "per-position".padding(toLength: 16, withPad: " ", startingAt: 0)
                  + String(format: "%.2f (each cell's code frequencies on %@)", baselines.positional, ownData ? "the same images" : "the training images"))
            print("  " + "uniform".padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%.2f (cells · log₂ K)", baselines.uniform))
            var timing = SeededRNG(seed: seed, stream: 12)
            let sampleStart = Date()
            for _ in 0..<50 { _ = prior.sample(count: 1, rng: &timing) }
            print(String(format: "  sampling one grid (8 rounds): %.2f ms", Date().timeIntervalSince(sampleStart) / 50 * 1000))
            if heldOut.isLabelled {
                // 1,000 samples each way, against the held-out images.
                var rng = SeededRNG(seed: seed, stream: 11)
                let fromPrior = prior.sample(count: 1000, rng: &rng)
                let fromPositions = SampleQuality.positionalSamples(count: 1000, from: trainGrids, rng: &rng)
                func share(_ grids: [[Int]]) -> Double {
                    SampleQuality.confidentFraction(vq.decode(codes: grids.flatMap { $0 }), reference: heldOut.images, labels: heldOut.labels)
                }
                let data = SampleQuality.confidentFraction(heldOut.images, reference: heldOut.images, labels: heldOut.labels, excludingSelf: true)
                print("share of 1,000 images whose 10 nearest held-out images (pixels) agree ≥ 8 on a class:")
                print("  " + "prior samples".padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%.3f", share(fromPrior)))
                print("  " + "per-position".padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%.3f", share(fromPositions)))
                print("  " + "held-out data".padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%.3f (each image's own entry left out)", data))
            }
        }
        guard train.count > components else {
            print("(no PCA baseline: \(components) components need more than \(train.count) images)")
            return
        }
        let pca = try Evaluator.pcaBaseline(train: train, heldOut: heldOut, components: components)
        print("PCA with \(components) components (\(note)), fitted on \(ownData ? "the same \(train.count) images" : "\(train.count) training images"):")
        let mseName = m.kind == .vqvae ? "mse" : "mse_at_mu"
        // In [0, 1] pixel units, as the model's figures.
        let width = Double(m.pixelRange.upperBound - m.pixelRange.lowerBound)
        print("  " + mseName.padding(toLength: 16, withPad: " ", startingAt: 0) + Evaluation.format((pca["mse"] ?? 0) / (width * width)))
        print("  " + "explained_var".padding(toLength: 16, withPad: " ", startingAt: 0) + Evaluation.format(pca["explained_variance"] ?? 0))
    }
}

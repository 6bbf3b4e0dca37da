import ArgumentParser
import Foundation
import LatentCore
import LatentIO
import LatentNN

/// `latent eval`: held-out metrics of a model beside PCA with as many components.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Held-out metrics of a model, next to PCA with as many components as the latent has dimensions.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions
    @Option(help: "Seed of the z samples in the ELBO estimate.") var seed: UInt64 = 0

    func run() throws {
        ComputeThreads.useAll()
        ComputeThreads.flushSubnormalsOnThisThread()
        let m = try model.load()
        let heldOut = try data.heldOutSet(), train = try data.trainSet()
        guard Array(heldOut.images.shape.dropFirst()) == m.config.inputShape else {
            throw ValidationError("the data's images are \(Array(heldOut.images.shape.dropFirst())), the model takes \(m.config.inputShape)")
        }
        let start = Date()
        let result = Evaluator.evaluate(m, on: heldOut, seed: seed)
        let seconds = Date().timeIntervalSince(start)
        let components: Int
        let note: String
        switch m {
        case .vae(let v): components = v.latentDim; note = "as many components as latent dimensions"
        case .vqvae(let q): components = q.positions; note = "one component per code position"
        }
        let pca = Evaluator.pcaBaseline(train: train, heldOut: heldOut, components: components)
        print("\(try model.resolvedPath()) on \(heldOut.count) held-out images (\(String(format: "%.2f", seconds)) s)")
        for (name, value) in result.metrics {
            print("  " + name.padding(toLength: 16, withPad: " ", startingAt: 0) + Evaluation.format(value))
        }
        print("PCA with \(components) components (\(note)), fitted on \(train.count) training images:")
        let mseName = m.config.kind == .vqvae ? "mse" : "mse_at_mu"
        print("  " + mseName.padding(toLength: 16, withPad: " ", startingAt: 0) + Evaluation.format(pca["mse"] ?? 0))
        print("  " + "explained_var".padding(toLength: 16, withPad: " ", startingAt: 0) + Evaluation.format(pca["explained_variance"] ?? 0))
    }
}

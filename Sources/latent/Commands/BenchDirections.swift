import ArgumentParser
import Foundation
import LatentCore
import LatentNN

/// `latent bench directions`: how long each direction set takes on a model, median of repeated runs
/// in one process (what a switch of the slider panel's set costs before its frame).
struct BenchDirections: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directions",
        abstract: "Median time of each direction set (Jacobian by backward and by differences, global and local PCA) at the μ of the model's first image.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions
    @Option(help: "Runs to time.") var runs = 30
    @Option(help: "Directions per set (default: all).") var count: Int?
    @Option(help: "Threads.") var threads = ComputeThreads.available

    func validate() throws {
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be 1…10,000") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be 1…1024") }
    }

    func run() throws {
        ComputeThreads.flushSubnormalsOnThisThread()
        ComputeThreads.set(threads)
        let m = try loadLatentModel(try model.resolvedPath())
        guard m.kind.isContinuous, m.kind != .cvae else { throw ValidationError("bench directions takes an unconditional continuous model (VAE, AE)") }
        let latents = try encodeMeans(m, try data.images(for: m))
        let d = m.latentDim, k = min(count ?? d, d)
        let z = Array(latents.data[0..<d])
        func median(_ body: () throws -> Void) rethrows -> (median: Double, p90: Double) {
            var times: [Double] = []
            for _ in 0...runs {  // the first run warms caches and is dropped
                let t0 = DispatchTime.now().uptimeNanoseconds
                try body()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            let sorted = times.dropFirst().sorted()
            return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, sorted.count * 9 / 10)])
        }
        print("\(m.kind.rawValue), latent \(m.latentShape.map(String.init).joined(separator: "×")) (d = \(d)), image \(m.inputShape.map(String.init).joined(separator: "×")), \(latents.shape[0]) data latents, \(ComputeThreads.current) threads, \(runs) runs")
        var cases: [(String, () throws -> Void)] = []
        if m is VAEModel { cases.append(("jacobian, backward", { _ = try DirectionSet.jacobian(of: m, at: z, count: k, method: .backward) })) }
        cases.append(("jacobian, central differences", { _ = try DirectionSet.jacobian(of: m, at: z, count: k, method: .finiteDifferences) }))
        cases.append(("global PCA of the data's μ", { _ = try DirectionSet.globalPCA(of: latents, count: k) }))
        cases.append(("local PCA, \(max(50, 2 * d)) neighbours", { _ = try DirectionSet.localPCA(of: latents, around: z, neighbours: max(50, 2 * d), count: k) }))
        for (name, body) in cases {
            let t = try median(body)
            print(name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: "%9.2f ms median  (p90 %.2f)", t.median, t.p90))
        }
    }
}

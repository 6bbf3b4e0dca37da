import ArgumentParser
import Foundation
import LatentCore
import LatentProjection

/// `latent bench pca`: PCA to 2-D of a matrix, timed over repeated runs in one process (a single run's
/// figure on a shared machine swings by ±20 %).
struct BenchPCA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pca",
        abstract: "Median time of PCA fit + transform to 2-D of a matrix (.npy, .csv or IDX).")

    @Option(help: "Input matrix.") var input: String
    @Option(help: "Threads (the result does not depend on it).") var threads = ComputeThreads.available
    @Option(help: "Runs to time.") var runs = 30

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be 1…10,000") }
    }

    func run() throws {
        ComputeThreads.flushSubnormalsOnThisThread()
        let x = try loadInputMatrix(input)
        guard x.shape[0] >= 2 else { throw ValidationError("\(input): need at least 2 rows") }
        var fit: [Double] = [], transform: [Double] = []
        for _ in 0...max(1, runs) {  // the first run warms caches and is dropped
            let t0 = DispatchTime.now().uptimeNanoseconds
            let pca = try PCA.fit(x, components: min(2, x.shape[1]), threads: threads)
            let t1 = DispatchTime.now().uptimeNanoseconds
            _ = pca.transform(x, threads: threads)
            let t2 = DispatchTime.now().uptimeNanoseconds
            fit.append(Double(t1 - t0) / 1e6); transform.append(Double(t2 - t1) / 1e6)
        }
        fit.removeFirst(); transform.removeFirst()
        let total = zip(fit, transform).map { $0 + $1 }.sorted()
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        print(String(format: "PCA of %d × %d to 2-D, %d threads, %d runs: fit %.2f ms + transform %.2f ms = %.2f ms median (p10 %.2f, p90 %.2f)",
                     x.shape[0], x.shape[1], threads, total.count, median(fit), median(transform), median(total),
                     total[total.count / 10], total[total.count * 9 / 10]))
    }
}

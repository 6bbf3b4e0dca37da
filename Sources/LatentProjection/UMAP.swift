import Foundation
import LatentCore

/// UMAP (McInnes, Healy & Melville, 2018), following umap-learn: a k-nearest-neighbour graph, per-point
/// smooth distances (smooth_knn_dist), the fuzzy union of the directed memberships, the curve
/// 1 / (1 + a·d^(2b)) fitted to min_dist and spread, and stochastic gradient descent with negative
/// sampling on the epoch schedule (edges sampled in proportion to their weight).
///
/// The optimisation runs in "batch" form, as uwot's batch mode and umappp do: in every epoch each
/// point's gradient is computed from the embedding as it stood at the start of the epoch, with random
/// numbers drawn from a stream keyed by (seed, epoch, group of 32 points). Points can then be processed in any order
/// and on any number of threads, and the same seed gives bit-identical coordinates whatever the thread count.
public struct UMAPOptions: Sendable {
    public var neighbors = 15
    public var minDist: Float = 0.1
    public var spread: Float = 1
    /// nil: 200 up to 10,000 points, 150 up to 25,000, 250 above (umap-learn: 500 up to 10,000, 200
    /// above). The learning rate falls as (1 − epoch/epochs)^1.5 up to 25,000 points and as its square
    /// above, either of which ends with less of the batch updates' jitter than umap-learn's linear fall
    /// (Fashion-MNIST → PCA 10, 5,000 points, 200 epochs: 0.9929 squared, 0.9924 linear). From the PCA
    /// start the power 1.5 keeps the layout moving longer, which 20,000 of those points need
    /// (trustworthiness(15) 0.9908 against 0.9879 squared; umap-learn 0.9911) at no loss elsewhere; above
    /// 25,000 points both give the same (70,000 points: 0.9891) and the square stops sooner. Larger
    /// inputs need more epochs: batch updates, each from the epoch's starting layout, converge more
    /// slowly than umap-learn's in-place ones, and at 70,000 points 150 epochs give 0.9825, 250 give
    /// 0.9884 (umap-learn at 200: 0.9896).
    public var epochs: Int?
    /// The layout has converged, and the epochs stop, once points moved on average less than this
    /// fraction of the mean edge length over the last 5 epochs (checked every 5 epochs). nil: all epochs.
    /// With the squared fall of the learning rate this ends the last few epochs, whose steps are too
    /// small to reorder neighbours.
    public var convergence: Float? = 0.05
    public var learningRate: Float = 1
    public var negativeSampleRate = 5
    public var seed: UInt64 = 42
    public var threads = 1
    /// Above this many points the neighbour graph comes from NN-descent instead of exact search.
    public var exactNeighborLimit = NeighborGraph.exactLimit
    public var initialization = UMAPInit.auto

    public init() {}
}

public struct UMAPResult: Sendable {
    /// (n, 2) coordinates.
    public let embedding: Tensor
    public let a: Float, b: Float
    public let graph: NeighborGraph
    /// Seconds spent in each stage, in order.
    public let timings: [(stage: String, seconds: Double)]
    /// How the layout started: "spectral", "pca", or "pca (why the spectral start was not used)".
    public let start: String
    /// Epochs run, and the schedule's length (fewer ran when the layout converged first).
    public let epochs: (run: Int, scheduled: Int)
}

public enum UMAP {
    public static func fit(_ x: Tensor, options: UMAPOptions = UMAPOptions(), progress: (Double) -> Void = { _ in }) -> UMAPResult {
        let n = x.shape[0]
        precondition(x.rank == 2 && n >= 2, "UMAP needs a matrix of at least two rows")
        let k = min(options.neighbors, n - 1)
        var timings: [(String, Double)] = []
        var clock = Date()
        func lap(_ stage: String) { timings.append((stage, Date().timeIntervalSince(clock))); clock = Date() }

        // Exact neighbours are O(n²): beyond `exactNeighborLimit`, NN-descent finds nearly the same ones faster.
        let knn = NeighborGraph.nearest(x, k: k, seed: options.seed, threads: options.threads, exactLimit: options.exactNeighborLimit)
        HeapReuse.releaseFreePages()  // the search's heaps and candidates, before the graph's arrays
        lap("knn")
        var graph = fuzzySimplicialSet(knn, threads: options.threads)
        HeapReuse.releaseFreePages()  // the union's temporaries, before the layout's arrays
        lap("graph")
        let (a, b) = fitAB(minDist: options.minDist, spread: options.spread)
        var start = "pca"
        var embedding: [Float]
        let spectral = options.initialization == .spectral
        if spectral, let s = spectralEmbedding(graph, x: x, seed: options.seed, threads: options.threads) {
            embedding = s.coordinates
            start = s.note
        } else {
            embedding = initialEmbedding(x, seed: options.seed)
            if spectral { start = "pca (no spectral embedding)" }
        }
        lap("init")
        let small = n <= 25_000  // the schedule's two sizes (see `UMAPOptions.epochs`)
        let epochs = options.epochs ?? (n <= 10_000 ? 200 : small ? 150 : 250)
        let run = optimize(&embedding, graph: &graph, n: n, a: a, b: b, epochs: epochs, rateFall: small ? 1.5 : 2,
                           options: options, progress: progress)
        lap("optimize")
        return UMAPResult(embedding: Tensor(shape: [n, 2], data: embedding), a: a, b: b, graph: knn, timings: timings, start: start,
                          epochs: (run, epochs))
    }

    // MARK: Curve

    /// (a, b) of 1/(1 + a·x^(2b)) fitted by least squares to the target curve of umap-learn's
    /// find_ab_params: 1 below min_dist, exp(−(x − min_dist)/spread) above, on 300 points in [0, 3·spread].
    public static func fitAB(minDist: Float, spread: Float) -> (a: Float, b: Float) {
        let xs = (0..<300).map { Double($0) * 3 * Double(spread) / 299 }
        let ys = xs.map { $0 < Double(minDist) ? 1 : exp(-($0 - Double(minDist)) / Double(spread)) }
        var a = 1.0, b = 1.0
        var lambda = 1e-3
        func loss(_ a: Double, _ b: Double) -> Double {
            zip(xs, ys).reduce(0) { s, p in
                let f = 1 / (1 + a * pow(p.0, 2 * b))
                return s + (f - p.1) * (f - p.1)
            }
        }
        var current = loss(a, b)
        for _ in 0..<200 {  // Levenberg–Marquardt on two parameters
            var jtj = [0.0, 0.0, 0.0], jtr = [0.0, 0.0]
            for (x, y) in zip(xs, ys) where x > 0 {
                let p = pow(x, 2 * b), f = 1 / (1 + a * p), r = f - y
                let da = -p * f * f, db = -a * p * 2 * log(x) * f * f
                jtj[0] += da * da; jtj[1] += da * db; jtj[2] += db * db
                jtr[0] += da * r; jtr[1] += db * r
            }
            let m00 = jtj[0] * (1 + lambda), m11 = jtj[2] * (1 + lambda), m01 = jtj[1]
            let det = m00 * m11 - m01 * m01
            guard det != 0 else { break }
            let stepA = (m11 * jtr[0] - m01 * jtr[1]) / det, stepB = (m00 * jtr[1] - m01 * jtr[0]) / det
            let trial = loss(a - stepA, b - stepB)
            if trial < current {
                a -= stepA; b -= stepB
                lambda = max(lambda / 10, 1e-12)
                if current - trial < 1e-14 { current = trial; break }
                current = trial
            } else {
                lambda *= 10
                if lambda > 1e12 { break }
            }
        }
        return (Float(a), Float(b))
    }

    // MARK: Layout

    /// PCA to 2D scaled to ±10 with a little seeded noise, as umap-learn scales its spectral start.
    /// (A PCA start gives the same local quality as the spectral one at a fraction of its cost.)
    static func initialEmbedding(_ x: Tensor, seed: UInt64) -> [Float] {
        let n = x.shape[0]
        let comps = min(2, x.shape[1])
        // Finite rows always fit; should the eigensolver fail, the noise below alone is the start.
        let y = (try? PCA.fit(x, components: comps))?.transform(x) ?? Tensor(zeros: [n, comps])
        var out = [Float](repeating: 0, count: n * 2)
        let maxAbs = max(y.data.map { abs($0) }.max() ?? 1, 1e-12)
        var rng = SeededRNG(seed: seed, stream: 7)
        for i in 0..<n {
            for c in 0..<2 {
                let v = c < comps ? y.data[i * comps + c] : 0
                out[i * 2 + c] = v / maxAbs * 10 + 1e-4 * rng.nextNormal()
            }
        }
        return out
    }

}

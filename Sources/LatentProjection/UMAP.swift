import Foundation
import LatentCore

/// UMAP (McInnes, Healy & Melville, 2018), following umap-learn: a k-nearest-neighbour graph, per-point
/// smooth distances (smooth_knn_dist), the fuzzy union of the directed memberships, the curve
/// 1 / (1 + a·d^(2b)) fitted to min_dist and spread, and stochastic gradient descent with negative
/// sampling on the epoch schedule (edges sampled in proportion to their weight).
///
/// The optimisation runs in "batch" form, as uwot's batch mode and umappp do: in every epoch each
/// point's gradient is computed from the embedding as it stood at the start of the epoch, with random
/// numbers drawn from a stream keyed by (seed, point, epoch). Points can then be processed in any order
/// and on any number of threads, and the same seed gives bit-identical coordinates whatever the thread count.
public struct UMAPOptions: Sendable {
    public var neighbors = 15
    public var minDist: Float = 0.1
    public var spread: Float = 1
    /// nil: 500 for up to 10,000 points, 200 above (umap-learn's default).
    public var epochs: Int?
    public var learningRate: Float = 1
    public var negativeSampleRate = 5
    public var seed: UInt64 = 42
    public var threads = 1
    /// Above this many points the neighbour graph comes from NN-descent instead of exact search.
    public var exactNeighborLimit = 20_000

    public init() {}
}

public struct UMAPResult: Sendable {
    /// (n, 2) coordinates.
    public let embedding: Tensor
    public let a: Float, b: Float
    public let graph: NeighborGraph
    /// Seconds spent in each stage, in order.
    public let timings: [(stage: String, seconds: Double)]
}

public enum UMAP {
    public static func fit(_ x: Tensor, options: UMAPOptions = UMAPOptions(), progress: (Double) -> Void = { _ in }) -> UMAPResult {
        let n = x.shape[0]
        precondition(x.rank == 2 && n >= 2, "UMAP needs a matrix of at least two rows")
        let k = min(options.neighbors, n - 1)
        var timings: [(String, Double)] = []
        var clock = Date()
        func lap(_ stage: String) { timings.append((stage, Date().timeIntervalSince(clock))); clock = Date() }

        let blasThreads = ComputeThreads.current
        ComputeThreads.set(1)  // our own threads split the work; nested BLAS threads would fight them
        defer { ComputeThreads.set(blasThreads) }
        // Exact neighbours are O(n²): beyond 20,000 points, NN-descent finds nearly the same ones far faster.
        let knn = n > options.exactNeighborLimit ? NeighborGraph.nnDescent(x, k: k, seed: options.seed, threads: options.threads)
                                                 : NeighborGraph.exact(x, k: k, threads: options.threads)
        lap("knn")
        let graph = fuzzySimplicialSet(knn, threads: options.threads)
        lap("graph")
        let (a, b) = fitAB(minDist: options.minDist, spread: options.spread)
        var embedding = initialEmbedding(x, seed: options.seed)
        lap("init")
        let epochs = options.epochs ?? (n <= 10_000 ? 500 : 200)
        optimize(&embedding, graph: graph, n: n, a: a, b: b, epochs: epochs, options: options, progress: progress)
        lap("optimize")
        return UMAPResult(embedding: Tensor(shape: [n, 2], data: embedding), a: a, b: b, graph: knn, timings: timings)
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
        let pca = PCA.fit(x, components: comps)
        let y = pca.transform(x)
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

    static func optimize(_ y: inout [Float], graph g: Graph, n: Int, a: Float, b: Float, epochs: Int,
                         options: UMAPOptions, progress: (Double) -> Void) {
        // Edges below max/epochs would never be sampled: drop them (umap-learn does the same).
        let maxW = g.weights.max() ?? 1
        let threshold = maxW / Float(epochs)
        let epochsPerSample = g.weights.map { $0 >= threshold ? maxW / $0 : -1 }
        var nextSample = epochsPerSample
        let negRate = Float(options.negativeSampleRate)
        var nextNegative = epochsPerSample.map { $0 / negRate }
        var grad = [Float](repeating: 0, count: n * 2)
        let twoB = 2 * b, threads = options.threads
        let table = PowTable(b)
        for epoch in 0..<epochs {
            let alpha = options.learningRate * (1 - Float(epoch) / Float(epochs))
            let e = Float(epoch)
            table.exponent.withUnsafeBufferPointer { expBuffer in
            table.mantissa.withUnsafeBufferPointer { mantBuffer in
            epochsPerSample.withUnsafeBufferPointer { epsBuffer in
            g.columns.withUnsafeBufferPointer { columnBuffer in
            g.offsets.withUnsafeBufferPointer { offsetBuffer in
            y.withUnsafeBufferPointer { yp in
                grad.withUnsafeMutableBufferPointer { gp in
                    nextSample.withUnsafeMutableBufferPointer { ns in
                        nextNegative.withUnsafeMutableBufferPointer { nn in
                            let Y = UncheckedConst(yp.baseAddress!), G = UncheckedPointer(gp.baseAddress!)
                            let NS = UncheckedPointer(ns.baseAddress!), NN = UncheckedPointer(nn.baseAddress!)
                            let EPS = UncheckedConst(epsBuffer.baseAddress!), COL = UncheckedConst(columnBuffer.baseAddress!)
                            let OFF = UncheckedConst(offsetBuffer.baseAddress!)
                            let PE = UncheckedConst(expBuffer.baseAddress!), PM = UncheckedConst(mantBuffer.baseAddress!)
                            parallelFor(n, threads: threads) { i in
                                var rng = SeededRNG(seed: options.seed, stream: UInt64(epoch) << 32 | UInt64(i))
                                let yi0 = Y.pointer[2 * i], yi1 = Y.pointer[2 * i + 1]
                                var g0: Float = 0, g1: Float = 0
                                for edge in OFF.pointer[i]..<OFF.pointer[i + 1] {
                                    let eps = EPS.pointer[edge]
                                    guard eps > 0, NS.pointer[edge] <= e else { continue }
                                    let j = Int(COL.pointer[edge])
                                    let d0 = yi0 - Y.pointer[2 * j], d1 = yi1 - Y.pointer[2 * j + 1]
                                    let dsq = d0 * d0 + d1 * d1
                                    if dsq > 0 {
                                        let pw = table.pow(dsq, PE.pointer, PM.pointer)
                                        let coeff = -2 * a * b * pw / dsq / (a * pw + 1)
                                        g0 += clip(coeff * d0); g1 += clip(coeff * d1)
                                    }
                                    NS.pointer[edge] += eps
                                    let negEps = eps / negRate
                                    let samples = Int((e - NN.pointer[edge]) / negEps)
                                    for _ in 0..<max(0, samples) {
                                        let k = rng.nextInt(below: n)
                                        guard k != i else { continue }
                                        let q0 = yi0 - Y.pointer[2 * k], q1 = yi1 - Y.pointer[2 * k + 1]
                                        let qsq = q0 * q0 + q1 * q1
                                        if qsq > 0 {
                                            let coeff = twoB / ((0.001 + qsq) * (a * table.pow(qsq, PE.pointer, PM.pointer) + 1))
                                            g0 += clip(coeff * q0); g1 += clip(coeff * q1)
                                        } else {
                                            g0 += 4; g1 += 4
                                        }
                                    }
                                    NN.pointer[edge] += Float(max(0, samples)) * negEps
                                }
                                G.pointer[2 * i] = g0 * alpha
                                G.pointer[2 * i + 1] = g1 * alpha
                            }
                        }
                    }
                }
            }
            }
            }
            }
            }
            }
            for t in 0..<(2 * n) { y[t] += grad[t] }
            if epoch % 50 == 0 { progress(Double(epoch) / Double(epochs)) }
        }
        progress(1)
    }

    @inline(__always) static func clip(_ v: Float) -> Float { min(4, max(-4, v)) }

    /// x^b for a fixed b from two small tables: 2^(e·b) per binary exponent e, and (1 + m)^b for the top
    /// 8 bits of the mantissa with linear interpolation (relative error < 2e-5). About a third of the
    /// work of `fastPow` in the SGD's inner loop.
    struct PowTable {
        let exponent: [Float]   // 256 entries: 2^((e − 127)·b)
        let mantissa: [Float]   // 257 entries: (1 + i/256)^b

        init(_ b: Float) {
            exponent = (0..<256).map { powf(2, Float($0 - 127) * b) }
            mantissa = (0...256).map { powf(1 + Float($0) / 256, b) }
        }

        @inline(__always) func pow(_ x: Float, _ e: UnsafePointer<Float>, _ m: UnsafePointer<Float>) -> Float {
            let bits = x.bitPattern
            let ei = Int((bits >> 23) & 0xFF)
            let top = Int((bits >> 15) & 0xFF)
            let frac = Float(bits & 0x7FFF) * (1 / 32768)
            let lo = m[top], hi = m[top + 1]
            return e[ei] * (lo + (hi - lo) * frac)
        }
    }

    /// x^b for x > 0 as 2^(b·log2 x) with both steps approximated from the float's bits (relative error
    /// about 4e-4 for the exponents UMAP uses): the gradient's shape tolerates it, and libm's powf would be most of the SGD's time.
    @inline(__always) static func fastPow(_ x: Float, _ b: Float) -> Float { fastExp2(b * fastLog2(x)) }

    @inline(__always) static func fastLog2(_ x: Float) -> Float {
        let bits = x.bitPattern
        let exponent = Float(Int32(bitPattern: (bits >> 23) & 0xFF) - 127)
        let m = Float(bitPattern: (bits & 0x7F_FFFF) | 0x3F80_0000)  // mantissa in [1, 2)
        // log2(1 + t) on [0, 1): t · P3(t), least-squares fit (max error 1.9e-4). Short polynomials keep
        // the dependency chain of each sample short; the gradient needs no more precision.
        let t = m - 1
        let p = t * (1.4385479 + t * (-0.6780895 + t * (0.3236463 + t * -0.0842947)))
        return exponent + p
    }

    @inline(__always) static func fastExp2(_ x: Float) -> Float {
        let clamped = min(max(x, -126), 126)
        // floor by truncation (Float.rounded(.down) calls libm's floorf here)
        var i = Int32(clamped)
        if Float(i) > clamped { i -= 1 }
        let f = clamped - Float(i)  // [0, 1)
        // 2^f on [0, 1): degree-3 least-squares fit (relative error 1.9e-4)
        let p = 0.9998120 + f * (0.6968386 + f * (0.2241264 + f * 0.0790199))
        return Float(bitPattern: UInt32(i + 127) << 23) * p
    }
}

import CKernels
import Foundation
import LatentCore

/// t-SNE (van der Maaten & Hinton, 2008) as openTSNE runs it: Gaussian affinities over the 3·perplexity
/// nearest neighbours calibrated to the perplexity, symmetrised; a PCA start scaled to a tiny spread;
/// early exaggeration; gradient descent with momentum and per-coordinate gains; the repulsion by
/// Barnes–Hut (van der Maaten, 2014) for small maps and by FFT-accelerated interpolation (FIt-SNE,
/// TSNE+FFT.swift) for large ones. Seed 002 samples lines
/// across t-SNE maps as well as PCA and UMAP ones.
public struct TSNEOptions: Sendable {
    public var perplexity: Float = 30
    public var iterations = 750
    public var earlyExaggeration: Float = 12
    public var exaggerationIterations = 250
    /// nil: max(n / exaggeration / 4, 50) in each phase — openTSNE's "auto" (n / exaggeration, its
    /// gradient lacks our factor 4): n/48 while exaggerating, as scikit-learn's "auto", then n/4.
    public var learningRate: Float?
    /// Barnes–Hut accuracy: a quadtree cell whose width over its distance is below θ acts as one point.
    public var theta: Float = 0.5
    /// How the repulsion is summed; `.auto` takes Barnes–Hut below `TSNE.fftThreshold` points, else FFT.
    public var repulsion: TSNERepulsion = .auto
    public var seed: UInt64 = 42
    public var threads = 1
    public init() {}
}

public enum TSNERepulsion: String, Sendable, CaseIterable {
    case auto, barnesHut = "bh", fft
}

public struct TSNEResult: Sendable {
    public let embedding: Tensor
    public let timings: [(stage: String, seconds: Double)]
}

public enum TSNE {
    /// Up to this many points the 3·perplexity neighbours are found exactly. NN-descent's rounds grow
    /// with k², so at t-SNE's k = 90 the exact blocked search stays ahead far beyond UMAP's limit.
    public static let exactNeighborLimit = 50_000

    /// From this many points on, `.auto` sums the repulsion by FFT interpolation.
    public static let fftThreshold = 2_000

    /// The method `.auto` (or the given one) uses for n points.
    public static func repulsionMethod(_ r: TSNERepulsion, points n: Int) -> TSNERepulsion {
        r == .auto ? (n >= fftThreshold ? .fft : .barnesHut) : r
    }

    public static func fit(_ x: Tensor, options: TSNEOptions = TSNEOptions(), progress: (Double) -> Void = { _ in }) -> TSNEResult {
        let n = x.shape[0]
        precondition(x.rank == 2 && n >= 2, "t-SNE needs a matrix of at least two rows")
        var timings: [(String, Double)] = []
        var clock = Date()
        func lap(_ stage: String) { timings.append((stage, Date().timeIntervalSince(clock))); clock = Date() }
        let k = min(n - 1, max(1, Int((3 * options.perplexity).rounded())))
        let knn = NeighborGraph.nearest(x, k: k, seed: options.seed, threads: options.threads, exactLimit: exactNeighborLimit)
        lap("knn")
        let p = affinities(knn, perplexity: min(options.perplexity, Float(k)), threads: options.threads)
        lap("affinities")
        var y = start(x, seed: options.seed)
        lap("init")
        descend(&y, p: p, n: n, options: options, progress: progress)
        lap("optimize")
        return TSNEResult(embedding: Tensor(shape: [n, 2], data: y), timings: timings)
    }

    /// Symmetric affinities P (CSR, summing to 1): p_{j|i} ∝ exp(−β_i d_ij²) over i's neighbours with β_i
    /// found by bisection so the entropy is log(perplexity), then P = (p_{j|i} + p_{i|j}) / 2n.
    static func affinities(_ knn: NeighborGraph, perplexity: Float, threads: Int) -> UMAP.Graph {
        let n = knn.count
        let conditional = conditionalAffinities(knn, perplexity: perplexity, threads: threads)
        // Symmetrise: P = (p_{j|i} + p_{i|j}) / 2n over the union of both lists.
        let scale = 1 / Float(2 * n)
        return UMAP.symmetrize(knn, weights: conditional) { w, back in (w + back) * scale }
    }

    /// p_{j|i} over each point's k neighbours (rows of k, summing to 1), with exp(entropy) = perplexity.
    static func conditionalAffinities(_ knn: NeighborGraph, perplexity: Float, threads: Int) -> [Float] {
        let n = knn.count, k = knn.k
        var conditional = [Float](repeating: 0, count: n * k)
        let target = log(Double(perplexity))
        conditional.withUnsafeMutableBufferPointer { cp in
            let C = UncheckedPointer(cp.baseAddress!)
            parallelFor(n, threads: threads) { i in
                let d2 = (0..<k).map { Double(knn.distances[i * k + $0]) * Double(knn.distances[i * k + $0]) }
                let shift = d2.min() ?? 0  // subtracted inside exp for range; cancels in the normalisation
                var beta = 1.0, lo = 0.0, hi = Double.infinity
                var w = [Double](repeating: 0, count: k)
                for _ in 0..<100 {
                    var sum = 0.0, weighted = 0.0
                    for r in 0..<k { w[r] = exp(-beta * (d2[r] - shift)); sum += w[r]; weighted += w[r] * (d2[r] - shift) }
                    // entropy H = log Σw + β·Σ w d² / Σ w  (with the shift applied to both)
                    let h = log(sum) + beta * weighted / sum
                    if abs(h - target) < 1e-5 { break }
                    if h > target { lo = beta; beta = hi == .infinity ? beta * 2 : (beta + hi) / 2 } else { hi = beta; beta = (beta + lo) / 2 }
                }
                let sum = w.reduce(0, +)
                for r in 0..<k { C.pointer[i * k + r] = Float(w[r] / max(sum, 1e-300)) }
            }
        }
        return conditional
    }

    /// PCA to 2-D scaled so the first axis has standard deviation 1e-4 (scikit-learn's and openTSNE's
    /// PCA start), with 1e-8 of seeded noise so coincident points can part.
    static func start(_ x: Tensor, seed: UInt64) -> [Float] {
        let n = x.shape[0]
        let comps = min(2, x.shape[1])
        // Finite rows always fit; should the eigensolver fail, the noise below alone is the start.
        let y = (try? PCA.fit(x, components: comps))?.transform(x) ?? Tensor(zeros: [n, comps])
        let first = (0..<n).map { y.data[$0 * comps] }
        let mean = first.reduce(0, +) / Float(n)
        let std = max((first.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(n)).squareRoot(), 1e-12)
        var rng = SeededRNG(seed: seed, stream: 9)
        return (0..<(2 * n)).map { t in
            let c = t % 2
            let v = c < comps ? y.data[(t / 2) * comps + c] : 0
            return v / std * 1e-4 + 1e-8 * rng.nextNormal()
        }
    }

    static func descend(_ y: inout [Float], p: UMAP.Graph, n: Int, options: TSNEOptions, progress: (Double) -> Void) {
        var update = [Float](repeating: 0, count: 2 * n), gains = [Float](repeating: 1, count: 2 * n)
        var attraction = [Float](repeating: 0, count: 2 * n), repulsion = [Float](repeating: 0, count: 2 * n)
        let useFFT = repulsionMethod(options.repulsion, points: n) == .fft
        var zParts = [Double](repeating: 0, count: n)
        let fft = FFTRepulsion()
        for iteration in 0..<options.iterations {
            let exaggerating = iteration < options.exaggerationIterations
            let exaggeration = exaggerating ? options.earlyExaggeration : 1
            let momentum: Float = exaggerating ? 0.5 : 0.8
            let rate = options.learningRate ?? max(Float(n) / exaggeration / 4, 50)
            // ∂C/∂y_i = 4(E·attraction − repulsion/Z): attraction Σ_j p_ij (y_i − y_j)/(1 + d²), repulsion
            // Σ_j (y_i − y_j)/(1 + d²)² and Z = Σ_i Σ_j 1/(1 + d²), the last two by FFT or Barnes–Hut.
            attract(y, p: p, into: &attraction, threads: options.threads)
            let z: Float
            if useFFT, let fz = fft.compute(y, into: &repulsion, threads: options.threads) {
                z = Float(fz)
            } else {
                z = barnesHut(y, theta: options.theta, into: &repulsion, zParts: &zParts, threads: options.threads)
            }
            for t in 0..<(2 * n) {
                let g = 4 * (exaggeration * attraction[t] - repulsion[t] / z)
                // delta-bar-delta gains: grow where the gradient keeps its direction against the update
                gains[t] = (g > 0) != (update[t] > 0) ? gains[t] + 0.2 : max(0.01, gains[t] * 0.8)
                update[t] = momentum * update[t] - rate * gains[t] * g
                y[t] += update[t]
            }
            if iteration % 50 == 0 { progress(Double(iteration) / Double(options.iterations)) }
        }
        progress(1)
    }
}

extension TSNE {
    /// Barnes–Hut's repulsion into `repulsion` and Z, returned: a quadtree queried per point on threads,
    /// Z summed in point order (thread-independent).
    static func barnesHut(_ y: [Float], theta: Float, into repulsion: inout [Float], zParts: inout [Double], threads: Int) -> Float {
        let n = y.count / 2
        let tree = QuadTree(y)
        y.withUnsafeBufferPointer { yp in
            repulsion.withUnsafeMutableBufferPointer { rp in
                zParts.withUnsafeMutableBufferPointer { zp in
                    let Y = UncheckedConst(yp.baseAddress!)
                    let R = UncheckedPointer(rp.baseAddress!), Zp = UncheckedPointer(zp.baseAddress!)
                    parallelFor(n, threads: threads) { i in
                        let (r0, r1, z) = tree.repulsion(at: Y.pointer[2 * i], Y.pointer[2 * i + 1], excluding: i, theta: theta)
                        R.pointer[2 * i] = r0; R.pointer[2 * i + 1] = r1
                        Zp.pointer[i] = z
                    }
                }
            }
        }
        return Float(max(zParts.reduce(0, +), 1e-30))
    }

    /// Σ_j p_ij (y_i − y_j)/(1 + d²) for every point i, on threads over points.
    static func attract(_ y: [Float], p: UMAP.Graph, into attraction: inout [Float], threads: Int) {
        let n = y.count / 2
        y.withUnsafeBufferPointer { yp in
            attraction.withUnsafeMutableBufferPointer { ap in
                p.offsets.withUnsafeBufferPointer { op in
                    p.columns.withUnsafeBufferPointer { cp in
                        p.weights.withUnsafeBufferPointer { wp in
                            let P = UncheckedSendable((yp.baseAddress!, op.baseAddress!, cp.baseAddress!, wp.baseAddress!, ap.baseAddress!))
                            parallelRanges(n, threads: threads) { r in
                                let (y, o, c, w, a) = P.value
                                ck_tsne_attract(y, o, c, w, a, r.lowerBound, r.upperBound)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A quadtree over 2-D points for Barnes–Hut sums: each node has its points' count and centre of mass;
/// leaves hold up to 16 points, summed exactly, or any number of points that no split could part
/// (40 levels down, or narrower than 1e-10: coincident, to Float), taken as one mass.
struct QuadTree: Sendable {
    struct Node: Sendable {
        var start: Int32, end: Int32          // its points are order[start..<end]
        var cx: Float, cy: Float              // centre of mass
        var width: Float                      // side of its square
        var firstChild: Int32 = -1, children: Int8 = 0
    }
    let xs: [Float], ys: [Float]
    private(set) var order: [Int32]
    private(set) var nodes: [Node] = []
    /// Each point's leaf.
    private(set) var leafOf: [Int32]
    let leafSize: Int

    init(_ y: [Float], leafSize: Int = 16, maxDepth: Int = 40) {
        let n = y.count / 2
        xs = (0..<n).map { y[2 * $0] }; ys = (0..<n).map { y[2 * $0 + 1] }
        order = (0..<n).map(Int32.init)
        leafOf = [Int32](repeating: 0, count: n)
        self.leafSize = leafSize
        let minX = xs.min() ?? 0, maxX = xs.max() ?? 0, minY = ys.min() ?? 0, maxY = ys.max() ?? 0
        let side = max(maxX - minX, maxY - minY, 1e-12) * 1.0001
        nodes.append(Node(start: 0, end: Int32(n), cx: 0, cy: 0, width: side))
        // Breadth-first: split a node's run of points into quadrants (a counting sort within the run).
        var boxes = [(minX, minY)]  // each node's lower-left corner, by node index
        var depth = [0]
        var next = 0
        var scratch = [Int32](repeating: 0, count: n)
        while next < nodes.count {
            let node = nodes[next], (x0, y0) = boxes[next]
            let s = Int(node.start), e = Int(node.end)
            var sx: Float = 0, sy: Float = 0
            for t in s..<e { sx += xs[Int(order[t])]; sy += ys[Int(order[t])] }
            nodes[next].cx = sx / Float(max(1, e - s)); nodes[next].cy = sy / Float(max(1, e - s))
            if e - s > leafSize && depth[next] < maxDepth && node.width > 1e-10 {
                // Split even when every point falls in one quadrant (a single child): a node left whole
                // there was a leaf of many separate points, each query summing them all.
                let half = node.width / 2, mx = x0 + half, my = y0 + half
                func quadrant(_ i: Int32) -> Int { (xs[Int(i)] >= mx ? 1 : 0) + (ys[Int(i)] >= my ? 2 : 0) }
                var counts = [0, 0, 0, 0]
                for t in s..<e { counts[quadrant(order[t])] += 1 }
                var fill = [s, s + counts[0], s + counts[0] + counts[1], s + counts[0] + counts[1] + counts[2]]
                let starts = fill
                for t in s..<e { let q = quadrant(order[t]); scratch[fill[q]] = order[t]; fill[q] += 1 }
                for t in s..<e { order[t] = scratch[t] }
                nodes[next].firstChild = Int32(nodes.count)
                for q in 0..<4 where counts[q] > 0 {
                    nodes.append(Node(start: Int32(starts[q]), end: Int32(starts[q] + counts[q]), cx: 0, cy: 0, width: half))
                    boxes.append((q & 1 == 1 ? mx : x0, q & 2 == 2 ? my : y0))
                    depth.append(depth[next] + 1)
                    nodes[next].children += 1
                }
            } else {
                for t in s..<e { leafOf[Int(order[t])] = Int32(next) }
            }
            next += 1
        }
    }

    /// Σ_j (p − y_j)/(1 + d²)² and Σ_j 1/(1 + d²) over every point j ≠ `excluding`, with cells narrower
    /// than θ times their distance taken as one point at their centre of mass.
    func repulsion(at px: Float, _ py: Float, excluding self: Int, theta: Float) -> (Float, Float, Double) {
        var r0: Float = 0, r1: Float = 0, z: Float = 0  // one query's sum of ≤ n terms: Float is enough
        let theta2 = theta * theta
        nodes.withUnsafeBufferPointer { nodes in
            order.withUnsafeBufferPointer { order in
                xs.withUnsafeBufferPointer { xs in
                    ys.withUnsafeBufferPointer { ys in
                        // depth ≤ 40 and ≤ 4 children a level: the stack never holds more than 4·41 nodes
                        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4 * 42) { stack in
                            var top = 1
                            stack[0] = 0
                            while top > 0 {
                                top -= 1
                                let at = stack[top], node = nodes[Int(at)]
                                let d0 = px - node.cx, d1 = py - node.cy, d2 = d0 * d0 + d1 * d1
                                if node.children == 0 && Int(node.end - node.start) > leafSize {
                                    // Points no split could part: one mass, less the query itself if it is one of them.
                                    let q = 1 / (1 + d2), m = Float(node.end - node.start) - (leafOf[self] == at ? 1 : 0)
                                    z += m * q; r0 += m * q * q * d0; r1 += m * q * q * d1
                                } else if node.children == 0 {
                                    for t in Int(node.start)..<Int(node.end) {
                                        let j = Int(order[t])
                                        guard j != self else { continue }
                                        let e0 = px - xs[j], e1 = py - ys[j]
                                        let q = 1 / (1 + e0 * e0 + e1 * e1)
                                        z += q; r0 += q * q * e0; r1 += q * q * e1
                                    }
                                } else if node.width * node.width < theta2 * d2 {
                                    let q = 1 / (1 + d2), m = Float(node.end - node.start)
                                    z += m * q; r0 += m * q * q * d0; r1 += m * q * q * d1
                                } else {
                                    for c in 0..<Int(node.children) { stack[top] = node.firstChild + Int32(c); top += 1 }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (r0, r1, Double(z))
    }
}

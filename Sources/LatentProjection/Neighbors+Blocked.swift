import CKernels
import LatentCore

/// The k nearest neighbours of every row (exact by a scan, or approximate by NN-descent).
public struct NeighborGraph: Sendable {
    /// indices[i * k + r]: the r-th nearest other row to row i.
    public let indices: [Int32]
    /// Euclidean distances (not squared), matching `indices`.
    public let distances: [Float]
    public let k: Int
    public var count: Int { indices.count / max(1, k) }

    /// Above this many points `nearest` uses NN-descent: exact search is O(n²). At 20,000 × 10
    /// (Fashion-MNIST → PCA 10) the exact scan took ~0.22 CPU-seconds and NN-descent ~0.39.
    public static let exactLimit = 20_000

    /// Each row's k nearest other rows: exact up to `exactLimit` points, NN-descent above.
    public static func nearest(_ x: Tensor, k: Int, seed: UInt64 = 42, threads: Int = 1, exactLimit: Int = exactLimit) -> NeighborGraph {
        x.shape[0] > exactLimit ? nnDescent(x, k: k, seed: seed, threads: threads) : exact(x, k: k, threads: threads)
    }

    /// Exact: each row's k + 1 nearest rows (`selfQuery`), its own entry dropped (or, among more than
    /// k + 1 coincident rows, the last one).
    public static func exact(_ x: Tensor, k: Int, threads: Int = 1) -> NeighborGraph {
        let n = x.shape[0]
        precondition(k >= 1 && k < n, "k = \(k) needs at least \(k + 1) points, have \(n)")
        let (idx, dist) = selfQuery(x, k: k + 1, threads: threads)
        var indices = [Int32](repeating: 0, count: n * k), distances = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            let row = (i * (k + 1))..<((i + 1) * (k + 1))
            let skip = row.first { idx[$0] == i } ?? row.upperBound - 1
            var r = 0
            for e in row where e != skip {
                indices[i * k + r] = Int32(idx[e]); distances[i * k + r] = dist[e]; r += 1
            }
        }
        return NeighborGraph(indices: indices, distances: distances, k: k)
    }

    /// The k nearest rows of `data` to each row of `x` (indices and Euclidean distances), nearest first,
    /// ties to the lower index: a scan in C (`ck_knn_exact`) ranks the data rows for each query (rows
    /// split over threads, independent of each other), then the k kept distances are computed directly
    /// and the lists put in their order (`KNNRows.finish`).
    public static func query(_ x: Tensor, in data: Tensor, k: Int, threads: Int = 1) -> (idx: [Int], dist: [Float]) {
        let m = x.shape[0], n = data.shape[0], d = data.shape[1]
        precondition(x.shape[1] == d, "queries have \(x.shape[1]) columns, the data \(d)")
        let rows = KNNRows(x, in: data)
        let lanes = Int(CK_KNN_LANES)
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: max(1, (n + lanes - 1) / lanes * lanes * (d + 1)))
        let index = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, m * k))
        let rank = UnsafeMutablePointer<Float>.allocate(capacity: max(1, m * k))
        defer { packed.deallocate(); index.deallocate(); rank.deallocate() }
        rows.data.withUnsafeBufferPointer { ck_knn_pack($0.baseAddress!, n, d, packed) }
        let P = UncheckedConst(UnsafePointer(packed)), I = UncheckedPointer(index), R = UncheckedPointer(rank)
        rows.queries.withUnsafeBufferPointer { xp in
            let X = UncheckedConst(xp.baseAddress!)
            parallelRanges(m, threads: threads) { r in
                ck_knn_exact(X.pointer, d, P.pointer, n, k, r.lowerBound, r.upperBound, I.pointer, R.pointer)
            }
        }
        return rows.finish(UnsafePointer(index), k: k, threads: threads)
    }

    /// `query(x, in: x, k:)` without visiting data chunks that cannot hold a row's neighbours
    /// (`ck_knn_exact_pruned`): the rows are put in the leaf order of a random-projection tree, so
    /// sixteen consecutive rows are near each other and a ball around them is small; each block of
    /// queries first takes the chunks around its own, then only the chunks whose ball reaches within its
    /// current k-th distance. The lists are those of the full scan (a chunk is skipped only if none of
    /// its rows could enter; ties go to the lower original index), so the tree's seed changes nothing.
    public static func selfQuery(_ x: Tensor, k: Int, threads: Int = 1) -> (idx: [Int], dist: [Float]) {
        let found = selfQuery(x, k: k, threads: threads, kernel: ck_knn_exact_pruned)
        return (found.idx, found.dist)
    }

    /// The C entry point `selfQuery` runs (tests pass the baseline build).
    typealias PrunedScan = @convention(c) (UnsafePointer<Float>?, Int, UnsafePointer<Float>?, UnsafePointer<Float>?,
                                           UnsafePointer<Float>?, Int, Int, Float, UnsafePointer<Int32>?, Int, Int,
                                           UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Float>?,
                                           UnsafeMutablePointer<Int>?) -> Void

    /// `pruned`: whether the pruned scan ran (else the full one did).
    static func selfQuery(_ x: Tensor, k: Int, threads: Int, kernel: PrunedScan) -> (idx: [Int], dist: [Float], pruned: Bool) {
        let n = x.shape[0], d = x.shape[1], lanes = Int(CK_KNN_LANES)
        func full() -> (idx: [Int], dist: [Float], pruned: Bool) {
            let found = query(x, in: x, k: k, threads: threads)
            return (found.idx, found.dist, false)
        }
        guard d > 0, n >= 4 * lanes else { return full() }
        let rows = KNNRows(nil, in: x)
        let order = RPForest(PaddedRows(Tensor(shape: [n, d], data: rows.data)), trees: 1, leafSize: lanes, seed: 7, threads: 1).orders[0]
        var sorted = [Float](repeating: 0, count: n * d)
        for (r, i) in order.enumerated() { for t in 0..<d { sorted[r * d + t] = rows.data[Int(i) * d + t] } }
        let chunks = (n + lanes - 1) / lanes, groups = (chunks + lanes - 1) / lanes
        // Each chunk's ball: the centroid and the farthest row from it, in doubles, widened for the
        // float arithmetic of the bound.
        var centres = [Float](repeating: 0, count: groups * d * lanes), radius = [Float](repeating: 0, count: groups * lanes)
        var largest = 0.0
        for c in 0..<chunks {
            let members = (c * lanes)..<min(n, (c + 1) * lanes)
            var centre = [Double](repeating: 0, count: d)
            for r in members { for t in 0..<d { centre[t] += Double(sorted[r * d + t]) } }
            for t in 0..<d { centre[t] /= Double(members.count) }
            var far = 0.0
            for r in members {
                var s = 0.0, norm = 0.0
                for t in 0..<d { let v = Double(sorted[r * d + t]); s += (v - centre[t]) * (v - centre[t]); norm += v * v }
                far = max(far, s); largest = max(largest, norm)
            }
            let (g, l) = (c / lanes, c % lanes)
            for t in 0..<d { centres[(g * d + t) * lanes + l] = Float(centre[t]) }
            radius[c] = Float(far.squareRoot() * (1 + 1e-4))
        }
        // The ranking's rounding grows with the rows' squared norms (they are centred, so small).
        let slack = Float(1e-5 * max(1, largest))
        for c in 0..<chunks { radius[c] += Float(1e-6 * largest.squareRoot()) }
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: chunks * lanes * (d + 1))
        let index = UnsafeMutablePointer<Int32>.allocate(capacity: n * k)
        let rank = UnsafeMutablePointer<Float>.allocate(capacity: n * k)
        defer { packed.deallocate(); index.deallocate(); rank.deallocate() }
        sorted.withUnsafeBufferPointer { ck_knn_pack($0.baseAddress!, n, d, packed) }
        let P = UncheckedConst(UnsafePointer(packed)), I = UncheckedPointer(index), R = UncheckedPointer(rank)
        let pruned = sorted.withUnsafeBufferPointer { sp in
            centres.withUnsafeBufferPointer { cp in
                radius.withUnsafeBufferPointer { rp in
                    order.withUnsafeBufferPointer { op in
                        let S = UncheckedConst(sp.baseAddress!), C = UncheckedConst(cp.baseAddress!)
                        let Q = UncheckedConst(rp.baseAddress!), O = UncheckedConst(op.baseAddress!)
                        // Rows without low-dimensional structure (a latent close to N(0, I) in 64
                        // dimensions) leave the bound little to skip, and the pruned scan, taking chunks out
                        // of order, reads the data from memory for every block where the full scan keeps a
                        // tile in cache: a sample of blocks decides.
                        var visits = 0
                        for s in 0..<16 {
                            let first = n * s / 16 / 8 * 8
                            var v = 0
                            kernel(S.pointer, d, P.pointer, C.pointer, Q.pointer, n, k, slack, O.pointer, first, min(n, first + 8),
                                   I.pointer, R.pointer, &v)
                            visits += v
                        }
                        guard Double(visits) <= 0.4 * Double(16 * chunks) else { return false }
                        parallelRanges(n, threads: threads) { r in
                            kernel(S.pointer, d, P.pointer, C.pointer, Q.pointer, n, k, slack, O.pointer,
                                   r.lowerBound, r.upperBound, I.pointer, R.pointer, nil)
                        }
                        return true
                    }
                }
            }
        }
        guard pruned else { return full() }
        let found = rows.finish(UnsafePointer(index), k: k, threads: threads)
        return (found.idx, found.dist, true)
    }
}

/// Queries and data centred on the data's mean (so the norms in the scan's ranking are small and
/// cancel little), and the step every exact query ends with.
private struct KNNRows {
    let queries: [Float], data: [Float]
    let d: Int

    /// `x` nil: the data's own rows are the queries (one centred copy serves as both).
    init(_ x: Tensor?, in data: Tensor) {
        let n = data.shape[0], d = data.shape[1]
        self.d = d
        var mean = [Double](repeating: 0, count: d)
        for j in 0..<n { for t in 0..<d { mean[t] += Double(data.data[j * d + t]) } }
        let centre = mean.map { Float($0 / Double(max(1, n))) }
        self.data = (0..<(n * d)).map { data.data[$0] - centre[$0 % d] }
        queries = x.map { x in (0..<(x.shape[0] * d)).map { x.data[$0] - centre[$0 % d] } } ?? self.data
    }

    /// Each query row's k listed candidates (`index`, −1 for none) with their distances computed
    /// directly, nearest first, ties to the lower index: the scan's ranking value can swap two rows
    /// whose distances differ in the last bits. Rows split over threads.
    func finish(_ index: UnsafePointer<Int32>, k: Int, threads: Int) -> (idx: [Int], dist: [Float]) {
        let m = queries.count / max(1, d), d = self.d
        var idx = [Int](repeating: -1, count: m * k), dist = [Float](repeating: .infinity, count: m * k)
        let I = UncheckedConst(index)
        queries.withUnsafeBufferPointer { xp in
            data.withUnsafeBufferPointer { dp in
                idx.withUnsafeMutableBufferPointer { ip in
                    dist.withUnsafeMutableBufferPointer { sp in
                        let X = UncheckedConst(xp.baseAddress!), D = UncheckedConst(dp.baseAddress!)
                        let OI = UncheckedPointer(ip.baseAddress!), OD = UncheckedPointer(sp.baseAddress!)
                        parallelRanges(m, threads: threads) { rows in
                            var list: [(Float, Int)] = []
                            for i in rows {
                                list.removeAll(keepingCapacity: true)
                                for r in 0..<k {
                                    let j = Int(I.pointer[i * k + r])
                                    guard j >= 0 else { continue }
                                    var s: Float = 0
                                    for t in 0..<d { let v = X.pointer[i * d + t] - D.pointer[j * d + t]; s += v * v }
                                    list.append((s, j))
                                }
                                list.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                                for (r, (s, j)) in list.enumerated() { OI.pointer[i * k + r] = j; OD.pointer[i * k + r] = s.squareRoot() }
                            }
                        }
                    }
                }
            }
        }
        return (idx, dist)
    }
}

extension NeighborGraph {
    /// The fraction of the true k nearest neighbours this graph lists, checked by exact search for
    /// `sample` points chosen with a fixed seed (all points when there are fewer).
    public func recall(of x: Tensor, sample: Int = 1000, threads: Int = 1) -> Double {
        let n = x.shape[0], d = x.shape[1]
        var rng = SeededRNG(seed: 7, stream: 11)
        var picked = Array(0..<n)
        if sample < n { for i in 0..<sample { picked.swapAt(i, i + rng.nextInt(below: n - i)) }; picked = Array(picked.prefix(sample)) }
        let queries = Tensor(shape: [picked.count, d], data: picked.flatMap { x.data[($0 * d)..<(($0 + 1) * d)] })
        // k + 1 because each query point is in the data: drop it from its own list.
        let (idx, _) = NeighborGraph.query(queries, in: x, k: min(k + 1, n), threads: threads)
        var found = 0
        for (q, i) in picked.enumerated() {
            let truth = Set(idx[(q * (k + 1))..<((q + 1) * (k + 1))].filter { $0 != i }.prefix(k).map(Int32.init))
            found += indices[(i * k)..<((i + 1) * k)].filter { truth.contains($0) }.count
        }
        return Double(found) / Double(picked.count * k)
    }
}

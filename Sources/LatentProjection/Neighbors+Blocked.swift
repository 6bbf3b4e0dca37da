import LatentCore

/// The k nearest neighbours of every row (exact by blocked GEMM, or approximate by NN-descent).
public struct NeighborGraph: Sendable {
    /// indices[i * k + r]: the r-th nearest other row to row i.
    public let indices: [Int32]
    /// Euclidean distances (not squared), matching `indices`.
    public let distances: [Float]
    public let k: Int
    public var count: Int { indices.count / max(1, k) }

    /// Above this many points `nearest` uses NN-descent: exact search is O(n²).
    public static let exactLimit = 10_000

    /// Each row's k nearest other rows: exact up to `exactLimit` points, NN-descent above.
    public static func nearest(_ x: Tensor, k: Int, seed: UInt64 = 42, threads: Int = 1, exactLimit: Int = exactLimit) -> NeighborGraph {
        x.shape[0] > exactLimit ? nnDescent(x, k: k, seed: seed, threads: threads) : exact(x, k: k, threads: threads)
    }

    /// Exact: each row queried against all rows for k + 1, its own entry dropped (or, among more than
    /// k + 1 coincident rows, the last one).
    public static func exact(_ x: Tensor, k: Int, threads: Int = 1) -> NeighborGraph {
        let n = x.shape[0]
        precondition(k >= 1 && k < n, "k = \(k) needs at least \(k + 1) points, have \(n)")
        let (idx, dist) = query(x, in: x, k: k + 1, threads: threads)
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
    /// ties to the lower index: blocks of 64 query rows, one GEMM each for the cross terms (memory
    /// O(block · n)), blocks split over threads; most candidates are rejected by one compare.
    public static func query(_ x: Tensor, in data: Tensor, k: Int, threads: Int = 1) -> (idx: [Int], dist: [Float]) {
        let m = x.shape[0], n = data.shape[0], d = data.shape[1]
        let dataNorms: [Float] = (0..<n).map { j in (0..<d).reduce(Float(0)) { $0 + data.data[j * d + $1] * data.data[j * d + $1] } }
        var idx = [Int](repeating: 0, count: m * k), dist = [Float](repeating: 0, count: m * k)
        let block = 64
        idx.withUnsafeMutableBufferPointer { ip in
            dist.withUnsafeMutableBufferPointer { dp in
                dataNorms.withUnsafeBufferPointer { np in
                    let I = UncheckedPointer(ip.baseAddress!), D = UncheckedPointer(dp.baseAddress!), N = UncheckedConst(np.baseAddress!)
                    parallelRanges((m + block - 1) / block, threads: threads) { blocks in
                        let cross = UnsafeMutablePointer<Float>.allocate(capacity: block * n)
                        defer { cross.deallocate() }
                        var best = SortedNeighbors(k: k)
                        for bi in blocks {
                            let start = bi * block, rows = min(m, start + block) - start
                            x.data.withUnsafeBufferPointer { xp in
                                data.data.withUnsafeBufferPointer { yp in
                                    sgemm(transB: .transposed, m: rows, n: n, k: d, a: xp.baseAddress! + start * d, lda: d,
                                          b: yp.baseAddress!, ldb: d, c: cross, ldc: n, threads: 1)
                                }
                            }
                            for r in 0..<rows {
                                let i = start + r
                                let xn = (0..<d).reduce(Float(0)) { $0 + x.data[i * d + $1] * x.data[i * d + $1] }
                                best.reset()
                                let row = cross + r * n
                                // ‖x‖² + ‖y‖² − 2x·y, with most candidates rejected by one compare
                                var worst = Float.infinity
                                for j in 0..<n {
                                    let dsq = xn + N.pointer[j] - 2 * row[j]
                                    if dsq < worst {
                                        best.insert(max(0, dsq), j)
                                        worst = best.worst
                                    }
                                }
                                for q in 0..<k { I.pointer[i * k + q] = best.index[q]; D.pointer[i * k + q] = best.distance[q].squareRoot() }
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

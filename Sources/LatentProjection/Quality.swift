import LatentCore

/// How well a low-dimensional embedding keeps the neighbourhoods of the original data.
public enum EmbeddingQuality {
    public struct Scores: Sendable {
        /// Trustworthiness as scikit-learn defines it (Venna & Kaski, 2001).
        public let trustworthiness: Double
        /// Mean fraction of each point's k nearest neighbours (original space) that are also among its
        /// k nearest in the embedding.
        public let neighborPreservation: Double
    }

    /// T(k) = 1 − 2 / (n k (2n − 3k − 1)) · Σ_i Σ_{j ∈ U_i} (r(i, j) − k), where U_i are i's k nearest
    /// neighbours in the embedding that are not among its k nearest in the original space, and r(i, j)
    /// is j's rank among i's neighbours in the original space (1 = nearest; ties in index order, as a
    /// stable argsort orders them).
    public static func trustworthiness(original x: Tensor, embedding y: Tensor, k: Int = 15, threads: Int = 1) -> Double {
        scores(original: x, embedding: y, k: k, threads: threads).trustworthiness
    }

    public static func neighborPreservation(original x: Tensor, embedding y: Tensor, k: Int = 15, threads: Int = 1) -> Double {
        scores(original: x, embedding: y, k: k, threads: threads).neighborPreservation
    }

    /// Both scores from one exact pass: each block of rows gets its distances to every point from one
    /// GEMM, then per row the k nearest are selected and the embedding-only neighbours' ranks counted.
    /// O(n²·d) work but O(block·n) memory: 70,000 points take seconds, not the hours of a full sort.
    public static func scores(original x: Tensor, embedding y: Tensor, k: Int = 15, threads: Int = 1) -> Scores {
        let n = x.shape[0], d = x.shape[1]
        precondition(y.shape[0] == n && k < n / 2, "trustworthiness needs k < n/2")
        let embedded = y.shape[1] == 2 ? NeighborGraph.planar(y, k: k, threads: threads) : NeighborGraph.exact(y, k: k, threads: threads)
        let norms: [Float] = (0..<n).map { i in (0..<d).reduce(Float(0)) { $0 + x.data[i * d + $1] * x.data[i * d + $1] } }
        let block = 64
        let blocks = (n + block - 1) / block
        var penalties = [Double](repeating: 0, count: blocks), kept = [Int](repeating: 0, count: blocks)
        penalties.withUnsafeMutableBufferPointer { pp in
            kept.withUnsafeMutableBufferPointer { kp in
                let P = UncheckedPointer(pp.baseAddress!), K = UncheckedPointer(kp.baseAddress!)
                parallelFor(blocks, threads: threads) { b in
                    let start = b * block, rows = min(n, start + block) - start
                    var cross = [Float](repeating: 0, count: rows * n)
                    x.data.withUnsafeBufferPointer { xp in
                        cross.withUnsafeMutableBufferPointer { cp in
                            sgemm(transB: .transposed, m: rows, n: n, k: d, a: xp.baseAddress! + start * d, lda: d,
                                  b: xp.baseAddress!, ldb: d, c: cp.baseAddress!, ldc: n, threads: 1)
                        }
                    }
                    var row = [Float](repeating: 0, count: n)
                    var penalty = 0.0, keptHere = 0
                    for r in 0..<rows {
                        let i = start + r
                        for j in 0..<n { row[j] = max(0, norms[i] + norms[j] - 2 * cross[r * n + j]) }
                        row[i] = .infinity
                        let near = Set(smallest(k, of: row))
                        // j's rank = 1 + the points ahead of it (nearer, or as near with a lower index).
                        // One pass over the row counts for every embedding-only neighbour at once: only
                        // points nearer than the farthest of them need a closer look.
                        var violators: [(d: Float, j: Int)] = []
                        for q in 0..<k {
                            let j = Int(embedded.indices[i * k + q])
                            if near.contains(j) { keptHere += 1 } else { violators.append((row[j], j)) }
                        }
                        guard let reach = violators.map(\.d).max() else { continue }
                        var ahead = [Int](repeating: 0, count: violators.count)
                        for m in 0..<n where row[m] <= reach {
                            let dm = row[m]
                            for (v, t) in violators.enumerated() where dm < t.d || (dm == t.d && m < t.j) { ahead[v] += 1 }
                        }
                        for a in ahead { penalty += Double(a + 1 - k) }
                    }
                    P.pointer[b] = penalty
                    K.pointer[b] = keptHere
                }
            }
        }
        let total = penalties.reduce(0, +)
        let t = 1 - 2 / (Double(n) * Double(k) * (2 * Double(n) - 3 * Double(k) - 1)) * total
        return Scores(trustworthiness: t, neighborPreservation: Double(kept.reduce(0, +)) / Double(n * k))
    }

    /// Indices of the k smallest values (ties to the lower index), by insertion into a sorted run.
    static func smallest(_ k: Int, of values: [Float]) -> [Int] {
        var bestD = [Float](repeating: .infinity, count: k), bestI = [Int](repeating: -1, count: k)
        for (j, v) in values.enumerated() where v < bestD[k - 1] || bestI[k - 1] < 0 {
            var p = k - 1
            while p > 0 && (bestD[p - 1] > v || bestI[p - 1] < 0) { bestD[p] = bestD[p - 1]; bestI[p] = bestI[p - 1]; p -= 1 }
            bestD[p] = v; bestI[p] = j
        }
        return bestI
    }
}

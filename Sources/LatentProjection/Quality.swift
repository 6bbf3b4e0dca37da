import LatentCore

/// How well a low-dimensional embedding keeps the neighbourhoods of the original data.
public enum EmbeddingQuality {
    /// Trustworthiness as scikit-learn defines it (Venna & Kaski, 2001):
    /// T(k) = 1 − 2 / (n k (2n − 3k − 1)) · Σ_i Σ_{j ∈ U_i} (r(i, j) − k),
    /// where U_i are i's k nearest neighbours in the embedding that are not among its k nearest in the
    /// original space, and r(i, j) is j's rank among i's neighbours in the original space (1 = nearest).
    public static func trustworthiness(original x: Tensor, embedding y: Tensor, k: Int = 15, threads: Int = 1) -> Double {
        let n = x.shape[0], d = x.shape[1]
        precondition(y.shape[0] == n && k < n / 2, "trustworthiness needs k < n/2")
        let embedded = NeighborGraph.exact(y, k: k, threads: threads)
        let original = NeighborGraph.exact(x, k: k, threads: threads)
        var penalties = [Double](repeating: 0, count: n)
        penalties.withUnsafeMutableBufferPointer { pp in
            let P = UncheckedPointer(pp.baseAddress!)
            parallelFor(n, threads: threads) { i in
                let near = Set(original.indices[(i * k)..<((i + 1) * k)])
                var sum = 0.0
                for r in 0..<k {
                    let j = Int(embedded.indices[i * k + r])
                    guard !near.contains(Int32(j)) else { continue }
                    // rank of j = 1 + number of points before j in i's distance order (ties in index
                    // order, as a stable argsort orders them)
                    let dij = squaredDistance(x, i, j, d)
                    var closer = 0
                    for m in 0..<n where m != i {
                        let dim = squaredDistance(x, i, m, d)
                        if dim < dij || (dim == dij && m < j) { closer += 1 }
                    }
                    sum += Double(closer + 1 - k)
                }
                P.pointer[i] = sum
            }
        }
        let total = penalties.reduce(0, +)
        return 1 - 2 / (Double(n) * Double(k) * (2 * Double(n) - 3 * Double(k) - 1)) * total
    }

    /// Mean fraction of each point's k nearest neighbours (original space) that are also among its k
    /// nearest in the embedding.
    public static func neighborPreservation(original x: Tensor, embedding y: Tensor, k: Int = 15, threads: Int = 1) -> Double {
        let a = NeighborGraph.exact(x, k: k, threads: threads), b = NeighborGraph.exact(y, k: k, threads: threads)
        let n = x.shape[0]
        var kept = 0
        for i in 0..<n {
            let s = Set(a.indices[(i * k)..<((i + 1) * k)])
            kept += b.indices[(i * k)..<((i + 1) * k)].filter { s.contains($0) }.count
        }
        return Double(kept) / Double(n * k)
    }

    @inline(__always)
    static func squaredDistance(_ x: Tensor, _ i: Int, _ j: Int, _ d: Int) -> Float {
        var s: Float = 0
        x.data.withUnsafeBufferPointer { p in
            for t in 0..<d { let v = p[i * d + t] - p[j * d + t]; s += v * v }
        }
        return s
    }
}

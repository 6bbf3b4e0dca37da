import Foundation
import LatentCore

/// The fuzzy simplicial set: per-point smooth distances turn the kNN lists into directed memberships,
/// and their fuzzy union is the symmetric weighted graph the layout pulls together.
extension UMAP {
    /// A symmetric weighted graph as CSR: row i's neighbours are columns[offsets[i]..<offsets[i+1]].
    struct Graph {
        var offsets: [Int]
        var columns: [Int32]
        var weights: [Float]
    }

    /// ρ_i (distance to the nearest neighbour) and σ_i with Σ_j exp(−max(0, d_ij − ρ_i)/σ_i) = log2(k).
    static func smoothDistances(_ knn: NeighborGraph, threads: Int = 1) -> (rho: [Float], sigma: [Float]) {
        let n = knn.count, k = knn.k
        let target = log2(Float(k))
        let meanAll = knn.distances.reduce(0, +) / Float(max(1, knn.distances.count))
        var rho = [Float](repeating: 0, count: n), sigma = [Float](repeating: 1, count: n)
        rho.withUnsafeMutableBufferPointer { rp in
            sigma.withUnsafeMutableBufferPointer { sp in
                let R = UncheckedPointer(rp.baseAddress!), S = UncheckedPointer(sp.baseAddress!)
                parallelFor(n, threads: threads) { i in
                    let d = knn.distances[(i * k)..<((i + 1) * k)]
                    let r = d.first { $0 > 0 } ?? 0
                    var lo: Float = 0, hi = Float.infinity, mid: Float = 1
                    for _ in 0..<64 {
                        var psum: Float = 0
                        for dj in d { let t = dj - r; psum += t > 0 ? expf(-t / mid) : 1 }
                        if abs(psum - target) < 1e-5 { break }
                        if psum > target { hi = mid; mid = (lo + hi) / 2 } else { lo = mid; mid = hi == .infinity ? mid * 2 : (lo + hi) / 2 }
                    }
                    // umap-learn's floor: σ_i ≥ 1e-3 × the mean distance (of the point, or of all points).
                    let meanI = d.reduce(0, +) / Float(k)
                    R.pointer[i] = r
                    S.pointer[i] = max(mid, 1e-3 * (r > 0 ? meanI : meanAll))
                }
            }
        }
        return (rho, sigma)
    }

    /// Memberships exp(−max(0, d − ρ)/σ), then the fuzzy union A + Aᵀ − A∘Aᵀ.
    static func fuzzySimplicialSet(_ knn: NeighborGraph, threads: Int = 1) -> Graph {
        let n = knn.count, k = knn.k
        let (rho, sigma) = smoothDistances(knn, threads: threads)
        let memberships = (0..<(n * k)).map { e -> Float in
            let t = knn.distances[e] - rho[e / k]
            return t <= 0 ? 1 : expf(-t / sigma[e / k])
        }
        return symmetrize(knn, weights: memberships) { w, back in w + back - w * back }
    }

    /// The symmetric graph of directed weights on a kNN graph (weights[i·k + r] on i → indices[i·k + r]):
    /// each pair present in either direction gets `combine(w_ij, w_ji)`, a missing direction counting 0.
    /// Each row is the merge of the point's own list (sorted by column) with the lists that name it
    /// (gathered by a counting sort, so already in column order): O(n·k·log k), no hashing.
    static func symmetrize(_ knn: NeighborGraph, weights directed: [Float], combine: (Float, Float) -> Float) -> Graph {
        let n = knn.count, k = knn.k
        // Outgoing weights, each row sorted by column (insertion sort: k is small).
        var outCol = [Int32](repeating: 0, count: n * k), outW = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            for r in 0..<k {
                let c = knn.indices[i * k + r], w = directed[i * k + r]
                var p = i * k + r
                while p > i * k && outCol[p - 1] > c { outCol[p] = outCol[p - 1]; outW[p] = outW[p - 1]; p -= 1 }
                outCol[p] = c; outW[p] = w
            }
        }
        // Incoming weights: row j lists every i that has j among its neighbours, i ascending.
        var inOffsets = [Int](repeating: 0, count: n + 1)
        for c in outCol { inOffsets[Int(c) + 1] += 1 }
        for j in 0..<n { inOffsets[j + 1] += inOffsets[j] }
        var fill = inOffsets
        var inCol = [Int32](repeating: 0, count: n * k), inW = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            for r in 0..<k {
                let j = Int(outCol[i * k + r])
                inCol[fill[j]] = Int32(i); inW[fill[j]] = outW[i * k + r]; fill[j] += 1
            }
        }
        var offsets = [Int](repeating: 0, count: n + 1)
        var columns: [Int32] = [], weights: [Float] = []
        columns.reserveCapacity(2 * n * k); weights.reserveCapacity(2 * n * k)
        for i in 0..<n {
            var a = i * k, b = inOffsets[i]
            let aEnd = a + k, bEnd = inOffsets[i + 1]
            while a < aEnd || b < bEnd {
                let ca = a < aEnd ? outCol[a] : .max, cb = b < bEnd ? inCol[b] : .max
                if ca == cb {
                    columns.append(ca); weights.append(combine(outW[a], inW[b])); a += 1; b += 1
                } else if ca < cb {
                    columns.append(ca); weights.append(combine(outW[a], 0)); a += 1
                } else {
                    columns.append(cb); weights.append(combine(0, inW[b])); b += 1
                }
            }
            offsets[i + 1] = columns.count
        }
        return Graph(offsets: offsets, columns: columns, weights: weights)
    }
}

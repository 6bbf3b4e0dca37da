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

    /// ρ_i (distance to the nearest neighbour) and σ_i with Σ_j exp(−max(0, d_ij − ρ_i)/σ_i) = log2(k), to
    /// 1e-5 as umap-learn's smooth_knn_dist: Newton steps kept inside a bisection bracket (umap-learn
    /// bisects alone; Newton's few steps instead of its 20–30 halvings made this stage several times faster).
    static func smoothDistances(_ knn: NeighborGraph, threads: Int = 1) -> (rho: [Float], sigma: [Float]) {
        let n = knn.count, k = knn.k
        let target = log2(Float(k))
        let meanAll = knn.distances.reduce(0, +) / Float(max(1, knn.distances.count))
        var rho = [Float](repeating: 0, count: n), sigma = [Float](repeating: 1, count: n)
        rho.withUnsafeMutableBufferPointer { rp in
            sigma.withUnsafeMutableBufferPointer { sp in
                knn.distances.withUnsafeBufferPointer { dp in
                    let R = UncheckedPointer(rp.baseAddress!), S = UncheckedPointer(sp.baseAddress!), D = UncheckedConst(dp.baseAddress!)
                    parallelRanges(n, threads: threads) { points in
                        for i in points {
                            let d = D.pointer + i * k
                            var r: Float = 0
                            for j in 0..<k where d[j] > 0 { r = d[j]; break }
                            var lo: Float = 0, hi = Float.infinity, mid: Float = 1
                            for _ in 0..<64 {
                                var psum: Float = 0, slope: Float = 0
                                for j in 0..<k {
                                    let t = d[j] - r
                                    if t > 0 { let e = expf(-t / mid); psum += e; slope += e * t } else { psum += 1 }
                                }
                                if abs(psum - target) < 1e-5 { break }
                                if psum > target { hi = mid } else { lo = mid }
                                // psum rises with σ: d psum / dσ = Σ e·t / σ². A Newton step that leaves
                                // the bracket (or has no slope) is replaced by umap-learn's halving/doubling.
                                let step = slope > 0 ? (target - psum) * mid * mid / slope : .nan
                                let newton = mid + step
                                if newton > lo && newton < hi && newton.isFinite {
                                    mid = newton
                                } else {
                                    mid = hi == .infinity ? mid * 2 : (lo + hi) / 2
                                }
                            }
                            // umap-learn's floor: σ_i ≥ 1e-3 × the mean distance (of the point, or of all points).
                            var sum: Float = 0
                            for j in 0..<k { sum += d[j] }
                            R.pointer[i] = r
                            S.pointer[i] = max(mid, 1e-3 * (r > 0 ? sum / Float(k) : meanAll))
                        }
                    }
                }
            }
        }
        return (rho, sigma)
    }

    /// Memberships exp(−max(0, d − ρ)/σ), then the fuzzy union A + Aᵀ − A∘Aᵀ.
    static func fuzzySimplicialSet(_ knn: NeighborGraph, threads: Int = 1) -> Graph {
        let n = knn.count, k = knn.k
        let (rho, sigma) = smoothDistances(knn, threads: threads)
        var memberships = [Float](repeating: 0, count: n * k)
        memberships.withUnsafeMutableBufferPointer { mp in
            knn.distances.withUnsafeBufferPointer { dp in
                let M = UncheckedPointer(mp.baseAddress!), D = UncheckedConst(dp.baseAddress!)
                parallelRanges(n, threads: threads) { points in
                    for i in points {
                        for e in (i * k)..<((i + 1) * k) {
                            let t = D.pointer[e] - rho[i]
                            M.pointer[e] = t <= 0 ? 1 : expf(-t / sigma[i])
                        }
                    }
                }
            }
        }
        return symmetrize(knn, weights: memberships, threads: threads) { w, back in w + back - w * back }
    }

    /// The symmetric graph of directed weights on a kNN graph (weights[i·k + r] on i → indices[i·k + r]):
    /// each pair present in either direction gets `combine(w_ij, w_ji)`, a missing direction counting 0.
    /// Each row is the merge of the point's own list (sorted by column) with the lists that name it
    /// (gathered by a counting sort, so already in column order): O(n·k·log k), no hashing. Rows are
    /// sorted and merged in parallel; the result does not depend on the thread count.
    static func symmetrize(_ knn: NeighborGraph, weights directed: [Float], threads: Int = 1,
                           combine: (Float, Float) -> Float) -> Graph {
        let n = knn.count, k = knn.k
        let outCol = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n * k))
        let outW = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n * k))
        let inCol = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n * k))
        let inW = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n * k))
        defer { outCol.deallocate(); outW.deallocate(); inCol.deallocate(); inW.deallocate() }
        let OC = UncheckedPointer(outCol), OW = UncheckedPointer(outW)
        // Outgoing weights, each row sorted by column (insertion sort: k is small).
        knn.indices.withUnsafeBufferPointer { ip in
            directed.withUnsafeBufferPointer { wp in
                let I = UncheckedConst(ip.baseAddress!), W = UncheckedConst(wp.baseAddress!)
                parallelRanges(n, threads: threads) { points in
                    for i in points {
                        let oc = OC.pointer + i * k, ow = OW.pointer + i * k
                        for r in 0..<k {
                            let c = I.pointer[i * k + r], w = W.pointer[i * k + r]
                            var p = r
                            while p > 0 && oc[p - 1] > c { oc[p] = oc[p - 1]; ow[p] = ow[p - 1]; p -= 1 }
                            oc[p] = c; ow[p] = w
                        }
                    }
                }
            }
        }
        // Incoming weights: row j lists every i that has j among its neighbours, i ascending.
        var inOffsets = [Int](repeating: 0, count: n + 1)
        inOffsets.withUnsafeMutableBufferPointer { io in
            for e in 0..<(n * k) { io[Int(outCol[e]) + 1] += 1 }
            for j in 0..<n { io[j + 1] += io[j] }
            var fill = Array(io)
            fill.withUnsafeMutableBufferPointer { f in
                for i in 0..<n {
                    for e in (i * k)..<((i + 1) * k) {
                        let j = Int(outCol[e])
                        inCol[f[j]] = Int32(i); inW[f[j]] = outW[e]; f[j] += 1
                    }
                }
            }
        }
        // Each row's length (the union of its two sorted lists), then the rows themselves.
        var offsets = [Int](repeating: 0, count: n + 1)
        let IC = UncheckedPointer(inCol), IW = UncheckedPointer(inW)
        offsets.withUnsafeMutableBufferPointer { op in
            inOffsets.withUnsafeBufferPointer { iop in
                let O = UncheckedPointer(op.baseAddress!), IO = UncheckedConst(iop.baseAddress!)
                parallelRanges(n, threads: threads) { points in
                    for i in points {
                        var a = i * k, b = IO.pointer[i], length = 0
                        let aEnd = a + k, bEnd = IO.pointer[i + 1]
                        while a < aEnd || b < bEnd {
                            let ca = a < aEnd ? OC.pointer[a] : .max, cb = b < bEnd ? IC.pointer[b] : .max
                            if ca <= cb { a += 1 }
                            if cb <= ca { b += 1 }
                            length += 1
                        }
                        O.pointer[i + 1] = length
                    }
                }
            }
            for i in 0..<n { op[i + 1] += op[i] }
        }
        let total = offsets[n]
        var columns = [Int32](repeating: 0, count: total), weights = [Float](repeating: 0, count: total)
        columns.withUnsafeMutableBufferPointer { cp in
            weights.withUnsafeMutableBufferPointer { wp in
                offsets.withUnsafeBufferPointer { op in
                    inOffsets.withUnsafeBufferPointer { iop in
                        let C = UncheckedPointer(cp.baseAddress!), W = UncheckedPointer(wp.baseAddress!)
                        let O = UncheckedConst(op.baseAddress!), IO = UncheckedConst(iop.baseAddress!)
                        parallelRanges(n, threads: threads) { points in
                            for i in points {
                                var a = i * k, b = IO.pointer[i], at = O.pointer[i]
                                let aEnd = a + k, bEnd = IO.pointer[i + 1]
                                while a < aEnd || b < bEnd {
                                    let ca = a < aEnd ? OC.pointer[a] : .max, cb = b < bEnd ? IC.pointer[b] : .max
                                    if ca == cb {
                                        C.pointer[at] = ca; W.pointer[at] = combine(OW.pointer[a], IW.pointer[b]); a += 1; b += 1
                                    } else if ca < cb {
                                        C.pointer[at] = ca; W.pointer[at] = combine(OW.pointer[a], 0); a += 1
                                    } else {
                                        C.pointer[at] = cb; W.pointer[at] = combine(0, IW.pointer[b]); b += 1
                                    }
                                    at += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        return Graph(offsets: offsets, columns: columns, weights: weights)
    }
}

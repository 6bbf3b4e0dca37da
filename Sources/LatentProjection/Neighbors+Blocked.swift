import LatentCore

/// Exact k-nearest neighbours for every row, in blocks of rows (one GEMM per block for the cross
/// terms), so memory stays O(block · n) and the work splits over threads by block.
public struct NeighborGraph: Sendable {
    /// indices[i * k + r]: the r-th nearest other row to row i.
    public let indices: [Int32]
    /// Euclidean distances (not squared), matching `indices`.
    public let distances: [Float]
    public let k: Int
    public var count: Int { indices.count / max(1, k) }

    public static func exact(_ x: Tensor, k: Int, threads: Int = 1) -> NeighborGraph {
        let n = x.shape[0], d = x.shape[1]
        precondition(k >= 1 && k < n, "k = \(k) needs at least \(k + 1) points, have \(n)")
        let norms: [Float] = (0..<n).map { i in (0..<d).reduce(Float(0)) { $0 + x.data[i * d + $1] * x.data[i * d + $1] } }
        var indices = [Int32](repeating: 0, count: n * k)
        var distances = [Float](repeating: 0, count: n * k)
        let block = 256
        let blocks = (n + block - 1) / block
        indices.withUnsafeMutableBufferPointer { idx in
            distances.withUnsafeMutableBufferPointer { dist in
                let idxBox = UncheckedPointer(idx.baseAddress!), distBox = UncheckedPointer(dist.baseAddress!)
                parallelFor(blocks, threads: threads) { b in
                    let start = b * block, end = min(n, start + block), rows = end - start
                    var cross = [Float](repeating: 0, count: rows * n)
                    x.data.withUnsafeBufferPointer { xp in
                        cross.withUnsafeMutableBufferPointer { cp in
                            sgemm(transB: .transposed, m: rows, n: n, k: d, a: xp.baseAddress! + start * d, lda: d,
                                  b: xp.baseAddress!, ldb: d, c: cp.baseAddress!, ldc: n, threads: 1)
                        }
                    }
                    var heapD = [Float](repeating: 0, count: k), heapI = [Int32](repeating: 0, count: k)
                    for r in 0..<rows {
                        let i = start + r
                        var filled = 0
                        for j in 0..<n where j != i {
                            let dsq = max(0, norms[i] + norms[j] - 2 * cross[r * n + j])
                            if filled < k {
                                var p = filled
                                while p > 0 && heapD[p - 1] > dsq { heapD[p] = heapD[p - 1]; heapI[p] = heapI[p - 1]; p -= 1 }
                                heapD[p] = dsq; heapI[p] = Int32(j); filled += 1
                            } else if dsq < heapD[k - 1] {
                                var p = k - 1
                                while p > 0 && heapD[p - 1] > dsq { heapD[p] = heapD[p - 1]; heapI[p] = heapI[p - 1]; p -= 1 }
                                heapD[p] = dsq; heapI[p] = Int32(j)
                            }
                        }
                        for q in 0..<k {
                            idxBox.pointer[i * k + q] = heapI[q]
                            distBox.pointer[i * k + q] = heapD[q].squareRoot()
                        }
                    }
                }
            }
        }
        return NeighborGraph(indices: indices, distances: distances, k: k)
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
        let (idx, _) = UMAPMap.crossNeighbors(queries, data: x, k: min(k + 1, n), threads: threads)
        var found = 0
        for (q, i) in picked.enumerated() {
            let truth = Set(idx[(q * (k + 1))..<((q + 1) * (k + 1))].filter { $0 != i }.prefix(k).map(Int32.init))
            found += indices[(i * k)..<((i + 1) * k)].filter { truth.contains($0) }.count
        }
        return Double(found) / Double(picked.count * k)
    }
}

import CKernels
import Foundation
import LatentCore

/// A fitted 2-D map and all that placing new points into it needs: the coordinates, the curve (a, b)
/// and the neighbour count. A `UMAPResult` has one; the explorer rebuilds one from cached coordinates.
public struct UMAPMap: Sendable {
    public let embedding: Tensor
    public let a: Float, b: Float
    public let neighbors: Int

    public init(embedding: Tensor, a: Float, b: Float, neighbors: Int) {
        self.embedding = embedding; self.a = a; self.b = b; self.neighbors = neighbors
    }
}

extension UMAPResult {
    public var map: UMAPMap { UMAPMap(embedding: embedding, a: a, b: b, neighbors: graph.k) }

    public func transform(_ x: Tensor, data: Tensor, epochs: Int = 30, seed: UInt64 = 42, threads: Int = 1) -> Tensor {
        map.transform(x, data: data, epochs: epochs, seed: seed, threads: threads)
    }

    public func inverse(_ p: Tensor, data: Tensor, k: Int = 10) -> Tensor { map.inverse(p, data: data, k: k) }
}

/// New points into an existing embedding, and 2-D points back to the data space.
extension UMAPMap {
    /// Places new rows `x` (m, d) in the embedding fitted on `data` (n, d): each at the membership-
    /// weighted mean of its k nearest fitted points' coordinates (umap-learn's starting guess for
    /// `transform`), then `epochs` of attraction to those neighbours and repulsion from random fitted
    /// points with the fitted points held still. Seeded and independent of the thread count.
    public func transform(_ x: Tensor, data: Tensor, epochs: Int = 30, seed: UInt64 = 42, threads: Int = 1) -> Tensor {
        let m = x.shape[0], n = data.shape[0], d = data.shape[1]
        precondition(x.rank == 2 && x.shape[1] == d, "transform expects (m, \(d)), got \(x.shape)")
        let k = min(neighbors, n)
        let (idx, dist) = NeighborGraph.query(x, in: data, k: k, threads: threads)
        var out = [Float](repeating: 0, count: m * 2)
        let y = embedding.data
        out.withUnsafeMutableBufferPointer { op in
            let O = UncheckedPointer(op.baseAddress!)
            parallelFor(m, threads: threads) { i in
                // Memberships as in fitting: exp(−(d − ρ)/σ) with ρ the nearest distance and σ the mean gap.
                let row = dist[(i * k)..<((i + 1) * k)]
                let rho = row.first ?? 0
                let sigma = max(row.reduce(0, +) / Float(k) - rho, 1e-6)
                var w = row.map { expf(-max(0, $0 - rho) / sigma) }
                let wsum = w.reduce(0, +)
                w = w.map { $0 / wsum }
                var p0: Float = 0, p1: Float = 0
                for r in 0..<k { let j = idx[i * k + r]; p0 += w[r] * y[2 * j]; p1 += w[r] * y[2 * j + 1] }
                var rng = SeededRNG(seed: seed, stream: UInt64(i))
                for epoch in 0..<epochs {
                    let alpha = 0.1 * (1 - Float(epoch) / Float(epochs))
                    var g0: Float = 0, g1: Float = 0
                    for r in 0..<k {
                        let j = idx[i * k + r]
                        let d0 = p0 - y[2 * j], d1 = p1 - y[2 * j + 1], dsq = d0 * d0 + d1 * d1
                        guard dsq > 0 else { continue }
                        let pw = ck_umap_pow(dsq, b)
                        let coeff = w[r] * Float(k) * -2 * a * b * pw / dsq / (a * pw + 1)
                        g0 += UMAP.clip(coeff * d0); g1 += UMAP.clip(coeff * d1)
                        for _ in 0..<2 {
                            let q = rng.nextInt(below: n)
                            let q0 = p0 - y[2 * q], q1 = p1 - y[2 * q + 1], qsq = q0 * q0 + q1 * q1
                            guard qsq > 0 else { continue }
                            let c = 2 * b / ((0.001 + qsq) * (a * ck_umap_pow(qsq, b) + 1))
                            g0 += UMAP.clip(c * q0); g1 += UMAP.clip(c * q1)
                        }
                    }
                    p0 += alpha * g0; p1 += alpha * g1
                }
                O.pointer[2 * i] = p0
                O.pointer[2 * i + 1] = p1
            }
        }
        return Tensor(shape: [m, 2], data: out)
    }

    /// Points in the data space for 2-D points `p` (m, 2): the blend of the data rows whose embedded
    /// positions are the `k` nearest, weighted by inverse distance in the embedding (umap-learn's
    /// inverse_transform before its gradient refinement).
    public func inverse(_ p: Tensor, data: Tensor, k: Int = 10) -> Tensor {
        let m = p.shape[0], d = data.shape[1]
        let kk = min(k, data.shape[0])
        let (idx, dist) = NeighborGraph.query(p, in: embedding, k: kk, threads: 1)
        var out = [Float](repeating: 0, count: m * d)
        for i in 0..<m {
            if dist[i * kk] == 0 {  // exactly on a data point: that point
                let j = idx[i * kk]
                for t in 0..<d { out[i * d + t] = data.data[j * d + t] }
                continue
            }
            var wsum: Float = 0
            for r in 0..<kk {
                let w = 1 / dist[i * kk + r]
                let j = idx[i * kk + r]
                for t in 0..<d { out[i * d + t] += w * data.data[j * d + t] }
                wsum += w
            }
            for t in 0..<d { out[i * d + t] /= wsum }
        }
        return Tensor(shape: [m, d], data: out)
    }
}

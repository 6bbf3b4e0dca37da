import Foundation
import LatentCore

/// How the layout starts.
public enum UMAPInit: String, Sendable, CaseIterable {
    /// umap-learn's default: the two leading non-trivial eigenvectors of the graph's normalised
    /// Laplacian (per connected piece, the pieces placed apart). Falls back to PCA if Lanczos breaks down.
    case spectral
    /// The data's first two principal components.
    case pca
    /// The start we recommend: PCA. The spectral start is seed-dependent (its Lanczos vector is random)
    /// and poor on clustered latents, whose leading eigenvectors each split off a cluster or two and
    /// pile the rest together: 20,000 VAE latents of MNIST digits end at trustworthiness(15) 0.912 from
    /// it (umap-learn's own spectral start: 0.935) and at 0.953 from PCA; Fashion-MNIST → PCA 10 at
    /// 20,000 points ended at 0.9919 or 0.9840 by the seed, from PCA at 0.9908 and 0.9900.
    case auto
}

extension UMAP {
    /// The spectral start and what it was ("spectral", or "spectral (N components)"). As umap-learn's
    /// spectral_layout: one connected graph is laid out by its leading non-trivial eigenvectors; a graph
    /// in pieces gets each piece's own spectral layout, shrunk and placed around a layout of the pieces
    /// (umap-learn's multi_component_layout: ± unit axes for up to 4 pieces, else — here — the PCA of the
    /// pieces' centroids, where umap-learn embeds their affinities spectrally). nil if Lanczos fails.
    static func spectralEmbedding(_ g: Graph, x: Tensor, seed: UInt64, threads: Int = 1) -> (coordinates: [Float], note: String)? {
        let n = x.shape[0]
        guard n >= 4 else { return nil }
        let (component, count) = componentLabels(g, n: n)
        var rng = SeededRNG(seed: seed, stream: 7)
        var out = [Float](repeating: 0, count: 2 * n)
        if count == 1 {
            guard let v = spectralLayout(g, members: Array(0..<n), seed: seed, threads: threads) else { return nil }
            for i in 0..<n { out[2 * i] = Float(v[0][i]); out[2 * i + 1] = Float(v[1][i]) }
        } else {
            var members = [[Int]](repeating: [], count: count)
            for i in 0..<n { members[component[i]].append(i) }
            let meta = componentPositions(members, x: x)
            var range = Double.infinity
            for a in 0..<count { for b in (a + 1)..<count { range = min(range, hypot(meta[a].0 - meta[b].0, meta[a].1 - meta[b].1) / 2) } }
            if !range.isFinite || range <= 0 { range = 1 }
            for (c, group) in members.enumerated() {
                let local = group.count >= 5 ? spectralLayout(g, members: group, seed: seed &+ UInt64(c), threads: threads) : nil
                let scale = local.map { range / max($0.flatMap { $0 }.map(abs).max() ?? 1, 1e-300) } ?? 0
                for (r, i) in group.enumerated() {
                    // pieces too small (or without a layout) scatter at random within their share
                    let u = local.map { $0[0][r] * scale } ?? range * (2 * Double(rng.nextFloat()) - 1)
                    let w = local.map { $0[1][r] * scale } ?? range * (2 * Double(rng.nextFloat()) - 1)
                    out[2 * i] = Float(meta[c].0 + u); out[2 * i + 1] = Float(meta[c].1 + w)
                }
            }
        }
        let maxAbs = max(out.map(abs).max() ?? 1, 1e-30)
        for t in out.indices { out[t] = out[t] / maxAbs * 10 + 1e-4 * rng.nextNormal() }
        return (out, count == 1 ? "spectral" : "spectral (\(count) components)")
    }

    /// The two leading non-trivial eigenvectors of D^-1/2 W D^-1/2 over the graph restricted to
    /// `members` (indices into the graph; the result is in the same order). Rows of the matrix–vector
    /// products are split over threads; each row's sum is the same whatever the split.
    static func spectralLayout(_ g: Graph, members: [Int], seed: UInt64, threads: Int = 1) -> [[Double]]? {
        let m = members.count
        guard m >= 4 else { return nil }
        let degree = members.map { i in (g.offsets[i]..<g.offsets[i + 1]).reduce(0.0) { $0 + Double(g.weights[$1]) } }
        guard degree.allSatisfy({ $0 > 0 }) else { return nil }
        let invSqrt = degree.map { 1 / $0.squareRoot() }
        // Local CSR, so the matrix–vector products run without lookups (a connected graph is its own).
        var offsets = [0], columns: [Int32] = [], weights: [Double] = []
        if m == g.offsets.count - 1 {
            offsets = g.offsets; columns = g.columns; weights = g.weights.map(Double.init)
        } else {
            var local = [Int: Int](minimumCapacity: m)
            for (r, i) in members.enumerated() { local[i] = r }
            for i in members {
                for e in g.offsets[i]..<g.offsets[i + 1] {
                    guard let j = local[Int(g.columns[e])] else { continue }
                    columns.append(Int32(j)); weights.append(Double(g.weights[e]))
                }
                offsets.append(columns.count)
            }
        }
        // w_e · d_j^-1/2 per edge, once: the products below are then one multiply-add per edge.
        for r in 0..<m { for e in offsets[r]..<offsets[r + 1] { weights[e] *= invSqrt[Int(columns[e])] } }
        // M = D^-1/2 W D^-1/2 has eigenvalue 1 at D^1/2·1; the next two eigenvectors are the smallest
        // non-trivial ones of L = I − M, the ones umap-learn's eigsh(L, which="SM") returns.
        var trivial = degree.map { $0.squareRoot() }
        normalize(&trivial)
        let multiply: ([Double], inout [Double]) -> Void = { v, out in
            offsets.withUnsafeBufferPointer { o in
                columns.withUnsafeBufferPointer { c in
                    weights.withUnsafeBufferPointer { w in
                        invSqrt.withUnsafeBufferPointer { d in
                            v.withUnsafeBufferPointer { x in
                                out.withUnsafeMutableBufferPointer { y in
                                    let O = UncheckedConst(o.baseAddress!), C = UncheckedConst(c.baseAddress!)
                                    let W = UncheckedConst(w.baseAddress!), D = UncheckedConst(d.baseAddress!)
                                    let X = UncheckedConst(x.baseAddress!), Y = UncheckedPointer(y.baseAddress!)
                                    parallelRanges(m, threads: threads) { rows in
                                        for r in rows {
                                            // Four partial sums: one chain of dependent adds per row was
                                            // most of the spectral start's time at 20,000 points.
                                            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                                            var e = O.pointer[r]
                                            let end = O.pointer[r + 1]
                                            while e + 4 <= end {
                                                s0 += W.pointer[e] * X.pointer[Int(C.pointer[e])]
                                                s1 += W.pointer[e + 1] * X.pointer[Int(C.pointer[e + 1])]
                                                s2 += W.pointer[e + 2] * X.pointer[Int(C.pointer[e + 2])]
                                                s3 += W.pointer[e + 3] * X.pointer[Int(C.pointer[e + 3])]
                                                e += 4
                                            }
                                            while e < end { s0 += W.pointer[e] * X.pointer[Int(C.pointer[e])]; e += 1 }
                                            Y.pointer[r] = ((s0 + s1) + (s2 + s3)) * D.pointer[r]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return lanczosLargest(count: 2, n: m, steps: min(m - 1, max(48, Int(Double(m).squareRoot() / 3))),
                              deflating: trivial, seed: seed, multiply: multiply)
    }

    /// Where each piece of a split graph goes: ± unit axes for up to 4 pieces, else the PCA of the
    /// pieces' centroids scaled to ±1.
    static func componentPositions(_ members: [[Int]], x: Tensor) -> [(Double, Double)] {
        let count = members.count, d = x.shape[1]
        if count <= 4 {
            return Array([(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)].prefix(count))
        }
        var centroids = Tensor(zeros: [count, d])
        for (c, group) in members.enumerated() {
            for i in group { for t in 0..<d { centroids.data[c * d + t] += x.data[i * d + t] / Float(group.count) } }
        }
        // Centroids of finite data always fit; a failed eigensolver puts the groups on a line instead.
        guard let y = (try? PCA.fit(centroids, components: min(2, d)))?.transform(centroids) else {
            return (0..<count).map { c in (Double(c) / Double(max(1, count - 1)) * 2 - 1, 0) }
        }
        let k = y.shape[1]
        let maxAbs = Double(max(y.data.map(abs).max() ?? 1, 1e-30))
        return (0..<count).map { c in (Double(y.data[c * k]) / maxAbs, k > 1 ? Double(y.data[c * k + 1]) / maxAbs : 0) }
    }

    /// Each point's connected component (numbered in order of first appearance) and how many there are.
    static func componentLabels(_ g: Graph, n: Int) -> (labels: [Int], count: Int) {
        var parent = Array(0..<n)
        func root(_ i: Int) -> Int {
            var r = i
            while parent[r] != r { parent[r] = parent[parent[r]]; r = parent[r] }
            return r
        }
        for i in 0..<n {
            for e in g.offsets[i]..<g.offsets[i + 1] {
                let a = root(i), b = root(Int(g.columns[e]))
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var number = [Int: Int](), labels = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let r = root(i)
            if number[r] == nil { number[r] = number.count }
            labels[i] = number[r]!
        }
        return (labels, number.count)
    }

    /// The `count` eigenvectors of largest eigenvalue of a symmetric operator, orthogonal to a known
    /// unit eigenvector, by Lanczos with full re-orthogonalisation (so a few dozen steps do, even with
    /// clustered eigenvalues) and the tridiagonal matrix solved by LAPACK. nil if the iteration breaks down.
    static func lanczosLargest(count: Int, n: Int, steps: Int, deflating known: [Double], seed: UInt64,
                               multiply: ([Double], inout [Double]) -> Void) -> [[Double]]? {
        var rng = SeededRNG(seed: seed, stream: 8)
        var q = (0..<n).map { _ in Double(rng.nextNormal()) }
        project(&q, outOf: known)
        guard normalize(&q) else { return nil }
        var basis: [[Double]] = [q]
        var alpha: [Double] = [], beta: [Double] = []
        var w = [Double](repeating: 0, count: n)
        for step in 0..<steps {
            multiply(basis[step], &w)
            let a = dot(w, basis[step])
            alpha.append(a)
            // Through (modified) Gram–Schmidt against every basis vector and the known one: in floating
            // point the three-term recurrence alone loses orthogonality and repeats converged eigenvalues.
            project(&w, outOf: known)
            for v in basis { project(&w, outOf: v) }
            let b = dot(w, w).squareRoot()
            if step == steps - 1 || b < 1e-10 { break }
            beta.append(b)
            basis.append(w.map { $0 / b })
        }
        let m = alpha.count
        guard m >= count, alpha.allSatisfy(\.isFinite) else { return nil }
        var t = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            t[i * m + i] = alpha[i]
            if i + 1 < m { t[i * m + i + 1] = beta[i]; t[(i + 1) * m + i] = beta[i] }
        }
        var values = [Double](repeating: 0, count: m)
        guard (try? symmetricEigen(&t, n: m, eigenvalues: &values)) != nil else { return nil }
        // ascending: the largest are last; row r of t is the r-th eigenvector
        return (0..<count).map { c in
            let r = m - 1 - c
            var v = [Double](repeating: 0, count: n)
            for s in 0..<m {
                let coefficient = t[r * m + s]
                for i in 0..<n { v[i] += coefficient * basis[s][i] }
            }
            // a reproducible sign: the largest-magnitude entry positive
            if let big = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[big] < 0 { v = v.map { -$0 } }
            return v
        }
    }

    /// a · b in a fixed order: four 4-wide partial sums, then the rest.
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in dot(pa.baseAddress!, pb.baseAddress!, min(pa.count, pb.count)) } }
    }

    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>(), s2 = SIMD4<Double>(), s3 = SIMD4<Double>()
        var i = 0
        while i + 16 <= n {
            s0 += ra.loadUnaligned(fromByteOffset: 8 * i, as: SIMD4<Double>.self) * rb.loadUnaligned(fromByteOffset: 8 * i, as: SIMD4<Double>.self)
            s1 += ra.loadUnaligned(fromByteOffset: 8 * i + 32, as: SIMD4<Double>.self) * rb.loadUnaligned(fromByteOffset: 8 * i + 32, as: SIMD4<Double>.self)
            s2 += ra.loadUnaligned(fromByteOffset: 8 * i + 64, as: SIMD4<Double>.self) * rb.loadUnaligned(fromByteOffset: 8 * i + 64, as: SIMD4<Double>.self)
            s3 += ra.loadUnaligned(fromByteOffset: 8 * i + 96, as: SIMD4<Double>.self) * rb.loadUnaligned(fromByteOffset: 8 * i + 96, as: SIMD4<Double>.self)
            i += 16
        }
        var rest = 0.0
        while i < n { rest += a[i] * b[i]; i += 1 }
        let s = (s0 + s1) + (s2 + s3)
        return ((s[0] + s[1]) + (s[2] + s[3])) + rest
    }

    static func project(_ w: inout [Double], outOf v: [Double]) {
        w.withUnsafeMutableBufferPointer { pw in
            v.withUnsafeBufferPointer { pv in
                let n = min(pw.count, pv.count), x = pw.baseAddress!, y = pv.baseAddress!
                let c = dot(UnsafePointer(x), y, n)
                for i in 0..<n { x[i] -= c * y[i] }
            }
        }
    }

    @discardableResult static func normalize(_ v: inout [Double]) -> Bool {
        let norm = dot(v, v).squareRoot()
        guard norm > 0, norm.isFinite else { return false }
        for i in v.indices { v[i] /= norm }
        return true
    }
}

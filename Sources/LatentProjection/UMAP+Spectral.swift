import Foundation
import LatentCore

/// How the layout starts.
public enum UMAPInit: String, Sendable, CaseIterable {
    /// umap-learn's default: the two leading non-trivial eigenvectors of the graph's normalised
    /// Laplacian. Falls back to PCA when the graph is not connected or the eigensolver does not settle.
    case spectral
    /// The data's first two principal components.
    case pca
    /// Spectral up to `UMAPOptions.spectralLimit` points, PCA above (where the two start equally well:
    /// 70,000 Fashion-MNIST images give the same trustworthiness either way).
    case auto
}

extension UMAP {
    /// The spectral start and what it was, for the stage report ("spectral", or "pca (why)").
    static func spectralEmbedding(_ g: Graph, n: Int, seed: UInt64) -> (coordinates: [Float], note: String)? {
        guard n >= 4 else { return nil }
        guard connectedComponents(g, n: n) == 1 else { return nil }
        let degree = (0..<n).map { i in (g.offsets[i]..<g.offsets[i + 1]).reduce(0.0) { $0 + Double(g.weights[$1]) } }
        guard degree.allSatisfy({ $0 > 0 }) else { return nil }
        let invSqrt = degree.map { 1 / $0.squareRoot() }
        // M = D^-1/2 W D^-1/2 has eigenvalue 1 at D^1/2·1; the next two eigenvectors are the smallest
        // non-trivial ones of L = I − M, the ones umap-learn's eigsh(L, which="SM") returns.
        var trivial = degree.map { $0.squareRoot() }
        normalize(&trivial)
        let multiply: ([Double], inout [Double]) -> Void = { v, out in
            for i in 0..<n {
                var s = 0.0
                for e in g.offsets[i]..<g.offsets[i + 1] {
                    let j = Int(g.columns[e])
                    s += Double(g.weights[e]) * invSqrt[j] * v[j]
                }
                out[i] = s * invSqrt[i]
            }
        }
        guard let vectors = lanczosLargest(count: 2, n: n, steps: min(n - 1, max(48, Int(Double(n).squareRoot() / 3))),
                                           deflating: trivial, seed: seed, multiply: multiply) else { return nil }
        var out = [Float](repeating: 0, count: 2 * n)
        let maxAbs = max(vectors.flatMap { $0 }.map(abs).max() ?? 1, 1e-300)
        var rng = SeededRNG(seed: seed, stream: 7)
        for i in 0..<n { for c in 0..<2 { out[2 * i + c] = Float(vectors[c][i] / maxAbs * 10) + 1e-4 * rng.nextNormal() } }
        return (out, "spectral")
    }

    /// Number of connected components of the graph (union–find).
    static func connectedComponents(_ g: Graph, n: Int) -> Int {
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
        return (0..<n).filter { root($0) == $0 }.count
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
            // Twice through Gram–Schmidt against every basis vector and the known one: in floating point
            // the three-term recurrence alone loses orthogonality and repeats converged eigenvalues.
            for _ in 0..<2 {
                project(&w, outOf: known)
                for v in basis { project(&w, outOf: v) }
            }
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
        symmetricEigen(&t, n: m, eigenvalues: &values)
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

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    static func project(_ w: inout [Double], outOf v: [Double]) {
        let c = dot(w, v)
        for i in w.indices { w[i] -= c * v[i] }
    }

    @discardableResult static func normalize(_ v: inout [Double]) -> Bool {
        let norm = dot(v, v).squareRoot()
        guard norm > 0, norm.isFinite else { return false }
        for i in v.indices { v[i] /= norm }
        return true
    }
}

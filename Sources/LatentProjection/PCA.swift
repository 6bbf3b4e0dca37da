import COpenBLAS
import LatentCore

/// Exact principal component analysis: the eigen-decomposition (LAPACK `dsyevd`) of the covariance.
public struct PCA: Sendable {
    /// Per-feature mean of the fitted data, (d).
    public let mean: [Float]
    /// Principal axes as rows, (k, d), in order of decreasing variance; each has unit length and its
    /// largest-magnitude entry positive, so the signs are reproducible.
    public let components: Tensor
    /// Variance along each axis (eigenvalues of the covariance, n − 1 denominator).
    public let explainedVariance: [Double]
    /// Total variance of the data (trace of the covariance).
    public let totalVariance: Double

    public var dimension: Int { mean.count }
    public var componentCount: Int { components.shape[0] }
    public var explainedVarianceRatio: [Double] { explainedVariance.map { totalVariance > 0 ? $0 / totalVariance : 0 } }

    /// Fits `k` components to the rows of `x` (n, d). Needs n ≥ 2, d ≥ 1, 1 ≤ k ≤ d and finite values;
    /// anything else is a `PCAError` saying which. The result does not depend on `threads`. With more
    /// features than rows (d > n) it decomposes the n × n Gram matrix instead of the d × d covariance:
    /// the same components, at the cost of the smaller side.
    public static func fit(_ x: Tensor, components k: Int, threads: Int = 1) throws -> PCA {
        guard x.rank == 2, x.shape[0] >= 2 else { throw PCAError("PCA needs at least two rows, got \(x.shape)") }
        let n = x.shape[0], d = x.shape[1]
        guard d >= 1 else { throw PCAError("PCA needs at least one column, got \(n) rows of 0") }
        guard k >= 1 && k <= d else { throw PCAError("PCA components \(k) outside 1…\(d)") }
        if let bad = x.data.firstIndex(where: { !$0.isFinite }) {
            throw PCAError("row \(bad / d + 1), column \(bad % d + 1) holds \(x.data[bad]): PCA needs finite values")
        }
        guard min(n, d) <= maxSide else {
            throw PCAError("PCA of \(n) rows × \(d) columns needs a \(min(n, d))² eigenproblem, over the \(maxSide)² done exactly; reduce the rows or columns first")
        }
        if d > n { return try fitGram(x, components: k) }
        // One pass, in chunks that stay in cache: rows minus a provisional centre s (the mean of the first
        // rows, so no large offset is left to cancel) are summed and multiplied into a Gram matrix per
        // chunk (upper triangle, ssyrk), on `threads` threads. Chunks are added in order, so the result
        // is the same at any thread count. Then mean = s + Σ/n and Cov = (G − n·δδᵀ)/(n − 1), δ = mean − s.
        let chunk = 4096, chunks = (n + chunk - 1) / chunk
        let provisional = (0..<d).map { j in (0..<min(n, 256)).reduce(Float(0)) { $0 + x.data[$1 * d + j] } / Float(min(n, 256)) }
        var chunkGram = [Float](repeating: 0, count: chunks * d * d), chunkSum = [Float](repeating: 0, count: chunks * d)
        ComputeThreads.prepareBLAS()
        x.data.withUnsafeBufferPointer { xp in
            chunkGram.withUnsafeMutableBufferPointer { gp in
                chunkSum.withUnsafeMutableBufferPointer { sp in
                    let X = UncheckedConst(xp.baseAddress!), G = UncheckedPointer(gp.baseAddress!), S = UncheckedPointer(sp.baseAddress!)
                    provisional.withUnsafeBufferPointer { pp in
                    let P = UncheckedConst(pp.baseAddress!)
                    parallelRanges(chunks, threads: threads) { range in
                        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunk * d)
                        defer { scratch.deallocate() }
                        for c in range {
                            let start = c * chunk, rows = min(chunk, n - start)
                            let sum = S.pointer + c * d
                            for r in 0..<rows {
                                let src = X.pointer + (start + r) * d, dst = scratch + r * d
                                for j in 0..<d { let v = src[j] - P.pointer[j]; dst[j] = v; sum[j] += v }
                            }
                            gramUpper(rows: rows, d: d, x: scratch, ldx: d, c: G.pointer + c * d * d, ldc: d)
                        }
                    }
                    }
                }
            }
        }
        var sums = [Double](repeating: 0, count: d)
        var gram = [Double](repeating: 0, count: d * d)
        for c in 0..<chunks {
            for j in 0..<d { sums[j] += Double(chunkSum[c * d + j]) }
            for e in 0..<(d * d) { gram[e] += Double(chunkGram[c * d * d + e]) }
        }
        let delta = sums.map { $0 / Double(n) }
        let mean = (0..<d).map { Double(provisional[$0]) + delta[$0] }
        var cov = [Double](repeating: 0, count: d * d)
        for r in 0..<d {
            for c in r..<d {
                let v = (gram[r * d + c] - Double(n) * delta[r] * delta[c]) / Double(n - 1)
                cov[r * d + c] = v; cov[c * d + r] = v
            }
        }
        let total = (0..<d).reduce(0.0) { $0 + cov[$1 * d + $1] }
        var eigenvalues = [Double](repeating: 0, count: d)
        try symmetricEigen(&cov, n: d, eigenvalues: &eigenvalues)
        // dsyevd returns ascending eigenvalues with eigenvectors in columns (column-major) = rows here.
        var comps = Tensor(zeros: [k, d])
        var variances: [Double] = []
        for c in 0..<k {
            let src = d - 1 - c
            var row = (0..<d).map { cov[src * d + $0] }
            if let big = row.indices.max(by: { abs(row[$0]) < abs(row[$1]) }), row[big] < 0 { row = row.map { -$0 } }
            for j in 0..<d { comps.data[c * d + j] = Float(row[j]) }
            variances.append(max(0, eigenvalues[src]))
        }
        return PCA(mean: mean.map(Float.init), components: comps, explainedVariance: variances, totalVariance: total)
    }

    /// The largest n or d of an exact fit: a 4,096² eigenproblem in doubles is 134 MB and seconds.
    public static let maxSide = 4096

    /// PCA through the Gram matrix K = Xc·Xcᵀ (n × n) of the centred rows, for d > n: its eigenvectors
    /// u give the components Xcᵀu/√λ and the variances λ/(n − 1). The centred rows are formed a block
    /// of columns at a time, so no centred copy of the whole matrix is made.
    static func fitGram(_ x: Tensor, components k: Int) throws -> PCA {
        let n = x.shape[0], d = x.shape[1], block = 4096
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(x.data[i * d + j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        func centredBlock(_ start: Int, _ width: Int, into scratch: inout [Float]) {
            for i in 0..<n { for j in 0..<width { scratch[i * width + j] = Float(Double(x.data[i * d + start + j]) - mean[start + j]) } }
        }
        var gram = [Float](repeating: 0, count: n * n)
        var scratch = [Float](repeating: 0, count: n * min(block, d))
        ComputeThreads.prepareBLAS()
        for start in stride(from: 0, to: d, by: block) {
            let width = min(block, d - start)
            centredBlock(start, width, into: &scratch)
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(n), Int32(width), 1, scratch, Int32(width), 1, &gram, Int32(n))
        }
        var k64 = [Double](repeating: 0, count: n * n)
        for r in 0..<n { for c in r..<n { k64[r * n + c] = Double(gram[r * n + c]); k64[c * n + r] = Double(gram[r * n + c]) } }
        let total = (0..<n).reduce(0.0) { $0 + k64[$1 * n + $1] } / Double(n - 1)
        var eigenvalues = [Double](repeating: 0, count: n)
        try symmetricEigen(&k64, n: n, eigenvalues: &eigenvalues)
        var comps = Tensor(zeros: [k, d])
        var variances: [Double] = []
        for c in 0..<k {
            let src = n - 1 - c
            let lambda = src >= 0 ? eigenvalues[src] : 0
            variances.append(max(0, lambda) / Double(n - 1))
            // Directions beyond the data's rank (at most n − 1 after centring) carry no variance: left 0.
            guard src >= 0, lambda > 1e-12 * max(total, 1e-30) else { continue }
            var row = [Double](repeating: 0, count: d)
            for start in stride(from: 0, to: d, by: block) {
                let width = min(block, d - start)
                centredBlock(start, width, into: &scratch)
                for i in 0..<n {
                    let u = k64[src * n + i]
                    for j in 0..<width { row[start + j] += u * Double(scratch[i * width + j]) }
                }
            }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if let big = row.indices.max(by: { abs(row[$0]) < abs(row[$1]) }), row[big] < 0 { row = row.map { -$0 } }
            for j in 0..<d { comps.data[c * d + j] = Float(row[j] / max(norm, 1e-300)) }
        }
        return PCA(mean: mean.map(Float.init), components: comps, explainedVariance: variances, totalVariance: total)
    }

    /// Coordinates of rows of `x` (n, d) along the components: (n, k).
    public func transform(_ x: Tensor, threads: Int = 1) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == dimension, "PCA.transform expects (n, \(dimension)), got \(x.shape)")
        // (x − mean) · Cᵀ = x · Cᵀ − mean · Cᵀ: the data read once, as it is, no centred copy. (BLAS's
        // GEMM with 2 output columns spends more time packing than multiplying.)
        let n = x.shape[0], d = dimension, k = componentCount
        let shift = (0..<k).map { c in (0..<d).reduce(Float(0)) { $0 + mean[$1] * components.data[c * d + $1] } }
        var y = Tensor.uninitialized(shape: [n, k])
        x.data.withUnsafeBufferPointer { xp in
            components.data.withUnsafeBufferPointer { cp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    let X = UncheckedConst(xp.baseAddress!), C = UncheckedConst(cp.baseAddress!), Y = UncheckedPointer(yp.baseAddress!)
                    parallelRanges(n, threads: n >= 20_000 ? threads : 1) { range in
                        for i in range {
                            let row = X.pointer + i * d
                            for c in 0..<k { Y.pointer[i * k + c] = dot(row, C.pointer + c * d, d) - shift[c] }
                        }
                    }
                }
            }
        }
        return y
    }

    /// The same axes, each turned (negated) where it points away from `other`'s axis of the same rank:
    /// a PCA refitted on more of the same data then draws the points where the first one did.
    public func aligned(with other: PCA) -> PCA {
        guard other.dimension == dimension else { return self }
        var comps = components
        let d = dimension
        for c in 0..<min(componentCount, other.componentCount) {
            let agreement = (0..<d).reduce(Float(0)) { $0 + components.data[c * d + $1] * other.components.data[c * d + $1] }
            if agreement < 0 { for j in 0..<d { comps.data[c * d + j] = -comps.data[c * d + j] } }
        }
        return PCA(mean: mean, components: comps, explainedVariance: explainedVariance, totalVariance: totalVariance)
    }

    /// The rows of `x` (n, d) as points in the plane of the first two axes, x and y flattened (y is 0
    /// with a single axis).
    public func planePoints(_ x: Tensor) -> [Float] {
        let y = transform(x), k = componentCount, n = x.shape[0]
        var flat = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n {
            flat[2 * i] = y.data[i * k]
            if k > 1 { flat[2 * i + 1] = y.data[i * k + 1] }
        }
        return flat
    }

    /// Points in the original space for coordinates y (n, k): mean + y · components.
    public func inverse(_ y: Tensor) -> Tensor {
        precondition(y.rank == 2 && y.shape[1] == componentCount, "PCA.inverse expects (n, \(componentCount)), got \(y.shape)")
        var x = y.matmul(components)
        x.subtractRow(mean.map { -$0 })
        return x
    }
}

/// Eigenvalues, largest first, and unit eigenvectors (as rows, (n, n) row-major) of the symmetric
/// (n, n) matrix `a`: PCA's LAPACK solver for other uses of a Gram matrix (a decoder Jacobian's JᵀJ),
/// so there is one eigensolver in the package.
public func symmetricEigenDescending(_ a: [Double], n: Int) throws -> (values: [Double], vectors: [Double]) {
    precondition(a.count == n * n, "a symmetric matrix of side \(n) needs \(n * n) values, got \(a.count)")
    var m = a, ascending = [Double](repeating: 0, count: n)
    try symmetricEigen(&m, n: n, eigenvalues: &ascending)
    var vectors = [Double](repeating: 0, count: n * n)
    for r in 0..<n { for c in 0..<n { vectors[r * n + c] = m[(n - 1 - r) * n + c] } }
    return (ascending.reversed(), vectors)
}

/// Eigen-decomposition of the symmetric (n, n) matrix `a` in place: eigenvectors replace `a` (as rows,
/// since LAPACK's column-major columns are row-major rows), eigenvalues ascending.
func symmetricEigen(_ a: inout [Double], n: Int, eigenvalues: inout [Double]) throws {
    var jobz = Int8(UInt8(ascii: "V")), uplo = Int8(UInt8(ascii: "U"))
    var nn = Int32(n), lda = Int32(n), info: Int32 = 0
    var lwork: Int32 = -1, liwork: Int32 = -1
    var workQuery = 0.0
    var iworkQuery: Int32 = 0
    dsyevd_(&jobz, &uplo, &nn, &a, &lda, &eigenvalues, &workQuery, &lwork, &iworkQuery, &liwork, &info)
    lwork = Int32(workQuery)
    liwork = iworkQuery
    var work = [Double](repeating: 0, count: Int(lwork))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    dsyevd_(&jobz, &uplo, &nn, &a, &lda, &eigenvalues, &work, &lwork, &iwork, &liwork, &info)
    guard info == 0 else { throw PCAError("the eigensolver did not converge (LAPACK dsyevd info \(info))") }
}

extension Tensor {
    /// Subtracts `row` from every row of this (n, d) matrix, in place.
    mutating func subtractRow(_ row: [Float]) {
        let d = shape[1]
        precondition(row.count == d, "row of \(row.count) for a matrix of width \(d)")
        let n = shape[0]
        data.withUnsafeMutableBufferPointer { p in
            row.withUnsafeBufferPointer { r in
                for i in 0..<n {
                    let base = p.baseAddress! + i * d
                    for j in 0..<d { base[j] -= r[j] }
                }
            }
        }
    }
}

/// Why a PCA could not be fitted, said for the person who gave the data.
public struct PCAError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

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

    /// Fits `k` components to the rows of `x` (n, d). Needs n ≥ 2 and 1 ≤ k ≤ d.
    public static func fit(_ x: Tensor, components k: Int) -> PCA {
        precondition(x.rank == 2 && x.shape[0] >= 2, "PCA needs at least two rows, got \(x.shape)")
        let n = x.shape[0], d = x.shape[1]
        precondition(k >= 1 && k <= d, "PCA components \(k) outside 1...\(d)")
        var mean = [Double](repeating: 0, count: d)
        x.data.withUnsafeBufferPointer { xp in
            mean.withUnsafeMutableBufferPointer { mp in
                for i in 0..<n { for j in 0..<d { mp[j] += Double(xp[i * d + j]) } }
                for j in 0..<d { mp[j] /= Double(n) }
            }
        }
        var centered = x
        centered.subtractRow(mean.map(Float.init))
        // Covariance (d, d) = Xcᵀ Xc / (n − 1), accumulated in Float by BLAS, solved in Double.
        let gram = centered.matmul(centered, transposeSelf: true)
        var cov = gram.data.map { Double($0) / Double(n - 1) }
        let total = (0..<d).reduce(0.0) { $0 + cov[$1 * d + $1] }
        var eigenvalues = [Double](repeating: 0, count: d)
        symmetricEigen(&cov, n: d, eigenvalues: &eigenvalues)
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

    /// Coordinates of rows of `x` (n, d) along the components: (n, k).
    public func transform(_ x: Tensor) -> Tensor {
        precondition(x.rank == 2 && x.shape[1] == dimension, "PCA.transform expects (n, \(dimension)), got \(x.shape)")
        var centered = x
        centered.subtractRow(mean)
        return centered.matmul(components, transposeOther: true)
    }

    /// Points in the original space for coordinates y (n, k): mean + y · components.
    public func inverse(_ y: Tensor) -> Tensor {
        precondition(y.rank == 2 && y.shape[1] == componentCount, "PCA.inverse expects (n, \(componentCount)), got \(y.shape)")
        var x = y.matmul(components)
        x.subtractRow(mean.map { -$0 })
        return x
    }
}

/// Eigen-decomposition of the symmetric (n, n) matrix `a` in place: eigenvectors replace `a` (as rows,
/// since LAPACK's column-major columns are row-major rows), eigenvalues ascending.
func symmetricEigen(_ a: inout [Double], n: Int, eigenvalues: inout [Double]) {
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
    precondition(info == 0, "dsyevd failed with info \(info)")
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

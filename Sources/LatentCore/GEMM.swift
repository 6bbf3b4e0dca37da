import COpenBLAS

/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed
    fileprivate var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// Which implementation computes a matrix product.
public enum GEMMBackend: String, Sendable, CaseIterable {
    /// OpenBLAS `cblas_sgemm`: the one every layer uses.
    case blas
    /// Three nested loops: the reference the BLAS path must match in tests, and a baseline for benchmarks.
    case naive
}

/// Row-major single-precision GEMM:  C (m×n) = alpha · op(A) (m×k) · op(B) (k×n) + beta · C.
///
/// `threads`: how many threads a large product may be split over (default `ComputeThreads.current`);
/// code that already runs on its own worker threads passes 1.
///
/// `lda`, `ldb`, `ldc` are row strides in elements of the matrices *as stored*: A is m×k (or k×m when
/// transposed), B is k×n (or n×k when transposed). Arguments are checked with preconditions because a
/// wrong stride here is always a programming error, never bad input.
public func sgemm(_ backend: GEMMBackend = .blas,
                  transA: Transpose = .none, transB: Transpose = .none,
                  m: Int, n: Int, k: Int,
                  alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int,
                  b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0,
                  c: UnsafeMutablePointer<Float>, ldc: Int,
                  threads: Int? = nil) {
    precondition(m >= 0 && n >= 0 && k >= 0, "negative GEMM extent m=\(m) n=\(n) k=\(k)")
    precondition(lda >= max(1, transA == .none ? k : m), "lda \(lda) too small")
    precondition(ldb >= max(1, transB == .none ? n : k), "ldb \(ldb) too small")
    precondition(ldc >= max(1, n), "ldc \(ldc) too small")
    guard m > 0 && n > 0 else { return }
    ComputeThreads.prepareBLAS()
    switch backend {
    case .blas where m == 1 && transB == .transposed:
        // One row times a stored-transposed matrix is a matrix-vector product: sgemv streams B once,
        // where sgemm would first copy (pack) all of it. This is every Linear layer at batch 1.
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb),
                    a, Int32(transA == .none ? 1 : lda), beta, c, 1)
    case .blas where m == 1:
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha, b, Int32(ldb),
                    a, Int32(transA == .none ? 1 : lda), beta, c, 1)
    case .blas:
        blasSGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                  beta: beta, c: c, ldc: ldc, threads: threads ?? ComputeThreads.current)
    case .naive:
        naiveSGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                   a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

/// OpenBLAS's sgemm on one thread, or, for a product worth it, on `threads` threads each computing a
/// band of C: rows when C is tall enough, else columns. Bands touch disjoint parts of C, and each band's
/// sums run in the same order as the whole product's, so the result does not depend on the split.
private func blasSGEMM(transA: Transpose, transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                       a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
    func run(_ m: Int, _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    // Below ~1 MFLOP a thread's wake-up costs more than it saves (measured on training steps).
    let work = 2 * m * n * k
    guard threads > 1, work >= 1 << 20 else { return run(m, n, a, b, c) }
    let A = UncheckedConst(a), B = UncheckedConst(b), C = UncheckedPointer(c)
    if m >= 16 * threads {
        parallelRanges(m, threads: threads) { rows in
            // rows r0..<r1 of op(A): stored rows, or stored columns when A is transposed
            let aBand = transA == .none ? A.pointer + rows.lowerBound * lda : A.pointer + rows.lowerBound
            run(rows.count, n, aBand, B.pointer, C.pointer + rows.lowerBound * ldc)
        }
    } else {
        parallelRanges(n, threads: threads) { cols in
            // columns c0..<c1 of op(B): stored columns, or stored rows when B is transposed
            let bBand = transB == .none ? B.pointer + cols.lowerBound : B.pointer + cols.lowerBound * ldb
            run(m, cols.count, A.pointer, bBand, C.pointer + cols.lowerBound)
        }
    }
}

private func naiveSGEMM(transA: Transpose, transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
                        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var sum: Float = 0
            for p in 0..<k {
                let aip = transA == .none ? a[i * lda + p] : a[p * lda + i]
                let bpj = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                sum += aip * bpj
            }
            // beta == 0 must ignore C entirely (it may hold NaN garbage), as BLAS does.
            c[i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * ldc + j])
        }
    }
}

/// The upper triangle of the Gram matrix C (d×d) = Xᵀ·X of `rows` rows of X (row stride `ldx`), as
/// OpenBLAS's ssyrk computes it for PCA (the lower triangle of C is left as it was), or by the naive loops.
public func gramUpper(_ backend: GEMMBackend = .blas, rows: Int, d: Int, x: UnsafePointer<Float>, ldx: Int,
                      c: UnsafeMutablePointer<Float>, ldc: Int) {
    precondition(rows >= 0 && d >= 0 && ldx >= max(1, d) && ldc >= max(1, d), "bad Gram extents rows=\(rows) d=\(d)")
    guard d > 0 else { return }
    switch backend {
    case .blas:
        ComputeThreads.prepareBLAS()
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(rows), 1, x, Int32(ldx), 0, c, Int32(ldc))
    case .naive:
        for i in 0..<d {
            for j in i..<d {
                var sum: Float = 0
                for r in 0..<rows { sum += x[r * ldx + i] * x[r * ldx + j] }
                c[i * ldc + j] = sum
            }
        }
    }
}

extension Tensor {
    /// Matrix product of two rank-2 tensors, `op(self) · op(other)`, through the chosen backend.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false,
                       backend: GEMMBackend = .blas) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul needs rank-2 tensors, got \(shape) and \(other.shape)")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let k2 = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == k2, "matmul inner extents differ: \(shape) · \(other.shape)")
        var out = Tensor(zeros: [m, n])
        data.withUnsafeBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                out.data.withUnsafeMutableBufferPointer { c in
                    sgemm(backend, transA: transposeSelf ? .transposed : .none,
                          transB: transposeOther ? .transposed : .none,
                          m: m, n: n, k: k,
                          a: a.baseAddress!, lda: max(1, shape[1]),
                          b: b.baseAddress!, ldb: max(1, other.shape[1]),
                          c: c.baseAddress!, ldc: max(1, n))
                }
            }
        }
        return out
    }
}

import LatentCore

/// A general matrix product (ONNX `Gemm`): y = alpha·op(A)·op(B) + beta·C, A and B matrices, C broadcast
/// to the output. PyTorch's `nn.Linear` is transB with C the bias row: the one forward pass native
/// `Linear` layers and imported graphs both run.
package struct Gemm: Sendable, Equatable {
    package var transA = false, transB = false
    package var alpha: Float = 1, beta: Float = 1
    package var activation: Activation?

    package init(transA: Bool = false, transB: Bool = false, alpha: Float = 1, beta: Float = 1) {
        self.transA = transA
        self.transB = transB
        self.alpha = alpha
        self.beta = beta
    }

    /// The output shape (M, N), or why the operands do not fit.
    package func outputShape(a: [Int], b: [Int], c: [Int]?) throws -> [Int] {
        guard a.count == 2, b.count == 2 else { throw GraphError("Gemm takes matrices, got \(a) and \(b)") }
        let (m, k) = transA ? (a[1], a[0]) : (a[0], a[1])
        let (k2, n) = transB ? (b[1], b[0]) : (b[0], b[1])
        guard k == k2 else { throw GraphError("Gemm of \(a) and \(b) (transA \(transA), transB \(transB)) does not fit") }
        // The usual bias row is checked without building shapes (this runs on every graph Gemm).
        if let c, !(c.count == 1 && c[0] == n), !(c.count == 2 && c[0] == 1 && c[1] == n) { _ = try GraphOps.broadcastTo(c, [m, n]) }
        try checkedProduct(m, n, k)
        return [m, n]
    }

    package func forward(_ a: Tensor, _ b: Tensor, _ c: Tensor?) -> Tensor {
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let n = transB ? b.shape[0] : b.shape[1]
        var y = Tensor.uninitialized(shape: [m, n])
        y.data.withUnsafeMutableBufferPointer { o in
            let out = o.baseAddress!
            if let c, c.count == n && (c.rank == 1 || c.shape[0] == 1) {
                // The usual bias: one row, repeated.
                c.data.withUnsafeBufferPointer { row in
                    for r in 0..<m { (out + r * n).update(from: row.baseAddress!, count: n) }
                }
                if beta != 1 { for i in 0..<(m * n) { out[i] *= beta } }
            } else if let c {
                let index = GraphOps.broadcastIndex(c.shape, to: [m, n])
                for i in 0..<(m * n) { out[i] = beta * c.data[index[i]] }
            } else {
                out.update(repeating: 0, count: m * n)
            }
            guard m * n > 0 else { return }
            sgemm(transA: transA ? .transposed : .none, transB: transB ? .transposed : .none, m: m, n: n, k: k, alpha: alpha,
                  a: a.data, lda: a.shape[1], b: b.data, ldb: b.shape[1], beta: 1, c: out, ldc: n)
            activation?.apply(out, count: m * n)
        }
        return y
    }
}

import LatentCore

/// Vector quantisation against a codebook (K, D): distances, nearest codes (ties to the lower index)
/// and the embedding of codes back into a grid. One implementation for the VQ-VAEs trained here and
/// the ones imported from ONNX (whose quantisation is ours, per the manifest).
public struct Codebook: Sendable {
    /// (K, D), as PyTorch's `nn.Embedding(K, D).weight`.
    public let vectors: Tensor
    public var size: Int { vectors.shape[0] }
    public var dim: Int { vectors.shape[1] }

    public init(_ vectors: Tensor) {
        precondition(vectors.rank == 2, "a codebook is (K, D), got \(vectors.shape)")
        self.vectors = vectors
    }

    /// (N·h·w, D): the grid vectors of z_e (N, D, h, w) as rows, in sample-then-raster order.
    public func gridVectors(_ ze: Tensor) -> Tensor {
        let n = ze.shape[0], positions = ze.shape[2] * ze.shape[3]
        var rows = Tensor(zeros: [n * positions, dim])
        for b in 0..<n {
            for j in 0..<dim {
                for p in 0..<positions { rows.data[(b * positions + p) * dim + j] = ze.data[(b * dim + j) * positions + p] }
            }
        }
        return rows
    }

    /// Squared Euclidean distances from every grid vector to every code: (N·h·w, K), rows in
    /// sample-then-raster order. ‖z − e‖² = ‖z‖² − 2 z·e + ‖e‖², the cross term as one GEMM.
    public func distances(_ ze: Tensor) -> Tensor {
        let rows = gridVectors(ze)
        let n = rows.shape[0], k = size
        var d = rows.matmul(vectors, transposeOther: true)  // (rows, K) of z·e
        let codeNorms = (0..<k).map { c in (0..<dim).reduce(Float(0)) { $0 + vectors.data[c * dim + $1] * vectors.data[c * dim + $1] } }
        for r in 0..<n {
            var zn: Float = 0
            for j in 0..<dim { zn += rows.data[r * dim + j] * rows.data[r * dim + j] }
            for c in 0..<k { d.data[r * k + c] = max(0, zn - 2 * d.data[r * k + c] + codeNorms[c]) }
        }
        return d
    }

    /// The nearest code for every grid vector (ties go to the lower index).
    public func quantize(_ ze: Tensor) -> [Int] {
        let d = distances(ze)
        let k = size
        return (0..<d.shape[0]).map { r in
            var best = 0
            for c in 1..<k where d.data[r * k + c] < d.data[r * k + best] { best = c }
            return best
        }
    }

    /// The quantised grids (N, D, h, w) for N·h·w codes.
    public func embed(_ codes: [Int], height: Int, width: Int) -> Tensor {
        let positions = height * width
        precondition(codes.count % positions == 0, "\(codes.count) codes is not a whole number of \(height)×\(width) grids")
        let n = codes.count / positions
        var z = Tensor(zeros: [n, dim, height, width])
        for (r, code) in codes.enumerated() {
            precondition((0..<size).contains(code), "code \(code) outside 0..<\(size)")
            let b = r / positions, p = r % positions
            for j in 0..<dim { z.data[(b * dim + j) * positions + p] = vectors.data[code * dim + j] }
        }
        return z
    }
}

import LatentCore

/// How a codebook's entries are compared with the encoder's vectors.
public enum CodeDistance: String, Sendable, Equatable {
    /// Squared L2 distance (VQ-VAE, VQGAN).
    case euclidean
    /// Both sides scaled to unit length first (vector-quantize-pytorch's `use_cosine_sim=True`): the
    /// nearest code is the one at the smallest angle, and a code's vector is its unit vector.
    case cosine
}

/// Vector quantisation against a codebook (K, D): distances, nearest codes (ties to the lower index)
/// and the embedding of codes back into a grid. One implementation for the VQ-VAEs trained here and
/// the ones imported from ONNX (whose quantisation is ours, per the manifest).
public struct Codebook: Sendable {
    /// (K, D), as PyTorch's `nn.Embedding(K, D).weight`; unit rows for a cosine codebook.
    public let vectors: Tensor
    public let distance: CodeDistance
    public var size: Int { vectors.shape[0] }
    public var dim: Int { vectors.shape[1] }

    public init(_ vectors: Tensor, distance: CodeDistance = .euclidean) {
        precondition(vectors.rank == 2, "a codebook is (K, D), got \(vectors.shape)")
        self.vectors = distance == .cosine ? Self.unitRows(vectors) : vectors
        self.distance = distance
    }

    /// Each row scaled to length 1 (a zero row stays zero), as `F.normalize` does (ε = 1e-12).
    static func unitRows(_ t: Tensor) -> Tensor {
        var out = t
        let d = t.shape[1]
        for r in 0..<t.shape[0] {
            var norm: Float = 0
            for j in 0..<d { norm += t.data[r * d + j] * t.data[r * d + j] }
            let inv = 1 / max(norm.squareRoot(), 1e-12)
            for j in 0..<d { out.data[r * d + j] *= inv }
        }
        return out
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
    /// sample-then-raster order (for a cosine codebook between unit vectors: 2 − 2·cos). ‖z − e‖² = ‖z‖² − 2 z·e + ‖e‖², the cross term as one GEMM.
    public func distances(_ ze: Tensor) -> Tensor {
        let rows = distance == .cosine ? Self.unitRows(gridVectors(ze)) : gridVectors(ze)
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

import LatentCore

/// A vector-quantised VAE (van den Oord et al., 2017): x → encoder → z_e (N, D, h, w); each of the h·w
/// vectors is replaced by its nearest codebook entry (K, D); the grid of entries → decoder → x̂.
/// Codes are listed per sample in raster order (row by row), as the explorer's index grid shows them.
public final class VQVAEModel {
    public let config: ModelConfig
    public let encoder: Sequential
    /// The codebook, (K, D) as PyTorch's `nn.Embedding(K, D).weight`.
    public let codebook: Parameter
    public let decoder: Sequential
    public let gridHeight: Int, gridWidth: Int

    public init(config: ModelConfig, rng: inout SeededRNG) throws(ConfigError) {
        precondition(config.kind == .vqvae)
        try config.validate()
        self.config = config
        encoder = Sequential(prefix: "encoder", specs: config.encoder, rng: &rng)
        // nn.Embedding-style init scaled to the codebook size, as in the reference VQ-VAE code.
        let k = Float(config.codebookSize)
        codebook = Parameter("weight", .randomUniform(shape: [config.codebookSize, config.codebookDim],
                                                      low: -1 / k, high: 1 / k, using: &rng))
        decoder = Sequential(prefix: "decoder", specs: config.decoder, rng: &rng)
        (gridHeight, gridWidth) = try config.gridShape()
    }

    public var codebookSize: Int { config.codebookSize }
    public var codeDim: Int { config.codebookDim }
    public var positions: Int { gridHeight * gridWidth }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        encoder.namedParameters + [("codebook.weight", codebook)] + decoder.namedParameters
    }

    // MARK: Inference

    /// The encoder's continuous output z_e, (N, D, h, w).
    public func encodeContinuous(_ x: Tensor, training: Bool = false) -> Tensor {
        encoder.forward(x, training: training)
    }

    /// Squared Euclidean distances from every grid vector to every code: (N·h·w, K), rows in
    /// sample-then-raster order. ‖z − e‖² = ‖z‖² − 2 z·e + ‖e‖², the cross term as one GEMM.
    public func distances(_ ze: Tensor) -> Tensor {
        let vectors = gridVectors(ze)
        let rows = vectors.shape[0], k = codebookSize
        var d = vectors.matmul(codebook.value, transposeOther: true)  // (rows, K) of z·e
        let codeNorms = (0..<k).map { c in
            (0..<codeDim).reduce(Float(0)) { $0 + codebook.value.data[c * codeDim + $1] * codebook.value.data[c * codeDim + $1] }
        }
        for r in 0..<rows {
            var zn: Float = 0
            for j in 0..<codeDim { zn += vectors.data[r * codeDim + j] * vectors.data[r * codeDim + j] }
            for c in 0..<k { d.data[r * k + c] = max(0, zn - 2 * d.data[r * k + c] + codeNorms[c]) }
        }
        return d
    }

    /// The nearest code for every grid vector (ties go to the lower index).
    public func quantize(_ ze: Tensor) -> [Int] {
        let d = distances(ze)
        let k = codebookSize
        return (0..<d.shape[0]).map { r in
            var best = 0
            for c in 1..<k where d.data[r * k + c] < d.data[r * k + best] { best = c }
            return best
        }
    }

    /// Codes for images (N, C, H, W): N·h·w indices.
    public func encode(_ x: Tensor) -> [Int] { quantize(encodeContinuous(x)) }

    /// The quantised grid (N, D, h, w) for codes.
    public func embed(_ codes: [Int]) -> Tensor {
        precondition(codes.count % positions == 0, "\(codes.count) codes is not a whole number of \(gridHeight)×\(gridWidth) grids")
        let n = codes.count / positions
        var z = Tensor(zeros: [n, codeDim, gridHeight, gridWidth])
        for (r, code) in codes.enumerated() {
            precondition((0..<codebookSize).contains(code), "code \(code) outside 0..<\(codebookSize)")
            let b = r / positions, p = r % positions
            for j in 0..<codeDim { z.data[(b * codeDim + j) * positions + p] = codebook.value.data[code * codeDim + j] }
        }
        return z
    }

    /// Images (N, C, H, W) in [0, 1] decoded from N·h·w codes.
    public func decode(codes: [Int]) -> Tensor {
        let out = decoder.forward(embed(codes), training: false)
        return out.reshaped([codes.count / positions] + config.inputShape)
    }

    /// (N·h·w, D): the grid vectors of z_e as rows, in sample-then-raster order.
    public func gridVectors(_ ze: Tensor) -> Tensor {
        let n = ze.shape[0]
        var rows = Tensor(zeros: [n * positions, codeDim])
        for b in 0..<n {
            for j in 0..<codeDim {
                for p in 0..<positions { rows.data[(b * positions + p) * codeDim + j] = ze.data[(b * codeDim + j) * positions + p] }
            }
        }
        return rows
    }
}

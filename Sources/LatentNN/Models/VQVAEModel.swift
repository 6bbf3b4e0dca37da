import LatentCore

/// A vector-quantised VAE (van den Oord et al., 2017): x → encoder → z_e (N, D, h, w); each of the h·w
/// vectors is replaced by its nearest codebook entry (K, D); the grid of entries → decoder → x̂.
/// Codes are listed per sample in raster order (row by row), as the explorer's index grid shows them.
public final class VQVAEModel {
    public private(set) var config: ModelConfig
    public let encoder: Sequential
    /// The codebook, (K, D) as PyTorch's `nn.Embedding(K, D).weight`.
    public let codebook: Parameter
    public let decoder: Sequential
    public let gridHeight: Int, gridWidth: Int
    /// The learned prior over code grids, when the file has one.
    public private(set) var prior: GridPrior?

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
        if let p = config.prior {
            prior = GridPrior(ops: p.ops, codebookSize: config.codebookSize, height: gridHeight, width: gridWidth, rng: &rng)
        }
    }

    /// Attaches a trained prior (replacing any), so that saving the model stores it.
    public func setPrior(_ prior: GridPrior, _ description: PriorConfig) {
        precondition(prior.codebookSize == codebookSize && prior.height == gridHeight && prior.width == gridWidth)
        self.prior = prior
        config.prior = description
    }

    public var codebookSize: Int { config.codebookSize }
    public var codeDim: Int { config.codebookDim }
    public var positions: Int { gridHeight * gridWidth }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        encoder.namedParameters + [("codebook.weight", codebook)] + decoder.namedParameters + (prior?.namedParameters ?? [])
    }

    // MARK: Inference

    /// The encoder's continuous output z_e, (N, D, h, w).
    public func encodeContinuous(_ x: Tensor, training: Bool = false) -> Tensor {
        encoder.forward(x, training: training)
    }

    /// Squared distances from every grid vector to every code (see `Codebook`).
    public func distances(_ ze: Tensor) -> Tensor { Codebook(codebook.value).distances(ze) }

    /// The nearest code for every grid vector (ties go to the lower index).
    public func quantize(_ ze: Tensor) -> [Int] { Codebook(codebook.value).quantize(ze) }

    /// Codes for images (N, C, H, W): N·h·w indices.
    public func encode(_ x: Tensor) -> [Int] { quantize(encodeContinuous(x)) }

    /// The quantised grid (N, D, h, w) for codes.
    public func embed(_ codes: [Int]) -> Tensor { Codebook(codebook.value).embed(codes, height: gridHeight, width: gridWidth) }

    /// Images (N, C, H, W) in [0, 1] decoded from N·h·w codes.
    public func decode(codes: [Int]) -> Tensor {
        let out = decoder.forward(embed(codes), training: false)
        return out.reshaped([codes.count / positions] + config.inputShape)
    }

    /// (N·h·w, D): the grid vectors of z_e as rows, in sample-then-raster order.
    public func gridVectors(_ ze: Tensor) -> Tensor { Codebook(codebook.value).gridVectors(ze) }
}

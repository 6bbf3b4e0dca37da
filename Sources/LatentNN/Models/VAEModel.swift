import LatentCore

/// A (conditional) variational autoencoder (Kingma & Welling, 2014):
/// x → encoder → h → (fc_mu, fc_logvar) → μ, log σ²;  z = μ + σ·ε;  z → decoder → p(x|z) ∈ [0, 1].
/// A conditional VAE (Sohn et al., 2015) appends the one-hot class to the flattened image and to z.
public final class VAEModel {
    public let config: ModelConfig
    public let encoder: Sequential
    public let fcMu: Linear
    public let fcLogvar: Linear
    public let decoder: Sequential

    /// A freshly initialised model (PyTorch's default initialisation, seeded).
    public init(config: ModelConfig, rng: inout SeededRNG) throws(ConfigError) {
        precondition(config.kind != .vqvae)
        try config.validate()
        self.config = config
        encoder = Sequential(prefix: "encoder", specs: config.encoder, rng: &rng)
        let features = try config.encoderOutputShape()[0]
        fcMu = Linear(features, config.latentDim, rng: &rng)
        fcLogvar = Linear(features, config.latentDim, rng: &rng)
        decoder = Sequential(prefix: "decoder", specs: config.decoder, rng: &rng)
    }

    public var latentDim: Int { config.latentDim }
    public var isConditional: Bool { config.kind == .cvae }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        encoder.namedParameters
            + [("fc_mu.weight", fcMu.weight), ("fc_mu.bias", fcMu.bias),
               ("fc_logvar.weight", fcLogvar.weight), ("fc_logvar.bias", fcLogvar.bias)]
            + decoder.namedParameters
    }

    // MARK: Inference

    /// (μ, log σ²), each (N, z), for images (N, C, H, W); `labels` are required for a CVAE.
    public func encode(_ x: Tensor, labels: [Int]? = nil, training: Bool = false) -> (mu: Tensor, logvar: Tensor) {
        let h = encoder.forward(encoderInput(x, labels: labels), training: training)
        return (fcMu.forward(h, training: training), fcLogvar.forward(h, training: training))
    }

    /// Images (N, C, H, W) with values in [0, 1] for latents z (N, latentDim).
    public func decode(_ z: Tensor, labels: [Int]? = nil) -> Tensor {
        let out = decoder.forward(decoderInput(z, labels: labels), training: false)
        return out.reshaped([z.shape[0]] + config.inputShape)
    }

    // MARK: Conditioning

    /// The encoder's input: the image itself, or for a CVAE the flattened image followed by the one-hot class.
    func encoderInput(_ x: Tensor, labels: [Int]?) -> Tensor {
        guard isConditional else { return x }
        return appendOneHot(x.reshaped([x.shape[0], -1]), labels: labels)
    }

    func decoderInput(_ z: Tensor, labels: [Int]?) -> Tensor {
        isConditional ? appendOneHot(z, labels: labels) : z
    }

    private func appendOneHot(_ x: Tensor, labels: [Int]?) -> Tensor {
        guard let labels else { preconditionFailure("a conditional VAE needs class labels") }
        let n = x.shape[0], d = x.shape[1], k = config.classCount
        precondition(labels.count == n && labels.allSatisfy { (0..<k).contains($0) }, "labels must be in 0..<\(k)")
        var out = Tensor(zeros: [n, d + k])
        for i in 0..<n {
            out.data.replaceSubrange((i * (d + k))..<(i * (d + k) + d), with: x.data[(i * d)..<((i + 1) * d)])
            out.data[i * (d + k) + d + labels[i]] = 1
        }
        return out
    }
}

import LatentCore
import LatentIO

/// Either kind of model, as loaded from a file: the one type the explorer and the commands hold.
public enum Autoencoder {
    case vae(VAEModel)
    case vqvae(VQVAEModel)

    /// A freshly initialised model of the given architecture.
    public init(config: ModelConfig, seed: UInt64) throws(ConfigError) {
        var rng = SeededRNG(seed: seed)
        self = config.kind == .vqvae ? .vqvae(try VQVAEModel(config: config, rng: &rng))
                                     : .vae(try VAEModel(config: config, rng: &rng))
    }

    public var config: ModelConfig {
        switch self {
        case .vae(let m): return m.config
        case .vqvae(let m): return m.config
        }
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        switch self {
        case .vae(let m): return m.namedParameters
        case .vqvae(let m): return m.namedParameters
        }
    }

    var blocks: [Sequential] {
        switch self {
        case .vae(let m): return [m.encoder, m.decoder]
        case .vqvae(let m): return [m.encoder, m.decoder] + (m.prior.map { [$0.network] } ?? [])
        }
    }

    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.value.count } }
}

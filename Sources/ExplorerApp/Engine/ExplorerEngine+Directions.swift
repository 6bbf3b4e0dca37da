import LatentCore
import LatentNN

/// Direction sets for the slider panel, made in the background from the model and the data's μ.
extension ExplorerEngine {
    /// The set `request` asks for, as the app shows it, or why it could not be made.
    public func directions(_ request: DirectionRequest) -> Message {
        let d = model.latentDim
        let mus = request.mus.filter { $0.count == d }
        let latents: Tensor? = mus.count >= 2 ? Tensor(shape: [mus.count, d], data: mus.flatMap { $0 }) : nil
        do {
            let set: DirectionSet
            switch request.method {
            case .raw:
                set = DirectionSet.raw(dimension: d, latents: latents)
            case .pca:
                guard let latents else { throw DirectionError("needs the data's μ") }
                set = try DirectionSet.globalPCA(of: latents, count: request.count)
            case .local:
                guard let latents else { throw DirectionError("needs the data's μ") }
                set = try DirectionSet.localPCA(of: latents, around: request.z, neighbours: min(mus.count, Self.localNeighbours), count: request.count)
            case .jacobian:
                // Decodes in batches of a few milliseconds, each a turn with the model, so that the
                // frame's own decodes are not held up behind a large latent's hundreds of decodes.
                let perImage = max(expectedDecodeSeconds(count: 2) / 2, 1e-6)
                let batch = max(2, min(DecoderJacobian.latentsPerBatch, Int(0.004 / perImage) / 2 * 2))
                let made = try DirectionSet.jacobian(of: model, at: request.z, label: request.label, count: request.count,
                                                     batch: batch, withModel: { try access.run(background: true, $0) })
                set = latents.map { made.withStd(of: $0) } ?? made
            case .attribute:
                guard let a = request.a, let b = request.b else { throw DirectionError("mark A and B first (a, b)") }
                let made = try DirectionSet.between(a, b)
                set = latents.map { made.withStd(of: $0) } ?? made
            }
            let mean: [Float] = mus.isEmpty ? [Float](repeating: 0, count: d)
                : (0..<d).map { j in mus.reduce(Float(0)) { $0 + $1[j] } / Float(mus.count) }
            let base: [Float]
            switch request.method {
            case .pca, .raw: base = mean
            case .attribute: base = request.a ?? mean
            case .local, .jacobian: base = set.origin ?? request.z
            }
            return .directionsReady(LatentDirections(method: set.method, rows: (0..<set.count).map(set.direction), scores: set.scores,
                                                     std: set.std, explained: set.explained, base: base, origin: set.origin,
                                                     unit: set.scoreUnit))
        } catch {
            return .directionsFailed(request.method, "\(error)")
        }
    }

    /// Data latents a local PCA is fitted to.
    static let localNeighbours = 50
}

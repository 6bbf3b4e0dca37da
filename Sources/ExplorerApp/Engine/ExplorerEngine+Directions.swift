import LatentCore
import LatentNN

/// Direction sets for the slider panel, made in the background from the model and the data's μ.
extension ExplorerEngine {
    /// The set `request` asks for, as the app shows it, or why it could not be made.
    public func directions(_ request: DirectionRequest) -> Message {
        let d = model.latentDim
        let mus = request.mus.filter { $0.count == d }
        let latents: Tensor? = mus.count >= 2 ? Tensor(shape: [mus.count, d], data: mus.flatMap { $0 }) : nil
        var names: [String] = []
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
                // Decodes in batches of about a millisecond, each a turn with the model, so that the
                // frame's own decodes are not held up behind a large latent's hundreds of decodes.
                let perImage = max(expectedDecodeSeconds(count: 2) / 2, 1e-6)
                let batch = max(2, min(DecoderJacobian.latentsPerBatch, Int(ModelAccess.batchSeconds / perImage) / 2 * 2))
                let made = try DirectionSet.jacobian(of: model, at: request.z, label: request.label, count: request.count,
                                                     batch: batch, withModel: { try access.run(background: true, $0) })
                set = latents.map { made.withStd(of: $0) } ?? made
            case .attribute:
                let made: DirectionSet
                if let a = request.a, let b = request.b {
                    made = try DirectionSet.between(a, b)
                } else {
                    (made, names) = try Self.towardsClassMeans(mus, labels: request.labels, classNames: summary.classNames)
                }
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
                                                     unit: set.scoreUnit, names: names))
        } catch {
            return .directionsFailed(request.method, "\(error)")
        }
    }

    /// Attribute vectors (White, 2016) for every class: from the data's mean μ towards the class's,
    /// scored by the distance (a class whose mean is the data's has no direction and is left out).
    static func towardsClassMeans(_ mus: [[Float]], labels: [Int], classNames: [String]) throws -> (DirectionSet, names: [String]) {
        guard let d = mus.first?.count, labels.count == mus.count, !mus.isEmpty else { throw DirectionError("needs labelled data (or marks A and B)") }
        var all = [Double](repeating: 0, count: d)
        var sums: [Int: [Double]] = [:], counts: [Int: Int] = [:]
        for (mu, label) in zip(mus, labels) {
            for j in 0..<d { all[j] += Double(mu[j]) }
            sums[label, default: [Double](repeating: 0, count: d)].withUnsafeMutableBufferPointer { s in for j in 0..<d { s[j] += Double(mu[j]) } }
            counts[label, default: 0] += 1
        }
        let mean = all.map { $0 / Double(mus.count) }
        var rows: [Float] = [], scores: [Double] = [], names: [String] = []
        for label in sums.keys.sorted() {
            let diff = (0..<d).map { sums[label]![$0] / Double(counts[label]!) - mean[$0] }
            let length = diff.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard length > 1e-9 else { continue }
            rows += diff.map { Float($0 / length) }
            scores.append(length)
            names.append("→" + String((classNames[safe: label] ?? String(label)).prefix(4)))
        }
        guard !scores.isEmpty else { throw DirectionError("every class's mean μ is the data's") }
        return (DirectionSet(method: .attribute, directions: Tensor(shape: [scores.count, d], data: rows), scores: scores), names)
    }

    /// Data latents a local PCA is fitted to.
    static let localNeighbours = 50
}

import LatentIO

/// The architecture part of `latent info MODEL`: kind, shapes through every op, parameter count,
/// training provenance and stored metrics.
public enum ModelSummary {
    public static func describe(_ model: Autoencoder) -> String {
        let c = model.config
        var lines: [String] = []
        switch c.kind {
        case .vae, .ae: lines.append("model: VAE, latent dimension \(c.latentDim)")
        case .cvae: lines.append("model: conditional VAE, latent dimension \(c.latentDim), \(c.classCount) classes")
        case .vqvae:
            let grid = (try? c.gridShape()).map { "\($0.height)×\($0.width)" } ?? "?"
            lines.append("model: VQ-VAE, codebook \(c.codebookSize) × \(c.codebookDim), code grid \(grid)")
        }
        lines.append("input: \(c.inputShape)   parameters: \(model.parameterCount.formatted())")
        if !c.dataset.isEmpty { lines.append("dataset: \(c.dataset)") }
        var shape = c.encoderInputShape
        func block(_ name: String, _ ops: [OpSpec]) {
            lines.append("\(name):")
            for (i, op) in ops.enumerated() {
                if case .success(let s) = op.outputShape(shape) { shape = s }
                lines.append("  \(name).\(i)  \(op.json.serialized)  → \(shape)")
            }
        }
        block("encoder", c.encoder)
        switch c.kind {
        case .vae, .cvae, .ae:
            lines.append("fc_mu, fc_logvar: linear \(shape) → [\(c.latentDim)]")
            shape = [c.latentDim + c.conditioningWidth]
        case .vqvae:
            lines.append("codebook.weight: [\(c.codebookSize), \(c.codebookDim)] (nearest code per grid cell)")
        }
        block("decoder", c.decoder)
        if let command = c.training["command"]?.string { lines.append("trained with: \(command)") }
        if let seconds = c.training["seconds"]?.double { lines.append("training time: \(Evaluation.format(seconds)) s") }
        if let metrics = c.metrics.object, !metrics.isEmpty {
            lines.append("held-out metrics: " + metrics.map { "\($0.key) \($0.value.serialized)" }.joined(separator: "  "))
        }
        if let prior = c.prior, let grid = try? c.gridShape() {
            let parameters = prior.ops.flatMap(\.tensorShapes).filter { !$0.isBuffer }.reduce(0) { $0 + $1.shape.reduce(1, *) }
            lines.append("a learned prior over the code grids (MaskGIT-style), \(parameters.formatted()) parameters")
            shape = GridPrior.inputShape(codebookSize: c.codebookSize, height: grid.height, width: grid.width)
            block("prior", prior.ops)
            if let command = prior.training["command"]?.string { lines.append("prior trained with: \(command)") }
            if let metrics = prior.metrics.object, !metrics.isEmpty {
                lines.append("prior held-out metrics: " + metrics.map { "\($0.key) \($0.value.serialized)" }.joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n")
    }
}

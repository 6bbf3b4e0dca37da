import Foundation
import LatentCore
import LatentOps
import LatentIO

/// What `latent info model.json` prints: the manifest, each graph's producer, opset, inputs and
/// outputs with their shapes for one image, op histogram and parameter count.
public enum ImportedModelSummary {
    public static func describe(_ m: ImportedAutoencoder) -> String {
        let manifest = m.manifest
        var lines: [String] = []
        let name = (manifest.path as NSString).lastPathComponent
        let what: String
        let shape = m.latentShape.count > 1 ? " (\(m.latentShape.map(String.init).joined(separator: " × ")))" : ""
        let scaling = m.manifest.scalingFactor != 1 || m.manifest.shiftFactor != 0
            ? ", shown as " + Self.scaledLatent(shift: m.manifest.shiftFactor, scale: m.manifest.scalingFactor) : ""
        switch m.kind {
        case .vae: what = "VAE, z = \(m.latentDim)\(shape)\(scaling)"
        case .ae: what = "deterministic autoencoder, z = \(m.latentDim)\(shape)\(scaling)"
        case .cvae: what = "conditional VAE, z = \(m.latentDim)\(shape), \(m.classCount) classes"
        case .vqvae:
            let book = m.codebook!
            let codes = book.scalarLevels.map { "FSQ, levels \($0.map(String.init).joined(separator: "·")) = \(book.size) codes of \(book.dim)" }
                ?? (book.levels > 1 ? "residual VQ, \(book.levels) levels of \(book.size) × \(book.dim)" : "codebook \(book.size) × \(book.dim)")
            what = "VQ-VAE, \(codes)\(book.distance == .cosine ? " (cosine)" : ""), code grid \(m.grid.height)×\(m.grid.width)"
        }
        lines.append("\(name): imported model (ONNX) — \(what)")
        lines.append("input: \(manifest.inputShape) in [\(format(manifest.pixelRange.lowerBound)), \(format(manifest.pixelRange.upperBound))]   parameters: \(grouped(m.parameterCount))")
        if !manifest.classNames.isEmpty { lines.append("classes: \(manifest.classNames.joined(separator: ", "))") }
        if let data = manifest.data { lines.append("data: \((data as NSString).lastPathComponent)") }
        for (role, graph) in [("encoder", m.encoder), ("decoder", m.decoder)] {
            lines.append("\(role): \((graph.path as NSString).lastPathComponent) · opset \(graph.opset)\(graph.producer.isEmpty ? "" : " · " + graph.producer) · \(graph.graph.allNodes.count) nodes, \(grouped(graph.parameterCount)) parameters")
            let inputs = graph.graph.inputs.map { "\($0.name) [\($0.dims.map { $0.map(String.init) ?? "N" }.joined(separator: ", "))]" }
            lines.append("  inputs: \(inputs.joined(separator: ", "))   outputs: \(graph.graph.outputs.joined(separator: ", "))")
            var counts: [String: Int] = [:]
            for node in graph.graph.allNodes { counts[node.op, default: 0] += 1 }
            let histogram = counts.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.map { "\($0.key) \($0.value)" }
            lines.append("  ops: \(histogram.joined(separator: ", "))")
            lines.append("  run for one image: \(graph.graph.nodes.count) nodes (\(graph.graph.allNodes.count - graph.graph.nodes.count) folded to constants at load)")
            lines += wrapped("  shapes: ", blockShapes(graph.graph))
        }
        if let prior = m.prior, let file = manifest.prior {
            let parameters = prior.namedParameters.reduce(0) { $0 + $1.parameter.value.count }
            let over = prior.levels > 1 ? "the code grids, all \(prior.levels) levels" : "the code grids"
            lines.append("prior: \((file as NSString).lastPathComponent) · learned over \(over) (MaskGIT-style), \(grouped(parameters)) parameters")
            if let command = m.priorDescription?.training["command"]?.string { lines.append("  trained with: \(command)") }
            if let metrics = m.priorDescription?.metrics.object, !metrics.isEmpty {
                lines.append("  metrics: " + metrics.map { "\($0.key) \($0.value.serialized)" }.joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The ops that change what an activation looks like: layers, resampling, flattening. (Reshapes are
    /// left out: GroupNorm exports reshape to groups and back around every norm.)
    static let blocks: Set<String> = ["Conv", "ConvTranspose", "Gemm", "MatMul", "Resize", "Upsample", "MaxPool", "AveragePool",
                                      "GlobalAveragePool", "Flatten"]

    /// The graph's inputs and the output shape after each block, for one image (zeros fed: shapes only).
    static func blockShapes(_ graph: Graph) -> [String] {
        var feeds: [String: GraphValue] = [:]
        var steps: [String] = []
        for input in graph.inputs {
            let shape = input.dims.map { $0 ?? 1 }
            feeds[input.name] = .float(Tensor(zeros: shape))
            steps.append("\(input.name) \(shape)")
        }
        _ = try? graph.run(feeds) { node, out in
            guard blocks.contains(node.op), let shape = out.first?.shape else { return }
            steps.append("\(node.op) \(shape)")
        }
        return steps
    }

    /// `items` joined by arrows, on lines of at most 110 characters, the first after `prefix`.
    static func wrapped(_ prefix: String, _ items: [String]) -> [String] {
        var lines: [String] = [], line = prefix
        for (i, item) in items.enumerated() {
            let piece = (i == 0 ? "" : " → ") + item
            if line.count + piece.count > 110 && line != prefix {
                lines.append(line)
                line = String(repeating: " ", count: prefix.count) + "→ " + item
            } else {
                line += piece
            }
        }
        lines.append(line)
        return lines
    }

    static func format(_ v: Float) -> String { v == v.rounded() ? String(Int(v)) : String(v) }

    /// diffusers' (z − shift) · scale as it reads best: `z · 0.7`, `(z + 0.25) · 1.5`, `z − 0.1`.
    static func scaledLatent(shift: Float, scale: Float) -> String {
        let shifted = shift == 0 ? "z" : shift < 0 ? "(z + \(format(-shift)))" : "(z − \(format(shift)))"
        guard scale != 1 else { return shifted.hasPrefix("(") ? String(shifted.dropFirst().dropLast()) : shifted }
        return shifted + " · " + format(scale)
    }
}

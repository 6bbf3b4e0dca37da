import Foundation
import LatentCore
import LatentOps
import LatentIO

/// A model exported from PyTorch: a manifest naming an encoder and a decoder graph (ONNX), and for a
/// VQ-VAE a codebook whose quantisation is ours. Loading checks the graphs against the manifest by
/// running them once, so a model that opens also runs.
///
/// A continuous latent may have any shape (a Stable-Diffusion-style VAE's [C, h, w]); everything above
/// the model sees it flattened in C, h, w order, `latentDim` values, in the manifest's scaled space
/// (z − shift) · scale. A deterministic autoencoder (`ae`) has σ = 0: its log σ² is −∞.
public final class ImportedAutoencoder: @unchecked Sendable {
    public let manifest: ModelManifest
    public let encoder: ONNXModel
    public let decoder: ONNXModel
    public let codebook: Codebook?
    /// Latent width (VAE, CVAE, AE: the latent's values, flattened) or code dimension D (VQ-VAE).
    public let latentDim: Int
    /// One image's latent as the graphs take it: [z], or [C, h, w] for a spatial latent; [D] for a VQ-VAE.
    public let latentShape: [Int]
    /// The code grid (VQ-VAE); (0, 0) otherwise.
    public let grid: (height: Int, width: Int)
    /// The learned prior the manifest's `prior` names (VQ-VAE), over the codes as `decodeCodes` takes
    /// them: h·w·Q tokens for a residual VQ.
    public private(set) var prior: GridPrior?
    /// How that prior was made (its ops, training and metrics).
    public private(set) var priorDescription: PriorConfig?

    public var kind: ModelKind { manifest.kind }
    public var inputShape: [Int] { manifest.inputShape }
    public var classCount: Int { manifest.classNames.count }

    /// The model a manifest describes; with `loadingPrior` false its `prior` is not read (to train a
    /// new one over a damaged or stale file).
    public static func load(_ path: String, loadingPrior: Bool = true) throws -> ImportedAutoencoder {
        let manifest = try ModelManifest.load(path)
        let encoder = try ONNXModel.load(manifest.encoder), decoder = try ONNXModel.load(manifest.decoder)
        var codebook: Codebook?
        if let file = manifest.codebook {
            let t = try readCodebook(file)
            guard t.rank == 2 || t.rank == 3, !t.shape.contains(0), t.data.allSatisfy({ $0.isFinite }) else {
                throw FormatError((file as NSString).lastPathComponent, "a codebook is (K, D), or (Q, K, D) for a residual VQ, of finite values; got \(t.shape)")
            }
            codebook = Codebook(t, distance: manifest.distance)
        } else if let levels = manifest.fsqLevels {
            codebook = Codebook(fsqLevels: levels)
        }
        let model = try ImportedAutoencoder(manifest: manifest, encoder: encoder, decoder: decoder, codebook: codebook)
        if loadingPrior, let file = manifest.prior, let codebook {
            guard FileManager.default.fileExists(atPath: file) else {
                throw FormatError((file as NSString).lastPathComponent, "no such file, though the manifest's 'prior' names it (latent train prior --model \((path as NSString).lastPathComponent) writes it)")
            }
            (model.prior, model.priorDescription) = try PriorFile.load(file, codebookSize: codebook.size, height: model.grid.height,
                                                                       width: model.grid.width, levels: codebook.levels)
        }
        return model
    }

    static func readCodebook(_ path: String) throws -> Tensor {
        if path.lowercased().hasSuffix(".safetensors") {
            let file = try SafetensorsFile.read(path)
            let names = file.entries.map(\.name)
            guard let name = names.count == 1 ? names.first : names.first(where: { $0.hasSuffix("codebook") || $0.hasSuffix("embedding.weight") }) else {
                throw FormatError((path as NSString).lastPathComponent, "holds \(names.count) tensors; name the codebook 'codebook'")
            }
            return try file.tensor(name)
        }
        return try NPY.read(path)
    }

    init(manifest: ModelManifest, encoder: ONNXModel, decoder: ONNXModel, codebook: Codebook?) throws {
        self.manifest = manifest
        self.encoder = encoder
        self.decoder = decoder
        self.codebook = codebook
        let encName = (manifest.encoder as NSString).lastPathComponent, decName = (manifest.decoder as NSString).lastPathComponent
        let conditional = manifest.kind == .cvae
        let wantInputs = conditional ? 2 : 1
        guard encoder.graph.inputs.count == wantInputs else {
            throw FormatError(encName, "takes \(encoder.graph.inputs.count) input(s); a \(manifest.kind.rawValue) encoder takes \(conditional ? "(x, y_onehot)" : "x")")
        }
        guard decoder.graph.inputs.count == wantInputs else {
            throw FormatError(decName, "takes \(decoder.graph.inputs.count) input(s); a \(manifest.kind.rawValue) decoder takes \(conditional ? "(z, y_onehot)" : "one latent")")
        }
        // One image through the encoder tells the latent's shape.
        let x = Tensor(shape: [1] + manifest.inputShape, repeating: manifest.pixelRange.lowerBound)
        let encoded: [GraphValue]
        do { encoded = try Self.run(encoder.graph, [x] + (conditional ? [Self.oneHot([0], classes: manifest.classNames.count)] : [])) }
        catch { throw FormatError(encName, "\(error)") }
        switch manifest.kind {
        case .vae, .cvae:
            guard encoded.count == 2, encoded[0].shape.count >= 2, encoded[0].shape == encoded[1].shape, encoded[0].shape[0] == 1 else {
                throw FormatError(encName, "a \(manifest.kind.rawValue) encoder returns (mu, logvar) of one shape [N, …]; this one returns \(encoded.map(\.shape))")
            }
            latentShape = Array(encoded[0].shape.dropFirst())
            latentDim = latentShape.reduce(1, *)
            grid = (0, 0)
        case .ae:
            guard encoded.count == 1, encoded[0].shape.count >= 2, encoded[0].shape[0] == 1 else {
                throw FormatError(encName, "an ae encoder returns one latent [N, …]; this one returns \(encoded.map(\.shape))")
            }
            latentShape = Array(encoded[0].shape.dropFirst())
            latentDim = latentShape.reduce(1, *)
            grid = (0, 0)
        case .vqvae:
            guard encoded.count == 1, encoded[0].shape.count == 4, let codebook else {
                throw FormatError(encName, "a vqvae encoder returns z_e [N, D, h, w]; this one returns \(encoded.map(\.shape))")
            }
            guard encoded[0].shape[1] == codebook.dim else {
                throw FormatError(encName, "z_e has D = \(encoded[0].shape[1]); the codebook's vectors have \(codebook.dim)")
            }
            latentDim = codebook.dim
            latentShape = [codebook.dim]
            grid = (encoded[0].shape[2], encoded[0].shape[3])
        }
        guard latentDim >= 1, latentDim <= 1 << 20 else { throw FormatError(encName, "a latent of \(latentDim) values") }
        // And one latent through the decoder must give an image of the manifest's shape.
        let z = manifest.kind == .vqvae ? codebook!.embed([Int](repeating: 0, count: grid.height * grid.width * codebook!.levels),
                                                          height: grid.height, width: grid.width)
                                        : Tensor(zeros: [1] + latentShape)
        let decoded: [GraphValue]
        do { decoded = try Self.run(decoder.graph, [z] + (conditional ? [Self.oneHot([0], classes: manifest.classNames.count)] : [])) }
        catch { throw FormatError(decName, "\(error)") }
        guard decoded.count >= 1, decoded[0].count == manifest.inputShape.reduce(1, *) else {
            throw FormatError(decName, "returns \(decoded.first?.shape ?? []); the manifest's input_shape is \(manifest.inputShape)")
        }
    }

    static func oneHot(_ labels: [Int], classes: Int) -> Tensor {
        var t = Tensor(zeros: [labels.count, classes])
        for (i, l) in labels.enumerated() where (0..<classes).contains(l) { t.data[i * classes + l] = 1 }
        return t
    }

    /// Runs a graph on float inputs, one per graph input in order; a graph exported for batch 1 is run
    /// image by image and the results stacked.
    static func run(_ graph: Graph, _ inputs: [Tensor]) throws -> [GraphValue] {
        let n = inputs[0].shape[0]
        let fixedBatch = graph.inputs.first?.dims.first.flatMap { $0 }
        if let fixed = fixedBatch, fixed != n, fixed == 1, n > 1 {
            let parts = try (0..<n).map { i in try run(graph, inputs.map { $0.rows(i..<(i + 1)) }) }
            return try (0..<parts[0].count).map { o in
                .float(Tensor(shape: [n] + Array(parts[0][o].shape.dropFirst()), data: try parts.flatMap { part -> [Float] in
                    guard part[o].isFloat else { throw GraphError("output \(o) is not a float tensor") }
                    return part[o].floats().data
                }))
            }
        }
        return try graph.run(inputs: inputs.map { .float($0) })
    }

    // MARK: Inference

    /// μ and log σ² of images x (N, C, H, W) in `pixel_range`, each (N, latentDim) in the scaled space;
    /// an `ae`'s log σ² is −∞ (σ = 0).
    public func encodeImages(_ x: Tensor, labels: [Int]? = nil) throws -> (mu: Tensor, logvar: Tensor) {
        let out = try Self.run(encoder.graph, [x] + conditioning(labels, count: x.shape[0]))
        let n = x.shape[0]
        guard out[0].count == n * latentDim else { throw GraphError("the encoder returned \(out[0].shape) for \(n) image(s)") }
        let scale = manifest.scalingFactor, shift = manifest.shiftFactor
        var mu = out[0].floats().reshaped([n, latentDim])
        if scale != 1 || shift != 0 { mu.data = mu.data.map { ($0 - shift) * scale } }
        guard kind != .ae else { return (mu, Tensor(shape: mu.shape, repeating: -.infinity)) }
        var logvar = out[1].floats().reshaped([n, latentDim])
        // σ scales with z: log σ² gains 2·log|scale|.
        if scale != 1 { let add = 2 * logf(abs(scale)); logvar.data = logvar.data.map { $0 + add } }
        return (mu, logvar)
    }

    /// Images (N, C, H, W) in `pixel_range` from latents (N, latentDim) in the scaled space.
    public func decodeLatents(_ z: Tensor, labels: [Int]? = nil) throws -> Tensor {
        let n = z.shape[0]
        guard z.count == n * latentDim else { throw GraphError("latents of \(z.shape) for a latent of \(latentDim) values") }
        let scale = manifest.scalingFactor, shift = manifest.shiftFactor
        var modelZ = z.reshaped([n] + latentShape)
        if scale != 1 || shift != 0 { modelZ.data = modelZ.data.map { $0 / scale + shift } }
        let out = try Self.run(decoder.graph, [modelZ] + conditioning(labels, count: n))
        return out[0].floats().reshaped([n] + inputShape)
    }

    func conditioning(_ labels: [Int]?, count: Int) throws -> [Tensor] {
        guard kind == .cvae else { return [] }
        guard let labels, labels.count == count else { throw GraphError("a conditional model needs one label per image") }
        return [Self.oneHot(labels, classes: classCount)]
    }

    /// The encoder's continuous output z_e (N, D, h, w) of a VQ-VAE.
    public func encodeGrid(_ x: Tensor) throws -> Tensor {
        try Self.run(encoder.graph, [x])[0].floats()
    }

    /// Images (N, C, H, W) in `pixel_range` decoded from N·h·w codes.
    public func decodeCodes(_ codes: [Int]) throws -> Tensor {
        guard let codebook else { throw GraphError("not a VQ-VAE") }
        let z = codebook.embed(codes, height: grid.height, width: grid.width)
        return try Self.run(decoder.graph, [z])[0].floats().reshaped([z.shape[0]] + inputShape)
    }

    /// Every image's code list (h·w·Q codes, as `decodeCodes` takes them), encoded in batches of 100
    /// so that the graphs' buffers stay small.
    public func codeGrids(_ images: Tensor) throws -> [[Int]] {
        guard let codebook else { throw GraphError("not a VQ-VAE") }
        let n = images.shape[0], per = images.count / max(1, n), codes = grid.height * grid.width * codebook.levels
        var out: [[Int]] = []
        out.reserveCapacity(n)
        for start in stride(from: 0, to: n, by: 100) {
            let m = min(100, n - start)
            let x = Tensor(shape: [m] + Array(images.shape.dropFirst()), data: Array(images.data[(start * per)..<((start + m) * per)]))
            let all = codebook.quantize(try encodeGrid(x))
            for i in 0..<m { out.append(Array(all[(i * codes)..<((i + 1) * codes)])) }
        }
        return out
    }

    /// A fresh prior over this model's code lists (`GridPrior.architecture` on the token grid).
    public func newPrior(seed: UInt64, channels: Int = 64, blocks: Int = 2, mixHidden: Int = 256) throws -> (GridPrior, [OpSpec]) {
        guard let codebook else { throw GraphError("a \(kind.rawValue) has no code grid; a prior is learned over a VQ-VAE's codes") }
        let tokens = GridPrior.tokenGrid(height: grid.height, width: grid.width, levels: codebook.levels)
        let ops = GridPrior.architecture(codebookSize: codebook.size, height: tokens.height, width: tokens.width, channels: channels,
                                         blocks: blocks, mixHidden: mixHidden)
        var rng = SeededRNG(seed: seed)
        return (GridPrior(ops: ops, codebookSize: codebook.size, height: tokens.height, width: tokens.width, levels: codebook.levels, rng: &rng), ops)
    }

    /// Stores `prior` beside the manifest as `fileName` (relative to its folder, and inside it) and
    /// names it in the manifest's `prior` key; this model uses it from now on. The prior is written
    /// first, so a manifest never names a file that is not there.
    public func savePrior(_ prior: GridPrior, _ description: PriorConfig, as fileName: String = "prior.safetensors") throws {
        guard let codebook, prior.codebookSize == codebook.size, prior.codeGrid == grid, prior.levels == codebook.levels else {
            throw GraphError("the prior's grids (\(prior.codebookSize) codes, \(prior.codeGrid.height)×\(prior.codeGrid.width)×\(prior.levels)) are not this model's")
        }
        let manifestName = (manifest.path as NSString).lastPathComponent
        let path = try ModelManifest.inside(folder: manifestDirectory(manifest.path), fileName, key: "prior", manifest: manifestName)
        try PriorFile.write(prior, description, to: path)
        try ModelManifest.setPrior(fileName, inManifestAt: manifest.path)
        self.prior = prior
        priorDescription = description
    }

    /// Parameters of both graphs and the codebook.
    public var parameterCount: Int {
        encoder.parameterCount + decoder.parameterCount + (codebook.map { $0.scalarLevels == nil ? $0.vectors.count : 0 } ?? 0)
    }
}

import Foundation
import LatentCore
import LatentIO

/// A learned prior in a file of its own: an imported VQ-VAE's, beside its manifest (a native model keeps
/// its prior inside its own file). The tensors are `prior.<i>.*` as in a native model file; the
/// `__metadata__` entry `config` says which grids it was trained for, so a prior copied beside another
/// model is refused rather than sampling codes that mean nothing there:
///
///     {"format": "latent-explorer-prior", "version": 1, "codebook_size": K, "grid": [h, w], "levels": Q,
///      "ops": [...], "training": {...}, "metrics": {...}}
public enum PriorFile {
    public static let formatName = "latent-explorer-prior"

    /// The file's bytes: the prior's weights and its description.
    public static func encoded(_ prior: GridPrior, _ description: PriorConfig) -> [UInt8] {
        let grid = prior.codeGrid
        let config: JSONValue = .object([
            ("format", .string(formatName)), ("version", .int(1)),
            ("codebook_size", .int(prior.codebookSize)), ("grid", .array([.int(grid.height), .int(grid.width)])),
            ("levels", .int(prior.levels)),
            ("ops", .array(description.ops.map(\.json))), ("training", description.training), ("metrics", description.metrics),
        ])
        var w = SafetensorsWriter()
        for (name, p) in prior.namedParameters { w.add(name, p.value) }
        w.metadata = [("format", "pt"), (ModelConfig.metadataKey, config.serialized)]
        return w.encoded()
    }

    /// Writes the prior atomically (an interrupted run leaves the old file, never half a new one).
    public static func write(_ prior: GridPrior, _ description: PriorConfig, to path: String) throws {
        try FileBytes.write(encoded(prior, description), to: path)
    }

    /// The prior in `path`, checked against the model it is for: K codes per token, an h × w code grid
    /// with `levels` codes per cell. Any mismatch or damage is one `FormatError` naming the file.
    public static func load(_ path: String, codebookSize k: Int, height h: Int, width w: Int, levels q: Int) throws -> (prior: GridPrior, description: PriorConfig) {
        let name = (path as NSString).lastPathComponent
        func bad(_ message: String) -> FormatError { FormatError(name, message) }
        let file: SafetensorsFile
        do { file = try SafetensorsFile.read(path) } catch let error as FormatError { throw bad(error.message) }
        guard let text = file.metadata(ModelConfig.metadataKey) else { throw bad("no 'config' entry in __metadata__: not a prior written by latent train prior") }
        let json: JSONValue
        do { json = try JSONParser.parse(text) } catch { throw bad("metadata 'config' is not valid JSON: \(error)") }
        let f = ConfigFields(json, path: "")
        let size: Int, grid: [Int], levels: Int
        var ops: [OpSpec] = []
        do {
            guard try f.string("format") == formatName else { throw ConfigError("format: expected '\(formatName)'") }
            size = try f.positiveInt("codebook_size")
            grid = try f.intArray("grid")
            levels = try f.positiveInt("levels")
            for (i, op) in try f.array("ops").enumerated() { ops.append(try OpSpec(json: op, path: "ops[\(i)]")) }
        } catch { throw bad("config \(error)") }
        guard size == k else { throw bad("a prior over \(size) codes; the model's codebook has \(k)") }
        guard grid == [h, w] else { throw bad("a prior over \(grid.map(String.init).joined(separator: "×")) grids; the model's code grid is \(h)×\(w)") }
        guard levels == q else { throw bad("a prior over \(levels) level\(levels == 1 ? "" : "s") per cell; the model has \(q)") }
        let tokens = GridPrior.tokenGrid(height: h, width: w, levels: q)
        do {
            let made = try ModelConfig.propagate(ops, from: GridPrior.inputShape(codebookSize: k, height: tokens.height, width: tokens.width), block: "ops")
            guard made == [k, tokens.height, tokens.width] else {
                throw ConfigError("ops produce \(made), but a prior gives [\(k), \(tokens.height), \(tokens.width)] (logits per code and token)")
            }
        } catch { throw bad("config \(error)") }
        let description = PriorConfig(ops: ops, training: json["training"] ?? .object([]), metrics: json["metrics"] ?? .object([]))
        var expected: [(name: String, shape: [Int])] = []
        for (i, op) in ops.enumerated() { for t in op.tensorShapes { expected.append(("prior.\(i).\(t.name)", t.shape)) } }
        let names = Set(expected.map(\.name))
        if let extra = file.entries.first(where: { !names.contains($0.name) }) { throw bad("tensor '\(extra.name)' is not used by the prior's ops") }
        var loaded: [String: Tensor] = [:]
        for (tensor, shape) in expected {
            guard let entry = file.entry(tensor) else { throw bad("tensor '\(tensor)' is missing (the ops need shape \(shape))") }
            guard entry.shape == shape else { throw bad("tensor '\(tensor)' has shape \(entry.shape) but the ops need \(shape)") }
            let t: Tensor
            do { t = try file.tensor(tensor) } catch let error as FormatError { throw bad(error.message) }
            if let i = t.data.firstIndex(where: { !$0.isFinite }) { throw bad("tensor '\(tensor)' holds a non-finite value (\(t.data[i])) at index \(i)") }
            loaded[tensor] = t
        }
        var rng = SeededRNG(seed: 0)
        let prior = GridPrior(ops: ops, codebookSize: k, height: tokens.height, width: tokens.width, levels: q, rng: &rng)
        for (tensor, p) in prior.namedParameters {
            guard let t = loaded[tensor] else { throw bad("tensor '\(tensor)' is missing") }
            p.value = t
        }
        // A batch-norm op's running statistics are tensors of the file too.
        for b in prior.network.namedBuffers { if let t = loaded[b.name] { b.layer.setBuffer(b.local, t) } }
        return (prior, description)
    }
}

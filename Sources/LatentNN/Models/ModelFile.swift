import LatentCore
import LatentIO

/// Reading and writing models as single safetensors files: tensors under PyTorch-style dotted names,
/// the architecture as JSON under `__metadata__["config"]` (docs/model-format.md).
extension Autoencoder {
    public static func load(_ path: String) throws -> Autoencoder {
        let file = try SafetensorsFile.read(path)
        return try load(file, source: path)
    }

    public static func load(_ file: SafetensorsFile, source: String) throws -> Autoencoder {
        func bad(_ message: String) -> FormatError { FormatError(source, message) }
        guard let text = file.metadata(ModelConfig.metadataKey) else {
            throw bad("no '\(ModelConfig.metadataKey)' entry in __metadata__: not a LatentExplorer model (see docs/model-format.md)")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(text) } catch { throw bad("metadata 'config' is not valid JSON: \(error)") }
        let config: ModelConfig
        do { config = try ModelConfig(json: json) } catch { throw bad("config \(error)") }
        let model = try Autoencoder(config: config, seed: 0)

        let expected = try config.expectedTensors()
        let expectedNames = Set(expected.map(\.name))
        if let extra = file.entries.first(where: { !expectedNames.contains($0.name) }) {
            throw bad("tensor '\(extra.name)' is not used by the \(config.kind.rawValue) architecture in the config")
        }
        var loaded: [String: Tensor] = [:]
        for (name, shape) in expected {
            guard let entry = file.entry(name) else { throw bad("tensor '\(name)' is missing (the config needs shape \(shape))") }
            guard entry.shape == shape else {
                throw bad("tensor '\(name)' has shape \(entry.shape) but the config needs \(shape)")
            }
            let t = try file.tensor(name)
            if let i = t.data.firstIndex(where: { !$0.isFinite }) {
                throw bad("tensor '\(name)' holds a non-finite value (\(t.data[i])) at index \(i)")
            }
            loaded[name] = t
        }
        for (name, p) in model.namedParameters { p.value = loaded[name]! }
        for block in model.blocks {
            for b in block.namedBuffers { b.layer.setBuffer(b.local, loaded[b.name]!) }
        }
        return model
    }

    /// A model with `config` holding a copy of `other`'s weights, or nil when the two architectures do
    /// not have the same tensors (names and shapes).
    public init?(config: ModelConfig, weightsOf other: Autoencoder) throws {
        let want = try config.expectedTensors(), have = try other.config.expectedTensors()
        guard config.kind == other.config.kind, want.map(\.name) == have.map(\.name),
              want.map(\.shape) == have.map(\.shape) else { return nil }
        self = try Autoencoder(config: config, seed: 0)
        for ((_, p), (_, q)) in zip(namedParameters, other.namedParameters) { p.value = q.value }
        for (block, source) in zip(blocks, other.blocks) {
            for (b, s) in zip(block.namedBuffers, source.namedBuffers) { b.layer.setBuffer(b.local, s.value) }
        }
    }

    /// The safetensors bytes of this model with its config (and any extra metadata) in `__metadata__`.
    public func encoded(config override: ModelConfig? = nil) -> [UInt8] {
        var w = SafetensorsWriter()
        for (name, p) in namedParameters { w.add(name, p.value) }
        for block in blocks {
            for b in block.namedBuffers { w.add(b.name, b.value, as: b.local == "num_batches_tracked" ? .i64 : .f32) }
        }
        w.metadata = [("format", "pt"), (ModelConfig.metadataKey, (override ?? config).json.serialized)]
        return w.encoded()
    }

    public func save(to path: String, config override: ModelConfig? = nil) throws {
        try FileBytes.write(encoded(config: override), to: path)
    }
}

import LatentIO

/// What kind of autoencoder a model file holds.
public enum ModelKind: String, Sendable, CaseIterable {
    /// Variational autoencoder: encoder → (μ, log σ²) → z → decoder.
    case vae
    /// Conditional VAE: encoder and decoder also see the one-hot class.
    case cvae
    /// Vector-quantised VAE: encoder → grid of vectors → nearest codebook entries → decoder.
    case vqvae
    /// A deterministic autoencoder: encoder → z → decoder, no posterior (exported models only).
    case ae

    /// A continuous latent (everything but a VQ-VAE's code grid).
    public var isContinuous: Bool { self != .vqvae }
}

/// A VQ-VAE's prior over code grids: its network (ops from [K + 1 + h·w, h, w] to [K, h, w], see
/// `GridPrior`) and how it was trained.
public struct PriorConfig: Sendable {
    public var ops: [OpSpec]
    public var training: JSONValue
    public var metrics: JSONValue

    public init(ops: [OpSpec], training: JSONValue = .object([]), metrics: JSONValue = .object([])) {
        self.ops = ops
        self.training = training
        self.metrics = metrics
    }

    var json: JSONValue {
        .object([("ops", .array(ops.map(\.json))), ("training", training), ("metrics", metrics)])
    }
}

/// A model's architecture and provenance: the JSON stored under `config` in the safetensors
/// `__metadata__` (specified in docs/model-format.md). Tensor names follow from it:
/// `encoder.<i>.*`, `fc_mu.*`, `fc_logvar.*` (VAE), `codebook.weight` (VQ-VAE), `decoder.<i>.*`.
public struct ModelConfig: Sendable {
    public static let metadataKey = "config"
    public static let formatName = "latent-explorer-model"

    public var kind: ModelKind
    /// Per-sample input shape (C, H, W).
    public var inputShape: [Int]
    /// Class names (conditioning classes for a CVAE; labels of the data otherwise).
    public var classNames: [String]
    public var encoder: [OpSpec]
    public var decoder: [OpSpec]
    /// VAE / CVAE: the latent dimension (fc_mu and fc_logvar output size).
    public var latentDim: Int
    /// VQ-VAE: number of codes K and code dimension D.
    public var codebookSize: Int
    public var codebookDim: Int
    /// Free-form provenance kept as JSON: dataset, training command, held-out metrics.
    public var dataset: String
    /// The shipped dataset (`ShippedDataset.name`) the model was trained on and opens with; empty when
    /// none is named (files from before datasets had names: the digits).
    public var data: String = ""

    /// The dataset the model opens with: `data`, or for files from before datasets had names (all
    /// trained on the digits) the digits when the input is theirs; empty when unknown.
    public var datasetName: String { data.isEmpty ? (inputShape == [1, 28, 28] ? ShippedDataset.mnist.name : "") : data }
    public var training: JSONValue
    public var metrics: JSONValue
    /// VQ-VAE: a learned prior over its code grids, stored with it (tensors `prior.<i>.*`).
    public var prior: PriorConfig?

    public init(kind: ModelKind, inputShape: [Int], classNames: [String], encoder: [OpSpec], decoder: [OpSpec],
                latentDim: Int = 0, codebookSize: Int = 0, codebookDim: Int = 0,
                dataset: String = "", training: JSONValue = .object([]), metrics: JSONValue = .object([])) {
        self.kind = kind
        self.inputShape = inputShape
        self.classNames = classNames
        self.encoder = encoder
        self.decoder = decoder
        self.latentDim = latentDim
        self.codebookSize = codebookSize
        self.codebookDim = codebookDim
        self.dataset = dataset
        self.training = training
        self.metrics = metrics
    }

    public var classCount: Int { classNames.count }
    public var pixelCount: Int { inputShape.reduce(1, *) }
    /// CVAE models receive the one-hot class next to the flattened image and next to z.
    public var conditioningWidth: Int { kind == .cvae ? classCount : 0 }

    /// The input of the encoder for one sample.
    public var encoderInputShape: [Int] { kind == .cvae ? [pixelCount + classCount] : inputShape }

    // MARK: Shapes

    /// Per-sample shape after running `ops` on `input`, or an error naming the op.
    static func propagate(_ ops: [OpSpec], from input: [Int], block: String) throws(ConfigError) -> [Int] {
        var shape = input
        for (i, op) in ops.enumerated() {
            switch op.outputShape(shape) {
            case .success(let s): shape = s
            case .failure(let e): throw ConfigError("\(block)[\(i)]: \(e.reason)")
            }
        }
        return shape
    }

    /// The encoder's per-sample output: a feature vector (VAE) or the (D, h, w) grid (VQ-VAE).
    public func encoderOutputShape() throws(ConfigError) -> [Int] {
        try Self.propagate(encoder, from: encoderInputShape, block: "encoder")
    }

    /// (h, w) of the VQ-VAE code grid.
    public func gridShape() throws(ConfigError) -> (height: Int, width: Int) {
        let s = try encoderOutputShape()
        return (s[1], s[2])
    }

    /// Checks that the blocks fit together end to end; every error names the op or field.
    public func validate() throws(ConfigError) {
        guard inputShape.count == 3 else { throw ConfigError("input_shape: expected [C, H, W], found \(inputShape)") }
        let features = try encoderOutputShape()
        let decoderInput: [Int]
        switch kind {
        case .vae, .cvae, .ae:
            guard latentDim > 0 else { throw ConfigError("latent_dim: expected a positive integer") }
            guard features.count == 1 else {
                throw ConfigError("encoder: must end in a feature vector for fc_mu, ends in shape \(features)")
            }
            if kind == .cvae, classCount < 2 { throw ConfigError("class_names: a cvae needs at least 2 classes") }
            decoderInput = [latentDim + conditioningWidth]
        case .vqvae:
            guard codebookSize > 0, codebookDim > 0 else { throw ConfigError("codebook: size and dim must be positive") }
            guard features.count == 3, features[0] == codebookDim else {
                throw ConfigError("encoder: must end in [\(codebookDim), h, w] for a codebook of dim \(codebookDim), ends in \(features)")
            }
            decoderInput = features
        }
        let out = try Self.propagate(decoder, from: decoderInput, block: "decoder")
        guard out == inputShape || out == [pixelCount] else {
            throw ConfigError("decoder: produces \(out), but input_shape is \(inputShape)")
        }
        if let prior {
            guard kind == .vqvae else { throw ConfigError("prior: only a vqvae has a prior over code grids") }
            let (h, w) = (features[1], features[2])
            let made = try Self.propagate(prior.ops, from: GridPrior.inputShape(codebookSize: codebookSize, height: h, width: w), block: "prior.ops")
            guard made == [codebookSize, h, w] else {
                throw ConfigError("prior.ops: produce \(made), but a prior gives [\(codebookSize), \(h), \(w)] (logits per code and cell)")
            }
        }
    }

    /// Every tensor the model file must hold, with its shape, in a stable order.
    public func expectedTensors() throws(ConfigError) -> [(name: String, shape: [Int])] {
        var out: [(String, [Int])] = []
        func add(_ prefix: String, _ ops: [OpSpec]) {
            for (i, op) in ops.enumerated() { for t in op.tensorShapes { out.append(("\(prefix).\(i).\(t.name)", t.shape)) } }
        }
        add("encoder", encoder)
        switch kind {
        case .vae, .cvae, .ae:
            let features = try encoderOutputShape()[0]
            out += [("fc_mu.weight", [latentDim, features]), ("fc_mu.bias", [latentDim]),
                    ("fc_logvar.weight", [latentDim, features]), ("fc_logvar.bias", [latentDim])]
        case .vqvae:
            out.append(("codebook.weight", [codebookSize, codebookDim]))
        }
        add("decoder", decoder)
        if let prior { add("prior", prior.ops) }
        return out
    }

    // MARK: JSON

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("format", .string(Self.formatName)), ("version", .int(1)),
            ("kind", .string(kind.rawValue)),
            ("input_shape", .array(inputShape.map { .int($0) })),
            ("class_names", .array(classNames.map { .string($0) })),
        ]
        switch kind {
        case .vae, .cvae, .ae: members.append(("latent_dim", .int(latentDim)))
        case .vqvae: members.append(("codebook", .object([("size", .int(codebookSize)), ("dim", .int(codebookDim))])))
        }
        members += [
            ("encoder", .array(encoder.map(\.json))),
            ("decoder", .array(decoder.map(\.json))),
            ("dataset", .string(dataset)),
        ]
        if !data.isEmpty { members.append(("data", .string(data))) }
        members += [
            ("training", training),
            ("metrics", metrics),
        ]
        if let prior { members.append(("prior", prior.json)) }
        return .object(members)
    }

    public init(json: JSONValue) throws(ConfigError) {
        let f = ConfigFields(json, path: "")
        if f.has("format") {
            let format = try f.string("format")
            guard format == Self.formatName else { throw ConfigError("format: expected '\(Self.formatName)', found '\(format)'") }
        }
        let kindName = try f.string("kind")
        guard let kind = ModelKind(rawValue: kindName), kind != .ae else {
            throw ConfigError("kind: expected vae, cvae or vqvae, found '\(kindName)'")
        }
        var encoder: [OpSpec] = [], decoder: [OpSpec] = []
        for (i, op) in try f.array("encoder").enumerated() { encoder.append(try OpSpec(json: op, path: "encoder[\(i)]")) }
        for (i, op) in try f.array("decoder").enumerated() { decoder.append(try OpSpec(json: op, path: "decoder[\(i)]")) }
        var latent = 0, size = 0, dim = 0
        if kind == .vqvae {
            let cb = try f.object("codebook")
            size = try cb.positiveInt("size")
            dim = try cb.positiveInt("dim")
        } else {
            latent = try f.positiveInt("latent_dim")
        }
        let classNames = f.has("class_names") ? try f.stringArray("class_names") : (0...9).map(String.init)
        self.init(kind: kind, inputShape: try f.intArray("input_shape"), classNames: classNames,
                  encoder: encoder, decoder: decoder, latentDim: latent, codebookSize: size, codebookDim: dim,
                  dataset: f.has("dataset") ? try f.string("dataset") : "",
                  training: json["training"] ?? .object([]), metrics: json["metrics"] ?? .object([]))
        data = f.has("data") ? try f.string("data") : ""
        if f.has("prior") {
            let p = try f.object("prior")
            var ops: [OpSpec] = []
            for (i, op) in try p.array("ops").enumerated() { ops.append(try OpSpec(json: op, path: "prior.ops[\(i)]")) }
            prior = PriorConfig(ops: ops, training: json["prior"]?["training"] ?? .object([]), metrics: json["prior"]?["metrics"] ?? .object([]))
        }
        try validate()
    }
}

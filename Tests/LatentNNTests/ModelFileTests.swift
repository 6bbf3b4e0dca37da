import Foundation
import LatentCore
import LatentIO
@testable import LatentNN
import Testing

@Suite struct ModelFileTests {
    static let small = ModelConfig.mlpVAE(latentDim: 3, hidden: [16], inputShape: [1, 4, 4])

    @Test(arguments: [
        ModelConfig.mlpVAE(latentDim: 3, hidden: [16], inputShape: [1, 4, 4]),
        ModelConfig.mlpVAE(latentDim: 2, hidden: [8, 8], inputShape: [1, 4, 4], conditional: true),
        ModelConfig.convVQVAE(codebookSize: 6, codeDim: 4, channels: (3, 5), inputShape: [1, 8, 8]),
        ModelConfig.convVQVAE(codebookSize: 6, codeDim: 4, channels: (3, 5), residualBlocks: 2, residualChannels: 2, inputShape: [3, 8, 8]),
    ])
    func saveAndLoadGiveTheSameModel(_ config: ModelConfig) throws {
        let model = try Autoencoder(config: config, seed: 9)
        let loaded = try Autoencoder.load(try SafetensorsFile(bytes: model.encoded()), source: "m")
        #expect(loaded.config.json == config.json)
        for (a, b) in zip(model.namedParameters, loaded.namedParameters) {
            #expect(a.name == b.name && a.parameter.value == b.parameter.value)
        }
        #expect(loaded.parameterCount == model.parameterCount)
    }

    /// Residual blocks carry PyTorch's names (a module holding `self.block = nn.Sequential(…)`), their
    /// config round-trips, and one whose block changes the shape is refused.
    @Test func residualBlocksAreNamedAsPyTorchNamesThem() throws {
        let config = ModelConfig.convVQVAE(codebookSize: 6, codeDim: 4, channels: (3, 5), residualBlocks: 1, residualChannels: 2, inputShape: [1, 8, 8])
        let names = try config.expectedTensors().map(\.name)
        #expect(names.contains("encoder.5.block.1.weight") && names.contains("encoder.5.block.3.bias") && names.contains("decoder.1.block.1.weight"))
        let model = try Autoencoder(config: config, seed: 1)
        #expect(model.namedParameters.map(\.name) == names)
        #expect(try ModelConfig(json: try JSONParser.parse(config.json.serialized)).json == config.json)
        let bad = OpSpec.residual([.conv2d(in: 5, out: 4, kernel: 1, stride: 1, padding: 0)])
        guard case .failure(let e) = bad.outputShape([5, 2, 2]) else { Issue.record("a shape-changing block was accepted"); return }
        #expect(e.reason.contains("must keep its input shape"))
        #expect(throws: ConfigError.self) { try OpSpec(json: try JSONParser.parse(#"{"op":"residual","block":[]}"#), path: "encoder[0]") }
    }

    /// `latent train --init`: another model's weights under this run's config, refused across architectures.
    @Test func weightsOfAnotherModelOfTheSameArchitecture() throws {
        let source = try Autoencoder(config: Self.small, seed: 4)
        var config = Self.small
        config.dataset = "another description"
        let copy = try #require(try Autoencoder(config: config, weightsOf: source))
        #expect(copy.config.dataset == "another description")
        for (a, b) in zip(copy.namedParameters, source.namedParameters) { #expect(a.parameter.value == b.parameter.value) }
        // A copy, not shared storage: training the copy leaves the source alone.
        copy.namedParameters[0].parameter.value.data[0] += 1
        #expect(copy.namedParameters[0].parameter.value != source.namedParameters[0].parameter.value)
        #expect(try Autoencoder(config: .mlpVAE(latentDim: 4, hidden: [16], inputShape: [1, 4, 4]), weightsOf: source) == nil)
        #expect(try Autoencoder(config: .convVQVAE(codebookSize: 6, codeDim: 4, channels: (3, 5), inputShape: [1, 8, 8]), weightsOf: source) == nil)
    }

    /// A model file whose tensors or config are altered by `edit`.
    typealias Edit = @Sendable (inout [(String, Tensor)], inout String) -> Void

    static func modelBytes(_ edit: Edit) throws -> [UInt8] {
        let model = try Autoencoder(config: small, seed: 1)
        var tensors = model.namedParameters.map { ($0.name, $0.parameter.value) }
        var config = small.json.serialized
        edit(&tensors, &config)
        var w = SafetensorsWriter()
        for (n, t) in tensors { w.add(n, t) }
        w.metadata = [("config", config)]
        return w.encoded()
    }

    static let malformed: [(String, Edit, String)] = [
        ("missing tensor", { t, _ in t.removeAll { $0.0 == "decoder.2.weight" } }, "tensor 'decoder.2.weight' is missing"),
        ("wrong shape", { t, _ in t[0].1 = Tensor(zeros: [16, 15]) }, "tensor 'encoder.1.weight' has shape [16, 15] but the config needs [16, 16]"),
        ("extra tensor", { t, _ in t.append(("head.weight", Tensor(zeros: [1]))) }, "tensor 'head.weight' is not used"),
        ("NaN weight", { t, _ in t[1].1.data[0] = .nan }, "tensor 'encoder.1.bias' holds a non-finite value"),
        ("bad JSON", { _, c in c = "{not json" }, "metadata 'config' is not valid JSON"),
        ("unknown op", { _, c in c = c.replacingOccurrences(of: "\"relu\"", with: "\"gelu\"") }, "config encoder[2].op: unknown op 'gelu'"),
        ("unknown kind", { _, c in c = c.replacingOccurrences(of: "\"vae\"", with: "\"gan\"") }, "config kind: expected vae, cvae or vqvae"),
        ("missing latent_dim", { _, c in c = c.replacingOccurrences(of: "\"latent_dim\"", with: "\"latent\"") }, "config latent_dim: missing"),
        ("bad field type", { _, c in c = c.replacingOccurrences(of: "\"out\":16", with: "\"out\":\"16\"") }, "config encoder[1].out: expected a non-negative integer"),
        ("mismatched blocks", { _, c in c = c.replacingOccurrences(of: "{\"op\":\"linear\",\"in\":3,\"out\":16}", with: "{\"op\":\"linear\",\"in\":4,\"out\":16}") },
         "config decoder[0]: linear expects [4], gets [3]"),
    ]

    @Test(arguments: malformed)
    func malformedModelIsRejectedByName(_ name: String, _ edit: Edit, _ fragment: String) throws {
        let bytes = try Self.modelBytes(edit)
        do {
            _ = try Autoencoder.load(try SafetensorsFile(bytes: bytes), source: "bad.safetensors")
            Issue.record("\(name): accepted")
        } catch let e as FormatError {
            #expect(e.description.contains(fragment), "\(name): \(e)")
            #expect(e.description.hasPrefix("bad.safetensors: ") && !e.description.contains("\n"))
        }
    }

    @Test func fileWithoutConfigSaysItIsNotAModel() throws {
        var w = SafetensorsWriter()
        w.add("w", Tensor(zeros: [2]))
        #expect(throws: FormatError.self) { _ = try Autoencoder.load(try SafetensorsFile(bytes: w.encoded()), source: "x") }
        do { _ = try Autoencoder.load(try SafetensorsFile(bytes: w.encoded()), source: "x") } catch {
            #expect("\(error)".contains("no 'config' entry in __metadata__"))
        }
    }
}

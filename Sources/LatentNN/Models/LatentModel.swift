import LatentCore
import LatentOps

/// What the explorer and the commands ask of an autoencoder at inference time, whether it was trained
/// here (`VAEModel`, `VQVAEModel`) or exported from PyTorch (`ImportedAutoencoder`). Images are
/// (N, C, H, W) with values in `pixelRange`.
public protocol LatentModel: AnyObject {
    var kind: ModelKind { get }
    /// C, H, W.
    var inputShape: [Int] { get }
    /// Latent width (VAE, CVAE, AE: values of the flattened latent) or code dimension D (VQ-VAE).
    var latentDim: Int { get }
    /// One image's latent as the model holds it: [z], or [C, h, w] for a spatial one (flattened in
    /// that order everywhere else); [D] for a VQ-VAE.
    var latentShape: [Int] { get }
    var classNames: [String] { get }
    var pixelRange: ClosedRange<Float> { get }
    /// The VQ-VAE's codebook and code grid; nil and (0, 0) for a VAE.
    var quantizer: Codebook? { get }
    var codeGrid: (height: Int, width: Int) { get }
    /// The learned prior over code grids (a VQ-VAE trained with `latent train prior`), if any.
    var gridPrior: GridPrior? { get }

    /// μ and log σ² of images (VAE, CVAE; one label per image for a CVAE).
    func encodeImages(_ x: Tensor, labels: [Int]?) throws -> (mu: Tensor, logvar: Tensor)
    /// Images from latents (N, z).
    func decodeLatents(_ z: Tensor, labels: [Int]?) throws -> Tensor
    /// The VQ-VAE encoder's continuous output z_e (N, D, h, w).
    func encodeGrid(_ x: Tensor) throws -> Tensor
    /// Images from N·h·w codes.
    func decodeCodes(_ codes: [Int]) throws -> Tensor
}

extension VAEModel: LatentModel {
    public var kind: ModelKind { config.kind }
    public var inputShape: [Int] { config.inputShape }
    public var classNames: [String] { config.classNames }
    public var pixelRange: ClosedRange<Float> { 0...1 }
    public var latentShape: [Int] { [latentDim] }
    public var quantizer: Codebook? { nil }
    public var codeGrid: (height: Int, width: Int) { (0, 0) }
    public var gridPrior: GridPrior? { nil }
    public func encodeImages(_ x: Tensor, labels: [Int]?) throws -> (mu: Tensor, logvar: Tensor) { encode(x, labels: labels) }
    public func decodeLatents(_ z: Tensor, labels: [Int]?) throws -> Tensor { decode(z, labels: labels) }
    public func encodeGrid(_ x: Tensor) throws -> Tensor { throw GraphError("a VAE has no code grid") }
    public func decodeCodes(_ codes: [Int]) throws -> Tensor { throw GraphError("a VAE has no codebook") }
}

extension VQVAEModel: LatentModel {
    public var kind: ModelKind { .vqvae }
    public var inputShape: [Int] { config.inputShape }
    public var latentDim: Int { codeDim }
    public var latentShape: [Int] { [codeDim] }
    public var classNames: [String] { config.classNames }
    public var pixelRange: ClosedRange<Float> { 0...1 }
    public var quantizer: Codebook? { Codebook(codebook.value) }
    public var codeGrid: (height: Int, width: Int) { (gridHeight, gridWidth) }
    public var gridPrior: GridPrior? { prior }
    public func encodeImages(_ x: Tensor, labels: [Int]?) throws -> (mu: Tensor, logvar: Tensor) { throw GraphError("a VQ-VAE has no μ and σ") }
    public func decodeLatents(_ z: Tensor, labels: [Int]?) throws -> Tensor { throw GraphError("a VQ-VAE decodes codes") }
    public func encodeGrid(_ x: Tensor) throws -> Tensor { encodeContinuous(x) }
    public func decodeCodes(_ codes: [Int]) throws -> Tensor { decode(codes: codes) }
}

extension ImportedAutoencoder: LatentModel {
    public var classNames: [String] { manifest.classNames }
    public var pixelRange: ClosedRange<Float> { manifest.pixelRange }
    public var codeGrid: (height: Int, width: Int) { grid }
    public var quantizer: Codebook? { codebook }
    public var gridPrior: GridPrior? { prior }
}

extension Autoencoder {
    /// The model as the inference interface the explorer uses.
    public var latentModel: any LatentModel {
        switch self {
        case .vae(let m): return m
        case .vqvae(let m): return m
        }
    }
}

/// Loads a model file: a manifest (.json) of an exported model, or a model trained here.
public func loadLatentModel(_ path: String) throws -> any LatentModel {
    ModelManifest.isManifest(path) ? try ImportedAutoencoder.load(path) : try Autoencoder.load(path).latentModel
}

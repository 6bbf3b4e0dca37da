import Foundation
import LatentCore
import LatentIO
import LatentNN
import TermRender

/// The model side of the explorer: a loaded autoencoder and the dataset it is explored with.
/// Everything the UI asks of a model goes through here, so the app core never touches tensors.
public final class ExplorerEngine: @unchecked Sendable {
    public let path: String
    public let model: any LatentModel
    /// The images, with values in the model's pixel range.
    public let data: LabeledImages
    /// Serialises use of the model: layers cache activations, so two threads may not run one at once.
    let lock = NSLock()

    public init(path: String, model: any LatentModel, data: LabeledImages) {
        self.path = path
        self.model = model
        self.data = data
    }

    /// Opens a model file (trained here, or a manifest of an exported one) with its data.
    /// `data` holds values in `dataRange` (the previous model's pixel range when the picker switches).
    public static func load(modelPath: String, data: LabeledImages, dataRange: ClosedRange<Float> = 0...1) throws -> ExplorerEngine {
        let model = try loadLatentModel(modelPath)
        return try open(model, path: modelPath, data: data.mapped(from: dataRange, to: model.pixelRange))
    }

    /// A loaded model with its data, checked against each other.
    public static func open(_ model: any LatentModel, path modelPath: String, data: LabeledImages) throws -> ExplorerEngine {
        let name = (modelPath as NSString).lastPathComponent
        guard model.inputShape == Array(data.images.shape.dropFirst()) else {
            throw FormatError(name, "takes images of shape \(model.inputShape), the data has \(Array(data.images.shape.dropFirst()))")
        }
        // The views draw 28×28 images; any size comes with the colour image type.
        guard model.inputShape[1] == 28 && model.inputShape[2] == 28 else {
            throw FormatError(name, "the explorer shows 28×28 images for now (this model's are \(model.inputShape[1])×\(model.inputShape[2])); info, encode and decode take it")
        }
        guard model.kind != .cvae || data.isLabelled else {
            throw FormatError(name, "is a conditional VAE: its encoder needs each image's label, and the data has none")
        }
        return ExplorerEngine(path: modelPath, model: model, data: data)
    }

    public var summary: ModelSummaryLine {
        ModelSummaryLine(name: (path as NSString).lastPathComponent, kind: model.kind, latentDim: model.kind == .vqvae ? 0 : model.latentDim,
                         codebookSize: model.quantizer?.size ?? 0,
                         // A manifest may leave the classes out: the data's labels then name them.
                         classNames: model.classNames.isEmpty && data.isLabelled ? data.classNames : model.classNames)
    }

    /// The data's labels for the app, or none (unlabelled data: one colour, no prototypes).
    var labelsForApp: [Int] { data.isLabelled ? data.labels : [] }

    var imageWidth: Int { model.inputShape[2] }
    var imageHeight: Int { model.inputShape[1] }

    /// One image (C·H·W values in the model's pixel range) for display: [0, 1], colour as its luminance
    /// until the views draw colour.
    func image(_ pixels: ArraySlice<Float>) -> GreyImage {
        let plane = imageWidth * imageHeight
        let unit = PixelValues.unit(pixels.prefix(model.inputShape[0] * plane), from: model.pixelRange)
        return GreyImage(width: imageWidth, height: imageHeight, pixels: PixelValues.luminance(unit, channels: model.inputShape[0], plane: plane))
    }

    /// Images of a decoded batch (N, C, H, W), one per latent; none if the model failed.
    func images(_ out: Tensor?, count: Int) -> [GreyImage] {
        guard let out, count > 0, out.count % count == 0 else { return [] }
        let per = out.count / count
        return (0..<count).map { image(out.data[($0 * per)..<(($0 + 1) * per)]) }
    }

    // MARK: VAE

    /// Decodes latents (one image per z) for the given class (conditional VAEs only).
    public func decode(_ zs: [[Float]], label: Int?) -> [GreyImage] {
        guard model.kind != .vqvae, !zs.isEmpty else { return [] }
        lock.lock(); defer { lock.unlock() }
        let out = try? model.decodeLatents(Tensor(shape: [zs.count, model.latentDim], data: zs.flatMap { $0 }),
                                           labels: model.kind == .cvae ? Array(repeating: label ?? 0, count: zs.count) : nil)
        return images(out, count: zs.count)
    }

    /// μ and σ of dataset image `index`, and the image itself.
    public func encode(index: Int) -> EncodedImage? {
        guard model.kind != .vqvae else { return nil }
        lock.lock(); defer { lock.unlock() }
        let x = Tensor(shape: [1] + model.inputShape, data: Array(data.pixels(of: index)))
        let label = data.isLabelled ? data.labels[index] : -1
        guard let (mu, logvar) = try? model.encodeImages(x, labels: model.kind == .cvae ? [label] : nil) else { return nil }
        return EncodedImage(index: index, label: label, original: image(data.pixels(of: index)),
                            mu: mu.data, sigma: logvar.data.map { expf(0.5 * $0) })
    }

    /// μ of every dataset image (for slider ranges, prototypes and the scatter), in batches.
    public func encodeDataset(progress: (Double) -> Void = { _ in }) -> [[Float]] {
        guard model.kind != .vqvae else { return [] }
        var out: [[Float]] = []
        out.reserveCapacity(data.count)
        let batch = 250, z = model.latentDim
        for start in stride(from: 0, to: data.count, by: batch) {
            let end = min(data.count, start + batch)
            let per = data.pixelsPerImage
            let x = Tensor(shape: [end - start] + model.inputShape, data: Array(data.images.data[(start * per)..<(end * per)]))
            lock.lock()
            let mu = try? model.encodeImages(x, labels: model.kind == .cvae ? Array(data.labels[start..<end]) : nil).mu
            lock.unlock()
            guard let mu, mu.count == (end - start) * z else { return [] }
            for i in 0..<(end - start) { out.append(Array(mu.data[(i * z)..<((i + 1) * z)])) }
            progress(Double(end) / Double(data.count))
        }
        return out
    }
}

/// What the status line says about the loaded model.
public struct ModelSummaryLine: Equatable, Sendable {
    public var name: String
    public var kind: ModelKind
    public var latentDim: Int
    public var codebookSize: Int
    public var classNames: [String]

    public init(name: String, kind: ModelKind, latentDim: Int, codebookSize: Int, classNames: [String]) {
        self.name = name
        self.kind = kind
        self.latentDim = latentDim
        self.codebookSize = codebookSize
        self.classNames = classNames
    }

    public var description: String {
        switch kind {
        case .vae: return "\(name) · VAE · z=\(latentDim)"
        case .cvae: return "\(name) · conditional VAE · z=\(latentDim)"
        case .vqvae: return "\(name) · VQ-VAE · K=\(codebookSize)"
        }
    }
}

/// A dataset image with its posterior.
public struct EncodedImage: Equatable, Sendable {
    public var index: Int
    public var label: Int
    public var original: GreyImage
    public var mu: [Float]
    public var sigma: [Float]
}

import Foundation
import LatentCore
import LatentIO
import LatentNN
import TermRender

/// The model side of the explorer: a loaded autoencoder and the dataset it is explored with.
/// Everything the UI asks of a model goes through here, so the app core never touches tensors.
public final class ExplorerEngine: @unchecked Sendable {
    public let path: String
    public let model: Autoencoder
    public let data: LabeledImages
    /// Serialises use of the model: layers cache activations, so two threads may not run one at once.
    let lock = NSLock()

    public init(path: String, model: Autoencoder, data: LabeledImages) {
        self.path = path
        self.model = model
        self.data = data
    }

    public static func load(modelPath: String, data: LabeledImages) throws -> ExplorerEngine {
        let model = try Autoencoder.load(modelPath)
        guard model.config.inputShape == Array(data.images.shape.dropFirst()) else {
            throw FormatError(modelPath, "takes images of shape \(model.config.inputShape), the data has \(Array(data.images.shape.dropFirst()))")
        }
        guard model.config.kind != .cvae || data.isLabelled else {
            throw FormatError(modelPath, "is a conditional VAE: its encoder needs each image's label, and the data has none")
        }
        return ExplorerEngine(path: modelPath, model: model, data: data)
    }

    public var summary: ModelSummaryLine {
        let c = model.config
        return ModelSummaryLine(name: (path as NSString).lastPathComponent, kind: c.kind, latentDim: c.latentDim,
                                codebookSize: c.codebookSize, classNames: c.classNames)
    }

    /// The data's labels for the app, or none (unlabelled data: one colour, no prototypes).
    var labelsForApp: [Int] { data.isLabelled ? data.labels : [] }

    var imageWidth: Int { model.config.inputShape[2] }
    var imageHeight: Int { model.config.inputShape[1] }

    func image(_ pixels: ArraySlice<Float>) -> GreyImage {
        GreyImage(width: imageWidth, height: imageHeight, pixels: Array(pixels.prefix(imageWidth * imageHeight)))
    }

    // MARK: VAE

    /// Decodes latents (one image per z) for the given class (conditional VAEs only).
    public func decode(_ zs: [[Float]], label: Int?) -> [GreyImage] {
        guard case .vae(let m) = model, !zs.isEmpty else { return [] }
        lock.lock(); defer { lock.unlock() }
        let out = m.decode(Tensor(shape: [zs.count, m.latentDim], data: zs.flatMap { $0 }),
                           labels: m.isConditional ? Array(repeating: label ?? 0, count: zs.count) : nil)
        let per = out.count / zs.count
        return (0..<zs.count).map { image(out.data[($0 * per)..<(($0 + 1) * per)]) }
    }

    /// μ and σ of dataset image `index`, and the image itself.
    public func encode(index: Int) -> EncodedImage {
        guard case .vae(let m) = model else { preconditionFailure("encode(index:) needs a VAE") }
        lock.lock(); defer { lock.unlock() }
        let x = Tensor(shape: [1] + m.config.inputShape, data: Array(data.pixels(of: index)))
        let label = data.isLabelled ? data.labels[index] : -1
        let (mu, logvar) = m.encode(x, labels: m.isConditional ? [label] : nil)
        return EncodedImage(index: index, label: label, original: image(data.pixels(of: index)),
                            mu: mu.data, sigma: logvar.data.map { expf(0.5 * $0) })
    }

    /// μ of every dataset image (for slider ranges, prototypes and the scatter), in batches.
    public func encodeDataset(progress: (Double) -> Void = { _ in }) -> [[Float]] {
        guard case .vae(let m) = model else { return [] }
        var out: [[Float]] = []
        out.reserveCapacity(data.count)
        let batch = 250
        for start in stride(from: 0, to: data.count, by: batch) {
            let end = min(data.count, start + batch)
            let per = data.pixelsPerImage
            let x = Tensor(shape: [end - start] + m.config.inputShape,
                           data: Array(data.images.data[(start * per)..<(end * per)]))
            lock.lock()
            let mu = m.encode(x, labels: m.isConditional ? Array(data.labels[start..<end]) : nil).mu
            lock.unlock()
            for i in 0..<(end - start) { out.append(Array(mu.data[(i * m.latentDim)..<((i + 1) * m.latentDim)])) }
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

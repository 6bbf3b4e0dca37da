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
    /// Serialises use of the model, interactive callers first.
    let access = ModelAccess()
    /// The learned prior is a network of its own: its analysis (tens of milliseconds, in the background)
    /// must not hold the decoder an edit is waiting for.
    let priorAccess = ModelAccess()
    /// Seconds per image of the latest decodes, one image alone and in batches (guarded by `statsLock`):
    /// what tells the runtime whether a strip fits in a frame or goes to the background.
    private var secondsPerImage: (single: Double, batched: Double) = (0, 0)
    private let statsLock = NSLock()

    public init(path: String, model: any LatentModel, data: LabeledImages) {
        self.path = path
        self.model = model
        self.data = data
    }

    /// Opens a model file (trained here, or a manifest of an exported one) with its own data when it
    /// names some (the dataset it was trained on, its manifest's `data`), else with `data`, whose
    /// values are in `dataRange` (the previous model's pixel range when the picker switches).
    public static func load(modelPath: String, data: LabeledImages, dataRange: ClosedRange<Float> = 0...1) throws -> ExplorerEngine {
        let model = try loadLatentModel(modelPath)
        if defaultDataSource(for: model) != nil { return try open(model, path: modelPath, data: try LatentNN.images(for: model)) }
        return try open(model, path: modelPath, data: data.mapped(from: dataRange, to: model.pixelRange))
    }

    /// The most codes a VQ-VAE may have here: every code is decoded into the palette (an FSQ of 8·8·8·5·5·5
    /// levels has 64,000).
    public static let maxCodebookSize = 4096

    /// A loaded model with its data, checked against each other.
    public static func open(_ model: any LatentModel, path modelPath: String, data: LabeledImages) throws -> ExplorerEngine {
        let name = (modelPath as NSString).lastPathComponent
        guard model.inputShape == data.imageShape else {
            throw FormatError(name, "takes images of shape \(model.inputShape), the data has \(data.imageShape)")
        }
        // The views fit any size to their boxes; past these sides a thumbnail says little and costs much.
        let (channels, height, width) = (model.inputShape[0], model.inputShape[1], model.inputShape[2])
        guard channels == 1 || channels == 3, (ExplorerEngine.sides).contains(height), (ExplorerEngine.sides).contains(width) else {
            throw FormatError(name, "the explorer shows grey or RGB images \(ExplorerEngine.sides.lowerBound)–\(ExplorerEngine.sides.upperBound) pixels a side (this model's are \(channels)×\(height)×\(width)); info, encode and decode take it")
        }
        if let book = model.quantizer, book.size > Self.maxCodebookSize {
            // The palette and the usage views hold every code's decoded image and per-cell counts.
            throw FormatError(name, "has \(book.size) codes; the explorer shows up to \(Self.maxCodebookSize) (its palette decodes every code); info, encode and decode take it")
        }
        // Every image's latent is kept (the scatter, the slider ranges, the usage counts): a million 10-D
        // latents are 40 MB, a million 4×8×8 spatial ones or pooled VQ grids gigabytes.
        let perImage = model.kind == .vqvae
            ? min((model.quantizer?.dim ?? 1) * model.codeGrid.height * model.codeGrid.width, scatterFeatureLimit)
                + model.codeGrid.height * model.codeGrid.width * (model.quantizer?.levels ?? 1)
            : model.latentDim
        let (values, overflow) = data.count.multipliedReportingOverflow(by: perImage)
        guard !overflow, values <= Self.maxLatentValues else {
            throw FormatError(name, "with \(grouped(data.count)) images of \(perImage) latent values each, the explorer would hold more than \(grouped(Self.maxLatentValues)) (it keeps every image's latent); use a subset of the data")
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
                         classNames: model.classNames.isEmpty && data.isLabelled ? data.classNames : model.classNames,
                         latentShape: model.kind == .vqvae ? [0] : model.latentShape)
    }

    /// The data's labels for the app, or none (unlabelled data: one colour, no prototypes).
    var labelsForApp: [Int] { data.isLabelled ? data.labels : [] }

    var imageWidth: Int { model.inputShape[2] }
    var imageHeight: Int { model.inputShape[1] }
    /// The longer side of the model's images, which figure scales are chosen for.
    public var imageSide: Int { max(imageWidth, imageHeight) }

    /// The most latent values (images × values per image) the explorer keeps: 400 MB of Float.
    public static let maxLatentValues = 100_000_000

    /// The image sides the explorer opens.
    public static let sides = 8...128

    /// One image (C·H·W values in the model's pixel range) for display, in [0, 1].
    func image(_ pixels: [Float]) -> Image {
        let count = model.inputShape.reduce(1, *)
        return Image(channels: model.inputShape[0], width: imageWidth, height: imageHeight,
                     pixels: PixelValues.unit(pixels.prefix(count), from: model.pixelRange))
    }

    /// Images of a decoded batch (N, C, H, W), one per latent; none if the model failed.
    func images(_ out: Tensor?, count: Int) -> [Image] {
        guard let out, count > 0, out.count % count == 0 else { return [] }
        let per = out.count / count
        return (0..<count).map { image(Array(out.data[($0 * per)..<(($0 + 1) * per)])) }
    }

    // MARK: VAE

    /// Decodes latents (one image per z) for the given class (conditional VAEs only); `background`
    /// gives way to interactive calls.
    public func decode(_ zs: [[Float]], label: Int?, background: Bool = false) -> [Image] {
        guard model.kind != .vqvae, !zs.isEmpty else { return [] }
        return timed(count: zs.count, background: background) { decode(zs, label: label, with: model) }
    }

    /// The decode itself, with `model` (the shared one, or the copy `passOverData` gives).
    func decode(_ zs: [[Float]], label: Int?, with model: any LatentModel) -> [Image] {
        let out = try? model.decodeLatents(Tensor(shape: [zs.count, model.latentDim], data: zs.flatMap { $0 }),
                                           labels: model.kind == .cvae ? Array(repeating: label ?? 0, count: zs.count) : nil)
        return images(out, count: zs.count)
    }

    /// Runs a decode of `count` images with the model and keeps its time per image.
    func timed(count: Int, background: Bool, _ decode: () -> [Image]) -> [Image] {
        access.run(background: background) {
            let start = DispatchTime.now().uptimeNanoseconds
            let out = decode()
            let perImage = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(max(1, count))
            statsLock.withLock { if count == 1 { secondsPerImage.single = perImage } else { secondsPerImage.batched = perImage } }
            return out
        }
    }

    /// The expected time to decode `count` images, from the latest decodes (0 before any).
    public func expectedDecodeSeconds(count: Int) -> Double {
        statsLock.withLock {
            let per = count > 1 && secondsPerImage.batched > 0 ? secondsPerImage.batched : secondsPerImage.single
            return per * Double(count)
        }
    }

    /// Decodes `items` in the background a few at a time (so an interactive decode waits for one chunk
    /// at most), stopping early, with nil, once `cancelled` says the result is no longer wanted.
    public func decodeInChunks<T>(_ items: [T], chunk: Int, cancelled: () -> Bool, _ decode: ([T]) -> [Image]) -> [Image]? {
        var out: [Image] = []
        out.reserveCapacity(items.count)
        for start in stride(from: 0, to: items.count, by: max(1, chunk)) {
            if cancelled() { return nil }
            let part = decode(Array(items[start..<min(items.count, start + max(1, chunk))]))
            guard !part.isEmpty else { return [] }
            out += part
        }
        return out
    }

    /// Dataset image `i` for display (nil when its file cannot give it: see `dataProblem`).
    func dataImage(_ i: Int) -> Image? { (try? data.pixels(of: i)).map(image) }

    /// Why dataset image `i` cannot be read (its file changed, or holds a value no image may), if it cannot.
    func dataProblem(_ i: Int) -> String? {
        do { _ = try data.pixels(of: i); return nil } catch { return "\(error)" }
    }

    /// Dataset images in batches for the model, as `ModelAccess.inBatches` runs them; each batch is read
    /// (from memory, or from its file) before the model is taken. Throws what a read throws.
    func dataBatches(count: Int? = nil, first: Int = 1, limit: Int, _ work: (Range<Int>, Tensor) -> Bool) throws {
        try access.inBatches(count: count ?? data.count, first: first, limit: limit, prepare: { try data.batch($0) }, work)
    }

    /// From this many images on, a data set is large: the scatter grows while it is encoded (PCA on the
    /// first part).
    public static let largeDataFrom = 20_000
    var isLargeData: Bool { data.count >= Self.largeDataFrom }

    /// Runs `body` with the model a pass over the whole data set (or an image opened ahead of a step to
    /// it) uses, and the access that guards it: a
    /// second copy of the model read from its file, so that the encoding and the reconstruction errors
    /// never hold the model a key's decode waits for (the two only share the cores: one image of a 64×64
    /// conv VAE held the shared model 1.7 ms, and a key waited up to 3 ms behind it); the model itself
    /// only if its file cannot be read again. `limit` caps the images a batch holds with the shared
    /// model; the copy takes batches of up to 1,024 small images (fewer, larger GEMMs; four million pixel
    /// values at most, as a convolution's buffers grow with the batch).
    ///
    /// The copy is read once, and used only if it computes what the model does: the file may have been
    /// rewritten since the model was read (a training run saving over it), and images opened ahead on
    /// the copy must be the images opening them at once gives.
    func passOverData<T>(limit: Int, _ body: (any LatentModel, ModelAccess, _ limit: Int, _ target: Double) throws -> T) rethrows -> T {
        let copy = copyLock.withLock { () -> (any LatentModel, ModelAccess)? in
            if !copyRead {
                copyRead = true
                if let loaded = try? loadLatentModel(path), computesAlike(loaded) { copyForData = (loaded, ModelAccess()) }
            }
            return copyForData
        }
        guard let copy else { return try body(model, access, limit, ModelAccess.batchSeconds) }
        return try body(copy.0, copy.1, max(limit, min(1024, (1 << 22) / max(1, data.pixelsPerImage))), 0.05)
    }
    private var copyForData: (any LatentModel, ModelAccess)?
    private var copyRead = false
    private let copyLock = NSLock()

    /// Whether `other` gives, value for value, what the model gives for one seeded image: its encoding,
    /// and the decode of that (a VQ-VAE: its encoder output, and the decode of a grid of every code).
    func computesAlike(_ other: any LatentModel) -> Bool {
        guard other.kind == model.kind, other.inputShape == model.inputShape, other.latentDim == model.latentDim,
              other.pixelRange == model.pixelRange else { return false }
        var rng = SeededRNG(seed: 2026, stream: 29)
        let range = model.pixelRange
        let x = Tensor(shape: [1] + model.inputShape, data: (0..<model.inputShape.reduce(1, *)).map { _ in
            range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextFloat()
        })
        func outputs(_ m: any LatentModel) -> [[Float]]? {
            if m.kind == .vqvae {
                guard let book = m.quantizer, let ze = try? m.encodeGrid(x) else { return nil }
                let slots = m.codeGrid.height * m.codeGrid.width * book.levels
                let codes = (0..<slots).map { $0 % book.size }
                return (try? m.decodeCodes(codes)).map { [ze.data, $0.data] }
            }
            let labels = m.kind == .cvae ? [0] : nil
            guard let (mu, logvar) = try? m.encodeImages(x, labels: labels), let out = try? m.decodeLatents(mu, labels: labels) else { return nil }
            return [mu.data, logvar.data, out.data]
        }
        guard let mine = access.run(background: true, { outputs(model) }), let theirs = outputs(other) else { return false }
        return mine == theirs
    }

    /// μ and σ of dataset image `index`, and the image itself; nil when the model fails on it. Throws
    /// when the image cannot be read.
    public func encode(index: Int) throws -> EncodedImage? { try encode(index: index, on: nil) }

    /// `on`: another model and its access (the copy `passOverData` gives), run in the background.
    func encode(index: Int, on other: (model: any LatentModel, access: ModelAccess)?) throws -> EncodedImage? {
        guard model.kind != .vqvae else { return nil }
        let pixels = try data.pixels(of: index)
        let x = Tensor(shape: [1] + model.inputShape, data: pixels)
        let label = data.isLabelled ? data.labels[index] : -1
        let (model, access) = other ?? (self.model, self.access)
        guard let (mu, logvar) = access.run(background: other != nil, { try? model.encodeImages(x, labels: model.kind == .cvae ? [label] : nil) })
        else { return nil }
        return EncodedImage(index: index, label: label, original: image(pixels),
                            mu: mu.data, sigma: logvar.data.map { expf(0.5 * $0) })
    }

    /// μ of every dataset image (for slider ranges, prototypes and the scatter), in the background in
    /// batches of about a millisecond each.
    public func encodeDataset(progress: (Double) -> Void = { _ in }) throws -> [[Float]] {
        try encodeDatasetWithKL(progress: progress).mus
    }

    /// Per dataset image: the mean squared error of its reconstruction (the decoded μ, in the model's
    /// pixel range) and its posterior's KL from the prior in nats (none for a deterministic autoencoder).
    public func measureDataset() -> (errors: [Float], kl: [Float]) {
        guard model.kind != .vqvae else { return ([], []) }
        var errors: [Float] = [], kl: [Float] = []
        let z = model.latentDim, per = data.pixelsPerImage
        var failed = false
        do {
            try passOverData(limit: 100) { model, access, limit, target in
                try access.inBatches(count: data.count, limit: limit, target: target, prepare: { try data.batch($0) }) { range, x in
                let labels = model.kind == .cvae ? Array(data.labels[range]) : nil
                guard let (mu, logvar) = try? model.encodeImages(x, labels: labels), mu.count == range.count * z,
                      let decoded = try? model.decodeLatents(mu, labels: labels), decoded.count == x.count else { failed = true; return false }
                for i in 0..<range.count {
                    var e: Float = 0
                    for k in (i * per)..<((i + 1) * per) { let d = decoded.data[k] - x.data[k]; e += d * d }
                    errors.append(e / Float(per))
                    if model.kind != .ae {
                        var s: Float = 0
                        for k in (i * z)..<((i + 1) * z) { let m = mu.data[k], lv = logvar.data[k]; s += 0.5 * (m * m + expf(lv) - 1 - lv) }
                        kl.append(s)
                    }
                }
                return true
            } }
        } catch { failed = true }  // the encode that ran first has said what is wrong with the file
        guard !failed else { return ([], []) }
        return (errors.allSatisfy(\.isFinite) ? errors : [], kl.allSatisfy(\.isFinite) ? kl : [])
    }

    /// μ of every dataset image, and each dimension's KL(q(z_d | x) ‖ N(0, 1)) averaged over them:
    /// ½(μ² + σ² − 1 − log σ²) in nats (none for a deterministic autoencoder, whose σ is 0). `part` gets
    /// each batch's μ as it is encoded (the scatter of a large data set grows from them). Empty when the
    /// model fails; throws when the data cannot be read.
    public func encodeDatasetWithKL(progress: (Double) -> Void = { _ in },
                                    part: (_ mus: ArraySlice<[Float]>) -> Void = { _ in }) throws -> (mus: [[Float]], kl: [Float]) {
        guard model.kind != .vqvae else { return ([], []) }
        var out: [[Float]] = []
        out.reserveCapacity(data.count)
        let z = model.latentDim
        var kl = [Double](repeating: 0, count: z)
        var failed = false
        try passOverData(limit: 250) { model, access, limit, target in
            try access.inBatches(count: data.count, limit: limit, target: target, prepare: { try data.batch($0) }) { range, x in
            guard let (mu, logvar) = try? model.encodeImages(x, labels: model.kind == .cvae ? Array(data.labels[range]) : nil),
                  mu.count == range.count * z else { failed = true; return false }
            for i in 0..<range.count { out.append(Array(mu.data[(i * z)..<((i + 1) * z)])) }
            if model.kind != .ae, logvar.count == mu.count {
                for k in 0..<mu.count {
                    let m = Double(mu.data[k]), lv = Double(logvar.data[k])
                    kl[k % z] += 0.5 * (m * m + exp(lv) - 1 - lv)
                }
            }
            part(out[range])
            progress(Double(range.upperBound) / Double(data.count))
            return true
        } }
        guard !failed, !out.isEmpty else { return ([], []) }
        let mean = model.kind == .ae ? [] : kl.map { Float($0 / Double(out.count)) }
        return (out, mean.allSatisfy(\.isFinite) ? mean : [])
    }
}

/// What the status line says about the loaded model.
public struct ModelSummaryLine: Equatable, Sendable {
    public var name: String
    public var kind: ModelKind
    public var latentDim: Int
    public var codebookSize: Int
    public var classNames: [String]
    /// The continuous latent's own shape ([z], or [C, h, w] for a spatial one; flattened in that order).
    public var latentShape: [Int]

    public init(name: String, kind: ModelKind, latentDim: Int, codebookSize: Int, classNames: [String], latentShape: [Int]? = nil) {
        self.name = name
        self.kind = kind
        self.latentDim = latentDim
        self.codebookSize = codebookSize
        self.classNames = classNames
        self.latentShape = latentShape ?? [latentDim]
    }

    public var description: String {
        switch kind {
        case .vae: return "\(name) · VAE · z=\(latentDim)"
        case .ae: return "\(name) · autoencoder · z=\(latentDim)"
        case .cvae: return "\(name) · conditional VAE · z=\(latentDim)"
        case .vqvae: return "\(name) · VQ-VAE · K=\(codebookSize)"
        }
    }
}

/// A dataset image with its posterior.
public struct EncodedImage: Equatable, Sendable {
    public var index: Int
    public var label: Int
    public var original: Image
    public var mu: [Float]
    public var sigma: [Float]
}

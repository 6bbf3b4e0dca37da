@testable import ExplorerApp
import LatentCore
import LatentIO
import TermRender

/// The shape of a model as the app core sees it: enough to answer every command with results of the
/// right size, without running a network.
struct FuzzModelShape {
    var summary: ModelSummaryLine
    var vqShape: VQShape?
    var imageWidth = 28, imageHeight = 28

    /// The shipped models' shapes, read from their files (as the runtime sees them).
    static let shipped: [FuzzModelShape] = ["vae-z10", "vae-z2", "cvae-z2", "vqvae-k32"].map { name in
        let blank = LabeledImages(images: Tensor(shape: [1, 1, 28, 28], repeating: 0), labels: [0], classNames: (0...9).map(String.init))
        let engine = try! ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/\(name).safetensors", data: blank)
        return FuzzModelShape(summary: engine.summary, vqShape: engine.vqShapeValue)
    }

    /// A Stable-Diffusion-style VAE (latent 4 × 8 × 8, 16×16 images), as a manifest model's summary.
    static let spatial = FuzzModelShape(summary: ModelSummaryLine(name: "kl-4x8x8.json", kind: .vae, latentDim: 256, codebookSize: 0,
                                                                  classNames: (0...9).map(String.init), latentShape: [4, 8, 8]),
                                        imageWidth: 16, imageHeight: 16)

    /// A residual VQ (3 levels of 16 codes, a 4×4 grid, 16×16 images), as vector-quantize-pytorch builds it.
    static let residual = FuzzModelShape(summary: ModelSummaryLine(name: "rvq-3x16.json", kind: .vqvae, latentDim: 0, codebookSize: 16,
                                                                   classNames: (0...9).map(String.init), latentShape: [0]),
                                         vqShape: VQShape(height: 4, width: 4, codes: 16, dim: 8, levels: 3), imageWidth: 16, imageHeight: 16)

    /// Every shape the fuzz starts from and the picker loads.
    static let all = shipped + [spatial, residual]
}

/// Plays the runtime's part for the fuzz: answers quick commands at once, as `Runtime` does, and holds
/// background results back to deliver them at random moments, sometimes after the model they were for
/// has been replaced (the runtime drops those by generation; the core must survive them anyway).
struct FuzzDriver {
    var rng: SeededRNG
    var shape: FuzzModelShape
    /// Background results waiting to be delivered, and results made for an earlier model.
    var pending: [Message] = []
    var stale: [Message] = []
    let dataCount: Int
    let keys: [Key]

    init(seed: UInt64, shape: FuzzModelShape, dataCount: Int = 300) {
        rng = SeededRNG(seed: seed)
        self.shape = shape
        self.dataCount = dataCount
        let named: [Key] = [.up, .down, .left, .right, .shiftLeft, .shiftRight, .shiftUp, .shiftDown, .pageUp, .pageDown,
                            .home, .end, .enter, .escape, .tab, .backTab, .backspace, .unknown("ESC [99~")]
        let typed = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+-=_,.<>[]?/*~!#$%&()|\"'`@^:; é∂€漢")
        keys = named + typed.map { Key.char($0) } + Array("abcdefghijklmnopqrstuvwxyz").map { Key.ctrl($0) }
    }

    // MARK: Random input

    mutating func int(_ n: Int) -> Int { rng.nextInt(below: n) }
    mutating func chance(_ p: Double) -> Bool { Double(rng.nextInt(below: 1_000_000)) < p * 1_000_000 }

    /// A random input message: mostly keys, some mouse events (also off screen), resizes and ticks.
    mutating func input(_ m: AppModel) -> Message {
        switch int(100) {
        case 0..<70:
            // 'q' only rarely: quitting ends a real session, the fuzz keeps going to test what follows.
            let k = keys[int(keys.count)]
            return k == .char("q") && !chance(0.1) ? .key(.char("j")) : .key(k)
        case 70..<85:
            let x = int(m.width + 20) - 10, y = int(m.height + 20) - 10
            switch int(3) {
            case 0: return .mouse(.press(x: x, y: y))
            case 1: return .mouse(.wheelUp(x: x, y: y))
            default: return .mouse(.wheelDown(x: x, y: y))
            }
        case 85..<90:
            // Mostly sizes people use; sometimes anything from 1×1 to 300×100.
            if chance(0.5) { return .resize(width: 1 + int(300), height: 1 + int(100)) }
            return .resize(width: 80 + int(80), height: 24 + int(30))
        default:
            return .tick
        }
    }

    // MARK: Answers

    /// Images of the model's size, made once; one in eight has NaN, infinite and out-of-range pixels
    /// (a broken decoder).
    lazy var images: [Image] = (0..<16).map { i in
        let n = shape.imageWidth * shape.imageHeight
        var pixels = (0..<n).map { _ in Float(int(1001)) / 1000 }
        if i % 8 == 7 { for j in 0..<10 { pixels[int(n)] = [Float.nan, .infinity, -.infinity, 7, -3][j % 5] } }
        return Image(width: shape.imageWidth, height: shape.imageHeight, pixels: pixels)
    }

    mutating func image() -> Image { images[int(images.count)] }

    mutating func vector(_ d: Int, scale: Float = 2) -> [Float] {
        (0..<d).map { _ in (Float(int(2001)) / 1000 - 1) * scale }
    }

    mutating func labels(_ n: Int) -> [Int] { (0..<n).map { _ in int(shape.summary.classNames.count) } }

    /// What the runtime would send back for `command`: at once for quick work, later for background work.
    mutating func answer(_ command: Command) -> [Message] {
        let s = shape
        let latent = s.summary.latentDim
        switch command {
        case .decode, .decodeGrid: return [.decoded(image())]
        case .decodeStrip(let kind, let zs, _): return [.stripDecoded(kind, zs.map { _ in image() })]
        case .decodeGrids(let batch, let grids): return [.gridsDecoded(batch, grids.map { _ in image() })]
        case .encodeImage(let index):
            guard (0..<dataCount).contains(index), s.vqShape == nil else { return [.failed("no image \(index)")] }
            let e = EncodedImage(index: index, label: int(s.summary.classNames.count), original: image(),
                                 mu: vector(latent, scale: 4), sigma: vector(latent).map(abs))
            return [.imageEncoded(e, reconstruction: image())]
        case .quantizeImage(let index):
            guard (0..<dataCount).contains(index), let q = s.vqShape else { return [.failed("no image \(index)")] }
            let cells = q.height * q.width, slots = cells * q.levels
            let quantized = QuantizedImage(index: index, label: int(s.summary.classNames.count), original: image(),
                                           codes: (0..<slots).map { _ in int(q.codes) },
                                           features: (0..<cells).map { _ in vector(q.dim) },
                                           distances: (0..<slots).map { _ in vector(q.codes).map(abs) })
            return [.quantized(quantized, reconstruction: image())]
        case .peekImage(let index): return [.peeked(index: index, image())]
        case .showImages(let batch, let indices): return [.gridsDecoded(batch, indices.map { _ in image() })]
        case .project(.pca, let mus): return Runtime.projectPCA(mus).map { [$0] } ?? []
        case .project(let method, let mus):
            pending.append(.projectionProgress(0.5))
            // Sometimes every point lands on one spot (a degenerate layout).
            let flat = chance(0.1) ? [Float](repeating: 1, count: 2 * mus.count) : vector(2 * mus.count, scale: 10)
            pending.append(.projected(method, flat, pca: nil))
            return []
        case .computeDirections(let request):
            // Made in the background; sometimes it fails (a Jacobian of a broken decoder).
            if chance(0.1) { pending.append(.directionsFailed(request.method, "the decoder's output is not a number near this z")); return [] }
            let k = max(1, min(request.count, latent))
            let rows = (0..<k).map { _ -> [Float] in
                let v = vector(latent).map { $0 + 0.01 }, norm = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
                return v.map { $0 / norm }
            }
            pending.append(.directionsReady(LatentDirections(method: request.method, rows: rows,
                                                             scores: (0..<k).map { _ in Double(int(100)) }, std: (0..<k).map { _ in 0.1 + Double(int(30)) / 10 },
                                                             explained: request.method == .pca ? (0..<k).map { _ in 0.05 } : nil,
                                                             base: vector(latent), origin: request.method == .local ? request.z : nil, unit: "variance")))
            return []
        case .measureReconstructions:
            pending.append(.datasetMeasured(.error, (0..<dataCount).map { _ in Float(int(1000)) / 1000 }))
            pending.append(.datasetMeasured(.kl, (0..<dataCount).map { _ in Float(int(100)) }))
            return []
        case .encodeDataset:
            guard s.vqShape == nil else { return [] }
            pending.append(.datasetProgress(Double(int(100)) / 100))
            let mus = (0..<dataCount).map { _ in vector(latent) }, labels = labels(dataCount)
            if chance(0.5) {
                // The scatter growing as a large data set is encoded: parts, then the end.
                var stream = StreamedScatter(labels: labels, interval: 0, slowing: 0, firstFit: 10)
                let cut = max(10, int(dataCount + 1))
                for part in [mus[..<min(cut, mus.count)], mus[min(cut, mus.count)...]] where !part.isEmpty {
                    if let message = stream.add(part) { pending.append(message) }
                }
            }
            pending.append(.datasetEncoded(mus: mus, labels: labels))
            return []
        case .findNeighbours(let index, let z):
            // Sometimes for an image opened since.
            let list = (0..<5).map { _ in (index: int(dataCount), distance: Float(int(100)) / 10) }
            pending.append(.neighboursFound(index: chance(0.2) ? int(dataCount) : index, z.isEmpty ? [] : list))
            return []
        case .quantizeDataset:
            guard let q = s.vqShape else { return [] }
            let cells = q.height * q.width * q.levels
            // Some codes never used: dead codes are part of what the views show.
            let used = max(1, q.codes - int(q.codes / 2))
            pending.append(.datasetQuantized(codes: (0..<dataCount).map { _ in (0..<cells).map { _ in int(used) } },
                                             vectors: (0..<dataCount).map { _ in vector(q.dim) }, labels: labels(dataCount)))
            return []
        case .computeCodebookMap(let method, let level):
            guard let q = s.vqShape else { return [] }
            let points = (0..<200).map { _ in vector(2) }
            pending.append(.codebookMapReady(CodebookMap(method: method, codes: (0..<q.codes).map { _ in vector(2) },
                                                         points: points, pointCodes: points.map { _ in int(q.codes) },
                                                         explained: Double(int(100)) / 100, level: level)))
            return []
        case .samplePrior(let locked, _, _):
            guard let q = s.vqShape else { return [] }
            return [.priorSampled(locked.map { $0 ?? int(q.codes) })]
        case .analyseGrid(let grid, let cell):
            guard let q = s.vqShape else { return [] }
            pending.append(.priorAnalysed(grid: grid, cell: cell, surprise: vector(grid.count, scale: 8).map(abs),
                                          top: (0..<min(6, q.codes)).map { _ in CodeProbability(code: int(q.codes), probability: Float(int(100)) / 100) }))
            return []
        case .loadModel(let path):
            let next = FuzzModelShape.all.first { path.hasSuffix($0.summary.name) } ?? FuzzModelShape.all[int(FuzzModelShape.all.count)]
            pending.append(.modelLoaded(next.summary, vqShape: next.vqShape))
            return []
        case .openAhead:
            return []  // work for the runtime alone: nothing comes back to the app
        case .saveBookmarks:
            return chance(0.1) ? [.failed("could not keep the bookmarks: read-only")] : []
        case .saveFigures(let figures, _):
            pending.append(chance(0.2) ? .failed("could not save the figure: disk full") : .figuresSaved(figures.map { "\($0.name).\($0.fileExtension)" }))
            return []
        case .quit:
            return []
        }
    }

    /// Takes one held-back result to deliver now (random order), or a stale one from an earlier model.
    mutating func backgroundResult() -> Message? {
        if !stale.isEmpty, chance(0.2) { return stale.remove(at: int(stale.count)) }
        guard !pending.isEmpty else { return nil }
        let message = pending.remove(at: int(pending.count))
        if case .modelLoaded(let summary, let vqShape) = message {
            // What was under way for the old model is now stale; keep some of it to deliver anyway.
            stale += pending.prefix(20)
            pending = []
            shape = FuzzModelShape.all.first { $0.summary == summary && $0.vqShape == vqShape } ?? shape
        }
        return message
    }
}

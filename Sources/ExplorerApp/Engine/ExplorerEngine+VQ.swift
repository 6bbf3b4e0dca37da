import Foundation
import LatentCore
import LatentIO
import LatentNN
import LatentProjection
import TermRender

/// The VQ-VAE side of the engine: code grids in, images out; images in, codes, encoder vectors and
/// distances out.
extension ExplorerEngine {
    /// Grid height/width, codes per level, code dimension and levels (codes per cell: a residual VQ's Q).
    public var vqShape: (height: Int, width: Int, codes: Int, dim: Int, levels: Int)? {
        model.quantizer.map { (model.codeGrid.height, model.codeGrid.width, $0.size, $0.dim, $0.levels) }
    }

    /// The same, as the app's value type.
    public var vqShapeValue: VQShape? {
        vqShape.map { VQShape(height: $0.height, width: $0.width, codes: $0.codes, dim: $0.dim, hasPrior: model.gridPrior != nil, levels: $0.levels,
                              scalarLevels: model.quantizer?.scalarLevels ?? []) }
    }

    /// A grid from the learned prior with the locked cells kept (nil without a prior).
    public func samplePrior(locked: [Int?], temperature: Float, seed: UInt64) -> [Int]? {
        guard let prior = model.gridPrior, locked.count == prior.cells else { return nil }
        var rng = SeededRNG(seed: seed, stream: 11)
        return priorAccess.run { prior.sample(count: 1, locked: locked, temperature: temperature, rng: &rng).first }
    }

    /// Each cell's surprise (bits) under the prior and the likeliest codes for `cell`.
    public func analyse(_ grid: [Int], cell: Int, count: Int = 6) -> (surprise: [Float], top: [CodeProbability])? {
        guard let prior = model.gridPrior, grid.count == prior.cells, grid.allSatisfy({ (0..<prior.codebookSize).contains($0) }),
              (0..<prior.cells).contains(cell) else { return nil }
        let (bits, top) = priorAccess.run(background: true) { prior.analyse(grid, cell: cell, count: count) }
        return (bits, top.map { CodeProbability(code: $0.code, probability: $0.probability) })
    }

    /// Images decoded from whole code grids (one image per grid).
    public func decode(grids: [[Int]], background: Bool = false) -> [Image] {
        guard model.quantizer != nil, !grids.isEmpty else { return [] }
        return timed(count: grids.count, background: background) { decode(grids: grids, with: model) }
    }

    /// The decode itself, with `model` (the shared one, or the copy `passOverData` gives).
    func decode(grids: [[Int]], with model: any LatentModel) -> [Image] {
        images(try? model.decodeCodes(grids.flatMap { $0 }), count: grids.count)
    }

    /// Dataset image `index` quantised: its codes, the encoder's vector at every cell and the squared
    /// distance from each vector to every code (seed 001's details view; a residual VQ's level q: from
    /// what the levels before left to level q's codes).
    public func quantize(index: Int) throws -> QuantizedImage? { try quantize(index: index, on: nil) }

    /// `on`: another model and its access (the copy `passOverData` gives), run in the background.
    func quantize(index: Int, on other: (model: any LatentModel, access: ModelAccess)?) throws -> QuantizedImage? {
        let (model, access) = other ?? (self.model, self.access)
        guard let book = model.quantizer else { return nil }
        let pixels = try data.pixels(of: index)
        let x = Tensor(shape: [1] + model.inputShape, data: pixels)
        guard let ze = access.run(background: other != nil, { try? model.encodeGrid(x) }) else { return nil }
        let vectors = book.gridVectors(ze)
        let distances = book.levelDistances(ze)
        let k = book.size, d = book.dim, positions = vectors.shape[0], q = distances.count
        let dist = (0..<(positions * q)).map { slot in Array(distances[slot % q].data[((slot / q) * k)..<((slot / q + 1) * k)]) }
        let codes = book.quantize(ze)
        return QuantizedImage(index: index, label: data.isLabelled ? data.labels[index] : -1, original: image(pixels), codes: codes,
                              features: (0..<positions).map { Array(vectors.data[($0 * d)..<(($0 + 1) * d)]) },
                              distances: dist)
    }

    /// Values per image the scatter of encoder outputs works on: beyond this the grid is average-pooled
    /// (PCA's covariance is d × d: a 32×32 grid of 16-D vectors, unpooled, would be 16,384² values).
    public static let scatterFeatureLimit = 2048

    /// The code grid of every dataset image, in batches (for usage statistics and the prior), and each
    /// image's encoder output flattened (D·h·w values, for the scatter; average-pooled over f×f cells
    /// when that exceeds `scatterFeatureLimit`).
    public func quantizeDataset(progress: (Double) -> Void = { _ in }) throws -> (codes: [[Int]], vectors: [[Float]]) {
        guard let book = model.quantizer else { return ([], []) }
        var out: [[Int]] = [], vectors: [[Float]] = []
        let positions = model.codeGrid.height * model.codeGrid.width, slots = positions * book.levels
        let gh = model.codeGrid.height, gw = model.codeGrid.width
        let pool = (1...max(1, max(gh, gw))).first { f in book.dim * ((gh + f - 1) / f) * ((gw + f - 1) / f) <= Self.scatterFeatureLimit } ?? max(gh, gw)
        // Conv buffers scale with the batch: at most 100 images keeps the peak small.
        try passOverData(limit: 100) { model, access, limit, target in
            try access.inBatches(count: data.count, limit: limit, target: target, prepare: { try data.batch($0) }) { range, x in
            guard let ze = try? model.encodeGrid(x) else { return false }
            let codes = book.quantize(ze)
            let size = book.dim * positions
            for i in 0..<range.count {
                out.append(Array(codes[(i * slots)..<((i + 1) * slots)]))
                let grid = ze.data[(i * size)..<((i + 1) * size)]
                vectors.append(pool == 1 ? Array(grid) : Self.averagePooled(grid, channels: book.dim, height: gh, width: gw, by: pool))
            }
            progress(Double(range.upperBound) / Double(data.count))
            return true
        } }
        return (out, vectors)
    }

    /// A C×H×W grid averaged over f×f blocks (the last ones partial): C×⌈H/f⌉×⌈W/f⌉ values.
    static func averagePooled(_ grid: ArraySlice<Float>, channels: Int, height: Int, width: Int, by f: Int) -> [Float] {
        let oh = (height + f - 1) / f, ow = (width + f - 1) / f
        var out = [Float](repeating: 0, count: channels * oh * ow), count = [Float](repeating: 0, count: oh * ow)
        let base = grid.startIndex
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width { out[(c * oh + y / f) * ow + x / f] += grid[base + (c * height + y) * width + x] }
            }
        }
        for y in 0..<height { for x in 0..<width { count[(y / f) * ow + x / f] += 1 } }
        for i in out.indices { out[i] /= count[i % (oh * ow)] }
        return out
    }

    /// The codebook projected to 2-D — by PCA, or by UMAP of the codebook vectors themselves as seed 000
    /// does — with the dataset's encoder vectors (a sample) placed the same way (PCA's transform, or
    /// UMAP's) and labelled with their nearest code. A residual VQ's level q: its codes, and what the
    /// levels before left of each vector.
    public func codebookMap(_ method: ProjectionMethod = .pca, level: Int = 0, maxPoints: Int = 6000) -> CodebookMap {
        let empty = CodebookMap(method: method, codes: [], points: [], pointCodes: [], explained: 0, level: level)
        guard let book = model.quantizer, (0..<book.levels).contains(level) else { return empty }
        // The model is used in short background batches; the projection runs after it.
        let codebook = book.levelVectors(level)
        let positions = model.codeGrid.height * model.codeGrid.width
        let images = min(data.count, max(1, maxPoints / max(1, positions)))
        var encoded: [Float] = [], gridShape: [Int] = []
        try? dataBatches(count: images, limit: 100) { _, x in
            guard let part = try? model.encodeGrid(x) else { return false }
            encoded += part.data
            gridShape = Array(part.shape.dropFirst())
            return true
        }
        guard !gridShape.isEmpty, encoded.count == images * gridShape.reduce(1, *) else { return empty }
        let ze = Tensor(shape: [images] + gridShape, data: encoded)
        let all = book.quantize(ze)
        let owner = stride(from: level, to: all.count, by: book.levels).map { all[$0] }
        let vectors = book.levels == 1 ? book.gridVectors(ze) : book.levelInputs(ze)[level]
        let codes2D: Tensor, points2D: Tensor, explained: Double
        if method == .umap && book.size > 3 {
            var options = UMAPOptions()
            options.neighbors = min(15, book.size - 1)
            options.threads = ComputeThreads.available
            let fit = UMAP.fit(codebook, options: options)
            codes2D = fit.embedding
            points2D = fit.transform(vectors, data: codebook, threads: ComputeThreads.available)
            explained = 0
        } else {
            // A codebook of NaN (a broken file that still parsed) draws no map rather than trapping.
            guard let pca = try? PCA.fit(codebook, components: 2) else { return empty }
            codes2D = pca.transform(codebook)
            points2D = pca.transform(vectors)
            explained = pca.explainedVarianceRatio.reduce(0, +)
        }
        return CodebookMap(method: method, codes: (0..<book.size).map { [codes2D.data[2 * $0], codes2D.data[2 * $0 + 1]] },
                           points: (0..<points2D.shape[0]).map { [points2D.data[2 * $0], points2D.data[2 * $0 + 1]] },
                           pointCodes: owner, explained: explained, level: level)
    }
}

/// One dataset image as the VQ-VAE sees it.
public struct QuantizedImage: Equatable, Sendable {
    public var index: Int
    public var label: Int
    public var original: Image
    /// Codes per cell (a residual VQ's levels, level fastest), raster order.
    public var codes: [Int]
    /// The encoder's output vector per cell (D values).
    public var features: [[Float]]
    /// Squared distance from each cell's vector to every code (K values per cell and level, in the
    /// codes' order).
    public var distances: [[Float]]
}

/// The codebook in 2D (PCA), with encoder vectors mapped to their nearest code.
public struct CodebookMap: Equatable, Sendable {
    public var method: ProjectionMethod
    public var codes: [[Float]]
    public var points: [[Float]]
    public var pointCodes: [Int]
    /// Variance of the codebook the two axes explain.
    public var explained: Double
    /// The residual VQ level whose codes these are (0 for one codebook).
    public var level: Int = 0
}

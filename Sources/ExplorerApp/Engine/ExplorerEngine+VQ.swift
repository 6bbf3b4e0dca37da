import Foundation
import LatentCore
import LatentIO
import LatentNN
import LatentProjection
import TermRender

/// The VQ-VAE side of the engine: code grids in, images out; images in, codes, encoder vectors and
/// distances out.
extension ExplorerEngine {
    var vq: VQVAEModel? {
        if case .vqvae(let m) = model { return m }
        return nil
    }

    /// Grid height/width, codebook size and code dimension.
    public var vqShape: (height: Int, width: Int, codes: Int, dim: Int)? {
        vq.map { ($0.gridHeight, $0.gridWidth, $0.codebookSize, $0.codeDim) }
    }

    /// The same, as the app's value type.
    public var vqShapeValue: VQShape? { vqShape.map { VQShape(height: $0.height, width: $0.width, codes: $0.codes, dim: $0.dim) } }

    /// Images decoded from whole code grids (one image per grid).
    public func decode(grids: [[Int]]) -> [GreyImage] {
        guard let m = vq, !grids.isEmpty else { return [] }
        lock.lock(); defer { lock.unlock() }
        let out = m.decode(codes: grids.flatMap { $0 })
        let per = out.count / grids.count
        return (0..<grids.count).map { image(out.data[($0 * per)..<(($0 + 1) * per)]) }
    }

    /// Dataset image `index` quantised: its codes, the encoder's vector at every cell and the squared
    /// distance from each vector to every code (seed 001's details view).
    public func quantize(index: Int) -> QuantizedImage {
        guard let m = vq else { preconditionFailure("quantize(index:) needs a VQ-VAE") }
        lock.lock(); defer { lock.unlock() }
        let x = Tensor(shape: [1] + m.config.inputShape, data: Array(data.pixels(of: index)))
        let ze = m.encodeContinuous(x)
        let vectors = m.gridVectors(ze)
        let distances = m.distances(ze)
        let k = m.codebookSize, d = m.codeDim
        let dist = (0..<m.positions).map { Array(distances.data[($0 * k)..<(($0 + 1) * k)]) }
        let codes = dist.map { row in row.indices.min { row[$0] < row[$1] }! }
        return QuantizedImage(index: index, label: data.isLabelled ? data.labels[index] : -1, original: image(data.pixels(of: index)), codes: codes,
                              features: (0..<m.positions).map { Array(vectors.data[($0 * d)..<(($0 + 1) * d)]) },
                              distances: dist)
    }

    /// The code grid of every dataset image, in batches (for usage statistics and the prior), and each
    /// image's encoder output flattened (D·h·w values, for the scatter).
    public func quantizeDataset(progress: (Double) -> Void = { _ in }) -> (codes: [[Int]], vectors: [[Float]]) {
        guard let m = vq else { return ([], []) }
        var out: [[Int]] = [], vectors: [[Float]] = []
        let batch = 100, per = data.pixelsPerImage  // conv buffers scale with the batch: keep the peak small
        for start in stride(from: 0, to: data.count, by: batch) {
            let end = min(data.count, start + batch)
            let x = Tensor(shape: [end - start] + m.config.inputShape, data: Array(data.images.data[(start * per)..<(end * per)]))
            lock.lock()
            let ze = m.encodeContinuous(x)
            let codes = m.quantize(ze)
            lock.unlock()
            let per = m.codeDim * m.positions
            for i in 0..<(end - start) {
                out.append(Array(codes[(i * m.positions)..<((i + 1) * m.positions)]))
                vectors.append(Array(ze.data[(i * per)..<((i + 1) * per)]))
            }
            progress(Double(end) / Double(data.count))
        }
        return (out, vectors)
    }

    /// The codebook projected to 2-D — by PCA, or by UMAP of the codebook vectors themselves as seed 000
    /// does — with the dataset's encoder vectors (a sample) placed the same way (PCA's transform, or
    /// UMAP's) and labelled with their nearest code.
    public func codebookMap(_ method: ProjectionMethod = .pca, maxPoints: Int = 6000) -> CodebookMap {
        guard let m = vq else { return CodebookMap(method: method, codes: [], points: [], pointCodes: [], explained: 0) }
        // The model is used under the lock; the projection runs after it, so decodes are not held up.
        lock.lock()
        let codebook = m.codebook.value
        let images = min(data.count, max(1, maxPoints / m.positions))
        let x = Tensor(shape: [images] + m.config.inputShape, data: Array(data.images.data[0..<(images * data.pixelsPerImage)]))
        let ze = m.encodeContinuous(x)
        let owner = m.quantize(ze)
        let vectors = m.gridVectors(ze)
        lock.unlock()
        let codes2D: Tensor, points2D: Tensor, explained: Double
        if method == .umap && m.codebookSize > 3 {
            var options = UMAPOptions()
            options.neighbors = min(15, m.codebookSize - 1)
            options.threads = ComputeThreads.available
            let fit = UMAP.fit(codebook, options: options)
            codes2D = fit.embedding
            points2D = fit.transform(vectors, data: codebook, threads: ComputeThreads.available)
            explained = 0
        } else {
            let pca = PCA.fit(codebook, components: 2)
            codes2D = pca.transform(codebook)
            points2D = pca.transform(vectors)
            explained = pca.explainedVarianceRatio.reduce(0, +)
        }
        return CodebookMap(method: method, codes: (0..<m.codebookSize).map { [codes2D.data[2 * $0], codes2D.data[2 * $0 + 1]] },
                           points: (0..<points2D.shape[0]).map { [points2D.data[2 * $0], points2D.data[2 * $0 + 1]] },
                           pointCodes: owner, explained: explained)
    }
}

/// One dataset image as the VQ-VAE sees it.
public struct QuantizedImage: Equatable, Sendable {
    public var index: Int
    public var label: Int
    public var original: GreyImage
    /// Code per cell, raster order.
    public var codes: [Int]
    /// The encoder's output vector per cell (D values).
    public var features: [[Float]]
    /// Squared distance from each cell's vector to every code (K values per cell).
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
}

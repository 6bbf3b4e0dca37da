import LatentProjection
import TermRender

/// How the data's latents are laid out in 2-D.
public enum ProjectionMethod: String, Equatable, Sendable, CaseIterable {
    case pca, umap
}

/// The scatter panel: the encoded dataset projected to 2-D, coloured by class, with a cursor.
public struct ScatterState: Sendable {
    public var method: ProjectionMethod = .pca
    /// μ of every dataset image (the projection's input) and the labels.
    public var mus: [[Float]] = []
    public var labels: [Int] = []
    public var pca: PCA?
    public var pcaPoints: [(Float, Float)] = []
    public var umapPoints: [(Float, Float)] = []
    public var hidden: Set<Int> = []
    /// Cursor in cells of the plot area, from its top-left.
    public var cursor = (column: 0, row: 0)
    /// Zoom factor around the centre of the data (1 = everything fits).
    public var zoom: Float = 1

    /// A line walked across the map (seed 002's line sampling): its ends in data coordinates and the
    /// latent decoded at each step.
    public var walkStart: (Float, Float)?
    public var walkEnd: (Float, Float)?
    public var walk: [[Float]] = []
    /// Per step: the latent distance from the step's z to the nearest data latent (0 when the step is a
    /// data point, as with nearest-point sampling).
    public var walkDistances: [Float] = []
    /// Steps take the nearest data point's μ (the seed's method), or blend the μ of the 10 nearest points
    /// weighted by 1/distance in 2-D (umap-learn's inverse_transform before its refinement).
    public var blendWalk = false
    public var walkFrame: Int?

    public init() {}

    /// The latents along the walk from `a` to `b` (in data coordinates), `steps` of them.
    public func walkLatents(from a: (Float, Float), to b: (Float, Float), steps: Int) -> (zs: [[Float]], distances: [Float]) {
        guard steps > 0, !mus.isEmpty, points.count == mus.count else { return ([], []) }
        var zs: [[Float]] = [], dist: [Float] = []
        for s in 0..<steps {
            let t = steps == 1 ? 0 : Float(s) / Float(steps - 1)
            let p = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
            let d2 = points.map { ($0.0 - p.0) * ($0.0 - p.0) + ($0.1 - p.1) * ($0.1 - p.1) }
            let order = d2.indices.sorted { d2[$0] < d2[$1] }
            guard let first = order.first else { continue }
            if !blendWalk {
                zs.append(mus[first]); dist.append(0)
                continue
            }
            var z = [Float](repeating: 0, count: mus[first].count), wsum: Float = 0
            for i in order.prefix(10) {
                let w = 1 / (d2[i].squareRoot() + 1e-3)
                for j in z.indices { z[j] += w * mus[i][j] }
                wsum += w
            }
            z = z.map { $0 / wsum }
            zs.append(z)
            dist.append(mus.map { mu in zip(mu, z).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }.min()!.squareRoot())
        }
        return (zs, dist)
    }

    public var points: [(Float, Float)] { method == .pca ? pcaPoints : umapPoints }
    public var isReady: Bool { !points.isEmpty }

    /// The bounds the plot shows: the data's, shrunk around its centre by the zoom.
    public var bounds: ScatterRaster.Bounds {
        let full = ScatterRaster.Bounds.fitting(points)
        guard zoom > 1 else { return full }
        let cx = (full.minX + full.maxX) / 2, cy = (full.minY + full.maxY) / 2
        let hx = (full.maxX - full.minX) / 2 / zoom, hy = (full.maxY - full.minY) / 2 / zoom
        return ScatterRaster.Bounds(minX: cx - hx, maxX: cx + hx, minY: cy - hy, maxY: cy + hy)
    }

    /// The data coordinates at the centre of a plot cell.
    public func dataPoint(column: Int, row: Int, columns: Int, rows: Int) -> (Float, Float) {
        let b = bounds
        return (b.minX + (Float(column) + 0.5) / Float(columns) * (b.maxX - b.minX),
                b.maxY - (Float(row) + 0.5) / Float(rows) * (b.maxY - b.minY))
    }

    /// The visible data point nearest to a position in data coordinates.
    public func nearest(to p: (Float, Float)) -> Int? {
        var best: Int?, bestD = Float.infinity
        for (i, q) in points.enumerated() where !hidden.contains(labels[safe: i] ?? -1) {
            let d = (q.0 - p.0) * (q.0 - p.0) + (q.1 - p.1) * (q.1 - p.1)
            if d < bestD { bestD = d; best = i }
        }
        return best
    }

    /// Where a latent z sits on the plot: PCA's transform, or for UMAP the distance-weighted mean of the
    /// embedded positions of its 10 nearest data latents (how umap-learn starts placing new points).
    public func position(of z: [Float]) -> (Float, Float)? {
        switch method {
        case .pca:
            guard let pca, z.count == pca.dimension else { return nil }
            var p: [Float] = [0, 0]
            for c in 0..<min(2, pca.componentCount) {
                for j in 0..<pca.dimension { p[c] += (z[j] - pca.mean[j]) * pca.components.data[c * pca.dimension + j] }
            }
            return (p[0], p[1])
        case .umap:
            guard !umapPoints.isEmpty, mus.count == umapPoints.count else { return nil }
            let d = mus.map { mu in zip(mu, z).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            let near = d.indices.sorted { d[$0] < d[$1] }.prefix(10)
            var wx: Float = 0, wy: Float = 0, ws: Float = 0
            for i in near {
                let w = 1 / (d[i].squareRoot() + 1e-3)
                wx += w * umapPoints[i].0; wy += w * umapPoints[i].1; ws += w
            }
            return ws > 0 ? (wx / ws, wy / ws) : nil
        }
    }
}

import LatentCore
import LatentProjection
import TermRender

/// How the data's latents are laid out in 2-D.
public enum ProjectionMethod: String, Equatable, Sendable, CaseIterable {
    case pca, umap, tsne

    public var title: String { self == .pca ? "PCA" : self == .umap ? "UMAP" : "t-SNE" }
    /// The next one `u` switches to in the scatter.
    public var next: ProjectionMethod { self == .pca ? .umap : self == .umap ? .tsne : .pca }
}

/// The scatter panel: the encoded dataset projected to 2-D, coloured by class, with a cursor.
public struct ScatterState: Sendable {
    public var method: ProjectionMethod = .pca
    /// μ of every dataset image (the projection's input) and the labels (empty for unlabelled data).
    public var mus: [[Float]] = [] {
        didSet {
            musSample = Self.rowSample(mus)
            musVersion = ScatterCaches.nextVersion()
        }
    }
    /// Changes with every change of `mus`: what the slider tracks' kept counts are keyed by.
    public private(set) var musVersion = ScatterCaches.nextVersion()
    /// Up to 5,000 of `mus`, evenly spaced, flattened row by row (`dimension` values a row): what the
    /// slider tracks draw the data's density from every frame without touching every latent.
    public private(set) var musSample: (dimension: Int, values: [Float]) = (0, [])

    static func rowSample(_ mus: [[Float]]) -> (dimension: Int, values: [Float]) {
        guard let d = mus.first?.count, d > 0 else { return (0, []) }
        let rows = Explorer.evenSample(mus, limit: max(1, min(5_000, 2_000_000 / d)))
        var values: [Float] = []
        values.reserveCapacity(rows.count * d)
        for row in rows where row.count == d { values += row }
        return (d, values)
    }

    /// Dimension `d` of the sampled latents.
    func sampledColumn(_ d: Int) -> [Float] {
        let (dim, values) = musSample
        guard d >= 0, d < dim else { return [] }
        return stride(from: d, to: values.count, by: dim).map { values[$0] }
    }
    public var labels: [Int] = []

    public var isLabelled: Bool { !labels.isEmpty }
    /// The class a point is coloured by: its label, or 0 for every point of unlabelled data (one colour).
    public func colourClass(of i: Int) -> Int { labels[safe: i] ?? 0 }
    /// What the points are coloured by (`z`), and the per-image values of each measure (one per point).
    public var colouring: ScatterColouring = .classes
    public var measures: [ScatterColouring: [Float]] = [:] {
        didSet { measureRanges = measures.compactMapValues(Self.percentileRange) }
    }
    /// Each measure's colour scale (see `percentileRange`), kept: it is read for every point drawn.
    private(set) var measureRanges: [ScatterColouring: (Float, Float)] = [:]
    public var pca: PCA?
    public var pcaPoints: [(Float, Float)] = [] {
        didSet { pointsChanged(.pca) }
    }
    public var umapPoints: [(Float, Float)] = [] {
        didSet { umapMap = Self.map(umapPoints, mus); pointsChanged(.umap) }
    }
    /// The UMAP coordinates as a map new latents can be placed into (with `mus` as its data).
    public private(set) var umapMap: (map: UMAPMap, data: Tensor)?
    public var tsnePoints: [(Float, Float)] = [] {
        didSet { pointsChanged(.tsne) }
    }
    /// Changes with every change of the points, to a number no other set of points has had: what the
    /// kept index and raster are keyed by.
    public private(set) var pointsVersion = ScatterCaches.nextVersion()
    /// Changes when the points are replaced, not when they grow (`appendPCAPoints`): a raster counted
    /// from the same lineage's first points counts on from where it stopped.
    public private(set) var pointsLineage = 0
    /// Each method's points' bounding box (kept, and grown part by part: a million points take a
    /// millisecond to measure).
    private var extents: [ProjectionMethod: ScatterRaster.Extent] = [:]
    /// What each method's plot shows at zoom 1: the box with a margin. While points are appended (a
    /// data set being encoded) it stays as long as every point lies inside it, so the kept density plot
    /// is counted on rather than counted anew each time a part brings a new extreme point.
    private var fullBounds: [ProjectionMethod: ScatterRaster.Bounds] = [:]
    /// How many PCA points were there before an append (nil: the points were replaced).
    private var appendedFrom: Int?
    let caches = ScatterCaches()
    /// From this many points on, the nearest point is found through a grid index.
    static let indexedFrom = 50_000

    private mutating func pointsChanged(_ method: ProjectionMethod) {
        pointsVersion = ScatterCaches.nextVersion()
        let points = points(of: method)
        var extent = ScatterRaster.Extent()
        if method == .pca, let from = appendedFrom, let grown = extents[method] {
            extent = grown
            extent.include(points[from...])
        } else {
            extent.include(points[...])
            pointsLineage = pointsVersion
            fullBounds[method] = nil
        }
        extents[method] = extent
        if let box = extent.box, let shown = fullBounds[method], shown.contains(box) { return }
        fullBounds[method] = extent.padded(margin: ScatterRaster.Bounds.plotMargin)
    }

    /// Room for `count` points (a data set being encoded: its size is known from the start), so that
    /// appending a part never copies all the points so far into a larger array on the frame thread.
    public mutating func reserveCapacity(_ count: Int) {
        mus.reserveCapacity(count)
        labels.reserveCapacity(count)
        pcaPoints.reserveCapacity(count)
    }

    /// Appends PCA points (a large data set's next encoded part): the bounds, and a kept density raster
    /// of the same view, take in only the new points.
    public mutating func appendPCAPoints(_ new: [(Float, Float)]) {
        appendedFrom = pcaPoints.count
        defer { appendedFrom = nil }
        pcaPoints += new
    }

    /// Takes a nearest-point index built (in the background) for `method`'s points as they are now.
    public mutating func adopt(_ index: ScatterIndex?, for method: ProjectionMethod) {
        guard let index, index.count == points(of: method).count else { return }
        caches.adopt(index, version: pointsVersion, method: method)
    }

    /// The bounds that fit all of the current method's points.
    var dataBounds: ScatterRaster.Bounds { fullBounds[method] ?? ScatterRaster.Bounds.fitting(points) }
    public var hidden: Set<Int> = []
    /// The image of the point nearest the cursor, shown beside the plot's corner.
    public var peek: (index: Int, image: Image)?
    /// Cursor in cells of the plot area, from its top-left.
    public var cursor = (column: 0, row: 0)
    /// Zoom factor (1 = everything fits), and the data point at the plot's centre when zoomed in
    /// (nil: the centre of the data).
    public private(set) var zoom: Float = 1
    public private(set) var center: (Float, Float)?

    /// A line walked across the map (seed 002's line sampling): its ends in data coordinates and the
    /// latent decoded at each step.
    public var walkStart: (Float, Float)?
    public var walkEnd: (Float, Float)?
    /// A free path being recorded from the cursor's moves (nil when not recording), and the last
    /// recorded path, which the walk then follows instead of the A–B line.
    public var recording: [(Float, Float)]?
    public var path: [(Float, Float)] = []

    /// The polyline the walk follows: the recorded path, or the line from A to B.
    public var walkPolyline: [(Float, Float)] {
        if path.count >= 2 { return path }
        if let a = walkStart, let b = walkEnd { return [a, b] }
        return []
    }
    public var walk: [[Float]] = []
    /// Per step: the latent distance from the step's z to the nearest data latent (0 when the step is a
    /// data point, as with nearest-point sampling).
    public var walkDistances: [Float] = []
    /// Per step: the data point nearest it on the map (the point itself for nearest-point steps).
    public var walkNearest: [Int] = []
    /// Steps take the nearest data point's μ (the seed's method), or blend the μ of the 10 nearest points
    /// weighted by 1/distance in 2-D (umap-learn's inverse_transform before its refinement).
    public var blendWalk = false
    public var walkFrame: Int?

    public init() {}

    /// The curve of the explorer's UMAP settings (umapOptions' min_dist and spread), fitted once.
    static let curve = UMAP.fitAB(minDist: UMAPOptions().minDist, spread: UMAPOptions().spread)

    static func map(_ points: [(Float, Float)], _ mus: [[Float]]) -> (map: UMAPMap, data: Tensor)? {
        guard !points.isEmpty, points.count == mus.count, let d = mus.first?.count, d > 0 else { return nil }
        let embedding = Tensor(shape: [points.count, 2], data: points.flatMap { [$0.0, $0.1] })
        return (UMAPMap(embedding: embedding, a: curve.a, b: curve.b, neighbors: UMAPOptions().neighbors),
                Tensor(shape: [mus.count, d], data: mus.flatMap { $0 }))
    }

    /// `steps` points spaced evenly by length along a polyline.
    public static func resample(_ line: [(Float, Float)], steps: Int) -> [(Float, Float)] {
        guard let first = line.first, line.count >= 2, steps >= 2 else { return line.first.map { [$0] } ?? [] }
        var lengths: [Float] = [0]
        for i in 1..<line.count {
            let dx = line[i].0 - line[i - 1].0, dy = line[i].1 - line[i - 1].1
            lengths.append(lengths[i - 1] + (dx * dx + dy * dy).squareRoot())
        }
        let total = lengths.last!
        guard total > 0 else { return Array(repeating: first, count: steps) }
        var out: [(Float, Float)] = [], segment = 1
        for s in 0..<steps {
            let target = total * Float(s) / Float(steps - 1)
            while segment < line.count - 1 && lengths[segment] < target { segment += 1 }
            let span = max(lengths[segment] - lengths[segment - 1], 1e-12)
            let u = min(1, max(0, (target - lengths[segment - 1]) / span))
            let a = line[segment - 1], b = line[segment]
            out.append((a.0 + (b.0 - a.0) * u, a.1 + (b.1 - a.1) * u))
        }
        return out
    }

    /// The latents along a polyline (in data coordinates), `steps` of them evenly spaced by length.
    /// Each step also names the data point nearest it on the map (the one a nearest-point step takes).
    public func walkLatents(along line: [(Float, Float)], steps: Int) -> (zs: [[Float]], distances: [Float], nearest: [Int]) {
        guard steps > 0, !mus.isEmpty, points.count == mus.count, !line.isEmpty else { return ([], [], []) }
        var zs: [[Float]] = [], dist: [Float] = [], nearestPoints: [Int] = []
        for p in Self.resample(line, steps: steps) {
            if !blendWalk {
                guard let first = nearest(to: p, includingHidden: true) else { continue }
                nearestPoints.append(first)
                zs.append(mus[first]); dist.append(0)
                continue
            }
            // The 10 nearest on the map, nearest first (a running list: one pass, not a sort of every point).
            var order: [(d: Float, i: Int)] = []
            for (i, q) in points.enumerated() {
                let d = (q.0 - p.0) * (q.0 - p.0) + (q.1 - p.1) * (q.1 - p.1)
                guard order.count < 10 || d < order[order.count - 1].d else { continue }
                let at = order.firstIndex { d < $0.d } ?? order.count
                order.insert((d, i), at: at)
                if order.count > 10 { order.removeLast() }
            }
            guard let first = order.first?.i else { continue }
            nearestPoints.append(first)
            var z = [Float](repeating: 0, count: mus[first].count), wsum: Float = 0
            for (d2, i) in order {
                let w = 1 / (d2.squareRoot() + 1e-3)
                for j in z.indices { z[j] += w * mus[i][j] }
                wsum += w
            }
            z = z.map { $0 / wsum }
            zs.append(z)
            dist.append(mus.map { mu in zip(mu, z).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }.min()!.squareRoot())
        }
        return (zs, dist, nearestPoints)
    }

    public var points: [(Float, Float)] {
        switch method {
        case .pca: pcaPoints
        case .umap: umapPoints
        case .tsne: tsnePoints
        }
    }

    /// The computed coordinates of a method (empty until they arrive).
    public func points(of method: ProjectionMethod) -> [(Float, Float)] {
        switch method {
        case .pca: pcaPoints
        case .umap: umapPoints
        case .tsne: tsnePoints
        }
    }
    public var isReady: Bool { !points.isEmpty }

    /// The bounds the plot shows: the data's, shrunk by the zoom around `center`.
    public var bounds: ScatterRaster.Bounds {
        let full = dataBounds
        guard zoom > 1 else { return full }
        let (cx, cy) = center ?? ((full.minX + full.maxX) / 2, (full.minY + full.maxY) / 2)
        let hx = (full.maxX - full.minX) / 2 / zoom, hy = (full.maxY - full.minY) / 2 / zoom
        return ScatterRaster.Bounds(minX: cx - hx, maxX: cx + hx, minY: cy - hy, maxY: cy + hy)
    }

    /// Zooms by `factor` (within 1…16) keeping the data point `p` where it is on the plot, as map
    /// viewers zoom toward the pointer.
    public mutating func zoom(by factor: Float, around p: (Float, Float)) {
        let full = dataBounds
        let newZoom = min(16, max(1, zoom * factor))
        let f = newZoom / zoom
        guard f != 1 else { return }
        let c = center ?? ((full.minX + full.maxX) / 2, (full.minY + full.maxY) / 2)
        zoom = newZoom
        center = zoom == 1 ? nil : (p.0 + (c.0 - p.0) / f, p.1 + (c.1 - p.1) / f)
        keepCenterInData()
    }

    /// Moves the zoomed view by whole plot cells (right and down positive).
    public mutating func pan(columns: Int, rows: Int, plotColumns: Int, plotRows: Int) {
        guard zoom > 1, plotColumns > 0, plotRows > 0 else { return }
        let b = bounds
        let c = ((b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2)
        center = (c.0 + (b.maxX - b.minX) / Float(plotColumns) * Float(columns),
                  c.1 - (b.maxY - b.minY) / Float(plotRows) * Float(rows))
        keepCenterInData()
    }

    /// The view's centre stays over the data, so some of it is always in sight.
    private mutating func keepCenterInData() {
        guard let c = center else { return }
        let full = dataBounds
        center = (min(max(c.0, full.minX), full.maxX), min(max(c.1, full.minY), full.maxY))
    }

    /// The data coordinates at the centre of a plot cell.
    public func dataPoint(column: Int, row: Int, columns: Int, rows: Int) -> (Float, Float) {
        let b = bounds
        return (b.minX + (Float(column) + 0.5) / Float(columns) * (b.maxX - b.minX),
                b.maxY - (Float(row) + 0.5) / Float(rows) * (b.maxY - b.minY))
    }

    /// The visible data point nearest to a position in data coordinates (or any point, hidden or not).
    public func nearest(to p: (Float, Float), includingHidden: Bool = false) -> Int? {
        let all = hidden.isEmpty || includingHidden
        if points.count >= Self.indexedFrom {
            let points = self.points
            let index = caches.index(version: pointsVersion, method: method) { ScatterIndex(points: points) }
            if all { return index.nearest(to: p, in: points) { _ in true } }
            return index.nearest(to: p, in: points) { !hidden.contains(labels[safe: $0] ?? -1) }
        }
        var best: Int?, bestD = Float.infinity
        let shown = all ? nil : points.indices.map { !hidden.contains(labels[safe: $0] ?? -1) }
        for (i, q) in points.enumerated() where shown?[i] ?? true {
            let d = (q.0 - p.0) * (q.0 - p.0) + (q.1 - p.1) * (q.1 - p.1)
            if d < bestD { bestD = d; best = i }
        }
        return best
    }

    /// Where a latent z sits on the plot: PCA's transform, UMAP's, or — t-SNE has none — the
    /// 1/distance-weighted mean of its 10 nearest data latents' positions.
    public func position(of z: [Float]) -> (Float, Float)? {
        // Kept per set of points and z: UMAP's and t-SNE's placements look at every point, and the
        // scatter draws the marker every frame.
        caches.position(version: pointsVersion, method: method, z: z) { computePosition(of: z) }
    }

    private func computePosition(of z: [Float]) -> (Float, Float)? {
        switch method {
        case .pca:
            guard let pca, z.count == pca.dimension else { return nil }
            let p = pca.transform(Tensor(shape: [1, z.count], data: z)).data
            return (p[0], p.count > 1 ? p[1] : 0)
        case .umap:
            // umap-learn's transform: start at the membership-weighted mean of the nearest latents'
            // positions, then a few epochs of SGD against the fixed map (~20 µs for 1,000 points).
            guard let (map, data) = umapMap, z.count == data.shape[1] else { return nil }
            let p = map.transform(Tensor(shape: [1, z.count], data: z), data: data).data
            return (p[0], p[1])
        case .tsne:
            guard tsnePoints.count == mus.count, z.count == mus.first?.count else { return nil }
            let d = mus.map { mu in zip(mu, z).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() }
            var wx: Float = 0, wy: Float = 0, ws: Float = 0
            for i in d.indices.sorted(by: { d[$0] < d[$1] }).prefix(10) {
                let w = 1 / (d[i] + 1e-3)
                wx += w * tsnePoints[i].0; wy += w * tsnePoints[i].1; ws += w
            }
            return ws > 0 ? (wx / ws, wy / ws) : nil
        }
    }
}

import Foundation
import Synchronization
import TermRender

/// The scatter's points in a uniform grid of buckets: the cursor's nearest point among a million in a
/// few rings of buckets instead of a pass over all of them. Built once per set of points.
public final class ScatterIndex: Sendable {
    /// How many points it indexes.
    let count: Int
    private let minX: Float, minY: Float, cellWidth: Float, cellHeight: Float
    private let side: Int
    /// Bucket b holds `order[starts[b] ..< starts[b + 1]]`, buckets row by row from the bottom left.
    private let starts: [Int32]
    private let order: [Int32]

    init(points: [(Float, Float)]) {
        count = points.count
        let b = ScatterRaster.Bounds.fitting(points, margin: 0)
        // About four points a bucket.
        side = max(1, min(2048, Int(Double(points.count / 4).squareRoot())))
        minX = b.minX
        minY = b.minY
        cellWidth = max(b.maxX - b.minX, 1e-12) / Float(side)
        cellHeight = max(b.maxY - b.minY, 1e-12) / Float(side)
        var counts = [Int32](repeating: 0, count: side * side + 1)
        var bucketOf = [Int32](repeating: -1, count: points.count)
        for (i, p) in points.enumerated() {
            guard p.0.isFinite, p.1.isFinite else { continue }
            let bucket = Self.bucket(p, minX, minY, cellWidth, cellHeight, side)
            bucketOf[i] = Int32(bucket)
            counts[bucket + 1] += 1
        }
        for i in 1..<counts.count { counts[i] += counts[i - 1] }
        var fill = counts
        var order = [Int32](repeating: 0, count: Int(counts[side * side]))
        for i in points.indices where bucketOf[i] >= 0 {
            let bucket = Int(bucketOf[i])
            order[Int(fill[bucket])] = Int32(i)
            fill[bucket] += 1
        }
        starts = counts
        self.order = order
    }

    /// The index of points given as x, y pairs, when there are enough to need one.
    static func forLarge(_ flat: [Float]) -> ScatterIndex? {
        guard flat.count / 2 >= ScatterState.indexedFrom else { return nil }
        return ScatterIndex(points: stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) })
    }

    private static func bucket(_ p: (Float, Float), _ minX: Float, _ minY: Float, _ w: Float, _ h: Float, _ side: Int) -> Int {
        let cx = min(side - 1, max(0, Int((p.0 - minX) / w))), cy = min(side - 1, max(0, Int((p.1 - minY) / h)))
        return cy * side + cx
    }

    /// The point nearest `p` among those `include` lets through (the smallest index among equals, as a
    /// pass over all points in order finds it).
    func nearest(to p: (Float, Float), in points: [(Float, Float)], include: (Int) -> Bool) -> Int? {
        guard p.0.isFinite, p.1.isFinite else { return nil }
        let cx = min(side - 1, max(0, Int(((p.0 - minX) / cellWidth).rounded(.down))))
        let cy = min(side - 1, max(0, Int(((p.1 - minY) / cellHeight).rounded(.down))))
        var best: Int?, bestD = Float.infinity
        func visit(_ x: Int, _ y: Int) {
            guard x >= 0, y >= 0, x < side, y < side else { return }
            let bucket = y * side + x
            for k in Int(starts[bucket])..<Int(starts[bucket + 1]) {
                let i = Int(order[k])
                let q = points[i]
                let d = (q.0 - p.0) * (q.0 - p.0) + (q.1 - p.1) * (q.1 - p.1)
                if (d < bestD || (d == bestD && i < (best ?? .max))) && include(i) { bestD = d; best = i }
            }
        }
        for r in 0..<side {
            if r == 0 {
                visit(cx, cy)
            } else {
                for x in (cx - r)...(cx + r) { visit(x, cy - r); visit(x, cy + r) }
                for y in (cy - r + 1)...(cy + r - 1) { visit(cx - r, y); visit(cx + r, y) }
            }
            // Every point not yet visited lies in a bucket beyond ring r on some side that has buckets
            // left: no nearer to p than that side's edge of the box of rings 0…r. A side with no bucket
            // left bounds nothing, so a cursor off the data (in the plot's margin, past the grid) stops as
            // soon as the rings have passed its nearest point, instead of scanning every bucket.
            var margin = Float.infinity
            if cx - r > 0 { margin = min(margin, max(0, p.0 - (minX + Float(cx - r) * cellWidth))) }
            if cx + r < side - 1 { margin = min(margin, max(0, minX + Float(cx + r + 1) * cellWidth - p.0)) }
            if cy - r > 0 { margin = min(margin, max(0, p.1 - (minY + Float(cy - r) * cellHeight))) }
            if cy + r < side - 1 { margin = min(margin, max(0, minY + Float(cy + r + 1) * cellHeight - p.1)) }
            if margin == .infinity { break }  // every bucket visited
            if best != nil, margin * margin > bestD { break }
        }
        return best
    }
}

/// What the scatter computes once per set of points and keeps (shared by copies of the state: the
/// entries are keyed by `ScatterState.pointsVersion`, unique to each set).
final class ScatterCaches: @unchecked Sendable {
    private let lock = NSLock()
    private var index: (version: Int, method: ProjectionMethod, index: ScatterIndex)?
    private var raster: (key: ScatterRasterKey, cells: [Cell], grid: ScatterRaster.DensityGrid?)?
    private var position: (version: Int, method: ProjectionMethod, z: [Float], at: (Float, Float)?)?
    /// The slider tracks' data counts, for one set of latents (every frame draws them all).
    private var tracks: (version: Int, counts: [TrackCountsKey: [Int]]) = (0, [:])

    func position(version: Int, method: ProjectionMethod, z: [Float], _ make: () -> (Float, Float)?) -> (Float, Float)? {
        if let kept = lock.withLock({ position }), kept.version == version, kept.method == method, kept.z == z { return kept.at }
        let made = make()
        lock.withLock { position = (version, method, z, made) }
        return made
    }

    func adopt(_ made: ScatterIndex, version: Int, method: ProjectionMethod) {
        lock.withLock { index = (version, method, made) }
    }

    func index(version: Int, method: ProjectionMethod, _ make: () -> ScatterIndex) -> ScatterIndex {
        lock.withLock {
            if let index, index.version == version, index.method == method { return index.index }
            let made = make()
            index = (version, method, made)
            return made
        }
    }

    /// The density grid the kept plot was drawn from (tests check that a part was counted on to it).
    var keptGrid: ScatterRaster.DensityGrid? { lock.withLock { raster?.grid } }

    /// The plot's cells for `key`: the kept ones, or `make`'s. `make` gets the kept density grid when
    /// the points have only grown since it was counted for the same view, to count just the new ones on.
    func raster(_ key: ScatterRasterKey,
                _ make: (_ grown: ScatterRaster.DensityGrid?) -> (cells: [Cell], grid: ScatterRaster.DensityGrid?)) -> [Cell] {
        lock.withLock {
            if let raster, raster.key == key { return raster.cells }
            let grown = raster.flatMap { key.hasGrown(from: $0.key) ? $0.grid : nil }
            let made = make(grown)
            raster = (key, made.cells, made.grid)
            return made.cells
        }
    }

    func trackCounts(_ key: TrackCountsKey, _ make: () -> [Int]) -> [Int] {
        if let kept = lock.withLock({ tracks.version == key.version ? tracks.counts[key] : nil }) { return kept }
        let made = make()
        lock.withLock {
            if tracks.version != key.version { tracks = (key.version, [:]) }
            tracks.counts[key] = made
        }
        return made
    }

    /// A new number for each set of points, in every copy of the state.
    static func nextVersion() -> Int { versions.add(1, ordering: .relaxed).newValue }
    private static let versions = Atomic<Int>(0)
}

/// Everything the drawn points of the scatter depend on.
struct ScatterRasterKey: Equatable {
    var version: Int
    /// The points' lineage (`ScatterState.pointsLineage`) and how many there are.
    var lineage: Int, count: Int
    var method: ProjectionMethod
    var bounds: ScatterRaster.Bounds
    var columns: Int, rows: Int
    var hidden: Set<Int>
    var colouring: ScatterColouring
    var measured: Int
    var monochrome: Bool

    /// The same view of the same points, which have only been appended to since `earlier`.
    func hasGrown(from earlier: ScatterRasterKey) -> Bool {
        var same = earlier
        same.version = version
        same.count = count
        return same == self && earlier.count <= count
    }
}

/// What a slider track's data counts depend on: the latents (`ScatterState.musVersion`), the
/// dimension, the axis and the track's width.
struct TrackCountsKey: Hashable {
    var version: Int
    var dimension: Int
    var axis: ClosedRange<Float>
    var width: Int
}

import Foundation

/// 2-D points drawn as braille dots (2×4 per cell), each cell coloured by the class most of its points
/// belong to (last-writer-wins would mis-colour about a third of a dense 10-class plot).
public enum ScatterRaster {
    public struct Bounds: Equatable, Sendable {
        public var minX: Float, maxX: Float, minY: Float, maxY: Float
        public init(minX: Float, maxX: Float, minY: Float, maxY: Float) {
            self.minX = minX; self.maxX = maxX; self.minY = minY; self.maxY = maxY
        }

        /// Whether `box` lies inside (edges included).
        public func contains(_ box: Bounds) -> Bool {
            minX <= box.minX && box.maxX <= maxX && minY <= box.minY && box.maxY <= maxY
        }

        /// What a plot leaves around its points, as a share of their spread.
        public static let plotMargin: Float = 0.05

        /// The bounding box of `points`, padded by `margin` of its size (never empty).
        public static func fitting(_ points: [(Float, Float)], margin: Float = plotMargin) -> Bounds {
            var extent = Extent()
            extent.include(points[...])
            return extent.padded(margin: margin)
        }
    }

    /// The smallest box around the points seen so far, grown point by point: a scatter that grows by
    /// parts measures only each new part, not every point again (a million take a millisecond).
    public struct Extent: Equatable, Sendable {
        /// nil before the first point.
        public private(set) var box: Bounds?
        public init() {}

        public mutating func include(_ points: ArraySlice<(Float, Float)>) {
            guard let first = points.first else { return }
            var b = box ?? Bounds(minX: first.0, maxX: first.0, minY: first.1, maxY: first.1)
            for (x, y) in points { b.minX = min(b.minX, x); b.maxX = max(b.maxX, x); b.minY = min(b.minY, y); b.maxY = max(b.maxY, y) }
            box = b
        }

        /// The box padded by `margin` of its size (never empty; the unit square's double before any point).
        public func padded(margin: Float) -> Bounds {
            guard let b = box else { return Bounds(minX: -1, maxX: 1, minY: -1, maxY: 1) }
            let dx = max(b.maxX - b.minX, 1e-6) * margin, dy = max(b.maxY - b.minY, 1e-6) * margin
            return Bounds(minX: b.minX - dx, maxX: b.maxX + dx, minY: b.minY - dy, maxY: b.maxY + dy)
        }
    }

    /// The cell (column, row) a point falls in, or nil outside; y grows upwards.
    public static func cell(of p: (Float, Float), bounds b: Bounds, columns: Int, rows: Int) -> (Int, Int)? {
        let dot = self.dot(of: p, bounds: b, columns: columns, rows: rows)
        return dot.map { ($0.0 / 2, $0.1 / 4) }
    }

    static func dot(of p: (Float, Float), bounds b: Bounds, columns: Int, rows: Int) -> (Int, Int)? {
        let fx = (p.0 - b.minX) / (b.maxX - b.minX), fy = (b.maxY - p.1) / (b.maxY - b.minY)
        guard fx.isFinite, fy.isFinite, fx >= 0, fx <= 1, fy >= 0, fy <= 1 else { return nil }
        return (min(columns * 2 - 1, Int(fx * Float(columns * 2))), min(rows * 4 - 1, Int(fy * Float(rows * 4))))
    }

    public static func cells(points: [(Float, Float)], classes: [Int], color: (Int) -> RGB, columns: Int, rows: Int,
                             bounds: Bounds) -> [Cell] {
        guard columns > 0, rows > 0 else { return [] }
        var bits = [UInt32](repeating: 0, count: columns * rows)
        var votes = [[Int: Int]](repeating: [:], count: columns * rows)
        for (i, p) in points.enumerated() {
            guard let (dx, dy) = dot(of: p, bounds: bounds, columns: columns, rows: rows) else { continue }
            let cell = (dy / 4) * columns + dx / 2
            bits[cell] |= ImageRaster.brailleBits[dx % 2][dy % 4]
            votes[cell][classes[safe: i] ?? 0, default: 0] += 1
        }
        return (0..<(columns * rows)).map { c in
            guard bits[c] != 0, let top = votes[c].max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) else {
                return Cell(" ")
            }
            return Cell(Unicode.Scalar(0x2800 + bits[c])!, Style(fg: .rgb(color(top.key))))
        }
    }
}

extension ScatterRaster {
    /// The majority class of the points in each cell (nil where there are none).
    public static func majority(points: [(Float, Float)], classes: [Int], columns: Int, rows: Int, bounds: Bounds) -> [Int?] {
        var votes = [[Int: Int]](repeating: [:], count: max(0, columns * rows))
        for (i, p) in points.enumerated() {
            guard let (cx, cy) = cell(of: p, bounds: bounds, columns: columns, rows: rows) else { continue }
            votes[cy * columns + cx][classes[safe: i] ?? 0, default: 0] += 1
        }
        return votes.map { v in v.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key }
    }
}

extension Array {
    /// The element at `i`, or nil outside the array. Inlinable, so other modules get it specialised:
    /// the generic version went through runtime metadata on every call and made the scatter's
    /// nearest-point search (one per cursor move, over every point) five times slower.
    @inlinable
    public subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}

extension ScatterRaster {
    /// The order braille dots fill a cell in as its count grows: spread over the cell, so a half-full
    /// cell reads as half as dense rather than as a bar.
    static let fillOrder: [(Int, Int)] = [(0, 0), (1, 2), (1, 0), (0, 2), (0, 1), (1, 3), (1, 1), (0, 3)]

    /// Many points (tens of thousands to millions) as density: per cell, as many braille dots as the
    /// log of its count over the densest cell's gives (one dot for a single point, all eight for the
    /// densest), coloured by the class most of its points belong to. `include` leaves points out (hidden
    /// classes); `classes` index `classCount` colours. One pass over the points (`DensityGrid`).
    public static func densityCells(points: [(Float, Float)], classes: [Int], classCount: Int, include: ((Int) -> Bool)?,
                                    color: (Int) -> RGB, columns: Int, rows: Int, bounds b: Bounds) -> [Cell] {
        var grid = DensityGrid(columns: columns, rows: rows, classCount: classCount, bounds: b)
        grid.count(points, classes: classes, include: include)
        return grid.cells(color: color)
    }

    /// The per-cell counts and class votes a density plot is drawn from, and how many of the points
    /// (from the first) they hold: points appended since (a large data set's scatter growing while it is
    /// encoded) are counted on to them, each point once, rather than all of them again every part.
    public struct DensityGrid: Sendable {
        public let columns: Int, rows: Int, classCount: Int
        public let bounds: Bounds
        /// Points per cell, row by row from the top left; votes per class and cell, class by class.
        private var counts: [Int32]
        private var votes: [Int32]
        /// `points[0 ..< counted]` are in the grid.
        public private(set) var counted = 0
        /// How many counts put them there (more than one: points were counted on as they came).
        public private(set) var parts = 0

        public init(columns: Int, rows: Int, classCount: Int, bounds: Bounds) {
            self.columns = max(0, columns)
            self.rows = max(0, rows)
            self.classCount = max(1, classCount)
            self.bounds = bounds
            counts = [Int32](repeating: 0, count: self.columns * self.rows)
            votes = [Int32](repeating: 0, count: self.columns * self.rows * self.classCount)
        }

        /// Counts `points[counted...]` (those `include` lets through; nil: all), then holds every point.
        /// Flat loops over raw buffers: a million points take about 2 ms on the frame thread.
        public mutating func count(_ points: [(Float, Float)], classes: [Int], include: ((Int) -> Bool)?) {
            let start = counted
            counted = max(counted, points.count)
            let b = bounds, columns = columns, rows = rows, k = classCount, cellCount = columns * rows
            guard start < points.count, cellCount > 0 else { return }
            parts += 1
            let sx = Float(columns) / (b.maxX - b.minX), sy = Float(rows) / (b.maxY - b.minY)
            guard sx.isFinite, sy.isFinite else { return }
            let fc = Float(columns), fr = Float(rows)
            points.withUnsafeBufferPointer { p in
                classes.withUnsafeBufferPointer { cls in
                    counts.withUnsafeMutableBufferPointer { counts in
                        votes.withUnsafeMutableBufferPointer { votes in
                            for i in start..<p.count where include?(i) ?? true {
                                let fx = (p[i].0 - b.minX) * sx, fy = (b.maxY - p[i].1) * sy
                                guard fx >= 0, fy >= 0, fx <= fc, fy <= fr else { continue }
                                let cell = min(rows - 1, Int(fy)) * columns + min(columns - 1, Int(fx))
                                counts[cell] &+= 1
                                let c = i < cls.count ? cls[i] : 0
                                if c >= 0 && c < k { votes[c * cellCount + cell] &+= 1 }
                            }
                        }
                    }
                }
            }
        }

        /// The plot's cells (see `densityCells`).
        public func cells(color: (Int) -> RGB) -> [Cell] {
            let cellCount = columns * rows
            guard cellCount > 0 else { return [] }
            let densest = Float(counts.max() ?? 0)
            guard densest > 0 else { return Array(repeating: Cell(" "), count: cellCount) }
            let scale = 1 / logf(1 + densest)
            return (0..<cellCount).map { cell in
                let n = counts[cell]
                guard n > 0 else { return Cell(" ") }
                let dots = max(1, min(8, Int((8 * logf(1 + Float(n)) * scale).rounded(.up))))
                var bits: UInt32 = 0
                for (dx, dy) in fillOrder.prefix(dots) { bits |= ImageRaster.brailleBits[dx][dy] }
                var top = 0
                for c in 1..<classCount where votes[c * cellCount + cell] > votes[top * cellCount + cell] { top = c }
                return Cell(Unicode.Scalar(0x2800 + bits)!, Style(fg: .rgb(color(top))))
            }
        }
    }
}

import Foundation

/// 2-D points drawn as braille dots (2×4 per cell), each cell coloured by the class most of its points
/// belong to (last-writer-wins would mis-colour about a third of a dense 10-class plot).
public enum ScatterRaster {
    public struct Bounds: Equatable, Sendable {
        public var minX: Float, maxX: Float, minY: Float, maxY: Float
        public init(minX: Float, maxX: Float, minY: Float, maxY: Float) {
            self.minX = minX; self.maxX = maxX; self.minY = minY; self.maxY = maxY
        }

        /// The bounding box of `points`, padded by `margin` of its size (never empty).
        public static func fitting(_ points: [(Float, Float)], margin: Float = 0.05) -> Bounds {
            guard let first = points.first else { return Bounds(minX: -1, maxX: 1, minY: -1, maxY: 1) }
            var b = Bounds(minX: first.0, maxX: first.0, minY: first.1, maxY: first.1)
            for (x, y) in points { b.minX = min(b.minX, x); b.maxX = max(b.maxX, x); b.minY = min(b.minY, y); b.maxY = max(b.maxY, y) }
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
    /// classes); `classes` index `classCount` colours. One pass over the points, flat arrays.
    public static func densityCells(points: [(Float, Float)], classes: [Int], classCount: Int, include: (Int) -> Bool,
                                    color: (Int) -> RGB, columns: Int, rows: Int, bounds b: Bounds) -> [Cell] {
        guard columns > 0, rows > 0 else { return [] }
        let cellCount = columns * rows, k = max(1, classCount)
        var counts = [Int32](repeating: 0, count: cellCount)
        var votes = [Int32](repeating: 0, count: cellCount * k)
        let sx = Float(columns) / (b.maxX - b.minX), sy = Float(rows) / (b.maxY - b.minY)
        guard sx.isFinite, sy.isFinite else { return Array(repeating: Cell(" "), count: cellCount) }
        for (i, p) in points.enumerated() where include(i) {
            let fx = (p.0 - b.minX) * sx, fy = (b.maxY - p.1) * sy
            guard fx >= 0, fy >= 0, fx <= Float(columns), fy <= Float(rows) else { continue }
            let cell = min(rows - 1, Int(fy)) * columns + min(columns - 1, Int(fx))
            counts[cell] += 1
            let c = classes[safe: i] ?? 0
            if c >= 0 && c < k { votes[cell * k + c] += 1 }
        }
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
            for c in 1..<k where votes[cell * k + c] > votes[cell * k + top] { top = c }
            return Cell(Unicode.Scalar(0x2800 + bits)!, Style(fg: .rgb(color(top))))
        }
    }
}

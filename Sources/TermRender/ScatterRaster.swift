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

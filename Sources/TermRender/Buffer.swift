/// A rectangle of cells in buffer coordinates.
public struct Rect: Hashable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }

    public func intersects(_ o: Rect) -> Bool { x < o.maxX && o.x < maxX && y < o.maxY && o.y < maxY }

    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }

    /// The part of this rect inside `o` (empty when they do not meet).
    public func clamped(to o: Rect) -> Rect {
        let x0 = max(x, o.x), y0 = max(y, o.y)
        return Rect(x: x0, y: y0, width: min(maxX, o.maxX) - x0, height: min(maxY, o.maxY) - y0)
    }

    public func inset(by d: Int) -> Rect { Rect(x: x + d, y: y + d, width: width - 2 * d, height: height - 2 * d) }

    /// The top `rows` rows and the rest.
    public func splitTop(_ rows: Int) -> (Rect, Rect) {
        let r = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: r), Rect(x: x, y: y + r, width: width, height: height - r))
    }

    /// The bottom `rows` rows and the rest (rest first).
    public func splitBottom(_ rows: Int) -> (Rect, Rect) {
        let r = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: height - r), Rect(x: x, y: maxY - r, width: width, height: r))
    }

    /// The left `columns` columns and the rest.
    public func splitLeft(_ columns: Int) -> (Rect, Rect) {
        let c = min(max(0, columns), width)
        return (Rect(x: x, y: y, width: c, height: height), Rect(x: x + c, y: y, width: width - c, height: height))
    }

    /// A rect of at most `w`×`h` centred in this one.
    public func centered(width w: Int, height h: Int) -> Rect {
        let cw = min(w, width), ch = min(h, height)
        return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
    }
}

/// One terminal cell: a single-width glyph and its style.
public struct Cell: Hashable, Sendable {
    public var glyph: Unicode.Scalar
    public var style: Style

    public init(_ glyph: Unicode.Scalar = " ", _ style: Style = .plain) {
        self.glyph = glyph
        self.style = style
    }

    public static let blank = Cell()
}

/// A frame: exactly width × height cells. Views draw a whole frame every time; the backend sends only
/// the cells that differ from the previous frame (ratatui's model).
public struct Buffer: Equatable, Sendable {
    public let width: Int, height: Int
    public private(set) var cells: [Cell]
    /// The images drawn into this frame, in drawing order (see `ImagePlacement`).
    public internal(set) var images: [ImagePlacement] = []

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = [Cell](repeating: .blank, count: self.width * self.height)
    }

    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { if x >= 0 && x < width && y >= 0 && y < height { cells[y * width + x] = newValue } }
    }

    /// Writes `text` from (x, y), clipped to `clip` (default: the whole buffer); returns the column after it.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, clip: Rect? = nil) -> Int {
        let bounds = clip ?? area
        guard y >= bounds.y && y < bounds.maxY else { return x + text.unicodeScalars.count }
        var cx = x
        for s in text.unicodeScalars {
            if cx >= bounds.maxX { break }
            if cx >= bounds.x { self[cx, y] = Cell(s, style) }
            cx += 1
        }
        return cx
    }

    public mutating func fill(_ rect: Rect, with cell: Cell) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y] = cell }
        }
    }

    /// Sets the style of every cell in `rect`, keeping glyphs.
    public mutating func setStyle(_ rect: Rect, _ style: Style) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y].style = style }
        }
    }

    /// Copies a block of cells (row-major, `blockWidth` wide) with its top-left at (x, y), clipped.
    public mutating func blit(_ block: [Cell], blockWidth: Int, x: Int, y: Int) {
        guard blockWidth > 0 else { return }
        for (i, cell) in block.enumerated() { self[x + i % blockWidth, y + i / blockWidth] = cell }
    }

    /// The glyphs as text, one line per row, trailing spaces kept: what snapshot tests compare.
    public var text: String {
        (0..<height).map { y in String(String.UnicodeScalarView(cells[(y * width)..<((y + 1) * width)].map(\.glyph))) }
            .joined(separator: "\n")
    }

    /// Positions whose cells differ from `previous` (all of them when the sizes differ).
    public func changes(since previous: Buffer?) -> [Int] {
        guard let previous, previous.width == width, previous.height == height else { return Array(cells.indices) }
        return cells.indices.filter { cells[$0] != previous.cells[$0] }
    }
}

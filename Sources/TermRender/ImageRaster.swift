/// How images become cells.
public enum RenderMode: String, Sendable, CaseIterable {
    /// `▀` with fg = upper pixel, bg = lower pixel: two pixels per cell, exact colours (needs colour).
    case half
    /// Braille dots, 2×4 pixels per cell, thresholded (or ordered-dithered): the densest, one colour per cell.
    case braille
    /// A 10-step ASCII ramp, one column per pixel and two pixel rows per line: works on any terminal.
    case ascii

    public var next: RenderMode {
        let all = RenderMode.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// Turns images into blocks of cells. Pure: tests compare the glyphs and colours it produces.
public enum ImageRaster {
    public static let asciiRamp: [Unicode.Scalar] = Array(" .:-=+*#%@".unicodeScalars)

    /// Cells (columns, rows) an image of this size takes in `mode`.
    public static func size(width: Int, height: Int, mode: RenderMode) -> (columns: Int, rows: Int) {
        switch mode {
        case .half, .ascii: return (width, (height + 1) / 2)
        case .braille: return ((width + 1) / 2, (height + 3) / 4)
        }
    }

    /// The image as a row-major block of cells. Half-blocks need colour: on a monochrome terminal
    /// they fall back to ASCII shading.
    public static func cells(_ image: Image, mode: RenderMode, colorMap: ColorMap = .grey,
                             capability: ColorCapability = .truecolor, dither: Bool = false) -> [Cell] {
        let effective = (mode == .half && capability == .monochrome) ? .ascii : mode
        switch effective {
        case .half: return halfBlocks(image, colorMap)
        case .braille: return braille(image, colorMap, colored: capability != .monochrome, dither: dither)
        case .ascii: return ascii(image)
        }
    }

    static func halfBlocks(_ img: Image, _ map: ColorMap) -> [Cell] {
        let rows = (img.height + 1) / 2
        var out: [Cell] = []
        out.reserveCapacity(img.width * rows)
        for r in 0..<rows {
            for x in 0..<img.width {
                let top = img.color(x: x, y: 2 * r, map: map)
                let bottom = 2 * r + 1 < img.height ? img.color(x: x, y: 2 * r + 1, map: map) : map.color(0)
                out.append(Cell("▀", Style(fg: .rgb(top), bg: .rgb(bottom))))
            }
        }
        return out
    }

    /// Bayer 4×4 thresholds, for ordered dithering of braille dots.
    static let bayer: [Float] = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5].map { ($0 + 0.5) / 16 }
    /// Braille dot bits for (column, row) within a 2×4 cell (Unicode's numbering of the eight dots).
    static let brailleBits: [[UInt32]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    static func braille(_ img: Image, _ map: ColorMap, colored: Bool, dither: Bool) -> [Cell] {
        let (cols, rows) = size(width: img.width, height: img.height, mode: .braille)
        var out: [Cell] = []
        out.reserveCapacity(cols * rows)
        for r in 0..<rows {
            for c in 0..<cols {
                var bits: UInt32 = 0, lit: Float = 0, count = 0
                var rgb: (Int, Int, Int) = (0, 0, 0)
                for dx in 0..<2 {
                    for dy in 0..<4 {
                        let x = 2 * c + dx, y = 4 * r + dy
                        guard x < img.width, y < img.height else { continue }
                        let v = img[x, y]
                        let threshold = dither ? bayer[(y % 4) * 4 + x % 4] : 0.5
                        guard v > threshold else { continue }
                        bits |= brailleBits[dx][dy]; lit += v; count += 1
                        if img.isColour {
                            let p = img.color(x: x, y: y, map: map)
                            rgb = (rgb.0 + Int(p.r), rgb.1 + Int(p.g), rgb.2 + Int(p.b))
                        }
                    }
                }
                // Dots are lit by brightness; a colour image tints them with their mean colour.
                var style = Style.plain
                if colored && count > 0 {
                    style.fg = .rgb(img.isColour ? RGB(UInt8(rgb.0 / count), UInt8(rgb.1 / count), UInt8(rgb.2 / count))
                                                 : map.color(max(lit / Float(count), 0.35)))
                }
                out.append(Cell(Unicode.Scalar(0x2800 + bits)!, style))
            }
        }
        return out
    }

    static func ascii(_ img: Image) -> [Cell] {
        let rows = (img.height + 1) / 2
        var out: [Cell] = []
        out.reserveCapacity(img.width * rows)
        for r in 0..<rows {
            for x in 0..<img.width {
                let a = img[x, 2 * r], b = 2 * r + 1 < img.height ? img[x, 2 * r + 1] : a
                let v = min(max((a + b) / 2, 0), 1)
                out.append(Cell(asciiRamp[min(asciiRamp.count - 1, Int(v * Float(asciiRamp.count)))]))
            }
        }
        return out
    }

    /// The pixels a block of `columns`×`rows` cells shows in `mode`.
    public static func pixels(columns: Int, rows: Int, mode: RenderMode) -> (width: Int, height: Int) {
        mode == .braille ? (2 * columns, 4 * rows) : (columns, 2 * rows)
    }

    /// The cells `draw(_:in:mode:)` fills with `image` inside `area` (centred, fitted): where marks
    /// about parts of the image go.
    public static func drawnArea(of image: Image, in area: Rect, mode: RenderMode) -> Rect {
        let budget = pixels(columns: area.width, rows: area.height, mode: mode)
        guard budget.width > 0, budget.height > 0 else { return Rect(x: area.x, y: area.y, width: 0, height: 0) }
        let shown = image.fittedSize(width: budget.width, height: budget.height)
        let cells = size(width: shown.width, height: shown.height, mode: mode)
        return area.centered(width: cells.columns, height: cells.rows)
    }

    /// The image fitted to at most `columns`×`rows` cells (area-averaged down, enlarged by whole steps),
    /// as a row-major block and its size. Any image size works in any box.
    public static func fitted(_ image: Image, columns: Int, rows: Int, mode: RenderMode, colorMap: ColorMap = .grey,
                              capability: ColorCapability = .truecolor, dither: Bool = false) -> (cells: [Cell], columns: Int, rows: Int) {
        let budget = pixels(columns: columns, rows: rows, mode: mode)
        guard budget.width > 0, budget.height > 0 else { return ([], 0, 0) }
        let shown = image.fitted(width: budget.width, height: budget.height, smooth: mode == .braille)
        let size = size(width: shown.width, height: shown.height, mode: mode)
        return (cells(shown, mode: mode, colorMap: colorMap, capability: capability, dither: dither), size.columns, size.rows)
    }

    /// The image as plain text (ASCII ramp), one line per cell row.
    public static func text(_ image: Image) -> String {
        let cells = ascii(image)
        return stride(from: 0, to: cells.count, by: image.width).map { start in
            String(String.UnicodeScalarView(cells[start..<(start + image.width)].map(\.glyph))) + "\n"
        }.joined()
    }
}

extension Buffer {
    /// Draws an image fitted to `area` and centred in it.
    public mutating func draw(_ image: Image, in area: Rect, mode: RenderMode, colorMap: ColorMap = .grey,
                              capability: ColorCapability, dither: Bool = false) {
        let block = ImageRaster.fitted(image, columns: area.width, rows: area.height, mode: mode, colorMap: colorMap,
                                       capability: capability, dither: dither)
        let at = area.centered(width: block.columns, height: block.rows)
        blit(block.cells, blockWidth: block.columns, x: at.x, y: at.y)
        place(image, in: area, colorMap: colorMap)
    }

    /// A single-line box border with an optional title in the top edge.
    public mutating func box(_ r: Rect, title: String = "", style: Style = .dim, titleStyle: Style = .bold) {
        guard r.width >= 2, r.height >= 2 else { return }
        for x in (r.x + 1)..<(r.maxX - 1) {
            self[x, r.y] = Cell("─", style)
            self[x, r.maxY - 1] = Cell("─", style)
        }
        for y in (r.y + 1)..<(r.maxY - 1) {
            self[r.x, y] = Cell("│", style)
            self[r.maxX - 1, y] = Cell("│", style)
        }
        self[r.x, r.y] = Cell("┌", style); self[r.maxX - 1, r.y] = Cell("┐", style)
        self[r.x, r.maxY - 1] = Cell("└", style); self[r.maxX - 1, r.maxY - 1] = Cell("┘", style)
        if !title.isEmpty && r.width > 5 {
            write(" \(title) ", x: r.x + 2, y: r.y, style: titleStyle, clip: Rect(x: r.x + 2, y: r.y, width: r.width - 3, height: 1))
        }
    }
}

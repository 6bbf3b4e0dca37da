/// A greyscale image with values in [0, 1], row-major.
public struct GreyImage: Equatable, Sendable {
    public let width: Int, height: Int
    public private(set) var pixels: [Float]

    /// Values are clamped to [0, 1] here, once, and NaN becomes 0: a decoder that overshoots or breaks
    /// (an imported model, a diverged training run) must not reach the rasterisers' integer conversions.
    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(pixels.count == width * height, "\(pixels.count) pixels for \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels.allSatisfy { $0 >= 0 && $0 <= 1 } ? pixels : pixels.map { $0 >= 0 ? min($0, 1) : 0 }
    }

    public subscript(x: Int, y: Int) -> Float { pixels[y * width + x] }

    /// Bilinearly enlarged `factor` times (braille shows a 28×28 digit at 56×56 dots, filling the same
    /// 28×14 cells as half-blocks, with smooth edges for the threshold).
    public func upsampled(by factor: Int) -> GreyImage {
        guard factor > 1 else { return self }
        let w = width * factor, h = height * factor
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            let sy = min(max((Float(y) + 0.5) / Float(factor) - 0.5, 0), Float(height - 1))
            let y0 = Int(sy), y1 = min(y0 + 1, height - 1), fy = sy - Float(y0)
            for x in 0..<w {
                let sx = min(max((Float(x) + 0.5) / Float(factor) - 0.5, 0), Float(width - 1))
                let x0 = Int(sx), x1 = min(x0 + 1, width - 1), fx = sx - Float(x0)
                let top = self[x0, y0] + (self[x1, y0] - self[x0, y0]) * fx
                let bottom = self[x0, y1] + (self[x1, y1] - self[x0, y1]) * fx
                out[y * w + x] = top + (bottom - top) * fy
            }
        }
        return GreyImage(width: w, height: h, pixels: out)
    }

    /// Box-filtered to 1/factor of the size in each direction (thumbnails: 28×28 → 14×14).
    public func downsampled(by factor: Int) -> GreyImage {
        guard factor > 1 else { return self }
        let w = width / factor, h = height / factor
        var out = [Float](repeating: 0, count: w * h)
        let norm = 1 / Float(factor * factor)
        for y in 0..<h {
            for x in 0..<w {
                var s: Float = 0
                for dy in 0..<factor { for dx in 0..<factor { s += self[x * factor + dx, y * factor + dy] } }
                out[y * w + x] = s * norm
            }
        }
        return GreyImage(width: w, height: h, pixels: out)
    }
}

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
    public static func cells(_ image: GreyImage, mode: RenderMode, colorMap: ColorMap = .grey,
                             capability: ColorCapability = .truecolor, dither: Bool = false) -> [Cell] {
        let effective = (mode == .half && capability == .monochrome) ? .ascii : mode
        switch effective {
        case .half: return halfBlocks(image, colorMap)
        case .braille: return braille(image, colorMap, colored: capability != .monochrome, dither: dither)
        case .ascii: return ascii(image)
        }
    }

    static func halfBlocks(_ img: GreyImage, _ map: ColorMap) -> [Cell] {
        let rows = (img.height + 1) / 2
        var out: [Cell] = []
        out.reserveCapacity(img.width * rows)
        for r in 0..<rows {
            for x in 0..<img.width {
                let top = img[x, 2 * r]
                let bottom = 2 * r + 1 < img.height ? img[x, 2 * r + 1] : 0
                out.append(Cell("▀", Style(fg: .rgb(map.color(top)), bg: .rgb(map.color(bottom)))))
            }
        }
        return out
    }

    /// Bayer 4×4 thresholds, for ordered dithering of braille dots.
    static let bayer: [Float] = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5].map { ($0 + 0.5) / 16 }
    /// Braille dot bits for (column, row) within a 2×4 cell (Unicode's numbering of the eight dots).
    static let brailleBits: [[UInt32]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    static func braille(_ img: GreyImage, _ map: ColorMap, colored: Bool, dither: Bool) -> [Cell] {
        let (cols, rows) = size(width: img.width, height: img.height, mode: .braille)
        var out: [Cell] = []
        out.reserveCapacity(cols * rows)
        for r in 0..<rows {
            for c in 0..<cols {
                var bits: UInt32 = 0, lit: Float = 0, count = 0
                for dx in 0..<2 {
                    for dy in 0..<4 {
                        let x = 2 * c + dx, y = 4 * r + dy
                        guard x < img.width, y < img.height else { continue }
                        let v = img[x, y]
                        let threshold = dither ? bayer[(y % 4) * 4 + x % 4] : 0.5
                        if v > threshold { bits |= brailleBits[dx][dy]; lit += v; count += 1 }
                    }
                }
                let style = colored && count > 0 ? Style(fg: .rgb(map.color(max(lit / Float(count), 0.35)))) : .plain
                out.append(Cell(Unicode.Scalar(0x2800 + bits)!, style))
            }
        }
        return out
    }

    static func ascii(_ img: GreyImage) -> [Cell] {
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

    /// The image as plain text (ASCII ramp), one line per cell row.
    public static func text(_ image: GreyImage) -> String {
        let cells = ascii(image)
        return stride(from: 0, to: cells.count, by: image.width).map { start in
            String(String.UnicodeScalarView(cells[start..<(start + image.width)].map(\.glyph))) + "\n"
        }.joined()
    }
}

extension Buffer {
    /// Draws an image with its top-left cell at (x, y), clipped to the buffer.
    public mutating func draw(_ image: GreyImage, x: Int, y: Int, mode: RenderMode, colorMap: ColorMap = .grey,
                              capability: ColorCapability, dither: Bool = false) {
        let columns = ImageRaster.size(width: image.width, height: image.height, mode: mode).columns
        blit(ImageRaster.cells(image, mode: mode, colorMap: colorMap, capability: capability, dither: dither),
             blockWidth: columns, x: x, y: y)
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

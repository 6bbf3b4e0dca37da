/// An image placed on the screen for a terminal that shows pixels: the view records it (with the
/// cells it covers in glyphs) while drawing, and the backend decides whether to send pixels or
/// leave the glyphs (the guide's "image cells carry a reference to the image and its rectangle").
public struct ImagePlacement: Equatable, Sendable {
    public var image: Image
    /// The cells the image may fill; it is fitted inside, aspect kept, and centred.
    public var area: Rect
    /// How a grey image is coloured (a colour image ignores it).
    public var colorMap: ColorMap

    public init(image: Image, area: Rect, colorMap: ColorMap) {
        self.image = image
        self.area = area
        self.colorMap = colorMap
    }

    /// The image at the resolution the terminal shows it in `area`, given a cell's size in pixels:
    /// enlarged by a whole factor or area-averaged down, never stretched; and the cells it covers,
    /// centred in `area` (on whole cells: terminals place images at a cell's corner).
    public func fitted(cell: PixelSize) -> (pixels: Image, cells: Rect)? {
        guard let cells = cells(cell: cell) else { return nil }
        return (image.fitted(width: area.width * cell.width, height: area.height * cell.height), cells)
    }

    /// Only the cells `fitted` covers (nothing resampled: what a frame compares with the one before).
    public func cells(cell: PixelSize) -> Rect? {
        guard area.width > 0, area.height > 0, cell.width > 0, cell.height > 0 else { return nil }
        let fit = image.fittedSize(width: area.width * cell.width, height: area.height * cell.height)
        let columns = min(area.width, (fit.width + cell.width - 1) / cell.width)
        let rows = min(area.height, (fit.height + cell.height - 1) / cell.height)
        return area.centered(width: columns, height: rows)
    }

    /// RGB bytes, row-major, of `image` as this placement colours it.
    public static func rgb(_ image: Image, colorMap: ColorMap) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: image.width * image.height * 3)
        for y in 0..<image.height {
            for x in 0..<image.width {
                let c = image.color(x: x, y: y, map: colorMap), o = (y * image.width + x) * 3
                out[o] = c.r; out[o + 1] = c.g; out[o + 2] = c.b
            }
        }
        return out
    }
}

/// A size in pixels (a terminal cell's, an image's).
public struct PixelSize: Equatable, Sendable {
    public var width: Int, height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
}

extension Buffer {
    /// Records that `image` is shown in `area` (its glyphs are drawn separately).
    public mutating func place(_ image: Image, in area: Rect, colorMap: ColorMap) {
        let clipped = area.clamped(to: self.area)
        guard !clipped.isEmpty, clipped == area else { return }  // a partly hidden image stays glyphs
        images.append(ImagePlacement(image: image, area: area, colorMap: colorMap))
    }

    /// Forgets every placement (an overlay hides the images; their glyphs stay as the fallback).
    public mutating func removeImages() { images.removeAll() }

    /// The frame with the cells in `rects` blank: what a terminal that draws those images in pixels
    /// shows underneath them.
    public func blanking(_ rects: [Rect]) -> Buffer {
        var out = self
        for r in rects { out.fill(r, with: .blank) }
        return out
    }
}

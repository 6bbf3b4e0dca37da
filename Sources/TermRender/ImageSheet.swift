extension Image {
    /// Images laid out in rows of `columns`, `gap` pixels of `background` between and around them, each
    /// centred in a cell the size of the largest. Grey unless one of them is colour (then all are RGB).
    /// The default background contrasts with the images: white between dark digits, dark grey between
    /// emoji on white.
    /// With `captions` (one per image), each image gets a line of `PixelFont` text under it, centred and
    /// cut to the image's width, in the colour farthest from the background.
    public static func sheet(_ images: [Image], columns: Int, gap: Int = 2, background: Float? = nil, captions: [String]? = nil) -> Image {
        precondition(!images.isEmpty && columns > 0 && gap >= 0)
        precondition(captions == nil || captions!.count == images.count, "one caption per image")
        let cellW = images.map(\.width).max()!, imageH = images.map(\.height).max()!
        let captionH = captions == nil ? 0 : PixelFont.glyphHeight + 1
        let cellH = imageH + captionH
        let cols = min(columns, images.count), rows = (images.count + cols - 1) / cols
        let w = cols * cellW + (cols + 1) * gap, h = rows * cellH + (rows + 1) * gap
        let channels = images.contains(where: \.isColour) ? 3 : 1
        let fill = min(max(background ?? (meanBrightness(images) > 0.5 ? 0.25 : 1), 0), 1)
        var out = [Float](repeating: fill, count: channels * w * h)
        for (i, image) in images.enumerated() {
            let x0 = gap + (i % cols) * (cellW + gap) + (cellW - image.width) / 2
            let y0 = gap + (i / cols) * (cellH + gap) + (imageH - image.height) / 2
            for c in 0..<channels {
                let source = image.isColour ? c : 0
                for y in 0..<image.height {
                    for x in 0..<image.width { out[c * w * h + (y0 + y) * w + x0 + x] = image.value(source, x: x, y: y) }
                }
            }
            guard let caption = captions?[i] else { continue }
            let text = String(caption.prefix(max(0, (cellW + 1) / PixelFont.advance)))
            let tx = gap + (i % cols) * (cellW + gap) + (cellW - PixelFont.width(of: text)) / 2
            let ty = gap + (i / cols) * (cellH + gap) + imageH + 1
            let ink: Float = fill > 0.5 ? 0 : 1
            PixelFont.draw(text) { x, y in
                for c in 0..<channels { out[c * w * h + (ty + y) * w + tx + x] = ink }
            }
        }
        return Image(channels: channels, width: w, height: h, pixels: out)
    }

    static func meanBrightness(_ images: [Image]) -> Float {
        var sum: Double = 0, count = 0
        for image in images {
            for y in 0..<image.height { for x in 0..<image.width { sum += Double(image[x, y]) } }
            count += image.width * image.height
        }
        return Float(sum / Double(max(count, 1)))
    }

    /// Columns for a square-ish sheet of `count` images: ⌈√count⌉.
    public static func squareColumns(_ count: Int) -> Int { max(1, Int(Double(count).squareRoot().rounded(.up))) }

    /// 8-bit interleaved pixels, row-major: one byte per pixel (grey) or three (RGB), as PNG and GIF take them.
    public var interleavedBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: channels * plane)
        for i in 0..<plane {
            for c in 0..<channels { out[i * channels + c] = UInt8((pixels[c * plane + i] * 255).rounded()) }
        }
        return out
    }
}

import LatentIO
import TermRender

/// Images written out as figures for slides and papers: PNG stills and looping GIFs, every pixel
/// enlarged to a `scale`×`scale` block (pixel-exact; a 28-px digit at scale 4 is 112 px). GIF frames
/// take their palettes from `MedianCut.indexed`, the one palette chooser (sixel uses it too).
public enum Figure {
    public static let scales = 1...16
    /// The largest figure written: 4096×4096 pixels (a 20×20 sheet of 64-px images at scale 3).
    public static let maxSide = 4096

    /// How a figure shows model images: one at a time (a still, an animation's frames) or as the tiles
    /// of a sheet.
    public enum Layout: Sendable { case single, sheet }

    /// Model pixels per figure pixel when the user chose none — the one default of `S`, `latent render`
    /// and `latent sample`: a single image about 256 px a side (an animation is watched one frame at a
    /// time, so its frames too), a sheet's tiles about 96 px; `figure` (the unscaled whole) never grows
    /// past `maxSide`.
    public static func automaticScale(imageSide: Int, layout: Layout, figure: Image) -> Int {
        let wanted = layout == .sheet ? min(8, 96 / max(1, imageSide)) : min(16, 256 / max(1, imageSide))
        return max(1, min(wanted, maxSide / max(1, figure.width, figure.height)))
    }

    public static func png(_ image: Image, scale: Int = 1) throws -> [UInt8] {
        let big = try scaled(image, scale)
        return try PNG.encode(pixels: big.interleavedBytes, width: big.width, height: big.height,
                              format: big.isColour ? .rgb : .gray)
    }

    /// A GIF looping `frames` forever, each shown `delay` hundredths of a second. Frames of different
    /// sizes are centred on the largest.
    public static func gif(_ frames: [Image], scale: Int = 1, delay: Int = 8) throws -> [UInt8] {
        precondition(!frames.isEmpty)
        let w = frames.map(\.width).max()!, h = frames.map(\.height).max()!
        let indexed = try frames.map { frame -> GIF.IndexedFrame in
            let big = try scaled(frame.centred(width: w, height: h), scale)
            // Grey frames are exact (at most 256 levels); colour ones too up to 256 colours, else a median cut.
            let (indices, palette) = MedianCut.indexed(big.asRGB.interleavedBytes, count: big.width * big.height)
            return GIF.IndexedFrame(indices: indices, palette: palette.flatMap { [$0.r, $0.g, $0.b] })
        }
        return try GIF.encode(frames: indexed, width: w * scale, height: h * scale, delay: delay)
    }

    private static func scaled(_ image: Image, _ scale: Int) throws -> Image {
        guard scales.contains(scale) else { throw FormatError("<figure>", "scale \(scale) is outside \(scales.lowerBound)…\(scales.upperBound)") }
        guard image.width * scale <= maxSide, image.height * scale <= maxSide else {
            throw FormatError("<figure>", "\(image.width * scale)×\(image.height * scale) pixels is larger than \(maxSide)×\(maxSide); use a smaller scale")
        }
        return image.replicated(by: scale)
    }
}

extension Image {
    /// The image centred on a `width`×`height` white canvas (at least its own size).
    func centred(width w: Int, height h: Int) -> Image {
        guard w > width || h > height else { return self }
        let w = max(w, width), h = max(h, height), x0 = (w - width) / 2, y0 = (h - height) / 2
        var out = [Float](repeating: 1, count: channels * w * h)
        for c in 0..<channels {
            for y in 0..<height { for x in 0..<width { out[c * w * h + (y0 + y) * w + x0 + x] = value(c, x: x, y: y) } }
        }
        return Image(channels: channels, width: w, height: h, pixels: out)
    }

    /// The same picture in three channels.
    var asRGB: Image {
        guard !isColour else { return self }
        return Image(channels: 3, width: width, height: height, pixels: pixels + pixels + pixels)
    }
}

/// An image with one (grey) or three (RGB) channels, values in [0, 1], stored planar (C × H × W, the
/// layout models take and return). The one image type of the explorer: decoded images, dataset
/// images, tiles and previews are all `Image`s, and the rasterisers fit them to whatever cells they get.
public struct Image: Equatable, Sendable {
    public let channels: Int, width: Int, height: Int
    public private(set) var pixels: [Float]

    /// Values are clamped to [0, 1] here, once, and NaN becomes 0: a decoder that overshoots or breaks
    /// (an imported model, a diverged training run) must not reach the rasterisers' integer conversions.
    public init(channels: Int = 1, width: Int, height: Int, pixels: [Float]) {
        precondition(channels == 1 || channels == 3, "images have 1 or 3 channels, not \(channels)")
        precondition(pixels.count == channels * width * height, "\(pixels.count) values for \(channels)×\(height)×\(width)")
        self.channels = channels
        self.width = width
        self.height = height
        self.pixels = pixels.allSatisfy { $0 >= 0 && $0 <= 1 } ? pixels : pixels.map { $0 >= 0 ? min($0, 1) : 0 }
    }

    public var isColour: Bool { channels == 3 }
    var plane: Int { width * height }

    /// Channel `c` at (x, y).
    public func value(_ c: Int, x: Int, y: Int) -> Float { pixels[c * plane + y * width + x] }

    /// The brightness at (x, y): the value of a grey image, the Rec. 601 luma of a colour one
    /// (what braille, ASCII and a monochrome terminal show).
    public subscript(x: Int, y: Int) -> Float {
        let i = y * width + x
        guard channels == 3 else { return pixels[i] }
        return 0.299 * pixels[i] + 0.587 * pixels[plane + i] + 0.114 * pixels[2 * plane + i]
    }

    /// The colour at (x, y): a grey image through `map`, a colour image as it is.
    public func color(x: Int, y: Int, map: ColorMap) -> RGB {
        guard channels == 3 else { return map.color(pixels[y * width + x]) }
        let i = y * width + x
        func byte(_ v: Float) -> UInt8 { UInt8((v * 255).rounded()) }
        return RGB(byte(pixels[i]), byte(pixels[plane + i]), byte(pixels[2 * plane + i]))
    }

    /// One grey channel: the image itself, or its luma.
    public var luminance: Image {
        guard channels == 3 else { return self }
        var out = [Float](repeating: 0, count: plane)
        for y in 0..<height { for x in 0..<width { out[y * width + x] = self[x, y] } }
        return Image(width: width, height: height, pixels: out)
    }

    // MARK: Resampling

    /// The largest copy that fits `maxWidth`×`maxHeight` with the aspect ratio kept: averaged over each
    /// output pixel's area when shrinking, enlarged by a whole factor (never past the box) when it is
    /// smaller — pixel-exact replication, or bilinear when `smooth` (braille thresholds read smooth edges better).
    public func fitted(width maxWidth: Int, height maxHeight: Int, smooth: Bool = false) -> Image {
        guard maxWidth > 0, maxHeight > 0 else { return self }
        let size = fittedSize(width: maxWidth, height: maxHeight)
        if width <= maxWidth && height <= maxHeight {
            let factor = size.width / width
            return smooth ? upsampled(by: factor) : replicated(by: factor)
        }
        return areaAveraged(width: size.width, height: size.height)
    }

    /// The size `fitted` gives, without resampling anything.
    public func fittedSize(width maxWidth: Int, height maxHeight: Int) -> (width: Int, height: Int) {
        guard maxWidth > 0, maxHeight > 0 else { return (width, height) }
        if width <= maxWidth && height <= maxHeight {
            let factor = min(maxWidth / width, maxHeight / height)
            return (width * factor, height * factor)
        }
        let scale = min(Double(maxWidth) / Double(width), Double(maxHeight) / Double(height))
        return (max(1, min(maxWidth, Int((Double(width) * scale).rounded()))),
                max(1, min(maxHeight, Int((Double(height) * scale).rounded()))))
    }

    /// Resampled to `w`×`h` (smaller) by averaging each output pixel's footprint, fractional edges weighted.
    public func areaAveraged(width w: Int, height h: Int) -> Image {
        guard w != width || h != height else { return self }
        let xs = Self.footprints(from: width, to: w), ys = Self.footprints(from: height, to: h)
        var out = [Float](repeating: 0, count: channels * w * h)
        var row = [Float](repeating: 0, count: w), acc = [Float](repeating: 0, count: width)
        for c in 0..<channels {
            let base = c * plane
            for oy in 0..<h {
                // Rows first (weighted sum of source rows), then columns.
                for x in 0..<width { acc[x] = 0 }
                for (sy, wy) in ys[oy] {
                    let start = base + sy * width
                    for x in 0..<width { acc[x] += wy * pixels[start + x] }
                }
                for ox in 0..<w {
                    var s: Float = 0
                    for (sx, wx) in xs[ox] { s += wx * acc[sx] }
                    row[ox] = s
                }
                out.replaceSubrange((c * w * h + oy * w)..<(c * w * h + (oy + 1) * w), with: row)
            }
        }
        return Image(channels: channels, width: w, height: h, pixels: out)
    }

    /// For each of `m` output pixels over `n` source pixels: the source pixels it covers and their
    /// weights (coverage / footprint, summing to 1).
    static func footprints(from n: Int, to m: Int) -> [[(Int, Float)]] {
        let step = Double(n) / Double(m)
        return (0..<m).map { o in
            let lo = Double(o) * step, hi = Double(o + 1) * step
            var parts: [(Int, Float)] = []
            var s = Int(lo)
            while Double(s) < hi && s < n {
                let cover = min(hi, Double(s + 1)) - max(lo, Double(s))
                if cover > 1e-9 { parts.append((s, Float(cover / step))) }
                s += 1
            }
            return parts
        }
    }

    /// Each pixel repeated `factor`×`factor` times.
    public func replicated(by factor: Int) -> Image {
        guard factor > 1 else { return self }
        let w = width * factor, h = height * factor
        var out = [Float](repeating: 0, count: channels * w * h)
        for c in 0..<channels {
            for y in 0..<h {
                for x in 0..<w { out[c * w * h + y * w + x] = pixels[c * plane + (y / factor) * width + x / factor] }
            }
        }
        return Image(channels: channels, width: w, height: h, pixels: out)
    }

    /// Bilinearly enlarged `factor` times (braille shows a 28×28 digit at 56×56 dots, filling the same
    /// 28×14 cells as half-blocks, with smooth edges for the threshold).
    public func upsampled(by factor: Int) -> Image {
        guard factor > 1 else { return self }
        let w = width * factor, h = height * factor
        var out = [Float](repeating: 0, count: channels * w * h)
        for c in 0..<channels {
            let base = c * plane
            func at(_ x: Int, _ y: Int) -> Float { pixels[base + y * width + x] }
            for y in 0..<h {
                let sy = min(max((Float(y) + 0.5) / Float(factor) - 0.5, 0), Float(height - 1))
                let y0 = Int(sy), y1 = min(y0 + 1, height - 1), fy = sy - Float(y0)
                for x in 0..<w {
                    let sx = min(max((Float(x) + 0.5) / Float(factor) - 0.5, 0), Float(width - 1))
                    let x0 = Int(sx), x1 = min(x0 + 1, width - 1), fx = sx - Float(x0)
                    let top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * fx
                    let bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * fx
                    out[c * w * h + y * w + x] = top + (bottom - top) * fy
                }
            }
        }
        return Image(channels: channels, width: w, height: h, pixels: out)
    }

    /// Box-filtered to 1/factor of the size in each direction (a special case of `areaAveraged`).
    public func downsampled(by factor: Int) -> Image {
        guard factor > 1 else { return self }
        return areaAveraged(width: max(1, width / factor), height: max(1, height / factor))
    }
}

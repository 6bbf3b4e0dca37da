import TermRender
extension Explorer {
    /// How much each pixel varies across decodes of the posterior's samples: the standard deviation per
    /// pixel (over its channels' values together), as a grey image scaled so its largest is white, and
    /// that largest value (nil for fewer than two images).
    static func posteriorSpread(_ images: [Image]) -> (image: Image, largest: Float)? {
        guard images.count >= 2, let first = images.first,
              images.allSatisfy({ $0.pixels.count == first.pixels.count && $0.channels == first.channels }) else { return nil }
        let n = Float(images.count), pixels = first.width * first.height, channels = first.channels
        var spread = [Float](repeating: 0, count: pixels)
        // Channel-major values (as `Image` holds them): pixel p's channel c is at c·pixels + p.
        for p in 0..<pixels {
            var variance: Float = 0
            for c in 0..<channels {
                var s: Float = 0, s2: Float = 0
                for image in images { let v = image.pixels[c * pixels + p]; s += v; s2 += v * v }
                let mean = s / n
                variance += max(0, s2 / n - mean * mean)
            }
            spread[p] = (variance / Float(channels)).squareRoot()
        }
        let largest = spread.max() ?? 0
        let scaled = largest > 0 ? spread.map { $0 / largest } : spread
        return (Image(width: first.width, height: first.height, pixels: scaled), largest)
    }
}

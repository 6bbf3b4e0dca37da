/// Binary greyscale PGM (P5): the simplest image file any viewer opens.
public enum PGM {
    /// `pixels` are row-major, 0 = black, 255 = white.
    public static func encode(pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(pixels.count == width * height, "\(pixels.count) pixels for \(width)×\(height)")
        return Array("P5\n\(width) \(height)\n255\n".utf8) + pixels
    }
}

/// Converts intensities in [0, 1] to bytes, clamping out-of-range values (decoders can overshoot).
public func bytesFromUnitFloats(_ values: [Float]) -> [UInt8] {
    values.map { v in
        guard v.isFinite else { return 0 }
        return UInt8((min(max(v, 0), 1) * 255).rounded())
    }
}

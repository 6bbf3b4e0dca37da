/// Pixel values between a model's range and display: one mapping for every place that shows or writes
/// an image (the explorer, `decode`'s PNG/PGM/text). Luminance and colour are `TermRender.Image`'s.
public enum PixelValues {
    /// Values in `range` mapped to [0, 1] (not clamped: the image types clamp). Inlinable: every
    /// decoded image passes here, and an unspecialised generic map cost more than the decode.
    @inlinable
    public static func unit<C: Collection>(_ values: C, from range: ClosedRange<Float>) -> [Float] where C.Element == Float {
        if range == 0...1 { return Array(values) }
        let scale = 1 / (range.upperBound - range.lowerBound), lo = range.lowerBound
        return values.map { ($0 - lo) * scale }
    }

    /// `n` images stored channels last (H·W pixels of `c` values each, as files and PNGs hold them)
    /// laid out channels first (C planes of H·W, as models take them).
    public static func channelsFirst(_ values: [Float], images n: Int, plane: Int, channels c: Int) -> [Float] {
        guard c > 1 else { return values }
        var out = [Float](repeating: 0, count: values.count)
        for b in 0..<n { for p in 0..<plane { for ch in 0..<c { out[(b * c + ch) * plane + p] = values[(b * plane + p) * c + ch] } } }
        return out
    }
}

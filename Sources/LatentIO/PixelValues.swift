/// Pixel values between a model's range and display: one mapping for every place that shows or writes
/// an image (the explorer, `decode`'s PNG/PGM/text).
public enum PixelValues {
    /// Values in `range` mapped to [0, 1] (not clamped: the image types clamp).
    public static func unit<C: Collection>(_ values: C, from range: ClosedRange<Float>) -> [Float] where C.Element == Float {
        let scale = 1 / (range.upperBound - range.lowerBound), lo = range.lowerBound
        return values.map { ($0 - lo) * scale }
    }

    /// One plane of brightness from planar (C, H, W) values: Rec. 601 luma of the first three channels,
    /// or the first channel of a grey image.
    public static func luminance(_ planes: [Float], channels: Int, plane: Int) -> [Float] {
        guard channels >= 3 else { return Array(planes.prefix(plane)) }
        return (0..<plane).map { 0.299 * planes[$0] + 0.587 * planes[plane + $0] + 0.114 * planes[2 * plane + $0] }
    }
}

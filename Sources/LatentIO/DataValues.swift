/// The checks every file's values pass where they enter, whatever the format: class labels are whole
/// numbers in range, image values are finite, and integer images hold 0–255. One function each, so
/// that .npy, IDX, CSV and PNG data get the same answer for the same problem.
public enum LabelValues {
    /// Class labels from a file's values, each a whole number in 0..<`limit` (checked before any
    /// conversion to Int: a NaN or 1e30 label is an error, not a trap). Integers of any width and
    /// floats holding whole numbers are fine.
    public static func classes<C: Collection>(_ values: C, source: String, limit: Int = 10_000) throws -> [Int] where C.Element == Float {
        var out: [Int] = []
        out.reserveCapacity(values.count)
        for (i, v) in values.enumerated() {
            guard v.isFinite, v == v.rounded() else {
                throw FormatError(source, "label \(v) at index \(i) is not a whole number")
            }
            guard v >= 0, v < Float(limit) else {
                throw FormatError(source, "label \(Int(exactly: v).map(String.init) ?? "\(v)") at index \(i) is outside 0…\(limit - 1)")
            }
            out.append(Int(v))
        }
        return out
    }
}

public enum ImageValues {
    /// Checks `values`, `perImage` to an image, as read from `source`: integer data (any width) must
    /// hold 0–255 — it is read as uint8 intensities are — and float data must be finite. The first
    /// offending value is named by image and position (images numbered from `firstImage`).
    public static func check(_ values: [Float], perImage: Int, integer: Bool, source: String, firstImage: Int = 0) throws {
        let bad = values.withUnsafeBufferPointer { p -> Int? in
            if integer {
                for i in p.indices where !(p[i] >= 0 && p[i] <= 255) { return i }
            } else {
                for i in p.indices where !(p[i].magnitude <= maxFloatMagnitude) { return i }
            }
            return nil
        }
        guard let bad else { return }
        let at = "image \(firstImage + bad / max(1, perImage)), value \(bad % max(1, perImage))"
        if integer {
            throw FormatError(source, "\(at) is \(values[bad]): integer images hold 0–255 (save floats for other ranges)")
        }
        guard values[bad].isFinite else { throw FormatError(source, "\(at) is \(values[bad]): images must hold finite numbers") }
        throw FormatError(source, "\(at) is \(values[bad]): float images hold values in the model's pixel range (at most 1e6 in magnitude)")
    }

    /// No pixel range a model takes comes near this; a value beyond it is not an intensity but a broken
    /// file (and would overflow a model's first layer into NaN).
    public static let maxFloatMagnitude: Float = 1e6
}

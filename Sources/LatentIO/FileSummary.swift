import Foundation
import LatentCore

/// The text `latent info FILE` prints: what a file holds, told from its contents (not only its name).
public enum FileSummary {
    public enum Kind: String, Sendable { case safetensors, idx, npy, csv }

    /// Identifies a file by its magic bytes, falling back on its extension for formats without one.
    public static func kind(of bytes: [UInt8], path: String) -> Kind? {
        if NPY.isNPY(bytes) { return .npy }
        if Gzip.isGzip(bytes) { return .idx }
        if bytes.count >= 4, bytes[0] == 0, bytes[1] == 0, IDXArray.ElementType(rawValue: bytes[2]) != nil { return .idx }
        let lower = path.lowercased()
        if lower.hasSuffix(".safetensors") { return .safetensors }
        if lower.hasSuffix(".csv") || lower.hasSuffix(".txt") { return .csv }
        if lower.contains("idx") || lower.hasSuffix("-ubyte") { return .idx }
        // Safetensors has no magic; its first 8 bytes are a small header length followed by '{'.
        if bytes.count >= 9, bytes[8] == UInt8(ascii: "{") { return .safetensors }
        return nil
    }

    public static func describe(_ path: String) throws -> String {
        // The first bytes say what the file is; each reader then reads (and caps) the rest its own way.
        let file = try FileBytes.Reader(path)
        guard file.size > 0 else { throw FormatError(path, "empty file") }
        let head = try file.read(upTo: min(file.size, 16))
        switch kind(of: head, path: path) {
        case .safetensors:
            let bytes = try FileBytes.read(path, limit: 1 << 30)
            return describe(try SafetensorsFile(bytes: bytes, source: path), path: path, fileSize: bytes.count)
        case .idx: return describe(try IDXArray.read(path), path: path, gzip: Gzip.isGzip(head))
        case .npy:
            let (t, dtype) = try NPY.readArray(path)
            return describeMatrix(t, path: path, format: "NPY", dtype: dtype.descr)
        case .csv: return describeMatrix(try CSVMatrix.read(path), path: path, format: "CSV", dtype: "float32")
        case nil:
            throw FormatError(path, "unrecognised file type (expected .safetensors, IDX, .npy or .csv)")
        }
    }

    static func describe(_ file: SafetensorsFile, path: String, fileSize: Int) -> String {
        let dataBytes = file.entries.reduce(0) { $0 + $1.byteCount }
        var lines = ["\(path): safetensors, \(file.entries.count) tensor\(file.entries.count == 1 ? "" : "s"), "
                     + "\(grouped(file.entries.reduce(0) { $0 + $1.elementCount })) values, "
                     + "\(grouped(dataBytes)) bytes of data (\(grouped(fileSize)) bytes in all)"]
        let nameWidth = max(4, file.entries.map(\.name.count).max() ?? 0)
        let shapes = file.entries.map { "[" + $0.shape.map(String.init).joined(separator: ", ") + "]" }
        let shapeWidth = max(5, shapes.map(\.count).max() ?? 0)
        if !file.entries.isEmpty {
            lines.append("  " + pad("name", nameWidth) + "  dtype  " + pad("shape", shapeWidth) + "  bytes")
            for (e, shape) in zip(file.entries, shapes) {
                lines.append("  " + pad(e.name, nameWidth) + "  " + pad(e.dtype.rawValue, 5) + "  "
                             + pad(shape, shapeWidth) + "  " + grouped(e.byteCount))
            }
        }
        if !file.metadata.isEmpty {
            lines.append("metadata:")
            for (k, v) in file.metadata {
                let oneLine = v.replacingOccurrences(of: "\n", with: " ")
                lines.append("  \(k): " + (oneLine.count > 200 ? oneLine.prefix(200) + "… (\(grouped(v.count)) chars)" : oneLine))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ idx: IDXArray, path: String, gzip: Bool) -> String {
        let values = idx.floats()
        let dims = idx.shape.map(String.init).joined(separator: " × ")
        var lines = ["\(path): IDX\(gzip ? " (gzip)" : ""), \(idx.type.name), shape [\(dims)], \(grouped(idx.count)) values"]
        lines += rangeLines(values)
        // A 1-D integer array is usually labels: show how many of each.
        if idx.shape.count == 1, idx.type != .f32, idx.type != .f64 {
            var counts: [Int: Int] = [:]
            for v in values { counts[Int(v), default: 0] += 1 }
            if counts.count <= 64 {
                lines.append("  counts " + counts.keys.sorted().map { "\($0):\(counts[$0]!)" }.joined(separator: " "))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func describeMatrix(_ t: Tensor, path: String, format kind: String, dtype: String) -> String {
        let line = "\(path): \(kind), \(dtype), shape [" + t.shape.map(String.init).joined(separator: ", ") + "]"
        return ([line] + rangeLines(t.data)).joined(separator: "\n")
    }

    /// The range of the finite values, and how many are not finite (which every reader of data refuses).
    static func rangeLines(_ values: [Float]) -> [String] {
        var lo = Float.infinity, hi = -Float.infinity, bad = 0, first = -1
        for (i, v) in values.enumerated() {
            if v.isFinite { lo = min(lo, v); hi = max(hi, v) } else { bad += 1; if first < 0 { first = i } }
        }
        var lines = lo <= hi ? ["  range \(format(lo)) … \(format(hi))"] : []
        if bad > 0 { lines.append("  \(grouped(bad)) \(bad == 1 ? "value is" : "values are") NaN or infinite (the first at index \(first))") }
        return lines
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    private static func format(_ v: Float) -> String {
        v == v.rounded() && abs(v) < 1e7 ? String(Int(v)) : String(v)
    }
}

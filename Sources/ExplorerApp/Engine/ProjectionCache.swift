import Foundation

/// UMAP and t-SNE coordinates kept on disk between sessions, keyed by a hash of the exact input (the model's
/// latents of the data, so model and data both count) and the UMAP settings. Lives in
/// $LATENT_CACHE_DIR, else $XDG_CACHE_HOME/latent-explorer, else ~/.cache/latent-explorer; any failure
/// to read or write it only means recomputing.
public struct ProjectionCache: Sendable {
    public let directory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let dir = environment["LATENT_CACHE_DIR"], !dir.isEmpty {
            directory = dir
        } else if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            directory = xdg + "/latent-explorer"
        } else {
            directory = (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache/latent-explorer"
        }
    }

    /// FNV-1a (64-bit) over the settings and every value's bits: stable across runs and machines.
    public static func key(_ rows: [[Float]], settings: String) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ byte: UInt8) { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        for b in settings.utf8 { mix(b) }
        for row in rows {
            for v in row { var bits = v.bitPattern; for _ in 0..<4 { mix(UInt8(truncatingIfNeeded: bits)); bits >>= 8 } }
            mix(0xFF)
        }
        return String(h, radix: 16)
    }

    func path(_ key: String) -> String { directory + "/projection-\(key).f32" }

    /// Cached coordinates (x, y pairs) for `key`, if present and of the expected length.
    public func load(_ key: String, count: Int) -> [Float]? {
        guard let data = FileManager.default.contents(atPath: path(key)), data.count == count * 2 * 4 else { return nil }
        return data.withUnsafeBytes { raw in (0..<(count * 2)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) } }
    }

    public func store(_ key: String, _ coordinates: [Float]) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var bytes = Data(capacity: coordinates.count * 4)
        for v in coordinates { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        let tmp = path(key) + ".partial-\(getpid())"
        if FileManager.default.createFile(atPath: tmp, contents: bytes) { _ = rename(tmp, path(key)) }
    }
}

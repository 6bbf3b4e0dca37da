import Foundation
import LatentCore
@testable import LatentIO
import Testing

/// A fresh temporary directory per call, removed by the caller's `defer`.
func makeTempDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "latent-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The repository root, found from this source file (tests run against the checkout).
let repositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

let fixturesDirectory = repositoryRoot + "/Tests/LatentIOTests/Fixtures"
let shippedDataDirectory = repositoryRoot + "/Weights/data"

/// Safetensors bytes from a literal header and data, with an optional lying length prefix.
func rawSafetensors(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    return (declaredLength ?? UInt64(h.count)).littleEndianBytes + h + data
}

/// Runs `body` and returns the thrown FormatError's message (failing the test if none or another error).
func formatErrorMessage(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    do {
        try body()
        Issue.record("expected a FormatError, but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let e as FormatError {
        return e.message
    } catch {
        Issue.record("expected a FormatError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// `count` seeded random mutations of `valid`: byte flips, overwrites, truncations, insertions, and
/// edits aimed at the first 16 bytes where headers live. The same seed gives the same corpus.
func mutations(of valid: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
    var rng = SeededRNG(seed: seed)
    return (0..<count).map { _ in
        var b = valid
        for _ in 0...rng.nextInt(below: 4) {
            guard !b.isEmpty else { break }
            let i = rng.nextInt(below: 4) == 0 ? rng.nextInt(below: min(16, b.count)) : rng.nextInt(below: b.count)
            switch rng.nextInt(below: 6) {
            case 0: b[i] ^= UInt8(1 << rng.nextInt(below: 8))
            case 1: b[i] = UInt8(truncatingIfNeeded: rng.next())
            case 2: b.removeSubrange(rng.nextInt(below: b.count)...)
            case 3: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
            case 4: b[i] = [0x00, 0xFF, 0x7F, 0x80, UInt8(ascii: "\""), UInt8(ascii: "9")][rng.nextInt(below: 6)]
            default: b.remove(at: i)
            }
        }
        return b
    }
}

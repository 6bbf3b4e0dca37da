/// A problem with a file or its contents, phrased for the person who supplied it:
/// `bad.safetensors: tensor 'w' data_offsets [0, 40) overlap the previous tensor`.
/// The command line prints `description` as the one line of an error exit.
public struct FormatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file name (or another label for in-memory bytes) the problem belongs to.
    public var source: String
    /// What is wrong, and where, without the source prefix.
    public var message: String

    public init(_ source: String, _ message: String) {
        self.source = source
        self.message = message
    }

    public var description: String { "\(source): \(message)" }
}

/// Bytes with thousands separators, for messages about sizes (`3,136,016 bytes`).
public func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}

/// `0x0d`-style rendering of a byte, for messages about magic numbers and type codes.
func hexByte(_ v: UInt8) -> String {
    "0x" + (v < 16 ? "0" : "") + String(v, radix: 16)
}

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

    public var description: String { printable("\(source): \(message)") }

    /// The reason, then the file: for a status line that may be cut at the terminal's edge, where a long
    /// path first would push out what went wrong.
    public var reasonFirst: String { printable("\(message) (\(source))") }
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

/// `text` safe to print on one line of a terminal: control characters (ESC, NUL, CR, newlines, the C1
/// range, DEL) shown as `\x1b`-style escapes, so bytes from a file or a file name never reach the
/// terminal as commands or break the one-line error.
public func printable(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var out = ""
    for s in text.unicodeScalars {
        if isControl(s) {
            out += s.value <= 0xFF ? "\\x" + (s.value < 16 ? "0" : "") + String(s.value, radix: 16) : "\\u{\(String(s.value, radix: 16))}"
        } else {
            out.unicodeScalars.append(s)
        }
    }
    return out
}

private func isControl(_ s: Unicode.Scalar) -> Bool {
    s.value < 0x20 || (0x7F...0x9F).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
}

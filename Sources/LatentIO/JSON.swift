/// A JSON value as parsed by `JSONParser`. Objects keep their key order; numbers keep their text so
/// that 64-bit integers (safetensors offsets) are read exactly rather than through a Double.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (l: JSONValue, r: JSONValue) -> Bool {
        switch (l, r) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value as a non-negative integer, when it is a number written without fraction or exponent
    /// and fits in `Int`.
    public var nonNegativeInt: Int? {
        guard case .number(let text) = self, !text.isEmpty,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text)
    }

    public var double: Double? {
        guard case .number(let text) = self else { return nil }
        return Double(text)
    }

    public var string: String? {
        guard case .string(let s) = self else { return nil }
        return s
    }

    public var array: [JSONValue]? {
        guard case .array(let a) = self else { return nil }
        return a
    }

    public var object: [(key: String, value: JSONValue)]? {
        guard case .object(let o) = self else { return nil }
        return o
    }

    /// The member `key` of an object (first match), or nil.
    public subscript(key: String) -> JSONValue? {
        object?.first { $0.key == key }?.value
    }

    /// Compact JSON text (object keys in stored order).
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// JSON text with objects and arrays of containers one member per line, `indent` spaces per level
    /// (as Python's `json.dump(indent=…)` lays a file out, but with arrays of scalars kept on one line),
    /// for files people read and edit by hand.
    public func serialized(indent: Int) -> String {
        var out = ""
        write(to: &out, indent: indent, depth: 0)
        return out
    }

    private func write(to out: inout String, indent: Int, depth: Int) {
        let pad = { (d: Int) in "\n" + String(repeating: " ", count: d * indent) }
        switch self {
        case .array(let items) where items.contains(where: { $0.array != nil || $0.object != nil }):
            out += "["
            for (i, v) in items.enumerated() {
                out += (i > 0 ? "," : "") + pad(depth + 1)
                v.write(to: &out, indent: indent, depth: depth + 1)
            }
            out += pad(depth) + "]"
        case .object(let members) where !members.isEmpty:
            out += "{"
            for (i, m) in members.enumerated() {
                out += (i > 0 ? "," : "") + pad(depth + 1)
                JSONValue.writeString(m.key, to: &out)
                out += ": "
                m.value.write(to: &out, indent: indent, depth: depth + 1)
            }
            out += pad(depth) + "}"
        default: write(to: &out)
        }
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, v) in items.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(m.key, to: &out)
                out += ":"
                m.value.write(to: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    public static func int(_ v: Int) -> JSONValue { .number(String(v)) }
}

/// A strict RFC 8259 parser. Hand-written rather than Foundation's `JSONSerialization` because file
/// validation needs what that one hides: duplicate keys are an error (the safetensors reference rejects
/// them), integers stay exact, nesting depth is bounded (no stack overflow from `[[[[…`), and every error
/// says at which byte it happened.
public struct JSONParser {
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let offset: Int
        public let reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    private let b: [UInt8]
    private var i = 0
    private let maxDepth: Int

    /// Parses one JSON document; surrounding whitespace is allowed, anything else after it is not.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(Error) -> JSONValue {
        var p = JSONParser(b: bytes, maxDepth: maxDepth)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == bytes.count else { throw p.fail("unexpected text after the JSON value") }
        return v
    }

    public static func parse(_ text: String, maxDepth: Int = 64) throws(Error) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    private init(b: [UInt8], maxDepth: Int) {
        self.b = b
        self.maxDepth = maxDepth
    }

    private func fail(_ reason: String) -> Error { Error(offset: i, reason: reason) }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private mutating func value(depth: Int) throws(Error) -> JSONValue {
        guard depth < maxDepth else { throw fail("JSON nested deeper than \(maxDepth) levels") }
        guard i < b.count else { throw fail("unexpected end of JSON") }
        switch b[i] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected character '\(printable(b[i]))'")
        }
    }

    private mutating func literal(_ word: String) throws(Error) {
        let w = Array(word.utf8)
        guard i + w.count <= b.count, Array(b[i..<(i + w.count)]) == w else { throw fail("invalid literal") }
        i += w.count
    }

    private mutating func object(depth: Int) throws(Error) -> JSONValue {
        i += 1
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyStart = i
            let key = try string()
            guard seen.insert(key).inserted else {
                throw Error(offset: keyStart, reason: "duplicate key '\(key)'")
            }
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
            i += 1
            skipSpace()
            members.append((key, try value(depth: depth + 1)))
            skipSpace()
            guard i < b.count else { throw fail("unexpected end of JSON in an object") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw fail("expected ',' or '}' in an object")
        }
    }

    private mutating func array(depth: Int) throws(Error) -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard i < b.count else { throw fail("unexpected end of JSON in an array") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw fail("expected ',' or ']' in an array")
        }
    }

    private mutating func number() throws(Error) -> String {
        let start = i
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, isDigit(b[i]) else { throw fail("invalid number") }
        if b[i] == UInt8(ascii: "0") { i += 1 } else { while i < b.count, isDigit(b[i]) { i += 1 } }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard i < b.count, isDigit(b[i]) else { throw fail("invalid number") }
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, isDigit(b[i]) else { throw fail("invalid number") }
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        return String(decoding: b[start..<i], as: UTF8.self)
    }

    private mutating func string() throws(Error) -> String {
        i += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = i
        func flush(_ p: JSONParser, into s: inout String.UnicodeScalarView, from start: Int) {
            s.append(contentsOf: String(decoding: p.b[start..<p.i], as: UTF8.self).unicodeScalars)
        }
        while true {
            guard i < b.count else { throw fail("unterminated string") }
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                flush(self, into: &scalars, from: runStart)
                i += 1
                return String(scalars)
            }
            if c < 0x20 { throw fail("control character in a string") }
            if c == UInt8(ascii: "\\") {
                flush(self, into: &scalars, from: runStart)
                i += 1
                guard i < b.count else { throw fail("unterminated string") }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                            throw fail("unpaired surrogate in a string")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate in a string") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(code) {
                        throw fail("unpaired surrogate in a string")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
                    scalars.append(scalar)
                default: throw fail("invalid escape '\\\(printable(e))'")
                }
                runStart = i
                continue
            }
            i += 1
        }
    }

    private mutating func hex4() throws(Error) -> UInt32 {
        guard i + 4 <= b.count else { throw fail("invalid \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16)
    }
}

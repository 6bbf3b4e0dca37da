import LatentCore

/// NumPy's `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
/// `\x93NUMPY`, a version, a header length, a Python-literal dict
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (5000, 10), }`, then the data.
/// Reads float32 and float64 arrays in C order, either byte order; writes little-endian float32.
public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    public static func read(_ path: String) throws -> Tensor {
        try decode(FileBytes.read(path), source: path)
    }

    public static func isNPY(_ bytes: [UInt8]) -> Bool { bytes.starts(with: magic) }

    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> Tensor {
        try decodeArray(bytes, source: source).values
    }

    /// The array (as Float) and its numpy dtype string (`<f4`, `|u1`, `<i8`, …): images saved as uint8
    /// are 0–255 and mean something else than float ones.
    public static func readArray(_ path: String) throws -> (values: Tensor, dtype: String) {
        try decodeArray(FileBytes.read(path), source: path)
    }

    static func decodeArray(_ bytes: [UInt8], source: String) throws -> (values: Tensor, dtype: String) {
        func bad(_ message: String) -> FormatError { FormatError(source, message) }
        guard !bytes.isEmpty else { throw bad("empty file (a .npy file starts with \\x93NUMPY)") }
        guard isNPY(bytes) else { throw bad("not a .npy file: it does not start with \\x93NUMPY") }
        var r = ByteReader(bytes, offset: 6)
        guard let major = r.u8(), r.u8() != nil else { throw bad("file ends inside the version bytes") }
        let headerLength: Int
        switch major {
        case 1:
            guard let n = r.u16LE() else { throw bad("file ends inside the header length") }
            headerLength = Int(n)
        case 2, 3:
            guard let n = r.u32LE() else { throw bad("file ends inside the header length") }
            headerLength = Int(n)
        default:
            throw bad("unsupported .npy format version \(major)")
        }
        guard let headerSlice = r.take(headerLength) else {
            throw bad("header length \(grouped(headerLength)) runs past the end of the file")
        }
        guard let header = String(validating: headerSlice, as: UTF8.self) else { throw bad("header is not text") }
        let dict: [String: PyLiteral]
        do { dict = try PyLiteral.parseDict(header) } catch { throw bad("header: \(error)") }

        guard case .string(let descr)? = dict["descr"] else { throw bad("header has no 'descr' string") }
        guard case .bool(let fortran)? = dict["fortran_order"] else { throw bad("header has no 'fortran_order'") }
        guard case .tuple(let dims)? = dict["shape"] else { throw bad("header has no 'shape' tuple") }
        if fortran {
            throw bad("Fortran-order arrays are not supported; save with np.ascontiguousarray(a)")
        }
        let littleEndian: Bool
        let size: Int
        var signedInteger: Bool? = nil  // nil: floating point
        switch descr {
        case "<f4", "=f4": (littleEndian, size) = (true, 4)
        case ">f4": (littleEndian, size) = (false, 4)
        case "<f8", "=f8": (littleEndian, size) = (true, 8)
        case ">f8": (littleEndian, size) = (false, 8)
        case "|u1", "<u1", "=u1", "|b1": (littleEndian, size, signedInteger) = (true, 1, false)
        case "|i1", "<i1", "=i1": (littleEndian, size, signedInteger) = (true, 1, true)
        case "<i4", "=i4": (littleEndian, size, signedInteger) = (true, 4, true)
        case "<i8", "=i8": (littleEndian, size, signedInteger) = (true, 8, true)
        default: throw bad("dtype '\(descr)' is not supported (float32/64, uint8, int8/32/64; use a.astype('float32'))")
        }
        guard let n = Tensor.elementCount(dims),
              case let (needed, overflow) = n.multipliedReportingOverflow(by: size), !overflow else {
            throw bad("shape \(dims) is too large")
        }
        guard needed == r.remaining else {
            throw bad("shape \(dims) of '\(descr)' needs \(grouped(needed)) bytes of data but the file has \(grouped(r.remaining))")
        }
        let values: [Float] = bytes.withUnsafeBytes { raw in
            let base = r.offset
            if let signed = signedInteger {
                return (0..<n).map { i in
                    switch size {
                    case 1: return signed ? Float(Int8(bitPattern: raw[base + i])) : Float(raw[base + i])
                    case 4: return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: Int32.self)))
                    default: return Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * i, as: Int64.self)))
                    }
                }
            }
            if size == 4 {
                return (0..<n).map { i in
                    let v = raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)
                    return Float(bitPattern: littleEndian ? UInt32(littleEndian: v) : UInt32(bigEndian: v))
                }
            }
            return (0..<n).map { i in
                let v = raw.loadUnaligned(fromByteOffset: base + 8 * i, as: UInt64.self)
                return Float(Double(bitPattern: littleEndian ? UInt64(littleEndian: v) : UInt64(bigEndian: v)))
            }
        }
        return (Tensor(shape: dims, data: values), descr)
    }

    /// Version 1.0 `.npy` bytes of little-endian float32, header padded so the data is 64-byte aligned.
    public static func encode(_ t: Tensor) -> [UInt8] {
        let shapeText = t.shape.isEmpty ? "()"
            : t.shape.count == 1 ? "(\(t.shape[0]),)"
            : "(" + t.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = magic + [1, 0] + UInt16(header.utf8.count).littleEndianBytes + Array(header.utf8)
        out.reserveCapacity(out.count + 4 * t.count)
        for v in t.data { out += v.bitPattern.littleEndianBytes }
        return out
    }

    public static func write(_ t: Tensor, to path: String) throws {
        try FileBytes.write(encode(t), to: path)
    }
}

/// The few Python literals a .npy header uses: strings, booleans, integers and tuples of integers.
enum PyLiteral: Equatable {
    case string(String), bool(Bool), int(Int), tuple([Int])

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    static func parseDict(_ text: String) throws -> [String: PyLiteral] {
        var s = Substring(text)
        func skip() { s = s.drop { $0 == " " || $0 == "\n" || $0 == "\t" } }
        func expect(_ c: Character) throws {
            skip()
            guard s.first == c else { throw ParseError(description: "expected '\(c)' in '\(text.trimmingSpaces)'") }
            s.removeFirst()
        }
        func quoted() throws -> String {
            skip()
            guard let q = s.first, q == "'" || q == "\"" else { throw ParseError(description: "expected a quoted string") }
            s.removeFirst()
            guard let end = s.firstIndex(of: q) else { throw ParseError(description: "unterminated string") }
            let v = String(s[..<end])
            s = s[s.index(after: end)...]
            return v
        }
        func integer() throws -> Int {
            skip()
            let digits = s.prefix { $0.isNumber }
            guard !digits.isEmpty, let v = Int(digits) else { throw ParseError(description: "expected a non-negative integer") }
            s = s.dropFirst(digits.count)
            return v
        }
        var out: [String: PyLiteral] = [:]
        try expect("{")
        while true {
            skip()
            if s.first == "}" { s.removeFirst(); break }
            let key = try quoted()
            guard out[key] == nil else { throw ParseError(description: "duplicate key '\(key)'") }
            try expect(":")
            skip()
            switch s.first {
            case "'", "\"": out[key] = .string(try quoted())
            case "T" where s.hasPrefix("True"): s = s.dropFirst(4); out[key] = .bool(true)
            case "F" where s.hasPrefix("False"): s = s.dropFirst(5); out[key] = .bool(false)
            case "(":
                s.removeFirst()
                var dims: [Int] = []
                while true {
                    skip()
                    if s.first == ")" { s.removeFirst(); break }
                    dims.append(try integer())
                    skip()
                    if s.first == "," { s.removeFirst() } else if s.first != ")" {
                        throw ParseError(description: "expected ',' or ')' in the shape")
                    }
                }
                out[key] = .tuple(dims)
            default:
                out[key] = .int(try integer())
            }
            skip()
            if s.first == "," { s.removeFirst() } else if s.first != "}" {
                throw ParseError(description: "expected ',' or '}' after '\(key)'")
            }
        }
        skip()
        guard s.isEmpty else { throw ParseError(description: "unexpected text after the header dict") }
        return out
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\n" }.reversed().drop { $0 == " " || $0 == "\n" }.reversed())
    }
}

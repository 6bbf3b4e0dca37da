import LatentCore

/// NumPy's `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
/// `\x93NUMPY`, a version, a header length, a Python-literal dict
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (5000, 10), }`, then the data.
/// Reads booleans, integers of every width (signed or not) and float16/32/64, in C order, either byte
/// order, as Float; writes little-endian float32. A file is read in chunks straight into the Float
/// array, and its element count is checked against the caller's cap before anything is allocated.
public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// A `.npy` element type: what `descr` says.
    public struct DType: Equatable, Sendable {
        public enum Kind: Sendable { case bool, unsigned, signed, float }
        public let kind: Kind
        public let size: Int
        public let littleEndian: Bool
        /// As written in the header (`<i8`, `|u1`, …).
        public let descr: String

        public var isInteger: Bool { kind == .signed || kind == .unsigned }

        init?(_ descr: String) {
            guard descr.count >= 3, let order = descr.first, "<>=|".contains(order),
                  let size = Int(descr.dropFirst(2)) else { return nil }
            switch (descr.dropFirst().first, size) {
            case ("b", 1): kind = .bool
            case ("u", 1), ("u", 2), ("u", 4), ("u", 8): kind = .unsigned
            case ("i", 1), ("i", 2), ("i", 4), ("i", 8): kind = .signed
            case ("f", 2), ("f", 4), ("f", 8): kind = .float
            default: return nil
            }
            // '|' (not applicable) is only right for one-byte types; '=' is native, little-endian here.
            if order == "|" && size != 1 { return nil }
            self.size = size
            littleEndian = order != ">"
            self.descr = descr
        }
    }

    public static func read(_ path: String, maxValues: Int = DataLimits.maxValues) throws -> Tensor {
        try readArray(path, maxValues: maxValues).values
    }

    public static func isNPY(_ bytes: [UInt8]) -> Bool { bytes.starts(with: magic) }

    public static func decode(_ bytes: [UInt8], source: String = "<memory>", maxValues: Int = DataLimits.maxValues) throws -> Tensor {
        try decodeArray(bytes, source: source, maxValues: maxValues).values
    }

    /// The array (as Float) and its dtype: integer images are 0–255 and mean something else than float ones.
    public static func readArray(_ path: String, maxValues: Int = DataLimits.maxValues) throws -> (values: Tensor, dtype: DType) {
        let file = try FileBytes.Reader(path)
        // The header is short (numpy pads it to 64 bytes; a v2 header may be longer): read it first,
        // check the shape against the cap and the file size, and only then read the data.
        let head = try file.read(upTo: min(file.size, 1 << 20))
        let (dims, dtype, offset) = try header(head, source: path, fileSize: file.size, maxValues: maxValues)
        let n = dims.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        try file.seek(to: offset)
        let chunk = max(1, (1 << 22) / dtype.size)
        var done = 0
        while done < n {
            let count = min(chunk, n - done)
            let bytes = try file.read(exactly: count * dtype.size)
            values.withUnsafeMutableBufferPointer { out in
                bytes.withUnsafeBytes { convert($0, count: count, dtype, into: out.baseAddress! + done) }
            }
            done += count
        }
        return (Tensor(shape: dims, data: values), dtype)
    }

    static func decodeArray(_ bytes: [UInt8], source: String, maxValues: Int) throws -> (values: Tensor, dtype: DType) {
        let (dims, dtype, offset) = try header(bytes, source: source, fileSize: bytes.count, maxValues: maxValues)
        let n = dims.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        values.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBytes { convert(UnsafeRawBufferPointer(rebasing: $0[offset...]), count: n, dtype, into: out.baseAddress!) }
        }
        return (Tensor(shape: dims, data: values), dtype)
    }

    /// Parses the header at the start of `bytes` (at least all of the header) of a file of `fileSize`
    /// bytes: the shape, the dtype and where the data starts, checked against the size and the cap.
    static func header(_ bytes: [UInt8], source: String, fileSize: Int, maxValues: Int) throws -> (shape: [Int], dtype: DType, dataOffset: Int) {
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
        guard let dtype = DType(descr) else {
            throw bad("dtype '\(descr)' is not supported (bool, integers, float16/32/64; use a.astype('float32'))")
        }
        guard let n = Tensor.elementCount(dims),
              case let (needed, overflow) = n.multipliedReportingOverflow(by: dtype.size), !overflow else {
            throw bad("shape \(dims) is too large")
        }
        guard n <= maxValues else {
            throw bad(DataLimits.tooMany(n, what: "shape \(dims) holds"))
        }
        guard needed == fileSize - r.offset else {
            throw bad("shape \(dims) of '\(descr)' needs \(grouped(needed)) bytes of data but the file has \(grouped(fileSize - r.offset))")
        }
        return (dims, dtype, r.offset)
    }

    /// `count` elements of `dtype` from `raw` as Floats (64-bit integers beyond 2^24 round, as Float does).
    static func convert(_ raw: UnsafeRawBufferPointer, count n: Int, _ dtype: DType, into out: UnsafeMutablePointer<Float>) {
        func load<T: FixedWidthInteger>(_: T.Type, _ body: (T) -> Float) {
            for i in 0..<n {
                let v = raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
                out[i] = body(dtype.littleEndian ? T(littleEndian: v) : T(bigEndian: v))
            }
        }
        switch (dtype.kind, dtype.size) {
        case (.bool, _): load(UInt8.self) { $0 == 0 ? 0 : 1 }
        case (.unsigned, 1): load(UInt8.self) { Float($0) }
        case (.unsigned, 2): load(UInt16.self) { Float($0) }
        case (.unsigned, 4): load(UInt32.self) { Float($0) }
        case (.unsigned, _): load(UInt64.self) { Float($0) }
        case (.signed, 1): load(Int8.self) { Float($0) }
        case (.signed, 2): load(Int16.self) { Float($0) }
        case (.signed, 4): load(Int32.self) { Float($0) }
        case (.signed, _): load(Int64.self) { Float($0) }
        case (.float, 2): load(UInt16.self) { halfToFloat($0) }
        case (.float, 4): load(UInt32.self) { Float(bitPattern: $0) }
        case (.float, _): load(UInt64.self) { Float(Double(bitPattern: $0)) }
        }
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

import LatentCore

/// An array in the IDX format of the MNIST files (http://yann.lecun.com/exdb/mnist/): two zero bytes,
/// a type code, the rank, one big-endian UInt32 per dimension, then the values big-endian, row-major.
/// Files ending in `.gz` (or starting with the gzip magic) are inflated first.
public struct IDXArray: Equatable, Sendable {
    public enum ElementType: UInt8, CaseIterable, Sendable {
        case u8 = 0x08, i8 = 0x09, i16 = 0x0B, i32 = 0x0C, f32 = 0x0D, f64 = 0x0E

        public var size: Int {
            switch self {
            case .u8, .i8: return 1
            case .i16: return 2
            case .i32, .f32: return 4
            case .f64: return 8
            }
        }

        public var name: String {
            switch self {
            case .u8: return "u8"
            case .i8: return "i8"
            case .i16: return "i16"
            case .i32: return "i32"
            case .f32: return "f32"
            case .f64: return "f64"
            }
        }
    }

    public let type: ElementType
    public let shape: [Int]
    /// The values as stored: big-endian, row-major.
    public let payload: [UInt8]

    public init(type: ElementType, shape: [Int], payload: [UInt8]) {
        precondition((Tensor.elementCount(shape) ?? -1) * type.size == payload.count, "payload does not match shape")
        self.type = type
        self.shape = shape
        self.payload = payload
    }

    /// MNIST-style unsigned bytes.
    public init(u8 values: [UInt8], shape: [Int]) {
        self.init(type: .u8, shape: shape, payload: values)
    }

    /// Float32 values (stored big-endian).
    public init(f32 values: [Float], shape: [Int]) {
        self.init(type: .f32, shape: shape, payload: values.flatMap { $0.bitPattern.bigEndianBytes })
    }

    public var count: Int { payload.count / type.size }

    /// The values as Floats, unscaled (a u8 pixel stays 0…255).
    public func floats() -> [Float] {
        payload.withUnsafeBytes { raw in
            func be<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T {
                T(bigEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
            switch type {
            case .u8: return payload.map { Float($0) }
            case .i8: return payload.map { Float(Int8(bitPattern: $0)) }
            case .i16: return (0..<count).map { Float(be($0, Int16.self)) }
            case .i32: return (0..<count).map { Float(be($0, Int32.self)) }
            case .f32: return (0..<count).map { Float(bitPattern: be($0, UInt32.self)) }
            case .f64: return (0..<count).map { Float(Double(bitPattern: be($0, UInt64.self))) }
            }
        }
    }

    // MARK: Reading

    public static func read(_ path: String) throws -> IDXArray {
        try IDXArray(bytes: FileBytes.read(path), source: path)
    }

    /// Parses raw or gzip-compressed IDX bytes, checking magic, type, rank, dimensions and size.
    public init(bytes fileBytes: [UInt8], source: String = "<memory>") throws {
        func bad(_ message: String) -> FormatError { FormatError(source, message) }
        let bytes = Gzip.isGzip(fileBytes) ? try Gzip.decompress(fileBytes, source: source) : fileBytes
        guard !bytes.isEmpty else { throw bad("empty file (an IDX file starts with a 4-byte magic number)") }
        guard bytes.count >= 4 else { throw bad("file is \(bytes.count) bytes, too short for the IDX magic number") }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw bad("not an IDX file: magic starts \(hexByte(bytes[0])) \(hexByte(bytes[1])), expected 0x00 0x00")
        }
        guard let type = ElementType(rawValue: bytes[2]) else {
            throw bad("unknown IDX element type code \(hexByte(bytes[2]))")
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw bad("IDX rank is 0; expected at least one dimension") }
        var reader = ByteReader(bytes, offset: 4)
        var shape: [Int] = []
        for axis in 0..<rank {
            guard let d = reader.u32BE() else {
                throw bad("header declares \(rank) dimensions but the file ends in dimension \(axis + 1)")
            }
            shape.append(Int(d))
        }
        guard let n = Tensor.elementCount(shape),
              case let (needed, overflow) = n.multipliedReportingOverflow(by: type.size), !overflow else {
            throw bad("dimensions \(shape) are too large")
        }
        guard needed == reader.remaining else {
            let dims = shape.map(String.init).joined(separator: "×")
            throw bad("dimensions \(dims) of \(type.name) need \(grouped(needed)) bytes of data but the file has \(grouped(reader.remaining))")
        }
        self.type = type
        self.shape = shape
        self.payload = Array(bytes[reader.offset...])
    }

    // MARK: Writing

    /// The raw IDX bytes.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [0, 0, type.rawValue, UInt8(shape.count)]
        for d in shape { out += UInt32(d).bigEndianBytes }
        return out + payload
    }

    /// Writes raw IDX, or gzip-compressed IDX when the path ends in `.gz`.
    public func write(to path: String) throws {
        let raw = encoded()
        try FileBytes.write(path.hasSuffix(".gz") ? Gzip.compress(raw) : raw, to: path)
    }
}

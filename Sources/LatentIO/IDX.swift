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

    /// Reads raw or gzip-compressed IDX, checking magic, type, rank, dimensions and size. The header is
    /// read first: data over `maxValues` values is refused before anything of its size is allocated.
    public static func read(_ path: String, maxValues: Int = DataLimits.maxValues) throws -> IDXArray {
        let file = try FileBytes.Reader(path)
        let head = try file.read(upTo: min(file.size, 2))
        if Gzip.isGzip(head) {
            // Compressed data is small beside what it inflates to; the cap is on the latter.
            guard file.size <= 1 << 30 else { throw FormatError(path, "compressed file is \(grouped(file.size)) bytes, over 1 GB") }
            try file.seek(to: 0)
            let inflater = try Gzip.Inflater(try file.read(exactly: file.size), source: path)
            return try IDXArray(stream: { try inflater.read(into: $0) }, available: nil, source: path, maxValues: maxValues,
                                finish: inflater.finish)
        }
        try file.seek(to: 0)
        var remaining = file.size
        return try IDXArray(stream: { buffer in
            let bytes = try file.read(upTo: min(buffer.count, remaining))
            buffer.copyBytes(from: bytes)
            remaining -= bytes.count
            return bytes.count
        }, available: file.size, source: path, maxValues: maxValues, finish: {})
    }

    /// Parses raw or gzip-compressed IDX bytes.
    public init(bytes fileBytes: [UInt8], source: String = "<memory>", maxValues: Int = DataLimits.maxValues) throws {
        if Gzip.isGzip(fileBytes) {
            let inflater = try Gzip.Inflater(fileBytes, source: source)
            try self.init(stream: { try inflater.read(into: $0) }, available: nil, source: source, maxValues: maxValues, finish: inflater.finish)
        } else {
            var offset = 0
            try self.init(stream: { buffer in
                let n = min(buffer.count, fileBytes.count - offset)
                fileBytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + n)])) }
                offset += n
                return n
            }, available: fileBytes.count, source: source, maxValues: maxValues, finish: {})
        }
    }

    /// Parses IDX from `stream` (which fills a buffer and returns how much it wrote, short only at the
    /// end). `available` is the total size when known up front (a raw file): then a wrong size is
    /// reported with both figures before the data is read.
    init(stream: (UnsafeMutableRawBufferPointer) throws -> Int, available: Int?, source: String, maxValues: Int,
         finish: () throws -> Void) throws {
        func bad(_ message: String) -> FormatError { FormatError(source, message) }
        func take(_ count: Int) throws -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got = try bytes.withUnsafeMutableBytes { try stream(UnsafeMutableRawBufferPointer(rebasing: $0[done...])) }
                if got == 0 { break }
                done += got
            }
            return done == count ? bytes : Array(bytes[0..<done])
        }
        let magic = try take(4)
        guard !magic.isEmpty else { throw bad("empty file (an IDX file starts with a 4-byte magic number)") }
        guard magic.count == 4 else { throw bad("file is \(magic.count) bytes, too short for the IDX magic number") }
        guard magic[0] == 0, magic[1] == 0 else {
            throw bad("not an IDX file: magic starts \(hexByte(magic[0])) \(hexByte(magic[1])), expected 0x00 0x00")
        }
        guard let type = ElementType(rawValue: magic[2]) else {
            throw bad("unknown IDX element type code \(hexByte(magic[2]))")
        }
        let rank = Int(magic[3])
        guard rank >= 1 else { throw bad("IDX rank is 0; expected at least one dimension") }
        let dimBytes = try take(4 * rank)
        var reader = ByteReader(dimBytes, offset: 0)
        var shape: [Int] = []
        for axis in 0..<rank {
            guard let d = reader.u32BE() else {
                throw bad("header declares \(rank) dimensions but the file ends in dimension \(axis + 1)")
            }
            shape.append(Int(d))
        }
        let dims = shape.map(String.init).joined(separator: "×")
        guard let n = Tensor.elementCount(shape),
              case let (needed, overflow) = n.multipliedReportingOverflow(by: type.size), !overflow else {
            throw bad("dimensions \(shape) are too large")
        }
        if let available, needed != available - 4 - 4 * rank {
            throw bad("dimensions \(dims) of \(type.name) need \(grouped(needed)) bytes of data but the file has \(grouped(available - 4 - 4 * rank))")
        }
        // Wider types than a byte are held as Float (4 bytes) once read: the cap is on values.
        guard n <= maxValues, needed <= 4 * maxValues else {
            throw bad(DataLimits.tooMany(n, what: "dimensions \(dims) hold"))
        }
        let payload = try take(needed)
        guard payload.count == needed else {
            throw bad("dimensions \(dims) of \(type.name) need \(grouped(needed)) bytes of data but the file has \(grouped(payload.count))")
        }
        try finish()
        self.type = type
        self.shape = shape
        self.payload = payload
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

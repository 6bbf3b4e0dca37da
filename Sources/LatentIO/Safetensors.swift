import Foundation
import LatentCore

/// One tensor's entry in a safetensors header.
public struct SafetensorsEntry: Equatable, Sendable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// Byte range within the data section (after the 8-byte length and the header).
    public let dataOffsets: Range<Int>

    public var byteCount: Int { dataOffsets.count }
    public var elementCount: Int { Tensor.elementCount(shape) ?? 0 }
}

/// A parsed, fully validated safetensors file (https://github.com/huggingface/safetensors).
///
/// Validation follows the reference implementation (`safetensors/src/tensor.rs`): the header length is
/// bounded and inside the file; the header is UTF-8 JSON without duplicate keys; each tensor has exactly
/// `dtype`, `shape` and `data_offsets`; the offsets tile the data section with no gap, overlap or alias;
/// each byte count equals elements × dtype size (overflow-checked); and the data section ends at the end
/// of the file. Nothing is allocated from header numbers before they are checked against the file size.
public struct SafetensorsFile: Sendable {
    /// The reference implementation's bound on the JSON header.
    public static let maxHeaderLength = 100_000_000

    /// Tensors in header order.
    public let entries: [SafetensorsEntry]
    /// `__metadata__` string pairs in header order (empty when absent).
    public let metadata: [(key: String, value: String)]
    /// Where the data section starts in `bytes`.
    public let dataStart: Int
    let bytes: [UInt8]
    let source: String

    public static func read(_ path: String) throws -> SafetensorsFile {
        try SafetensorsFile(bytes: FileBytes.read(path), source: path)
    }

    /// The `__metadata__` of a file, reading its header only (the tensors can be megabytes).
    public static func metadata(ofFileAt path: String) throws -> [(key: String, value: String)] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FormatError(path, "cannot be opened") }
        defer { try? handle.close() }
        let prefix = [UInt8](try handle.read(upToCount: 8) ?? Data())
        guard prefix.count == 8 else { throw FormatError(path, "too short for a safetensors header") }
        var n: UInt64 = 0
        for (i, byte) in prefix.enumerated() { n |= UInt64(byte) << (8 * UInt64(i)) }
        guard n <= UInt64(maxHeaderLength) else { throw FormatError(path, "header length \(n) exceeds the limit") }
        let header = [UInt8](try handle.read(upToCount: Int(n)) ?? Data())
        guard header.count == Int(n), let json = try? JSONParser.parse(header), let members = json["__metadata__"]?.object else {
            throw FormatError(path, "no readable __metadata__ in the header")
        }
        return members.compactMap { key, value in value.string.map { (key, $0) } }
    }

    public init(bytes: [UInt8], source: String = "<memory>") throws {
        func bad(_ message: String) -> FormatError { FormatError(source, message) }
        self.bytes = bytes
        self.source = source

        guard bytes.count >= 8 else {
            throw bad(bytes.isEmpty ? "empty file (a safetensors file starts with an 8-byte header length)"
                                    : "file is \(bytes.count) bytes, too short for the 8-byte header length")
        }
        var reader = ByteReader(bytes)
        let n64 = reader.u64LE()!
        guard n64 <= UInt64(Self.maxHeaderLength) else {
            throw bad("header length \(n64) exceeds the limit of \(grouped(Self.maxHeaderLength)) bytes")
        }
        let n = Int(n64)
        guard n <= bytes.count - 8 else {
            throw bad("header length \(grouped(n)) runs past the end of the \(grouped(bytes.count))-byte file")
        }
        let headerBytes = Array(bytes[8..<(8 + n)])
        guard String(validating: headerBytes, as: UTF8.self) != nil else { throw bad("header is not valid UTF-8") }
        guard headerBytes.first == UInt8(ascii: "{") else { throw bad("header does not start with '{'") }
        let json: JSONValue
        do { json = try JSONParser.parse(headerBytes) } catch { throw bad("header JSON: \(error)") }
        guard let members = json.object else { throw bad("header is not a JSON object") }

        var entries: [SafetensorsEntry] = []
        var metadata: [(key: String, value: String)] = []
        for (key, value) in members {
            if key == "__metadata__" {
                guard let pairs = value.object else { throw bad("__metadata__ is not an object of strings") }
                for (mk, mv) in pairs {
                    guard let s = mv.string else { throw bad("__metadata__ value for '\(mk)' is not a string") }
                    metadata.append((mk, s))
                }
                continue
            }
            entries.append(try Self.entry(key, value, bad))
        }

        // Offsets must tile the data section: sorted by start, each begins where the previous ended.
        let sorted = entries.sorted { ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
                                      < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name) }
        var end = 0
        for e in sorted {
            let r = e.dataOffsets
            if r.lowerBound < end {
                throw bad("tensor '\(e.name)' data_offsets [\(r.lowerBound), \(r.upperBound)) overlap the previous tensor")
            }
            if r.lowerBound > end {
                throw bad("tensor '\(e.name)' data_offsets [\(r.lowerBound), \(r.upperBound)) leave a gap after byte \(end)")
            }
            end = r.upperBound
        }
        let dataStart = 8 + n
        let dataSize = bytes.count - dataStart
        if end != dataSize {
            throw bad(end > dataSize
                      ? "tensor data needs \(grouped(end)) bytes but the file holds \(grouped(dataSize)) after the header (truncated?)"
                      : "\(grouped(dataSize - end)) bytes after the last tensor's data are not described by the header")
        }
        self.entries = entries
        self.metadata = metadata
        self.dataStart = dataStart
    }

    private static func entry(_ name: String, _ value: JSONValue,
                              _ bad: (String) -> FormatError) throws -> SafetensorsEntry {
        guard let fields = value.object else { throw bad("tensor '\(name)' is not an object") }
        let keys = Set(fields.map(\.key))
        for required in ["dtype", "shape", "data_offsets"] where !keys.contains(required) {
            throw bad("tensor '\(name)' has no '\(required)'")
        }
        if let extra = fields.first(where: { !["dtype", "shape", "data_offsets"].contains($0.key) }) {
            throw bad("tensor '\(name)' has an unknown field '\(extra.key)'")
        }
        guard let dtypeName = value["dtype"]?.string else { throw bad("tensor '\(name)' dtype is not a string") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw bad("tensor '\(name)' has unknown dtype '\(dtypeName)'")
        }
        guard let dims = value["shape"]?.array else { throw bad("tensor '\(name)' shape is not an array") }
        var shape: [Int] = []
        for d in dims {
            guard let v = d.nonNegativeInt else {
                throw bad("tensor '\(name)' shape has an entry that is not a non-negative integer: \(d.serialized)")
            }
            shape.append(v)
        }
        guard let offs = value["data_offsets"]?.array, offs.count == 2 else {
            throw bad("tensor '\(name)' data_offsets is not a pair [begin, end]")
        }
        guard let begin = offs[0].nonNegativeInt, let end = offs[1].nonNegativeInt else {
            throw bad("tensor '\(name)' data_offsets are not non-negative integers")
        }
        guard end >= begin else { throw bad("tensor '\(name)' data_offsets [\(begin), \(end)) end before they begin") }
        guard let count = Tensor.elementCount(shape),
              case let (bytesNeeded, overflow) = count.multipliedReportingOverflow(by: dtype.size), !overflow else {
            throw bad("tensor '\(name)' shape \(shape) is too large")
        }
        guard bytesNeeded == end - begin else {
            throw bad("tensor '\(name)' shape \(shape) of \(dtype.rawValue) needs \(grouped(bytesNeeded)) bytes but data_offsets [\(begin), \(end)) hold \(grouped(end - begin))")
        }
        return SafetensorsEntry(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    // MARK: Access

    public func entry(_ name: String) -> SafetensorsEntry? { entries.first { $0.name == name } }

    public func metadata(_ key: String) -> String? { metadata.first { $0.key == key }?.value }

    /// The raw little-endian bytes of a tensor.
    public func rawBytes(_ name: String) throws -> ArraySlice<UInt8> {
        let e = try require(name)
        return bytes[(dataStart + e.dataOffsets.lowerBound)..<(dataStart + e.dataOffsets.upperBound)]
    }

    /// A tensor converted to Float32 (from F32, F16, BF16, F64 or an integer type).
    public func tensor(_ name: String) throws -> Tensor {
        let e = try require(name)
        guard let values = e.dtype.toFloats(try rawBytes(name), count: e.elementCount) else {
            throw FormatError(source, "tensor '\(name)' has dtype \(e.dtype.rawValue), which cannot be read as numbers here")
        }
        return Tensor(shape: e.shape, data: values)
    }

    private func require(_ name: String) throws -> SafetensorsEntry {
        guard let e = entry(name) else { throw FormatError(source, "no tensor named '\(name)'") }
        return e
    }
}

/// Builds a safetensors file. Tensors are written in the order added; the header is padded with
/// spaces to a multiple of 8 bytes so that the data section is 8-byte aligned, as the reference does.
public struct SafetensorsWriter {
    private var entries: [(name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8])] = []
    public var metadata: [(key: String, value: String)] = []

    public init() {}

    /// Adds a tensor stored as `dtype` (F32, F16, BF16, F64, I64 or I32).
    public mutating func add(_ name: String, _ tensor: Tensor, as dtype: SafetensorsDType = .f32) {
        guard let bytes = dtype.fromFloats(tensor.data) else {
            preconditionFailure("writing \(dtype.rawValue) is not supported")
        }
        add(name, dtype: dtype, shape: tensor.shape, bytes: bytes)
    }

    /// Adds pre-encoded little-endian bytes.
    public mutating func add(_ name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
        precondition(name != "__metadata__", "'__metadata__' is reserved")
        precondition(!entries.contains { $0.name == name }, "duplicate tensor name '\(name)'")
        precondition((Tensor.elementCount(shape) ?? -1) * dtype.size == bytes.count,
                     "tensor '\(name)': \(bytes.count) bytes do not match shape \(shape) of \(dtype.rawValue)")
        entries.append((name, dtype, shape, bytes))
    }

    public func encoded() -> [UInt8] {
        var header: [(key: String, value: JSONValue)] = []
        if !metadata.isEmpty {
            header.append(("__metadata__", .object(metadata.map { ($0.key, JSONValue.string($0.value)) })))
        }
        var offset = 0
        for e in entries {
            header.append((e.name, .object([
                ("dtype", .string(e.dtype.rawValue)),
                ("shape", .array(e.shape.map { JSONValue.int($0) })),
                ("data_offsets", .array([.int(offset), .int(offset + e.bytes.count)])),
            ])))
            offset += e.bytes.count
        }
        var json = Array(JSONValue.object(header).serialized.utf8)
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
        var out = UInt64(json.count).littleEndianBytes + json
        out.reserveCapacity(out.count + offset)
        for e in entries { out += e.bytes }
        return out
    }

    public func write(to path: String) throws {
        try FileBytes.write(encoded(), to: path)
    }
}

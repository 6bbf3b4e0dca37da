/// A bounds-checked cursor over a byte array. Every read that would run past the end returns nil,
/// so parsers cannot be tricked into out-of-bounds reads by a lying header.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, n <= remaining else { return nil }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func u8() -> UInt8? { take(1)?.first }

    mutating func u16LE() -> UInt16? { take(2).map { UInt16(littleEndianBytes: $0) } }
    mutating func u32LE() -> UInt32? { take(4).map { UInt32(littleEndianBytes: $0) } }
    mutating func u64LE() -> UInt64? { take(8).map { UInt64(littleEndianBytes: $0) } }
    mutating func u32BE() -> UInt32? { take(4).map { UInt32(bigEndianBytes: $0) } }
}

extension FixedWidthInteger {
    init(littleEndianBytes b: ArraySlice<UInt8>) {
        var v: Self = 0
        for (i, byte) in b.enumerated() { v |= Self(byte) << (8 * i) }
        self = v
    }

    init(bigEndianBytes b: ArraySlice<UInt8>) {
        var v: Self = 0
        for byte in b { v = (v << 8) | Self(byte) }
        self = v
    }

    var littleEndianBytes: [UInt8] {
        (0..<(Self.bitWidth / 8)).map { UInt8(truncatingIfNeeded: self >> (8 * $0)) }
    }

    var bigEndianBytes: [UInt8] { littleEndianBytes.reversed() }
}

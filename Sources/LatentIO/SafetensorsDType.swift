/// The element types the safetensors format names. All are recognised (so that sizes validate);
/// F32, F16, BF16, F64, I64, I32, I16, I8, U8 and BOOL convert to Float.
public enum SafetensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case u8 = "U8", i8 = "I8"
    case f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32"
    case f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// Decodes `count` little-endian elements starting at `bytes.startIndex` into Floats, or nil for
    /// the types this project does not convert (8-bit floats, unsigned 16/32/64-bit).
    func toFloats(_ bytes: ArraySlice<UInt8>, count: Int) -> [Float]? {
        precondition(bytes.count >= count * size, "slice shorter than \(count) elements")
        return bytes.withUnsafeBytes { raw -> [Float]? in
            // Data in a safetensors file may be unaligned: every load is loadUnaligned.
            func le<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
            switch self {
            case .f32: return (0..<count).map { Float(bitPattern: le($0, UInt32.self)) }
            case .f16: return (0..<count).map { halfToFloat(le($0, UInt16.self)) }
            case .bf16: return (0..<count).map { Float(bitPattern: UInt32(le($0, UInt16.self)) << 16) }
            case .f64: return (0..<count).map { Float(Double(bitPattern: le($0, UInt64.self))) }
            case .i64: return (0..<count).map { Float(le($0, Int64.self)) }
            case .i32: return (0..<count).map { Float(le($0, Int32.self)) }
            case .i16: return (0..<count).map { Float(le($0, Int16.self)) }
            case .i8: return (0..<count).map { Float(le($0, Int8.self)) }
            case .u8, .bool: return (0..<count).map { Float(le($0, UInt8.self)) }
            case .u16, .u32, .u64, .f8e5m2, .f8e4m3: return nil
            }
        }
    }

    /// Encodes Floats as little-endian elements of this type (rounding to nearest even for F16/BF16).
    func fromFloats(_ values: [Float]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * size)
        switch self {
        case .f32: for v in values { out += v.bitPattern.littleEndianBytes }
        case .f16: for v in values { out += floatToHalf(v).littleEndianBytes }
        case .bf16: for v in values { out += floatToBFloat16(v).littleEndianBytes }
        case .f64: for v in values { out += Double(v).bitPattern.littleEndianBytes }
        case .i64: for v in values { out += Int64(v.rounded()).littleEndianBytes }
        case .i32: for v in values { out += Int32(v.rounded()).littleEndianBytes }
        default: return nil
        }
        return out
    }
}

/// IEEE 754 binary16 → binary32, exact (including subnormals, infinities and NaN).
/// Written out rather than through `Float16`, which is unavailable on some platforms.
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h >> 15) << 31
    let exp = Int((h >> 10) & 0x1F)
    let mant = UInt32(h & 0x3FF)
    if exp == 0 {
        // zero or subnormal: mant · 2^-24
        let magnitude = Float(mant) * (1.0 / 16_777_216.0)
        return sign != 0 ? -magnitude : magnitude
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
    return Float(bitPattern: sign | (UInt32(exp - 15 + 127) << 23) | (mant << 13))
}

/// binary32 → binary16 with round-to-nearest-even; overflow gives ±infinity, NaN stays NaN.
func floatToHalf(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    let sign = UInt16((bits >> 16) & 0x8000)
    if f.isNaN { return sign | 0x7E00 }
    let a = abs(f)
    if a >= 65520 { return sign | 0x7C00 }  // rounds to infinity
    if a < 6.103515625e-05 {  // below the smallest normal half: subnormal units of 2^-24
        let units = (a * 16_777_216.0).rounded(.toNearestOrEven)
        return sign | UInt16(units)
    }
    let exp = Int((bits >> 23) & 0xFF) - 127 + 15
    var mant = bits & 0x7F_FFFF
    var e = UInt32(exp)
    // round the 23-bit mantissa to 10 bits, nearest even
    let shifted = mant >> 13
    let rest = mant & 0x1FFF
    mant = shifted
    if rest > 0x1000 || (rest == 0x1000 && (shifted & 1) == 1) {
        mant += 1
        if mant == 0x400 { mant = 0; e += 1 }
    }
    return sign | UInt16(e << 10) | UInt16(mant)
}

/// binary32 → bfloat16 (the top 16 bits) with round-to-nearest-even; NaN stays a quiet NaN.
func floatToBFloat16(_ f: Float) -> UInt16 {
    let bits = f.bitPattern
    if f.isNaN { return UInt16(bits >> 16) | 0x0040 }
    let rounding = 0x7FFF + ((bits >> 16) & 1)
    return UInt16((bits &+ rounding) >> 16)
}

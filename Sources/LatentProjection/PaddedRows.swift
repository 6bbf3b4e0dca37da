import LatentCore

/// The rows of a matrix copied with each row padded by zeros to a multiple of 8 floats, so a squared
/// distance is a few 8-wide vector steps with independent accumulators. (A plain `for t in 0..<d` sum
/// is one serial chain of dependent adds: IEEE order forbids the compiler to vectorise it.) The rows
/// start on a cache line: the searches read them in random order, and a 16-float row that straddled
/// two lines cost two misses.
final class PaddedRows: @unchecked Sendable {
    let count: Int, dimension: Int, stride: Int
    let base: UnsafeMutablePointer<Float>

    init(_ x: Tensor) {
        count = x.shape[0]; dimension = x.shape[1]
        stride = (dimension + 7) / 8 * 8
        base = Self.allocate(count * stride)
        base.initialize(repeating: 0, count: count * stride)
        x.data.withUnsafeBufferPointer { p in
            for i in 0..<count { (base + i * stride).update(from: p.baseAddress! + i * dimension, count: dimension) }
        }
    }

    private init(count: Int, dimension: Int, stride: Int) {
        self.count = count; self.dimension = dimension; self.stride = stride
        base = Self.allocate(count * stride)
    }

    private static func allocate(_ floats: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(1, floats) * 4, alignment: 64).bindMemory(to: Float.self, capacity: max(1, floats))
    }

    /// These rows in another order: row r of the result is row order[r] here.
    func permuted(_ order: [Int32]) -> PaddedRows {
        let out = PaddedRows(count: count, dimension: dimension, stride: stride)
        for (r, i) in order.enumerated() { (out.base + r * stride).initialize(from: base + Int(i) * stride, count: stride) }
        return out
    }

    deinit { UnsafeMutableRawPointer(base).deallocate() }

    @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> { UnsafePointer(base + i * stride) }

    @inline(__always) func squaredDistance(_ a: Int, _ b: Int) -> Float { squaredDistance(row(a), row(b)) }

    @inline(__always) func squaredDistance(_ pa: UnsafePointer<Float>, _ pb: UnsafePointer<Float>) -> Float {
        let ra = UnsafeRawPointer(pa), rb = UnsafeRawPointer(pb)
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        var offset = 0
        let bytes = stride * 4
        while offset + 64 <= bytes {
            let v0 = ra.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) - rb.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let v1 = ra.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self) - rb.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
            acc0 += v0 * v0; acc1 += v1 * v1
            offset += 64
        }
        if offset < bytes {
            let v = ra.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) - rb.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            acc0 += v * v
        }
        let s = acc0 + acc1
        let h = s.lowHalf + s.highHalf
        return (h[0] + h[2]) + (h[1] + h[3])
    }
}

/// Σ a[t]·b[t] over 8 independent partial sums (the sum a plain loop builds is one serial chain).
@inline(__always) func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
    var acc = SIMD8<Float>()
    var t = 0
    while t + 8 <= d {
        acc += UnsafeRawPointer(a + t).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + t).loadUnaligned(as: SIMD8<Float>.self)
        t += 8
    }
    var s: Float = 0
    while t < d { s += a[t] * b[t]; t += 1 }
    let h = acc.lowHalf + acc.highHalf
    return s + (h[0] + h[2]) + (h[1] + h[3])
}

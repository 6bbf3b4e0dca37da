/// A dense Float32 tensor in row-major order. Images use NCHW, linear weights PyTorch's `[out, in]`,
/// so files written by PyTorch load without transposes.
public struct Tensor: Equatable, Sendable {
    /// Extent of each axis, outermost first. A rank-0 tensor (scalar) has `shape == []` and one element.
    public private(set) var shape: [Int]
    /// `shape.product` values, last axis fastest.
    public var data: [Float]

    /// Wraps `data` with `shape`; the counts must agree (a programming error otherwise).
    public init(shape: [Int], data: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(Tensor.elementCount(shape) == data.count,
                     "shape \(shape) needs \(Tensor.elementCount(shape) ?? -1) values, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// A tensor whose values are unspecified: for outputs that the caller overwrites completely
    /// (a GEMM with beta = 0, an element-wise map), saving the zero fill on hot paths.
    public static func uninitialized(shape: [Int]) -> Tensor {
        guard let n = Tensor.elementCount(shape) else { preconditionFailure("shape \(shape) overflows Int") }
        return Tensor(shape: shape, data: [Float](unsafeUninitializedCapacity: n) { _, count in count = n })
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, repeating: 0)
    }

    public init(shape: [Int], repeating value: Float) {
        guard let n = Tensor.elementCount(shape) else { preconditionFailure("shape \(shape) overflows Int") }
        self.init(shape: shape, data: [Float](repeating: value, count: n))
    }

    /// Values drawn from N(mean, std²) with `rng`, for initialisation and sampling.
    public static func randomNormal(shape: [Int], mean: Float = 0, std: Float = 1,
                                    using rng: inout SeededRNG) -> Tensor {
        var t = Tensor(zeros: shape)
        for i in t.data.indices { t.data[i] = mean + std * rng.nextNormal() }
        return t
    }

    /// Values drawn uniformly from [low, high).
    public static func randomUniform(shape: [Int], low: Float, high: Float,
                                     using rng: inout SeededRNG) -> Tensor {
        var t = Tensor(zeros: shape)
        for i in t.data.indices { t.data[i] = low + (high - low) * rng.nextFloat() }
        return t
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// Row-major strides in elements: the last axis has stride 1.
    public var strides: [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            s[axis] = acc
            acc *= shape[axis]
        }
        return s
    }

    /// The same values under another shape of equal element count; one extent may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[hole] = count / known
        }
        return Tensor(shape: resolved, data: data)
    }

    /// Element at a full multi-index (bounds-checked).
    public subscript(_ index: Int...) -> Float {
        get { data[offset(of: index)] }
        set { data[offset(of: index)] = newValue }
    }

    private func offset(of index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) does not match rank \(shape.count)")
        var off = 0
        for (axis, i) in index.enumerated() {
            precondition(i >= 0 && i < shape[axis], "index \(index) out of bounds for shape \(shape)")
            off = off * shape[axis] + i
        }
        return off
    }

    /// Product of the extents, or nil when it overflows `Int` or an extent is negative.
    /// File readers use this to reject headers whose shapes would demand absurd allocations.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            n = p
        }
        return n
    }
}

extension Tensor {
    /// Rows `range` of a tensor, as a tensor of the same trailing shape.
    public func rows(_ range: Range<Int>) -> Tensor {
        let width = count / max(1, shape[0])
        var newShape = shape
        newShape[0] = range.count
        return Tensor(shape: newShape, data: Array(data[(range.lowerBound * width)..<(range.upperBound * width)]))
    }

    /// This tensor with `other`'s rows after its own (same trailing shape).
    public func appendingRows(_ other: Tensor) -> Tensor {
        precondition(Array(shape.dropFirst()) == Array(other.shape.dropFirst()), "cannot stack \(shape) and \(other.shape)")
        var newShape = shape
        newShape[0] += other.shape[0]
        return Tensor(shape: newShape, data: data + other.data)
    }
}

extension Tensor {
    /// Adds `other` (the same number of values) element by element, in place.
    public mutating func add(_ other: Tensor) {
        precondition(count == other.count, "adding \(other.shape) to \(shape)")
        data.withUnsafeMutableBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                guard let ap = a.baseAddress, let bp = b.baseAddress else { return }
                // A residual block's sum over a training batch is large enough to split (element-wise:
                // the same result at any thread count).
                let A = UncheckedPointer(ap), B = UncheckedConst(bp)
                parallelRanges(a.count, threads: a.count >= 1 << 16 ? ComputeThreads.current : 1) { r in
                    for i in r { A.pointer[i] += B.pointer[i] }
                }
            }
        }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = data.prefix(6).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(\(shape), [\(preview)\(data.count > 6 ? ", …" : "")])"
    }
}

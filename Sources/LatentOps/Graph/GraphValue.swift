import LatentCore

/// A value flowing through a graph: float data (activations, weights) or integers (the shapes, indices
/// and masks of the exporters' shape arithmetic; booleans are 0/1). Row-major, any rank.
public enum GraphValue: Sendable, Equatable {
    case float(Tensor)
    case int([Int], shape: [Int])

    public var shape: [Int] {
        switch self {
        case .float(let t): return t.shape
        case .int(_, let shape): return shape
        }
    }

    public var count: Int {
        switch self {
        case .float(let t): return t.count
        case .int(let v, _): return v.count
        }
    }

    package var isFloat: Bool { if case .float = self { return true } else { return false } }

    /// Float data (integers converted, as ONNX's Cast would).
    package func floats() -> Tensor {
        switch self {
        case .float(let t): return t
        case .int(let v, let shape): return Tensor(shape: shape, data: v.map { Float($0) })
        }
    }

    /// Integer data (floats truncated toward zero; a non-finite float is an error).
    package func ints() throws -> [Int] {
        switch self {
        case .int(let v, _): return v
        case .float(let t):
            return try t.data.map { f in
                guard f.isFinite, abs(f) < 9.0e18 else { throw GraphError("a non-finite value where integers were expected") }
                return Int(f)
            }
        }
    }

    /// The same data, another shape of as many elements.
    package func reshaped(_ newShape: [Int]) -> GraphValue {
        switch self {
        case .float(let t): return .float(t.reshaped(newShape))
        case .int(let v, _): return .int(v, shape: newShape)
        }
    }
}

/// Anything wrong with a graph or a value in it: one line, naming where.
public struct GraphError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The largest tensor a graph may make (2²⁸ elements, 1 GiB of floats): a shape computed from a
/// hostile file must fail here, not in the allocator.
package let maxGraphElements = 1 << 28

/// Element count of a shape, or an error when it is negative, overflows or exceeds the limit.
package func checkedCount(_ shape: [Int]) throws -> Int {
    guard let n = Tensor.elementCount(shape) else { throw GraphError("invalid shape \(shape)") }
    guard n <= maxGraphElements else { throw GraphError("shape \(shape) has \(n) elements, more than the \(maxGraphElements) allowed") }
    return n
}

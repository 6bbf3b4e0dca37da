import Foundation
import LatentCore

/// Element-wise activations. Each keeps its output (or input) for the backward pass.
public final class ReLU: Layer {
    private var output = Tensor(zeros: [0])
    public init() {}
    public var spec: OpSpec { .relu }

    // Single-pass maps into fresh buffers: mutating a copy would first duplicate the input, which the
    // previous layer still holds.
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var y = Tensor.uninitialized(shape: x.shape)
        y.data.withUnsafeMutableBufferPointer { out in
            x.data.withUnsafeBufferPointer { inp in for i in 0..<inp.count { out[i] = max(inp[i], 0) } }
        }
        output = y
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var dx = Tensor.uninitialized(shape: dy.shape)
        dx.data.withUnsafeMutableBufferPointer { d in
            output.data.withUnsafeBufferPointer { y in
                dy.data.withUnsafeBufferPointer { g in for i in 0..<g.count { d[i] = y[i] > 0 ? g[i] : 0 } }
            }
        }
        return dx
    }
}

/// max(x, slope·x); PyTorch's default slope is 0.01.
public final class LeakyReLU: Layer {
    public let slope: Float
    private var input = Tensor(zeros: [0])
    public init(slope: Float = 0.01) { self.slope = slope }
    public var spec: OpSpec { .leakyReLU(slope: slope) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        input = x
        var y = x
        let s = slope
        y.data.withUnsafeMutableBufferPointer { p in for i in p.indices where p[i] < 0 { p[i] *= s } }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var dx = dy
        let s = slope
        dx.data.withUnsafeMutableBufferPointer { d in
            input.data.withUnsafeBufferPointer { x in for i in d.indices where x[i] < 0 { d[i] *= s } }
        }
        return dx
    }
}

/// 1 / (1 + e^-x). Decoders end in it, so images come out in [0, 1].
public final class Sigmoid: Layer {
    private var output = Tensor(zeros: [0])
    public init() {}
    public var spec: OpSpec { .sigmoid }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var y = x
        y.data.withUnsafeMutableBufferPointer { VectorMath.sigmoid($0) }
        output = y
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var dx = dy
        dx.data.withUnsafeMutableBufferPointer { d in
            output.data.withUnsafeBufferPointer { y in for i in d.indices { d[i] *= y[i] * (1 - y[i]) } }
        }
        return dx
    }
}

public final class Tanh: Layer {
    private var output = Tensor(zeros: [0])
    public init() {}
    public var spec: OpSpec { .tanh }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var y = x
        y.data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = Foundation.tanh(p[i]) } }
        output = y
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var dx = dy
        dx.data.withUnsafeMutableBufferPointer { d in
            output.data.withUnsafeBufferPointer { y in for i in d.indices { d[i] *= 1 - y[i] * y[i] } }
        }
        return dx
    }
}

/// The logistic function, stable for large |x|.
@inline(__always)
public func sigmoid(_ x: Float) -> Float {
    x >= 0 ? 1 / (1 + expf(-x)) : { let e = expf(x); return e / (1 + e) }()
}

import Foundation
import LatentCore

/// Element-wise activations. Each keeps its output (or input) for the backward pass.
public final class ReLU: Layer {
    private var output = Tensor(zeros: [0])
    public init() {}
    public var spec: OpSpec { .relu }

    // Single-pass maps into fresh buffers: mutating a copy would first duplicate the input, which the
    // previous layer still holds. Large tensors are split over the compute threads (element-wise, so
    // the bits do not depend on the split).
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard x.count > 0 else { output = x; return x }
        var y = Tensor.uninitialized(shape: x.shape)
        y.data.withUnsafeMutableBufferPointer { out in
            x.data.withUnsafeBufferPointer { inp in
                let X = UncheckedConst(inp.baseAddress!), Y = UncheckedPointer(out.baseAddress!)
                elementwiseRanges(inp.count) { r in
                    VectorMath.relu(UnsafeBufferPointer(start: X.pointer + r.lowerBound, count: r.count), into: Y.pointer + r.lowerBound)
                }
            }
        }
        output = y
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard dy.count > 0 else { return dy }
        var dx = Tensor.uninitialized(shape: dy.shape)
        dx.data.withUnsafeMutableBufferPointer { d in
            output.data.withUnsafeBufferPointer { y in
                dy.data.withUnsafeBufferPointer { g in
                    let D = UncheckedPointer(d.baseAddress!), Y = UncheckedConst(y.baseAddress!), G = UncheckedConst(g.baseAddress!)
                    elementwiseRanges(g.count) { r in
                        VectorMath.reluBackward(output: Y.pointer + r.lowerBound,
                                                UnsafeBufferPointer(start: G.pointer + r.lowerBound, count: r.count),
                                                into: D.pointer + r.lowerBound)
                    }
                }
            }
        }
        return dx
    }
}

/// Splits an element-wise pass over `count` elements between the compute threads when it is large
/// enough to pay for the hand-over (a training batch's activations), else runs it inline.
func elementwiseRanges(_ count: Int, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    parallelRanges(count, threads: count >= 1 << 16 ? ComputeThreads.current : 1, body)
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

import LatentCore
import LatentOps

/// Element-wise activations: the forward pass is the op library's `Activation` (what imported graphs
/// run); each layer keeps its output (or input) for the backward pass.
public final class ReLU: Layer {
    private var output = Tensor(zeros: [0])
    public init() {}
    public var spec: OpSpec { .relu }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        output = Activation.relu.forward(x)
        return output
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

/// max(x, slope·x); PyTorch's default slope is 0.01.
public final class LeakyReLU: Layer {
    public let slope: Float
    private var input = Tensor(zeros: [0])
    public init(slope: Float = 0.01) { self.slope = slope }
    public var spec: OpSpec { .leakyReLU(slope: slope) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        input = x
        return Activation.leakyRelu(slope: slope).forward(x)
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
        output = Activation.sigmoid.forward(x)
        return output
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
        output = Activation.tanh.forward(x)
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var dx = dy
        dx.data.withUnsafeMutableBufferPointer { d in
            output.data.withUnsafeBufferPointer { y in for i in d.indices { d[i] *= 1 - y[i] * y[i] } }
        }
        return dx
    }
}
